import { getEventListeners } from 'node:events';
import type { MockRequestInfo, MockTurn } from '@claude-gateway/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventLog } from './memory-event-log.js';
import {
  answersTool,
  closeMocks,
  localTools,
  runnerFor,
  startMock,
  user,
} from './runner-test-helpers.js';

afterEach(closeMocks);

const timers = (): number =>
  process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;

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
    const before = timers();
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
    expect(timers()).toBeLessThanOrEqual(before);
  });
});
