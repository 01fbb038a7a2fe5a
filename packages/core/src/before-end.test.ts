import { textTurn } from '@claude-gateway/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventLog } from './memory-event-log.js';
import type { RunResult } from './agent-runner-types.js';
import { closeMocks, runnerFor, silentLogger, startMock, user } from './runner-test-helpers.js';

afterEach(closeMocks);

describe('RunParams.beforeEnd', () => {
  it('sees the result before the terminal event is appended', async () => {
    const mock = await startMock([textTurn('Hello!')]);
    const log = createEventLog({ id: 'run-1' });
    let seen: { result: RunResult; closed: boolean; last: number } | undefined;
    const result = await runnerFor(mock).run({
      messages: [user('hi')],
      log,
      beforeEnd: async (r) => {
        seen = { result: r, closed: log.closed, last: log.lastSeq() };
      },
    });
    expect(seen?.closed).toBe(false);
    expect(seen?.last).toBe(log.lastSeq() - 1);
    expect(seen?.result).toEqual(result);
    expect(result.messages.at(-1)).toMatchObject({ role: 'assistant' });
  });

  it('is not fatal when it throws: the run ends normally and the logger hears of it', async () => {
    const mock = await startMock([textTurn('Hello!')]);
    const logger = silentLogger();
    const log = createEventLog({ id: 'run-2' });
    const result = await runnerFor(mock, { logger }).run({
      messages: [user('hi')],
      log,
      beforeEnd: () => {
        throw new Error('store down');
      },
    });
    expect(result.error).toBeUndefined();
    expect(log.closed).toBe(true);
    expect(JSON.stringify(logger.errors.concat(logger.warnings))).toContain('store down');
  });

  it('must be a function', async () => {
    const mock = await startMock([textTurn('Hello!')]);
    await expect(
      runnerFor(mock).run({
        messages: [user('hi')],
        log: createEventLog({ id: 'run-3' }),
        beforeEnd: 'nope' as never,
      }),
    ).rejects.toMatchObject({ code: 'invalid_options' });
  });
});
