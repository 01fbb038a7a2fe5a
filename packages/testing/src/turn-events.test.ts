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
