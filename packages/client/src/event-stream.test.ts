// The few cases a real server cannot produce on demand: a 503 before the
// stream opens, a server that repeats entries, a malformed event, a server
// that never comes back. Everything else runs against the real server
// (client.test.ts, resume-torture.test.ts).
import type { LogEntry } from '@claude-gateway/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createGatewayClient, GatewayClientError, type StreamState } from './index.js';

interface Call {
  url: string;
  headers: Headers;
}

function sse(body: string): Response {
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

function entry(seq: number, event: object): string {
  return `id: ${seq}\nevent: ${(event as { type: string }).type}\ndata: ${JSON.stringify(event)}\n\n`;
}

const delta = (text: string) => ({ type: 'text_delta', text });
const complete = {
  type: 'stream_complete',
  stop_reason: 'end_turn',
  usage: {
    input_tokens: 1,
    output_tokens: 1,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  },
  cost_usd: null,
  turns: 1,
};

/** A fetch that answers from a list, one per call, and records each call. */
function scripted(answers: (() => Response | Promise<Response>)[]) {
  const calls: Call[] = [];
  const fetch = async (url: string, init?: RequestInit): Promise<Response> => {
    calls.push({ url, headers: new Headers(init?.headers) });
    const next = answers.shift();
    if (!next) throw new Error('unexpected request');
    return next();
  };
  return { fetch, calls };
}

async function collect(iterable: AsyncIterable<LogEntry>): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const fastRetry = { initialDelayMs: 1, maxDelayMs: 5 };

describe('run.events() against a scripted fetch', () => {
  it('retries a 503 before the stream opens, then streams to the terminal event', async () => {
    const { fetch, calls } = scripted([
      () =>
        new Response(JSON.stringify({ error: { code: 'internal', message: 'busy' } }), {
          status: 503,
          headers: { 'content-type': 'application/json' },
        }),
      () =>
        sse(
          `retry: 1\n\n${entry(1, delta('a'))}event: heartbeat\ndata: {}\n\n${entry(2, complete)}`,
        ),
    ]);
    const client = createGatewayClient({ baseUrl: 'http://gw.test/api/', fetch, retry: fastRetry });
    const states: StreamState[] = [];
    const run = client.session('s1', 'tok').run('r 1');

    const entries = await collect(run.events({ onStateChange: (s) => states.push(s) }));

    expect(entries.map((e) => [e.seq, e.event.type])).toEqual([
      [1, 'text_delta'],
      [2, 'stream_complete'],
    ]);
    expect(states).toEqual(['connecting', 'reconnecting', 'open', 'closed']);
    expect(calls.map((c) => c.url)).toEqual([
      'http://gw.test/api/runs/r%201/events',
      'http://gw.test/api/runs/r%201/events',
    ]);
    expect(calls[0]!.headers.get('authorization')).toBe('Bearer tok');
    expect(calls[0]!.headers.get('accept')).toBe('text/event-stream');
    expect(calls[1]!.headers.get('last-event-id')).toBeNull();
  });

  it('resumes after the last seq it yielded and never yields a seq twice', async () => {
    const { fetch, calls } = scripted([
      () => sse(`retry: 1\n\n${entry(1, delta('a'))}${entry(2, delta('b'))}`), // ends early
      () => sse(`retry: 1\n\n${entry(1, delta('a'))}${entry(2, delta('b'))}${entry(3, complete)}`),
    ]);
    const client = createGatewayClient({ baseUrl: 'http://gw.test/api', fetch, retry: fastRetry });

    const entries = await collect(client.session('s1', 'tok').run('r1').events());

    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(calls[1]!.headers.get('last-event-id')).toBe('2');
  });

  it('throws invalid_response for a malformed event, without retrying', async () => {
    const { fetch, calls } = scripted([
      () => sse(`${entry(1, delta('a'))}id: 2\nevent: text_delta\ndata: {not json\n\n`),
    ]);
    const client = createGatewayClient({ baseUrl: 'http://gw.test/api', fetch, retry: fastRetry });
    const seen: number[] = [];

    const error = await (async () => {
      for await (const e of client.session('s1').run('r1').events()) seen.push(e.seq);
    })().catch((e: unknown) => e);

    expect(seen).toEqual([1]);
    expect(GatewayClientError.isInstance(error) && error.code).toBe('invalid_response');
    expect(calls).toHaveLength(1);
  });

  it('gives up after retry.maxAttempts with the last error', async () => {
    const unavailable = () => new Response('<html>bad gateway</html>', { status: 502 });
    const { fetch, calls } = scripted([unavailable, unavailable, unavailable]);
    const client = createGatewayClient({
      baseUrl: 'http://gw.test/api',
      fetch,
      retry: { ...fastRetry, maxAttempts: 2 },
    });

    const error = await collect(client.session('s1').run('r1').events()).catch((e: unknown) => e);

    expect(GatewayClientError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'http_error', status: 502 });
    expect(calls).toHaveLength(3);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('aborting during the backoff wait ends at once and leaves no timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const unavailable = () => new Response(null, { status: 503 });
    const { fetch, calls } = scripted([unavailable, unavailable]);
    const client = createGatewayClient({
      baseUrl: 'http://gw.test/api',
      fetch,
      retry: { initialDelayMs: 60_000 },
    });
    const controller = new AbortController();
    const states: StreamState[] = [];
    const entries = await collect(
      client
        .session('s1')
        .run('r1')
        .events({
          signal: controller.signal,
          onStateChange: (state) => {
            states.push(state);
            // After the wait has started (setImmediate is not faked).
            if (state === 'reconnecting') setImmediate(() => controller.abort());
          },
        }),
    );

    expect(entries).toEqual([]);
    expect(states).toEqual(['connecting', 'reconnecting', 'closed']);
    expect(calls).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
