import type { MockRequestInfo, MockTurn } from '@claude-gateway/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgentRunner } from './agent-runner.js';
import { createEventLog } from './memory-event-log.js';
import {
  closeMocks,
  eventsOf,
  localTools,
  runnerFor,
  startMock,
  typesOf,
  waitFor,
} from './runner-test-helpers.js';

afterEach(closeMocks);

const hi = [{ role: 'user' as const, content: 'Hi' }];
const TIMEOUT = { code: 'timeout', message: 'the run exceeded its time limit of 300 ms' };

// Each run below waits on something that never ends by itself (a stream that
// stalls for longer than the test may run, a tool that never settles): it can
// only resolve because the time limit aborted it.
describe('agent runner: run time limit (timeoutMs)', () => {
  it('aborts a stalled model stream and ends with error timeout', async () => {
    const mock = await startMock([
      {
        blocks: [{ type: 'text', text: 'one two three' }],
        fault: { type: 'stall', afterDeltas: 1 },
      },
    ]);
    const log = createEventLog();
    const result = await runnerFor(mock, {
      timeoutMs: 300,
      retry: { stallTimeoutMs: 600_000 },
    }).run({ messages: hi, log });
    expect(result.error).toEqual(TIMEOUT);
    const events = await eventsOf(log);
    expect(typesOf(events)).toEqual(['run_start', 'text_delta', 'error']);
    expect(events.at(-1)).toEqual({ type: 'error', ...TIMEOUT });
    expect(result.messages).toEqual(hi);
    expect(mock.requests).toHaveLength(1);
  });

  it('aborts a tool call that never settles; the call gets a cancelled tool_result', async () => {
    const script = (request: MockRequestInfo): MockTurn =>
      request.index === 0
        ? { blocks: [{ type: 'tool_use', id: 'toolu_slow', name: 'slow', input: {} }] }
        : { blocks: [{ type: 'text', text: 'unreachable' }] };
    const mock = await startMock(script);
    let toolSignal: AbortSignal | undefined;
    const tools = localTools({
      slow: (_input, ctx) => {
        toolSignal = ctx.signal;
        return new Promise(() => {});
      },
    });
    const log = createEventLog();
    const result = await runnerFor(mock, { tools, timeoutMs: 300 }).run({ messages: hi, log });
    expect(result.error).toEqual(TIMEOUT);
    expect(toolSignal?.aborted).toBe(true);
    const events = await eventsOf(log);
    expect(typesOf(events)).toEqual(['run_start', 'usage', 'tool_use', 'tool_result', 'error']);
    expect(events[3]).toMatchObject({ type: 'tool_result', error: { code: 'cancelled' } });
    expect(mock.requests).toHaveLength(1);
  });

  it('aborts a retry backoff', async () => {
    const mock = await startMock([{ fault: { type: 'http_error', status: 429, retryAfter: 50 } }]);
    const log = createEventLog();
    // retry-after: 50 s is honoured (up to a minute), so only the limit can end the wait.
    const result = await runnerFor(mock, { timeoutMs: 300 }).run({ messages: hi, log });
    expect(result.error?.code).toBe('timeout');
    expect(typesOf(await eventsOf(log))).toEqual(['run_start', 'stream_retry', 'error']);
    expect(mock.requests).toHaveLength(1);
  });

  it('a cancel before the limit stays a cancel', async () => {
    const mock = await startMock([
      { blocks: [{ type: 'text', text: 'x' }], fault: { type: 'stall' } },
    ]);
    const log = createEventLog();
    const controller = new AbortController();
    const running = runnerFor(mock, { timeoutMs: 600_000 }).run({
      messages: hi,
      log,
      signal: controller.signal,
    });
    await waitFor(() => mock.requests.length === 1);
    controller.abort();
    expect((await running).error?.code).toBe('cancelled');
  });

  it('does not limit a run that finishes in time, and is refused when out of range', async () => {
    const mock = await startMock([{ blocks: [{ type: 'text', text: 'quick' }] }]);
    const result = await runnerFor(mock, { timeoutMs: 600_000 }).run({
      messages: hi,
      log: createEventLog(),
    });
    expect(result.error).toBeUndefined();
    expect(result.stopReason).toBe('end_turn');
    for (const timeoutMs of [0, 1.5, 2 ** 31]) {
      expect(() => createAgentRunner({ apiKey: 'k', model: 'm', timeoutMs })).toThrow(
        expect.objectContaining({ code: 'invalid_options' }),
      );
    }
  });
});
