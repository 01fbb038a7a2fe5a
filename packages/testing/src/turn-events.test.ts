import { describe, expect, test } from 'vitest';
import { renderTurn, splitEvenly, turnStopReason, wordChunks } from './turn-events.js';

const USAGE = {
  input_tokens: 3,
  output_tokens: 4,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
};

describe('chunking', () => {
  test('word chunks keep their whitespace and rebuild the text exactly', () => {
    const text = '  Hello,\tworld!\n\nNew  line ';
    expect(wordChunks(text).join('')).toBe(text);
    expect(wordChunks('a b')).toEqual(['a ', 'b']);
    expect(wordChunks('')).toEqual(['']);
  });

  test('splitEvenly never splits a character and never makes empty pieces', () => {
    const text = '{"emoji":"😀😀😀"}';
    const pieces = splitEvenly(text, 7);
    expect(pieces).toHaveLength(7);
    expect(pieces.join('')).toBe(text);
    expect(pieces.every((p) => p.length > 0 && !/[\uD800-\uDBFF]$/.test(p))).toBe(true);
    expect(splitEvenly('{}', 3)).toEqual(['{', '}']);
  });
});

describe('renderTurn', () => {
  test('the stop reason defaults to tool_use when a tool is called, else end_turn', () => {
    expect(turnStopReason({ blocks: [{ type: 'text', text: 'x' }] })).toBe('end_turn');
    expect(turnStopReason({ blocks: [{ type: 'tool_use', name: 't', input: {} }] })).toBe(
      'tool_use',
    );
    expect(turnStopReason({ blocks: [], stopReason: 'refusal' })).toBe('refusal');
  });

  test('frames: message_start, first block start, ping, blocks with increasing indexes, message_delta, message_stop', () => {
    const { frames, message } = renderTurn(
      {
        blocks: [
          { type: 'text', text: 'a b' },
          { type: 'redacted_thinking', data: 'zz' },
        ],
      },
      'm',
      USAGE,
      'msg_fixed',
    );
    const events = frames.map((f) => /^event: (\w+)\n/.exec(f.frame)?.[1]);
    expect(events).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(frames.filter((f) => f.delta)).toHaveLength(2);
    expect(frames.every((f) => /^event: \w+\ndata: .+\n\n$/.test(f.frame))).toBe(true);
    const empty = renderTurn({ blocks: [] }, 'm', USAGE).frames.map(
      (f) => /^event: (\w+)/.exec(f.frame)?.[1],
    );
    expect(empty).toEqual(['message_start', 'ping', 'message_delta', 'message_stop']);
    expect(message).toMatchObject({
      id: 'msg_fixed',
      model: 'm',
      content: [
        { type: 'text', text: 'a b' },
        { type: 'redacted_thinking', data: 'zz' },
      ],
      stop_reason: 'end_turn',
      usage: { input_tokens: 3, output_tokens: 4 },
    });
  });
});

describe('usage extras', () => {
  const dataOf = (frame: string): Record<string, unknown> =>
    JSON.parse(frame.split('data: ')[1]!) as Record<string, unknown>;

  test('1-hour cache writes and web searches are sent in usage when set', () => {
    const usage = {
      ...USAGE,
      cache_creation_input_tokens: 30,
      cache_creation_1h_input_tokens: 20,
      web_search_requests: 2,
    };
    const { frames, message } = renderTurn({ blocks: [] }, 'm', usage);
    const start = dataOf(frames[0]!.frame) as { message: { usage: Record<string, unknown> } };
    const delta = dataOf(frames.at(-2)!.frame) as { usage: Record<string, unknown> };
    const split = { ephemeral_5m_input_tokens: 10, ephemeral_1h_input_tokens: 20 };
    const server = { web_search_requests: 2, web_fetch_requests: 0 };
    expect(start.message.usage).toMatchObject({ cache_creation: split, server_tool_use: server });
    expect(delta.usage).toMatchObject({ server_tool_use: server });
    expect(message.usage).toMatchObject({ cache_creation: split, server_tool_use: server });
  });

  test('without them, all cache writes are 5-minute ones and no server_tool_use is sent', () => {
    const { frames, message } = renderTurn({ blocks: [] }, 'm', {
      ...USAGE,
      cache_creation_input_tokens: 30,
    });
    expect(message.usage.cache_creation).toEqual({
      ephemeral_5m_input_tokens: 30,
      ephemeral_1h_input_tokens: 0,
    });
    expect(frames.some((f) => f.frame.includes('server_tool_use'))).toBe(false);
  });
});
