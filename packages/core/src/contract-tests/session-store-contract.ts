import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.js';
import { emptyUsage } from '../events.js';
import type { RunEnd, RunRecord, SessionStore } from '../session-store.js';

/** How the contract suite gets a fresh store (and, optionally, a second handle on it). */
export interface SessionStoreContractSetup {
  /** A new, empty store. */
  create(): SessionStore | Promise<SessionStore>;
  /**
   * A second handle on the same data, as another instance would hold it
   * (cancel requests must cross). @default the same store
   */
  peer?(store: SessionStore): SessionStore | Promise<SessionStore>;
  /** Releases what `create` / `peer` opened. */
  dispose?(store: SessionStore): void | Promise<void>;
}

let counter = 0;
const uniqueId = (prefix: string): string => `${prefix}-${Date.now()}-${++counter}`;

function runRecord(sessionId: string, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: uniqueId('run'),
    sessionId,
    message: 'hello',
    state: 'running',
    startedAt: 1_000,
    ...overrides,
  };
}

function runEnd(overrides: Partial<RunEnd> = {}): RunEnd {
  return {
    state: 'completed',
    endedAt: 2_000,
    usage: { ...emptyUsage(), input_tokens: 10, output_tokens: 5 },
    costUsd: 0.001,
    history: [
      { role: 'user', content: 'hello' },
      { role: 'assistant', content: [{ type: 'text', text: 'hi there' }] },
    ],
    ...overrides,
  };
}

/**
 * The {@link SessionStore} contract as a vitest suite: every store (memory,
 * Redis, yours) runs it unchanged.
 *
 * @example
 * ```ts
 * import { describeSessionStoreContract } from '@claude-gateway/core/contract-tests';
 * describeSessionStoreContract('redis session store', { create: () => createRedisStores(...).sessions });
 * ```
 */
export function describeSessionStoreContract(name: string, setup: SessionStoreContractSetup): void {
  describe(`${name} (SessionStore contract)`, () => {
    let store: SessionStore;
    let created: SessionStore[] = [];

    beforeEach(async () => {
      store = await setup.create();
      created = [store];
    });
    afterEach(async () => {
      for (const each of created) await setup.dispose?.(each);
    });

    const newSession = async (at = 1_000, meta?: Record<string, unknown>): Promise<string> => {
      const sessionId = uniqueId('session');
      await store.createSession({
        sessionId,
        createdAt: at,
        lastActiveAt: at,
        ...(meta ? { meta } : {}),
      });
      return sessionId;
    };

    it('creates sessions and gives back copies', async () => {
      const sessionId = await newSession(1_000, { user: 'ada' });
      const session = await store.getSession(sessionId);
      expect(session).toEqual({
        sessionId,
        createdAt: 1_000,
        lastActiveAt: 1_000,
        meta: { user: 'ada' },
      });
      session!.meta!.user = 'mallory';
      expect((await store.getSession(sessionId))?.meta).toEqual({ user: 'ada' });
      expect(await store.getSession(uniqueId('missing'))).toBeUndefined();
    });

    it('refuses a session id that is taken', async () => {
      const sessionId = await newSession();
      const error: unknown = await store
        .createSession({ sessionId, createdAt: 5, lastActiveAt: 5 })
        .catch((e: unknown) => e);
      expect(GatewayError.isInstance(error) && error.code).toBe('invalid_options');
    });

    it('starts with an empty history, also for unknown sessions', async () => {
      expect(await store.getHistory(await newSession())).toEqual([]);
      expect(await store.getHistory(uniqueId('missing'))).toEqual([]);
      expect(await store.listRuns(uniqueId('missing'))).toEqual([]);
    });

    it('holds one active run per session', async () => {
      const sessionId = await newSession();
      const first = runRecord(sessionId);
      expect(await store.beginRun(first)).toBe('ok');
      expect((await store.getSession(sessionId))?.activeRunId).toBe(first.runId);
      expect(await store.getRun(first.runId)).toEqual(first);
      expect(await store.beginRun(runRecord(sessionId))).toBe('run_active');
      expect(await store.beginRun(runRecord(uniqueId('missing')))).toBe('session_not_found');
      expect(await store.listRuns(sessionId)).toHaveLength(1);
    });

    it('lets exactly one of racing starts win', async () => {
      const sessionId = await newSession();
      const peer = setup.peer ? await setup.peer(store) : store;
      if (peer !== store) created.push(peer);
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => (i % 2 ? peer : store).beginRun(runRecord(sessionId))),
      );
      expect(answers.filter((a) => a === 'ok')).toHaveLength(1);
      expect(answers.filter((a) => a === 'run_active')).toHaveLength(7);
      expect(await store.listRuns(sessionId)).toHaveLength(1);
    });

    it('records the end of a run, stores the history and releases the session', async () => {
      const sessionId = await newSession();
      const run = runRecord(sessionId, { message: 'what is 2+2?' });
      await store.beginRun(run);
      const end = runEnd({
        state: 'failed',
        error: { code: 'overloaded', message: 'try later' },
        endedAt: 3_000,
      });
      await store.endRun(run.runId, end);
      expect(await store.getRun(run.runId)).toEqual({
        ...run,
        state: 'failed',
        endedAt: 3_000,
        error: { code: 'overloaded', message: 'try later' },
        usage: end.usage,
        costUsd: 0.001,
      });
      expect(await store.getHistory(sessionId)).toEqual(end.history);
      const session = await store.getSession(sessionId);
      expect(session?.activeRunId).toBeUndefined();
      expect(session?.lastActiveAt).toBe(3_000);
      const next = runRecord(sessionId, { startedAt: 4_000 });
      expect(await store.beginRun(next)).toBe('ok');
      expect((await store.listRuns(sessionId)).map((r) => r.runId)).toEqual([
        run.runId,
        next.runId,
      ]);
    });

    it('takes a second end of the same run harmlessly (the last one wins)', async () => {
      const sessionId = await newSession();
      const run = runRecord(sessionId);
      await store.beginRun(run);
      await store.endRun(run.runId, runEnd());
      const other = runRecord(sessionId);
      await store.beginRun(other);
      await store.endRun(
        run.runId,
        runEnd({ state: 'failed', error: { code: 'internal', message: 'x' } }),
      );
      expect((await store.getRun(run.runId))?.state).toBe('failed');
      // The late end did not release the other run's lock.
      expect((await store.getSession(sessionId))?.activeRunId).toBe(other.runId);
    });

    it('copes with the end of a run whose session was deleted', async () => {
      const sessionId = await newSession();
      const run = runRecord(sessionId);
      await store.beginRun(run);
      expect(await store.deleteSession(sessionId)).toBe(true);
      await store.endRun(run.runId, runEnd());
      expect(await store.getSession(sessionId)).toBeUndefined();
      expect(await store.getHistory(sessionId)).toEqual([]);
    });

    it('deletes a session with its history and runs', async () => {
      const sessionId = await newSession();
      const run = runRecord(sessionId);
      await store.beginRun(run);
      await store.endRun(run.runId, runEnd());
      expect(await store.deleteSession(sessionId)).toBe(true);
      expect(await store.getSession(sessionId)).toBeUndefined();
      expect(await store.getRun(run.runId)).toBeUndefined();
      expect(await store.listRuns(sessionId)).toEqual([]);
      expect(await store.getHistory(sessionId)).toEqual([]);
      expect(await store.deleteSession(sessionId)).toBe(false);
    });

    it('gives back copies of runs and history', async () => {
      const sessionId = await newSession();
      const run = runRecord(sessionId);
      await store.beginRun(run);
      run.message = 'changed after the call';
      expect((await store.getRun(run.runId))?.message).toBe('hello');
      await store.endRun(run.runId, runEnd());
      const history = await store.getHistory(sessionId);
      history.push({ role: 'user', content: 'not stored' });
      expect(await store.getHistory(sessionId)).toHaveLength(2);
    });

    it('delivers cancel requests to listeners, on any handle, until they stop listening', async () => {
      const peer = setup.peer ? await setup.peer(store) : store;
      if (peer !== store) created.push(peer);
      const runId = uniqueId('run');
      const heard: string[] = [];
      let wake!: () => void;
      const twice = new Promise<void>((resolve) => (wake = resolve));
      const stopA = await store.onCancel(runId, () => {
        heard.push('a');
        if (heard.length === 2) wake();
      });
      const stopB = await store.onCancel(runId, () => {
        heard.push('b');
        if (heard.length === 2) wake();
      });
      await peer.requestCancel(runId);
      await twice;
      expect(heard.sort()).toEqual(['a', 'b']);

      await stopA();
      await stopB();
      const otherRun = uniqueId('run');
      let wakeOther!: () => void;
      const other = new Promise<void>((resolve) => (wakeOther = resolve));
      const stopOther = await store.onCancel(otherRun, wakeOther);
      // Requests travel in order: once the second is heard, the first had its chance.
      await peer.requestCancel(runId);
      await peer.requestCancel(otherRun);
      await other;
      expect(heard).toHaveLength(2);
      await stopOther();
    });

    it('does not call a listener for a request made before it listened', async () => {
      const runId = uniqueId('run');
      await store.requestCancel(runId);
      const heard: number[] = [];
      const stop = await store.onCancel(runId, () => heard.push(1));
      const marker = uniqueId('run');
      let wake!: () => void;
      const done = new Promise<void>((resolve) => (wake = resolve));
      const stopMarker = await store.onCancel(marker, wake);
      await store.requestCancel(marker);
      await done;
      expect(heard).toEqual([]);
      await stop();
      await stopMarker();
    });

    it('prunes idle sessions and the excess, least recently active first, never a running one', async () => {
      const old = await newSession(1_000);
      const busy = await newSession(1_000);
      const recent = await newSession(5_000);
      const newest = await newSession(6_000);
      await store.beginRun(runRecord(busy, { startedAt: 1_000 }));

      const idle = await store.prune({ idleBefore: 2_000, maxSessions: 100 });
      expect(idle).toContain(old);
      expect(idle).not.toContain(busy);
      expect(await store.getSession(old)).toBeUndefined();
      expect(await store.getSession(busy)).toBeDefined();

      // Over the cap: the least recently active idle session goes first.
      const excess = await store.prune({ idleBefore: 0, maxSessions: 2 });
      expect(excess).toEqual([recent]);
      expect(await store.getSession(newest)).toBeDefined();
      expect(await store.getSession(busy)).toBeDefined();
    });

    it('evicts for the excess only sessions idle since excessIdleBefore, and counts sessions', async () => {
      expect(await store.countSessions()).toBe(0);
      const older = await newSession(1_000);
      const newer = await newSession(5_000);
      expect(await store.countSessions()).toBe(2);
      expect(await store.prune({ idleBefore: 0, maxSessions: 0, excessIdleBefore: 3_000 })).toEqual(
        [older],
      );
      expect(await store.getSession(newer)).toBeDefined();
      expect(await store.countSessions()).toBe(1);
    });

    it('counts a run start or end as activity when pruning', async () => {
      const sessionId = await newSession(1_000);
      const run = runRecord(sessionId, { startedAt: 8_000 });
      await store.beginRun(run);
      await store.endRun(run.runId, runEnd({ endedAt: 9_000 }));
      expect(await store.prune({ idleBefore: 8_500, maxSessions: 100 })).not.toContain(sessionId);
      expect((await store.getSession(sessionId))?.lastActiveAt).toBe(9_000);
    });
  });
}
