import type { MockTurn } from '@claude-gateway/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamRetryEvent } from './events.js';
import { createEventLog } from './memory-event-log.js';
import {
  closeMocks,
  entriesOf,
  eventsOf,
  runnerFor,
  startMock,
  typesOf,
} from './runner-test-helpers.js';

afterEach(closeMocks);

const hi = [{ role: 'user' as const, content: 'Hi' }];
const ok: MockTurn = {
  blocks: [{ type: 'text', text: 'All good now', chunks: ['All', ' good', ' now'] }],
};

describe('agent runner: retries', () => {
  it('retries a mid-stream overloaded_error and marks the discarded deltas', async () => {
    const mock = await startMock([
      {
        blocks: [
          {
            type: 'text',
            text: 'Partial answer that breaks',
            chunks: ['Partial', ' answer', ' that', ' breaks'],
          },
        ],
        fault: { type: 'stream_error', afterDeltas: 2, errorType: 'overloaded_error' },
      },
      ok,
    ]);
    const log = createEventLog();
    const result = await runnerFor(mock).run({ messages: hi, log });
    const entries = await entriesOf(log);
    expect(typesOf(entries.map((e) => e.event))).toEqual([
      'run_start',
      'text_delta',
      'text_delta',
      'stream_retry',
      'text_delta',
      'text_delta',
      'text_delta',
      'usage',
      'stream_complete',
    ]);
    const retry = entries[3]!.event as StreamRetryEvent;
    expect(retry).toMatchObject({
      attempt: 1,
      error: { type: 'overloaded_error' },
      discarded_from_seq: entries[1]!.seq,
    });
    expect(retry.delay_ms).toBeGreaterThanOrEqual(0);
    expect(retry.delay_ms).toBeLessThanOrEqual(5);
    // The history holds only the complete turn, never the partial one.
    expect(result.messages[1]).toEqual({
      role: 'assistant',
      content: [{ type: 'text', text: 'All good now' }],
    });
    expect(mock.requests).toHaveLength(2);
  });

  it('marks discarded deltas when the failed attempt had streamed thinking only', async () => {
    const mock = await startMock([
      {
        blocks: [
          { type: 'thinking', thinking: 'a b c', chunks: ['a ', 'b ', 'c'] },
          { type: 'text', text: 'never sent' },
        ],
        fault: { type: 'stream_error', afterDeltas: 2, errorType: 'api_error' },
      },
      ok,
    ]);
    const log = createEventLog();
    const result = await runnerFor(mock).run({ messages: hi, log });
    expect(result.error).toBeUndefined();
    const entries = await entriesOf(log);
    expect(typesOf(entries.slice(0, 4).map((e) => e.event))).toEqual([
      'run_start',
      'thinking_delta',
      'thinking_delta',
      'stream_retry',
    ]);
    expect(entries[3]!.event).toMatchObject({
      error: { type: 'api_error' },
      discarded_from_seq: entries[1]!.seq,
    });
  });

  it('honours retry-after on a 429 and leaves discarded_from_seq out when nothing was streamed', async () => {
    const mock = await startMock([
      { fault: { type: 'http_error', status: 429, retryAfter: 0.05 } },
      ok,
    ]);
    const log = createEventLog();
    const result = await runnerFor(mock).run({ messages: hi, log });
    expect(result.error).toBeUndefined();
    const retry = (await eventsOf(log)).find((e) => e.type === 'stream_retry');
    expect(retry).toEqual({
      type: 'stream_retry',
      attempt: 1,
      delay_ms: 50,
      error: { type: 'rate_limit_error', message: expect.stringContaining('429') },
    });
    // The second request came no earlier than the delay asked for.
    expect(mock.requests[1]!.receivedAt - mock.requests[0]!.receivedAt).toBeGreaterThanOrEqual(45);
  });

  it('prefers retry-after-ms over retry-after (end to end)', async () => {
    const mock = await startMock([
      // retry-after alone would hold the retry for 30 s: the test would time out.
      { fault: { type: 'http_error', status: 529, retryAfter: 30, retryAfterMs: 40 } },
      { fault: { type: 'http_error', status: 429, retryAfterMs: 25 } },
      ok,
    ]);
    const log = createEventLog();
    const result = await runnerFor(mock).run({ messages: hi, log });
    expect(result.error).toBeUndefined();
    const retries = (await eventsOf(log)).filter((e) => e.type === 'stream_retry');
    expect(retries.map((e) => [e.error.type, e.delay_ms])).toEqual([
      ['overloaded_error', 40],
      ['rate_limit_error', 25],
    ]);
  });

  it('retries 529, 500 and a dropped connection, then completes', async () => {
    const mock = await startMock([
      { fault: { type: 'http_error', status: 529 } },
      { fault: { type: 'http_error', status: 500 } },
      { blocks: [{ type: 'text', text: 'cut off here' }], fault: { type: 'drop', afterDeltas: 1 } },
      { blocks: [{ type: 'text', text: 'never sent' }], fault: { type: 'drop', afterDeltas: 0 } },
      ok,
    ]);
    const log = createEventLog();
    const result = await runnerFor(mock, {
      retry: { maxRetries: 4, baseDelayMs: 1, maxDelayMs: 5 },
    }).run({
      messages: hi,
      log,
    });
    expect(result.error).toBeUndefined();
    const retries = (await eventsOf(log)).filter((e) => e.type === 'stream_retry');
    expect(retries.map((e) => [e.attempt, e.error.type])).toEqual([
      [1, 'overloaded_error'],
      [2, 'api_error'],
      [3, 'connection_error'],
      [4, 'connection_error'],
    ]);
    expect(retries[2]!.discarded_from_seq).toBeGreaterThan(0);
  });

  it.each([
    [529, 'overloaded'],
    [429, 'rate_limited'],
    [503, 'upstream_error'],
  ] as const)('ends with the right code when retries run out (%i → %s)', async (status, code) => {
    const fault: MockTurn = { fault: { type: 'http_error', status } };
    const mock = await startMock([fault, fault, fault, ok]);
    const log = createEventLog();
    const result = await runnerFor(mock, {
      retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 },
    }).run({ messages: hi, log });
    expect(mock.requests).toHaveLength(3);
    expect(result.error?.code).toBe(code);
    expect(result.error?.message).toContain('after 2 retries');
    const events = await eventsOf(log);
    expect(typesOf(events)).toEqual(['run_start', 'stream_retry', 'stream_retry', 'error']);
    expect(events.at(-1)).toEqual({ type: 'error', ...result.error });
    expect(result.messages).toEqual(hi);
  });

  it("follows the API's x-should-retry header over its own rules", async () => {
    const noRetry = { 'x-should-retry': 'false' };
    const mock = await startMock([
      { fault: { type: 'http_error', status: 400, headers: { 'x-should-retry': 'true' } } },
      { fault: { type: 'http_error', status: 529, headers: noRetry } },
      ok,
    ]);
    const log = createEventLog();
    const result = await runnerFor(mock).run({ messages: hi, log });
    expect(mock.requests).toHaveLength(2);
    expect(result.error?.code).toBe('overloaded');
    expect(typesOf(await eventsOf(log))).toEqual(['run_start', 'stream_retry', 'error']);
  });

  it.each([
    [401, 'authentication'],
    [403, 'authentication'],
    [400, 'invalid_request'],
  ] as const)('does not retry %i (→ %s)', async (status, code) => {
    const mock = await startMock([{ fault: { type: 'http_error', status } }, ok]);
    const log = createEventLog();
    const result = await runnerFor(mock).run({ messages: hi, log });
    expect(mock.requests).toHaveLength(1);
    expect(result.error?.code).toBe(code);
    expect(typesOf(await eventsOf(log))).toEqual(['run_start', 'error']);
  });

  it('detects a stall, aborts the attempt and retries it', async () => {
    const mock = await startMock([
      {
        blocks: [{ type: 'text', text: 'never finishes' }],
        fault: { type: 'stall', afterDeltas: 1 },
      },
      ok,
    ]);
    const log = createEventLog();
    const result = await runnerFor(mock, {
      retry: { stallTimeoutMs: 300, baseDelayMs: 1, maxDelayMs: 2 },
    }).run({
      messages: hi,
      log,
    });
    expect(result.error).toBeUndefined();
    const entries = await entriesOf(log);
    const retry = entries.find((e) => e.event.type === 'stream_retry')!.event as StreamRetryEvent;
    expect(retry.error.type).toBe('stall');
    expect(retry.discarded_from_seq).toBe(entries[1]!.seq);
    expect(result.messages[1]).toEqual({
      role: 'assistant',
      content: [{ type: 'text', text: 'All good now' }],
    });
  });

  it('counts pings as signs of life: a slow stream that pings is not a stall', async () => {
    // 500 ms between events (six waits), a ping every 25 ms, a 400 ms stall limit.
    const slow: MockTurn = {
      blocks: [{ type: 'text', text: 'fine', chunks: ['fine'] }],
      delayMs: 500,
      pingEveryMs: 25,
    };
    const mock = await startMock([slow, ok]);
    const log = createEventLog();
    const result = await runnerFor(mock, {
      retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1, stallTimeoutMs: 400 },
    }).run({ messages: hi, log });
    expect(result.error).toBeUndefined();
    expect(typesOf(await eventsOf(log))).not.toContain('stream_retry');
    expect(mock.requests).toHaveLength(1);
  });

  it('ends with stalled when every attempt stalls', async () => {
    const stall: MockTurn = { blocks: [{ type: 'text', text: 'x' }], fault: { type: 'stall' } };
    const mock = await startMock([stall, stall]);
    const result = await runnerFor(mock, {
      retry: { maxRetries: 1, stallTimeoutMs: 100, baseDelayMs: 1, maxDelayMs: 2 },
    }).run({
      messages: hi,
      log: createEventLog(),
    });
    expect(result.error?.code).toBe('stalled');
    expect(mock.requests).toHaveLength(2);
  });
});
