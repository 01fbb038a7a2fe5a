import type Anthropic from '@anthropic-ai/sdk';
import { describe, expect, test } from 'vitest';
import { thinkingSignature } from './ids.js';
import {
  clientFor,
  MODEL,
  postMessages,
  RICH_TURN,
  USER,
  useMockAnthropic,
} from './test-helpers.js';
import { textTurn } from './turns.js';

const start = useMockAnthropic();

describe('streaming through the real SDK', () => {
  test('finalMessage() rebuilds thinking with its signature, redacted thinking, text and a parsed tool input', async () => {
    const mock = await start({ script: [RICH_TURN] });
    const stream = clientFor(mock).messages.stream({
      model: MODEL,
      max_tokens: 4096,
      messages: USER,
    });
    const texts: string[] = [];
    const thinking: string[] = [];
    const signatures: string[] = [];
    const jsonPieces: string[] = [];
    stream.on('text', (delta) => texts.push(delta));
    stream.on('thinking', (delta) => thinking.push(delta));
    stream.on('signature', (sig) => signatures.push(sig));
    stream.on('inputJson', (partial) => jsonPieces.push(partial));
    const message = await stream.finalMessage();

    expect(message.id).toMatch(/^msg_01[0-9A-Za-z]{22}$/);
    expect(message.model).toBe(MODEL);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([
      {
        type: 'thinking',
        thinking: 'The user greets me. I should check the weather.',
        signature: thinkingSignature('The user greets me. I should check the weather.'),
      },
      {
        type: 'redacted_thinking',
        data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP',
      },
      { type: 'text', text: 'Let me look that up for you.' },
      {
        type: 'tool_use',
        id: 'toolu_01A09q90qw90lq917835lq9',
        name: 'get_weather',
        input: { city: 'Paris', days: 3 },
      },
    ]);
    // One delta per word, thinking streamed in pieces, tool input split in three.
    expect(texts).toEqual(['Let ', 'me ', 'look ', 'that ', 'up ', 'for ', 'you.']);
    expect(thinking.length).toBeGreaterThan(3);
    expect(signatures).toHaveLength(1);
    expect(jsonPieces).toHaveLength(3);
    expect(jsonPieces.join('')).toBe('{"city":"Paris","days":3}');
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.cache_creation_input_tokens).toBe(0);
    expect(message.usage.cache_read_input_tokens).toBe(0);
  });

  test('exact chunks and the number of tool input pieces follow the script', async () => {
    const mock = await start({
      script: [
        {
          blocks: [
            { type: 'text', text: 'ignored', chunks: ['Hel', 'lo', '!'] },
            { type: 'tool_use', name: 'noop', input: { a: 'bcdefgh' }, partialChunks: 5 },
          ],
          stopReason: 'tool_use',
        },
      ],
    });
    const pieces: string[] = [];
    const texts: string[] = [];
    const stream = clientFor(mock).messages.stream({
      model: MODEL,
      max_tokens: 100,
      messages: USER,
    });
    stream.on('text', (t) => texts.push(t));
    stream.on('inputJson', (p) => pieces.push(p));
    const message = await stream.finalMessage();
    expect(texts).toEqual(['Hel', 'lo', '!']);
    expect(pieces).toHaveLength(5);
    const toolUse = message.content[1] as Anthropic.ToolUseBlock;
    expect(toolUse.id).toMatch(/^toolu_01[0-9A-Za-z]{22}$/);
    expect(toolUse.input).toEqual({ a: 'bcdefgh' });
  });

  test('rawJson streams tool input cut short, as a max_tokens stop does', async () => {
    const mock = await start({
      script: [
        {
          blocks: [
            { type: 'tool_use', name: 'f', input: {}, rawJson: '{"q": "ab', partialChunks: 2 },
          ],
          stopReason: 'max_tokens',
        },
      ],
    });
    const events = await clientFor(mock).messages.create({
      model: MODEL,
      max_tokens: 100,
      messages: USER,
      stream: true,
    });
    const pieces: string[] = [];
    let stopReason: string | null = null;
    for await (const event of events) {
      if (event.type === 'content_block_delta' && event.delta.type === 'input_json_delta')
        pieces.push(event.delta.partial_json);
      if (event.type === 'message_delta') stopReason = event.delta.stop_reason;
    }
    expect(pieces).toEqual(['{"q"', ': "ab']);
    expect(stopReason).toBe('max_tokens');
  });

  test('pingEveryMs sends pings while a slow turn waits between events', async () => {
    const mock = await start({
      script: [
        { blocks: [{ type: 'text', text: 'Hi', chunks: ['Hi'] }], delayMs: 60, pingEveryMs: 20 },
      ],
    });
    const response = await postMessages(mock, {
      model: MODEL,
      max_tokens: 10,
      messages: USER,
      stream: true,
    });
    const body = await response.text();
    // At least one extra ping in each of the 6 waits, beside the API's usual one.
    expect(body.split('event: ping\n').length - 1).toBeGreaterThanOrEqual(7);
    expect(body.trimEnd().endsWith('event: message_stop\ndata: {"type":"message_stop"}')).toBe(
      true,
    );
  });

  test('create({ stream: true }) yields the raw events in the API order', async () => {
    const mock = await start({ script: [textTurn('Hi there')] });
    const events = await clientFor(mock).messages.create({
      model: MODEL,
      max_tokens: 100,
      messages: USER,
      stream: true,
    });
    const types: string[] = [];
    for await (const event of events) types.push(event.type);
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  test('the bytes on the wire are the real SSE framing', async () => {
    const mock = await start({
      script: [
        {
          blocks: [
            { type: 'text', text: 'Hi you' },
            { type: 'tool_use', id: 'toolu_01X', name: 'f', input: { q: 'ab' }, partialChunks: 2 },
          ],
          usage: { input_tokens: 12, output_tokens: 7 },
        },
      ],
    });
    const response = await postMessages(mock, {
      model: MODEL,
      max_tokens: 10,
      messages: USER,
      stream: true,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('request-id')).toMatch(/^req_01/);
    const body = await response.text();
    const id = /"id":"(msg_01[0-9A-Za-z]{22})"/.exec(body)?.[1];
    expect(id).toBeDefined();
    const usage =
      '"usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,' +
      '"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},"output_tokens":1,"service_tier":"standard"}';
    expect(body).toBe(
      [
        `event: message_start\ndata: {"type":"message_start","message":{"id":"${id}","type":"message","role":"assistant","model":"${MODEL}","content":[],"stop_reason":null,"stop_sequence":null,${usage}}}\n\n`,
        'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
        'event: ping\ndata: {"type": "ping"}\n\n',
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi "}}\n\n',
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"you"}}\n\n',
        'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n',
        'event: content_block_start\ndata: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01X","name":"f","input":{}}}\n\n',
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"q\\":"}}\n\n',
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\\"ab\\"}"}}\n\n',
        'event: content_block_stop\ndata: {"type":"content_block_stop","index":1}\n\n',
        'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":7}}\n\n',
        'event: message_stop\ndata: {"type":"message_stop"}\n\n',
      ].join(''),
    );
  });

  test('thinking streams thinking_delta then one signature_delta; redacted thinking carries its data at start', async () => {
    const mock = await start({
      script: [
        {
          blocks: [
            { type: 'thinking', thinking: 'a b', signature: 'c2ln' },
            { type: 'redacted_thinking', data: 'opaque' },
          ],
        },
      ],
    });
    const body = await (
      await postMessages(mock, { model: MODEL, max_tokens: 10, messages: USER, stream: true })
    ).text();
    expect(body).toContain(
      'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}\n\n' +
        'event: ping\ndata: {"type": "ping"}\n\n' +
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"a "}}\n\n' +
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"b"}}\n\n' +
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"c2ln"}}\n\n' +
        'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n' +
        'event: content_block_start\ndata: {"type":"content_block_start","index":1,"content_block":{"type":"redacted_thinking","data":"opaque"}}\n\n' +
        'event: content_block_stop\ndata: {"type":"content_block_stop","index":1}\n\n',
    );
  });
});
