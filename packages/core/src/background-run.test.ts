import {
  textTurn,
  toolUseTurn,
  type MockRequestInfo,
  type MockTurn,
} from '@claude-gateway/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunResult } from './agent-runner-types.js';
import type { Logger } from './logger.js';
import { createEventLog } from './memory-event-log.js';
import {
  closeMocks,
  eventsOf,
  localTools,
  runnerFor,
  silentLogger,
  startMock,
  typesOf,
} from './runner-test-helpers.js';
import type { ToolDefinition, ToolExecutor } from './tools.js';

// A server starts runs in the background (no await at the call site) and
// must never be crashed by one: whatever user code or another party does,
// run() settles by resolving, and nothing becomes an unhandled rejection.
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  await closeMocks();
});

/** Lets any rejection left behind be reported before the test checks. */
const settleTicks = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
};

const hi = [{ role: 'user' as const, content: 'Hi' }];
const ECHO: ToolDefinition = {
  name: 'echo',
  description: 'Echoes',
  input_schema: { type: 'object', properties: {} },
};

/** First turn calls `echo`, the next answers in text. */
function echoLoop(request: MockRequestInfo): MockTurn {
  return request.index === 0
    ? { blocks: [{ type: 'tool_use', id: 'toolu_e', name: 'echo', input: {} }] }
    : { blocks: [{ type: 'text', text: 'after the tool' }] };
}

/** Starts a run the way a server does: not awaited at the call site. */
function startInBackground(run: () => Promise<RunResult>): { done: Promise<RunResult> } {
  const done = run();
  return { done };
}

describe('agent runner: runs started in the background', () => {
  it('resolves with internal when someone else closes the log mid-run', async () => {
    // The log is closed while a tool call is held open by the test, so the
    // runner's next append (the tool_result) meets a closed log however slow
    // the machine is: no race with a stream's timing.
    const mock = await startMock([toolUseTurn('hold', {}), textTurn('never sent')]);
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const tools = localTools({
      hold: async () => {
        started();
        await released;
        return 'done';
      },
    });
    const log = createEventLog();
    const logger = silentLogger();
    const { done } = startInBackground(() =>
      runnerFor(mock, { logger, tools }).run({ messages: hi, log }),
    );
    await running;
    await log.close({ code: 'cancelled', message: 'closed by the server' });
    release();
    const result = await done;
    await settleTicks();
    expect(result.error?.code).toBe('internal');
    expect(logger.errors.map((e) => e.message)).toEqual([
      'claude-gateway: the run could not write to its event log',
    ]);
    expect((await eventsOf(log)).at(-1)).toMatchObject({ type: 'error', code: 'cancelled' });
    expect(unhandled).toEqual([]);
  });

  it('survives hooks that throw and reject, and a logger that throws too', async () => {
    const mock = await startMock(echoLoop);
    const log = createEventLog();
    const throwingLogger: Logger = {
      warn: () => {
        throw new Error('logger broke');
      },
      error: () => {
        throw new Error('logger broke');
      },
    };
    const tools: ToolExecutor = {
      definitions: () => [ECHO],
      execute: () => Promise.resolve({ result: 'echoed' }),
    };
    const { done } = startInBackground(() =>
      runnerFor(mock, {
        tools,
        logger: throwingLogger,
        hooks: {
          onToolResult: () => {
            throw new Error('onToolResult broke');
          },
          onToolTiming: () => Promise.reject(new Error('onToolTiming broke')),
          onUsage: () => {
            throw new Error('onUsage broke');
          },
        },
      }).run({ messages: hi, log }),
    );
    const result = await done;
    await settleTicks();
    expect(result.error).toBeUndefined();
    expect(result.stopReason).toBe('end_turn');
    expect(typesOf(await eventsOf(log)).at(-1)).toBe('stream_complete');
    expect(unhandled).toEqual([]);
  });

  it('turns an executor that throws from execute() (not returns) into a tool_error', async () => {
    for (const execute of [
      (): never => {
        throw new Error('sync boom');
      },
      () => Promise.reject(new Error('async boom')),
      // A throw of a non-Error value.
      (): never => {
        throw 'string boom'; // eslint-disable-line @typescript-eslint/only-throw-error
      },
    ]) {
      const mock = await startMock(echoLoop);
      const log = createEventLog();
      const tools = { definitions: () => [ECHO], execute } as unknown as ToolExecutor;
      const { done } = startInBackground(() =>
        runnerFor(mock, { tools }).run({ messages: hi, log }),
      );
      const result = await done;
      expect(result.error).toBeUndefined();
      const toolResult = (await eventsOf(log)).find((e) => e.type === 'tool_result');
      expect(toolResult).toMatchObject({
        error: { code: 'tool_error', message: expect.stringMatching(/boom$/) },
        source: 'local',
      });
      // The model got the error and answered: the loop went on.
      expect(mock.requests).toHaveLength(2);
      expect(result.messages.at(-2)).toMatchObject({
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'toolu_e', is_error: true }],
      });
    }
    await settleTicks();
    expect(unhandled).toEqual([]);
  });

  it('ends with internal when definitions() throws, rejects or returns no array', async () => {
    for (const definitions of [
      (): never => {
        throw new Error('no definitions');
      },
      () => Promise.reject(new Error('no definitions')),
      () => 'not an array',
    ]) {
      const mock = await startMock(echoLoop);
      const log = createEventLog();
      const tools = { definitions, execute: () => ({}) } as unknown as ToolExecutor;
      const { done } = startInBackground(() =>
        runnerFor(mock, { tools }).run({ messages: hi, log }),
      );
      const result = await done;
      expect(result.error?.code).toBe('internal');
      expect(typesOf(await eventsOf(log))).toEqual(['run_start', 'error']);
      expect(mock.requests).toHaveLength(0);
    }
    await settleTicks();
    expect(unhandled).toEqual([]);
  });
});
