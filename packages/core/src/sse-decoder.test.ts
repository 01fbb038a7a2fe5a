import { Stream } from '@anthropic-ai/sdk/core/streaming';
import { describe, expect, it } from 'vitest';
import { SseDecoder, type SseEvent } from './sse-decoder.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Feeds `chunks` (strings or raw bytes) and returns every event, the end included. */
function decode(chunks: (string | Uint8Array)[]): SseEvent[] {
  const decoder = new SseDecoder();
  const events: SseEvent[] = [];
  for (const chunk of chunks) {
    events.push(...decoder.push(typeof chunk === 'string' ? bytes(chunk) : chunk));
  }
  events.push(...decoder.end());
  return events;
}

describe('SseDecoder', () => {
  it('decodes every event of a chunk at once, with LF, CRLF and CR line ends', () => {
    const decoder = new SseDecoder();
    const events = decoder.push(
      bytes('event: a\ndata: 1\n\nevent: b\r\ndata: 2\r\n\r\nevent: c\rdata: 3\r\r'),
    );
    expect(events).toEqual([
      { event: 'a', data: '1' },
      { event: 'b', data: '2' },
    ]);
    // A CR last in a chunk may be half of a CRLF: it waits for the next byte.
    expect(decoder.push(bytes('x'))).toEqual([{ event: 'c', data: '3' }]);
  });

  it('joins events split anywhere across chunks, a CRLF and a multi-byte character included', () => {
    const text = 'event: message\r\ndata: {"text":"h\u00e9llo \u{1f600}"}\r\n\r\n';
    const all = bytes(text);
    for (let cut = 1; cut < all.length; cut++) {
      expect(decode([all.subarray(0, cut), all.subarray(cut)])).toEqual([
        { event: 'message', data: '{"text":"h\u00e9llo \u{1f600}"}' },
      ]);
    }
  });

  it('follows the SDK parser: comments, other fields, one space dropped, data lines joined', () => {
    expect(
      decode([
        ': a comment\nid: 4\nretry: 10\nevent:ping\ndata\ndata:  two spaces\ndata: x\n\n',
        'data: no event name\n\n',
        '\ufeffevent: bom\ndata: y\n\n',
      ]),
    ).toEqual([
      { event: 'ping', data: '\n two spaces\nx' },
      { event: null, data: 'no event name' },
      { event: 'bom', data: 'y' },
    ]);
  });

  it('skips blank lines without fields and drops an event the stream never ended', () => {
    expect(decode(['\n\n: keep-alive\n\nevent: ', 'last\ndata: 1'])).toEqual([]);
    // An empty event name and no data is nothing.
    expect(decode(['event:\n\n'])).toEqual([]);
  });

  it('ends an event at the end of the stream when only its blank line had a CR', () => {
    expect(decode(['event: a\ndata: 1\n\r'])).toEqual([{ event: 'a', data: '1' }]);
  });
});

describe('SseDecoder against the SDK parser', () => {
  /** A small seeded generator, so a failure can be replayed. */
  function random(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return state / 2 ** 31;
    };
  }

  async function sdkEvents(chunks: Uint8Array[]): Promise<SseEvent[]> {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    const events: SseEvent[] = [];
    for await (const sse of Stream.rawEvents(new Response(body))) {
      events.push({ event: sse.event, data: sse.data });
    }
    return events;
  }

  it('gives the same events for random streams cut at random places', async () => {
    const pieces = [
      'event: content_block_delta',
      'event:ping',
      'event:',
      'data: {"a":"\u00e9\u{1f600}"}',
      'data:x',
      'data',
      ': comment',
      'id: 3',
      '\ufeffdata: bom',
      '',
      '',
    ];
    const ends = ['\n', '\r\n', '\r'];
    const next = random(42);
    const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)]!;
    for (let round = 0; round < 200; round++) {
      let text = '';
      for (let line = 0; line < 12; line++) text += pick(pieces) + pick(ends);
      if (next() < 0.3) text += pick(pieces); // an unterminated last line
      const all = bytes(text);
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < all.length;) {
        const size = 1 + Math.floor(next() * 20);
        chunks.push(all.subarray(at, at + size));
        at += size;
      }
      expect(decode(chunks), JSON.stringify(text)).toEqual(await sdkEvents(chunks));
    }
  });
});
