import { getEventListeners } from 'node:events';
import type { MockRequestInfo, MockTurn } from '@claude-gateway/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEventLog } from './memory-event-log.js';
import {
  answersTool,
  closeMocks,
  localTools,
  runnerFor,
  startMock,
  user,
} from './runner-test-helpers.js';

afterEach(async () => {
  vi.restoreAllMocks();
  await closeMocks();
});

/**
 * Tracks the timers this package's own code creates (by the creating stack),
 * so timers of the SDK, undici or the mock server (the whole process shares
 * them) cannot make the count flaky. `pending()` lists those neither fired
 * nor cleared.
 */
function trackOwnTimers() {
  const live = new Map<unknown, string>();
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const ours = (stack: string): boolean =>
    stack
      .split('\n')
      .slice(2)
      .some((line) => /packages\/core\/src\/(?!.*\.test\.ts)/.test(line));
  vi.spyOn(globalThis, 'setTimeout').mockImplementation(((
    fn: (...args: unknown[]) => void,
    ms?: number,
    ...args: unknown[]
  ) => {
    const stack = new Error().stack ?? '';
    const handle = realSet(
      (...a: unknown[]) => {
        live.delete(handle);
        fn(...a);
      },
      ms,
      ...args,
    );
    if (ours(stack)) live.set(handle, stack);
    return handle;
  }) as typeof setTimeout);
  vi.spyOn(globalThis, 'clearTimeout').mockImplementation((handle?: unknown) => {
    live.delete(handle);
    realClear(handle as Parameters<typeof clearTimeout>[0]);
  });
  return { pending: () => [...live.values()], created: () => live.size };
}

const isChild = (request: MockRequestInfo): boolean =>
  JSON.stringify(request.body.system ?? '').includes('helper');

describe('agent runner: nothing is left behind', () => {
  it('removes its listeners from the caller signal and clears its timers, on success and on failure', async () => {
    let failFirst = true;
    const mock = await startMock((request): MockTurn => {
      if (isChild(request)) return { blocks: [{ type: 'text', text: 'child done' }] };
      if (failFirst) {
        failFirst = false;
        return { fault: { type: 'http_error', status: 529 } };
      }
      if (answersTool(request)) return { blocks: [{ type: 'text', text: 'done' }] };
      return {
        blocks: [
          { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: {} },
          { type: 'tool_use', id: 'toolu_2', name: 'helper', input: { task: 'help' } },
        ],
      };
    });
    const runner = runnerFor(mock, {
      tools: localTools({ lookup: () => 'A' }),
      subAgents: [{ name: 'helper', description: 'Helps.', systemPrompt: 'You are a helper.' }],
      timeoutMs: 60_000,
    });
    const own = trackOwnTimers();
    const signal = new AbortController().signal;
    const ok = await runner.run({ messages: [user('go')], log: createEventLog(), signal });
    expect(ok.error).toBeUndefined();
    expect(ok.turns).toBe(2);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);

    mock.setScript(() => ({ fault: { type: 'stall' } }));
    const stalled = await runnerFor(mock, {
      retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1, stallTimeoutMs: 50 },
      timeoutMs: 60_000,
    }).run({ messages: [user('go')], log: createEventLog(), signal });
    expect(stalled.error).toMatchObject({ code: 'stalled' });
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    expect(own.pending()).toEqual([]);
  });
});
