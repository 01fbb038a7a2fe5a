import {
  errorTurn,
  refusalTurn,
  textTurn,
  toolUseTurn,
  type MockRequestInfo,
} from '@claude-gateway/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventLog, EventStore, LogEntry } from './event-log-types.js';
import { isTerminalEvent } from './events.js';
import { createMemoryEventStore, type MemoryEventStore } from './memory-event-store.js';
import { createMemorySessionStore } from './memory-session-store.js';
import { createRunManager, withUserMessage } from './run-manager.js';
import type { RunManager, RunManagerOptions } from './run-manager-types.js';
import {
  answersTool,
  bodyOf,
  closeMocks,
  localTools,
  runnerFor,
  silentLogger,
  startMock,
} from './runner-test-helpers.js';

const managers: RunManager[] = [];
const stores: MemoryEventStore[] = [];

afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.close()));
  for (const store of stores.splice(0)) store.dispose();
  await closeMocks();
});

function lastUserText(request: MockRequestInfo): string {
  const last = request.body.messages.at(-1);
  if (!last) return '';
  if (typeof last.content === 'string') return last.content;
  return last.content.map((block) => (block.type === 'text' ? block.text : '')).join(' ');
}

/** Answers "wait" with a call to the blocking tool, "fail" with a 400, anything else with text. */
function script(request: MockRequestInfo) {
  if (answersTool(request)) return textTurn('The tool is done.');
  const text = lastUserText(request);
  if (text.includes('wait')) return toolUseTurn('wait', {});
  if (text.includes('fail')) return errorTurn(400, { message: 'bad request from the script' });
  if (text.includes('forbidden')) return refusalTurn();
  return textTurn(`You said: ${text}`);
}

/** A tool that waits until the run is cancelled (or `release` is called). */
function blockingTool() {
  let onStarted: () => void = () => undefined;
  let release: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (onStarted = resolve));
  const tools = localTools({
    wait: (_input, ctx) =>
      new Promise<string>((resolve) => {
        onStarted();
        release = () => resolve('released');
        ctx.signal.addEventListener('abort', () => resolve('aborted'), { once: true });
      }),
  });
  return { tools, started, release: () => release() };
}

/** A memory store seen through create/open only, plus `extra` (a delete of one's own). */
function memoryStoreAs(extra: Pick<EventStore, 'delete'>) {
  const memory = createMemoryEventStore();
  stores.push(memory);
  const events: EventStore = {
    create: (id: string) => memory.create(id),
    open: (id: string) => memory.open(id),
    ...extra,
  };
  return { memory, events };
}

async function setup(options: Partial<RunManagerOptions> = {}) {
  const mock = await startMock(script);
  const blocking = blockingTool();
  const events = createMemoryEventStore();
  stores.push(events);
  const manager = createRunManager({
    runner: runnerFor(mock, { tools: blocking.tools }),
    events,
    logger: silentLogger(),
    ...options,
  });
  managers.push(manager);
  return { mock, manager, events, blocking };
}

async function readAll(log: EventLog): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const entry of log.read()) out.push(entry);
  return out;
}

describe('createRunManager', () => {
  it('runs in the background and records state, usage and cost', async () => {
    const { manager } = await setup();
    const { sessionId } = await manager.createSession({ user: 'ada' });
    const { runId, log } = await manager.startRun(sessionId, { message: 'hello' });
    const entries = await readAll(log);
    expect(entries.at(-1)?.event.type).toBe('stream_complete');
    const run = await manager.getRun(runId);
    expect(run).toMatchObject({ runId, sessionId, message: 'hello', state: 'completed' });
    expect(run?.endedAt).toBeGreaterThanOrEqual(run!.startedAt);
    expect(run?.usage?.output_tokens).toBeGreaterThan(0);
    expect(typeof run?.costUsd).toBe('number');
    const session = await manager.getSession(sessionId);
    expect(session).toMatchObject({ sessionId, meta: { user: 'ada' } });
    expect(session?.activeRunId).toBeUndefined();
    expect(session?.runs.map((r) => r.runId)).toEqual([runId]);
  });

  it('carries the conversation to the next run of the session', async () => {
    const { manager, mock } = await setup();
    const { sessionId } = await manager.createSession();
    await readAll((await manager.startRun(sessionId, { message: 'first' })).log);
    await readAll((await manager.startRun(sessionId, { message: 'second' })).log);
    const sent = bodyOf(mock, 1).messages as { role: string; content: unknown }[];
    expect(sent.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(sent[0]!.content).toBe('first');
    expect(JSON.stringify(sent[1]!.content)).toContain('You said: first');
    expect(sent[2]!.content).toBe('second');
    expect(await manager.getHistory(sessionId)).toHaveLength(4);
  });

  it('has recorded the end and released the session by the time a reader sees the terminal event', async () => {
    const { manager } = await setup();
    const { sessionId } = await manager.createSession();
    const { runId, log } = await manager.startRun(sessionId, { message: 'hello' });
    for await (const entry of log.read()) {
      if (!isTerminalEvent(entry.event)) continue;
      expect((await manager.getRun(runId))?.state).toBe('completed');
      expect(await manager.cancel(runId)).toBe('already_ended');
      expect((await manager.getHistory(sessionId)).length).toBe(2);
      const next = await manager.startRun(sessionId, { message: 'again' });
      await readAll(next.log);
    }
  });

  it('allows one active run per session (run_active)', async () => {
    const { manager, blocking } = await setup();
    const { sessionId } = await manager.createSession();
    const { runId, log } = await manager.startRun(sessionId, { message: 'please wait' });
    await blocking.started;
    await expect(manager.startRun(sessionId, { message: 'another' })).rejects.toMatchObject({
      code: 'run_active',
    });
    expect((await manager.getSession(sessionId))?.activeRunId).toBe(runId);
    blocking.release();
    expect((await readAll(log)).at(-1)?.event.type).toBe('stream_complete');
  });

  it('caps active runs across sessions (too_many_runs) and frees the slot when a run ends', async () => {
    const { manager, blocking } = await setup({ maxActiveRuns: 1 });
    const a = await manager.createSession();
    const b = await manager.createSession();
    const first = await manager.startRun(a.sessionId, { message: 'wait for me' });
    await blocking.started;
    expect(manager.activeRuns).toBe(1);
    await expect(manager.startRun(b.sessionId, { message: 'hi' })).rejects.toMatchObject({
      code: 'too_many_runs',
    });
    blocking.release();
    await readAll(first.log);
    await readAll((await manager.startRun(b.sessionId, { message: 'hi' })).log);
  });

  it('cancels a run by id while its tool waits', async () => {
    const { manager, blocking } = await setup();
    const { sessionId } = await manager.createSession();
    const { runId, log } = await manager.startRun(sessionId, { message: 'wait' });
    await blocking.started;
    expect(await manager.cancel(runId)).toBe('ok');
    const entries = await readAll(log);
    expect(entries.at(-1)?.event).toMatchObject({ type: 'error', code: 'cancelled' });
    expect(await manager.getRun(runId)).toMatchObject({
      state: 'cancelled',
      error: { code: 'cancelled' },
    });
    expect(await manager.cancel(runId)).toBe('already_ended');
    expect(await manager.cancel('no-such-run')).toBe('not_found');
  });

  it('delivers a cancel from another manager sharing the stores', async () => {
    const { manager, blocking, mock, events } = await setup();
    const sessions = createMemorySessionStore();
    const shared = createRunManager({
      runner: runnerFor(mock, { tools: blocking.tools }),
      events,
      sessions,
      logger: silentLogger(),
    });
    const other = createRunManager({ runner: runnerFor(mock), events, sessions });
    managers.push(shared, other);
    void manager;
    const { sessionId } = await shared.createSession();
    const { runId } = await shared.startRun(sessionId, { message: 'wait' });
    await blocking.started;
    expect(await other.cancel(runId)).toBe('ok');
    const log = await other.openLog(runId);
    expect((await readAll(log!)).at(-1)?.event).toMatchObject({ code: 'cancelled' });
    expect((await other.getRun(runId))?.state).toBe('cancelled');
  });

  it('leaves the history as it was when a run fails before the model answered', async () => {
    const { manager, mock } = await setup();
    const { sessionId } = await manager.createSession();
    await readAll((await manager.startRun(sessionId, { message: 'hi' })).log);
    const { runId, log } = await manager.startRun(sessionId, { message: 'please fail' });
    expect((await readAll(log)).at(-1)?.event).toMatchObject({
      type: 'error',
      code: 'invalid_request',
    });
    expect(await manager.getRun(runId)).toMatchObject({
      state: 'failed',
      message: 'please fail',
      error: { code: 'invalid_request' },
    });
    expect(await manager.getHistory(sessionId)).toHaveLength(2);
    await readAll((await manager.startRun(sessionId, { message: 'hello' })).log);
    const sent = bodyOf(mock, 2).messages as { role: string; content: unknown }[];
    expect(sent.map((m) => m.content)).toEqual(['hi', expect.anything(), 'hello']);
  });

  it('resets the history after a refusal: neither the refused turn nor its message is sent again', async () => {
    const { manager, mock } = await setup();
    const { sessionId } = await manager.createSession();
    await readAll((await manager.startRun(sessionId, { message: 'hi' })).log);
    const { runId, log } = await manager.startRun(sessionId, { message: 'something forbidden' });
    expect((await readAll(log)).at(-1)?.event).toMatchObject({
      type: 'stream_complete',
      stop_reason: 'refusal',
    });
    expect(await manager.getRun(runId)).toMatchObject({ state: 'completed' });
    expect(await manager.getHistory(sessionId)).toHaveLength(2);
    await readAll((await manager.startRun(sessionId, { message: 'hello' })).log);
    const sent = bodyOf(mock, 2).messages as { role: string; content: unknown }[];
    expect(sent.map((m) => m.content)).toEqual(['hi', expect.anything(), 'hello']);
  });

  it('keeps the completed turns of a cancelled run; the next message joins its tool results', async () => {
    const { manager, mock, blocking } = await setup();
    const { sessionId } = await manager.createSession();
    const { runId, log } = await manager.startRun(sessionId, { message: 'wait' });
    await blocking.started;
    await manager.cancel(runId);
    await readAll(log);
    await readAll((await manager.startRun(sessionId, { message: 'hello' })).log);
    const sent = bodyOf(mock, 1).messages as { role: string; content: { type: string }[] }[];
    expect(sent.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(sent[1]!.content.map((b) => b.type)).toContain('tool_use');
    expect(sent[2]!.content.map((b) => b.type)).toEqual(['tool_result', 'text']);
  });

  it('refuses bad input and unknown sessions with codes', async () => {
    const { manager } = await setup({ maxMessageChars: 10 });
    const { sessionId } = await manager.createSession();
    await expect(manager.startRun(sessionId, { message: '  ' })).rejects.toMatchObject({
      code: 'invalid_options',
    });
    await expect(manager.startRun(sessionId, { message: 'x'.repeat(11) })).rejects.toMatchObject({
      code: 'invalid_options',
    });
    await expect(manager.startRun('nope', { message: 'hi' })).rejects.toMatchObject({
      code: 'session_not_found',
    });
    expect(await manager.getRun('nope')).toBeUndefined();
    expect(await manager.openLog('nope')).toBeUndefined();
    expect(await manager.getSession('nope')).toBeUndefined();
    expect(manager.activeRuns).toBe(0);
    expect(() =>
      createRunManager({ runner: undefined as never, events: createMemoryEventStore() }),
    ).toThrow(/runner/);
  });

  it('deletes a session: cancels its run and forgets it', async () => {
    const { manager, blocking } = await setup();
    const { sessionId } = await manager.createSession();
    const { runId, log } = await manager.startRun(sessionId, { message: 'wait' });
    await blocking.started;
    expect(await manager.deleteSession(sessionId)).toBe(true);
    expect((await readAll(log)).at(-1)?.event).toMatchObject({ code: 'cancelled' });
    expect(await manager.getSession(sessionId)).toBeUndefined();
    expect(await manager.getRun(runId)).toBeUndefined();
    expect(await manager.deleteSession(sessionId)).toBe(false);
  });

  it("deletes the session's event logs: an ended run's at once, the running one's when it ends", async () => {
    const { manager, events, blocking } = await setup();
    const { sessionId } = await manager.createSession();
    const first = await manager.startRun(sessionId, { message: 'hello' });
    await readAll(first.log);
    const { runId, log } = await manager.startRun(sessionId, { message: 'wait' });
    await blocking.started;
    // Another session's log stays.
    const other = await manager.createSession();
    const kept = await manager.startRun(other.sessionId, { message: 'hi there' });
    await readAll(kept.log);
    expect(events.size).toBe(3);

    expect(await manager.deleteSession(sessionId)).toBe(true);
    expect(await events.open(first.runId)).toBeUndefined();
    expect(await events.open(runId)).toBeUndefined();
    expect(await events.open(kept.runId)).toBe(kept.log);
    // A reader that holds the running log still reads it to its end.
    expect((await readAll(log)).at(-1)?.event).toMatchObject({ code: 'cancelled' });
    expect(events.size).toBe(1);
  });

  it('deletes the log of a run that was starting while its session was deleted, once it has ended', async () => {
    const sessions = createMemorySessionStore();
    let historyAsked: () => void = () => undefined;
    const asked = new Promise<void>((resolve) => (historyAsked = resolve));
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const gated = {
      ...sessions,
      // The start pauses after beginRun, before its log exists.
      getHistory: async (sessionId: string) => {
        historyAsked();
        await released;
        return sessions.getHistory(sessionId);
      },
    };
    const { manager, events } = await setup({ sessions: gated });
    const { sessionId } = await manager.createSession();
    const starting = manager.startRun(sessionId, { message: 'hello' });
    await asked;
    expect(await manager.deleteSession(sessionId)).toBe(true);
    release();
    const { runId, log } = await starting;
    await readAll(log);
    await manager.close(); // every run's end, and what follows it, is done
    expect(await manager.getRun(runId)).toBeUndefined();
    expect(await events.open(runId)).toBeUndefined();
    expect(events.size).toBe(0);
  });

  it('deletes a session whose runs cannot be listed, and says so; a failed run lookup says what failed', async () => {
    const sessions = createMemorySessionStore();
    const down = { listRuns: false, getRun: false };
    const flaky = {
      ...sessions,
      listRuns: (sessionId: string) =>
        down.listRuns ? Promise.reject(new Error('store down')) : sessions.listRuns(sessionId),
      getRun: (runId: string) =>
        down.getRun ? Promise.reject(new Error('store down')) : sessions.getRun(runId),
    };
    const logger = silentLogger();
    const { manager } = await setup({ sessions: flaky, logger });
    // A run whose end cannot be checked against its session.
    const first = await manager.createSession();
    const { log } = await manager.startRun(first.sessionId, { message: 'hello' });
    down.getRun = true;
    await readAll(log);
    await manager.close(); // the run's end, and the check after it, are done
    down.getRun = false;
    // A session whose runs cannot be listed is deleted anyway.
    down.listRuns = true;
    expect(await manager.deleteSession(first.sessionId)).toBe(true);
    expect(await manager.getSession(first.sessionId)).toBeUndefined();
    expect(logger.warnings.map((w) => w.message)).toEqual([
      "claude-gateway: could not check whether an ended run's session still exists",
      "claude-gateway: could not list a deleted session's runs",
    ]);
  });

  it('deletes a session on a store without delete(), whose logs then last their TTL', async () => {
    const { memory, events } = memoryStoreAs({});
    const { manager } = await setup({ events });
    const { sessionId } = await manager.createSession();
    const { runId, log } = await manager.startRun(sessionId, { message: 'hello' });
    await readAll(log);
    expect(await manager.deleteSession(sessionId)).toBe(true);
    expect(await manager.getSession(sessionId)).toBeUndefined();
    expect(await memory.open(runId)).toBe(log);
  });

  it('deletes a session even when its logs cannot be deleted, and says so', async () => {
    const { events } = memoryStoreAs({ delete: () => Promise.reject(new Error('store down')) });
    const logger = silentLogger();
    const { manager } = await setup({ events, logger });
    const { sessionId } = await manager.createSession();
    const { runId, log } = await manager.startRun(sessionId, { message: 'hello' });
    await readAll(log);
    expect(await manager.deleteSession(sessionId)).toBe(true);
    expect(await manager.getSession(sessionId)).toBeUndefined();
    expect(logger.warnings).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('could not delete the event log') as unknown,
        data: expect.objectContaining({ runId }) as unknown,
      }),
    ]);
  });

  it('forgets idle sessions after sessionTtlMs, and makes room by evicting the longest idle', async () => {
    let clock = 1_000_000;
    const { manager } = await setup({
      sessionTtlMs: 1_000,
      maxSessions: 2,
      sessionEvictAfterMs: 300,
      now: () => clock,
    });
    const old = await manager.createSession();
    clock += 500;
    const middle = await manager.createSession();
    clock += 400;
    await manager.createSession(); // a third: the one idle for 300 ms or more goes
    expect(await manager.getSession(old.sessionId)).toBeUndefined();
    expect(await manager.getSession(middle.sessionId)).toBeDefined();
    clock += 1_001;
    expect(await manager.getSession(middle.sessionId)).toBeUndefined();
    await expect(manager.startRun(middle.sessionId, { message: 'hi' })).rejects.toMatchObject({
      code: 'session_not_found',
    });
  });

  it('refuses a new session (too_many_sessions) rather than evict people active lately', async () => {
    let clock = 1_000_000;
    const { manager } = await setup({
      maxSessions: 2,
      sessionEvictAfterMs: 60_000,
      now: () => clock,
    });
    const first = await manager.createSession();
    const second = await manager.createSession();
    clock += 59_000;
    await expect(manager.createSession()).rejects.toMatchObject({ code: 'too_many_sessions' });
    expect(await manager.getSession(first.sessionId)).toBeDefined();
    expect(await manager.getSession(second.sessionId)).toBeDefined();
    clock += 2_000; // the first two have now been idle long enough
    await manager.createSession();
    expect(await manager.getSession(first.sessionId)).toBeUndefined();
    expect(await manager.getSession(second.sessionId)).toBeDefined();
  });

  it('close() cancels every active run, waits for them, and refuses new ones', async () => {
    const { manager, blocking } = await setup();
    const { sessionId } = await manager.createSession();
    const { runId, log } = await manager.startRun(sessionId, { message: 'wait' });
    await blocking.started;
    await manager.close();
    expect(manager.activeRuns).toBe(0);
    expect((await manager.getRun(runId))?.state).toBe('cancelled');
    expect(log.closed).toBe(true);
    // A reader (a page) can tell a shutdown from a person's cancel.
    const entries = [];
    for await (const entry of log.read()) entries.push(entry.event);
    expect(entries.at(-1)).toEqual({
      type: 'error',
      code: 'cancelled',
      message: 'the server is shutting down',
    });
    await expect(manager.startRun(sessionId, { message: 'hi' })).rejects.toMatchObject({
      code: 'too_many_runs',
    });
  });
});

describe('withUserMessage', () => {
  it('appends a user turn, or joins a trailing one', () => {
    expect(withUserMessage([], 'hi')).toEqual([{ role: 'user', content: 'hi' }]);
    expect(
      withUserMessage(
        [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: 'b' },
        ],
        'c',
      ).at(-1),
    ).toEqual({ role: 'user', content: 'c' });
    const toolResults = [{ type: 'tool_result' as const, tool_use_id: 't1', content: 'ok' }];
    expect(withUserMessage([{ role: 'user', content: toolResults }], 'next')).toEqual([
      { role: 'user', content: [...toolResults, { type: 'text', text: 'next' }] },
    ]);
  });
});
