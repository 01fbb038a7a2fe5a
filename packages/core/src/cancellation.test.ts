import type { MockRequestInfo, MockTurn } from '@claude-gateway/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventLog } from './memory-event-log.js';
import type { ToolExecutor, ToolOutcome } from './tools.js';
import {
  closeMocks,
  eventsOf,
  localTools,
  runnerFor,
  snapshot,
  startMock,
  typesOf,
  waitFor,
} from './runner-test-helpers.js';

afterEach(closeMocks);

const hi = [{ role: 'user' as const, content: 'Hi' }];
// Promptness is proven by structure, not by the clock: each run below waits
// on something that never ends by itself within the test's time (a stream that
// stalls with a 60 s stall timeout, a tool that never settles, a 55 s
// retry-after), so it resolves only because the cancel cut the wait short;
// without that the test would time out.

describe('agent runner: cancellation', () => {
  it('cancels a stalled stream promptly', async () => {
    const mock = await startMock([
      {
        blocks: [{ type: 'text', text: 'one two three' }],
        fault: { type: 'stall', afterDeltas: 1 },
      },
    ]);
    const log = createEventLog();
    const controller = new AbortController();
    const running = runnerFor(mock, { retry: { stallTimeoutMs: 60_000 } }).run({
      messages: hi,
      log,
      signal: controller.signal,
    });
    await waitFor(() => log.lastSeq() >= 2); // run_start + the first delta
    controller.abort();
    const result = await running;
    expect(result.error).toEqual({ code: 'cancelled', message: 'the run was cancelled' });
    const events = await eventsOf(log);
    expect(typesOf(events)).toEqual(['run_start', 'text_delta', 'error']);
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'cancelled' });
    expect(result.messages).toEqual(hi);
  });

  it("puts a cooperative tool's own cancel events before its tool_result", async () => {
    // Like the dispatcher's approval gate: on abort the tool appends its audit
    // event, then answers `cancelled` with its source.
    const mock = await startMock([
      { blocks: [{ type: 'tool_use', id: 'toolu_gated', name: 'gated', input: {} }] },
    ]);
    let waiting = false;
    const tools: ToolExecutor = {
      definitions: () => [
        { name: 'gated', description: 'waits for a person', input_schema: { type: 'object' } },
      ],
      execute: (call, ctx) =>
        new Promise<ToolOutcome>((resolve) => {
          waiting = true;
          ctx.signal.addEventListener('abort', () => {
            void (async () => {
              await ctx.log.append({
                type: 'tool_approval_decision',
                tool_use_id: call.id,
                approved: false,
                reason: 'cancelled',
              });
              resolve({ error: { code: 'cancelled', message: 'stopped' }, source: 'approvals' });
            })();
          });
        }),
    };
    const log = createEventLog();
    const controller = new AbortController();
    const running = runnerFor(mock, { tools }).run({
      messages: hi,
      log,
      signal: controller.signal,
    });
    await waitFor(() => waiting);
    controller.abort();
    const result = await running;
    expect(result.error?.code).toBe('cancelled');
    const events = await eventsOf(log);
    expect(typesOf(events)).toEqual([
      'run_start',
      'usage',
      'tool_use',
      'tool_approval_decision',
      'tool_result',
      'error',
    ]);
    expect(events[4]).toMatchObject({
      type: 'tool_result',
      error: { code: 'cancelled', message: 'stopped' },
      source: 'approvals',
    });
  });

  it('cancels a slow tool that ignores its signal, without waiting for it', async () => {
    const script = (request: MockRequestInfo): MockTurn =>
      request.index === 0
        ? {
            blocks: [
              { type: 'tool_use', id: 'toolu_slow', name: 'slow', input: {} },
              { type: 'tool_use', id: 'toolu_next', name: 'next', input: {} },
            ],
          }
        : { blocks: [{ type: 'text', text: 'unreachable' }] };
    const mock = await startMock(script);
    let toolSignal: AbortSignal | undefined;
    let nextRan = false;
    const tools = localTools({
      slow: (_input, ctx) => {
        toolSignal = ctx.signal;
        return new Promise(() => {}); // never settles, ignores the signal
      },
      next: () => {
        nextRan = true;
        return 'x';
      },
    });
    const log = createEventLog();
    const controller = new AbortController();
    // One call at a time: `next` waits behind `slow`, so the cancel reaches it unstarted.
    const running = runnerFor(mock, { tools, maxParallelTools: 1 }).run({
      messages: hi,
      log,
      signal: controller.signal,
    });
    await waitFor(() => toolSignal !== undefined);
    controller.abort();
    const result = await running;
    expect(toolSignal!.aborted).toBe(true);
    expect(nextRan).toBe(false);
    expect(result.error?.code).toBe('cancelled');
    const events = await eventsOf(log);
    expect(typesOf(events)).toEqual([
      'run_start',
      'usage',
      'tool_use',
      'tool_use',
      'tool_result',
      'tool_result',
      'error',
    ]);
    expect(events.filter((e) => e.type === 'tool_result').map((e) => e.error?.code)).toEqual([
      'cancelled',
      'cancelled',
    ]);
    // Every tool_use has its tool_result: the history can be sent again.
    expect(result.messages.at(-1)).toEqual({
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: 'toolu_slow',
          is_error: true,
          content: [{ type: 'text', text: 'cancelled: the run was cancelled' }],
        },
        {
          type: 'tool_result',
          tool_use_id: 'toolu_next',
          is_error: true,
          content: [{ type: 'text', text: 'cancelled: the run was cancelled' }],
        },
      ],
    });
    expect(mock.requests).toHaveLength(1);
  });

  it('cancels during a retry backoff', async () => {
    const mock = await startMock([{ fault: { type: 'http_error', status: 429, retryAfter: 55 } }]);
    const log = createEventLog();
    const controller = new AbortController();
    const running = runnerFor(mock).run({ messages: hi, log, signal: controller.signal });
    await waitFor(() => log.lastSeq() >= 2);
    expect((await snapshot(log)).at(-1)).toMatchObject({ type: 'stream_retry', delay_ms: 55_000 });
    controller.abort();
    const result = await running;
    expect(result.error?.code).toBe('cancelled');
    expect(mock.requests).toHaveLength(1);
  });

  it('ends at once when the signal is already aborted', async () => {
    const mock = await startMock([{ blocks: [{ type: 'text', text: 'x' }] }]);
    const log = createEventLog();
    const result = await runnerFor(mock).run({ messages: hi, log, signal: AbortSignal.abort() });
    expect(result.error?.code).toBe('cancelled');
    expect(typesOf(await eventsOf(log))).toEqual(['run_start', 'error']);
    expect(mock.requests).toHaveLength(0);
  });
});
