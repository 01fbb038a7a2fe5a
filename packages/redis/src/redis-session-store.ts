import {
  GatewayError,
  type BeginRunAnswer,
  type RunRecord,
  type RunState,
  type SessionRecord,
  type SessionStore,
} from '@claude-gateway/core';
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import type { OwnerLeases } from './owner-leases.js';
import type { PubSubHub } from './pubsub-hub.js';
import { withRetry, type RetryPolicy } from './retry.js';
import {
  BEGIN_RUN,
  CREATE_SESSION,
  DELETE_SESSION,
  END_RUN,
  PRUNE_SESSION,
  REQUEST_CANCEL,
} from './session-scripts.js';

/** What the session store shares with the rest of the store set. */
export interface SessionStoreContext {
  keys: Keys;
  command: Redis;
  pubsub: PubSubHub;
  leases: OwnerLeases;
  maxRunsPerSession: number;
  retryBudgetMs: number;
  isClosed: () => boolean;
}

/** How long a cancel request's counter is kept (it only bridges reconnects). */
const CANCEL_TTL_MS = 24 * 60 * 60_000;

type SessionData = Pick<SessionRecord, 'sessionId' | 'createdAt' | 'meta'>;
type RunEndFields = Pick<RunRecord, 'endedAt' | 'error' | 'usage' | 'costUsd'>;

function toRun(
  data: string | null,
  state: string | null,
  end: string | null,
): RunRecord | undefined {
  if (data === null) return undefined;
  const run = JSON.parse(data) as RunRecord;
  run.state = (state ?? run.state) as RunState;
  if (end !== null) Object.assign(run, JSON.parse(end) as RunEndFields);
  return run;
}

/**
 * The Redis {@link SessionStore}: sessions, history, run records and the
 * one-active-run lock in hashes changed by Lua scripts (so every change is
 * atomic, across instances), cancel requests by pub/sub, and an owner lease
 * per run begun here, renewed until the run ends.
 */
export function createRedisSessionStore(ctx: SessionStoreContext): SessionStore {
  const { keys, command } = ctx;
  const policy: RetryPolicy = { budgetMs: ctx.retryBudgetMs, isClosed: ctx.isClosed };
  const retry = <T>(what: string, operation: (attempt: number) => Promise<T>): Promise<T> =>
    withRetry(what, policy, operation);

  const getRun = async (runId: string): Promise<RunRecord | undefined> => {
    const [data, state, end] = await retry('getRun', () =>
      command.hmget(keys.run(runId), 'data', 'state', 'end'),
    );
    return toRun(data ?? null, state ?? null, end ?? null);
  };

  return {
    async createSession(session) {
      const data: SessionData = {
        sessionId: session.sessionId,
        createdAt: session.createdAt,
        ...(session.meta !== undefined ? { meta: session.meta } : {}),
      };
      const created = await retry('createSession', (attempt) =>
        CREATE_SESSION.run(
          command,
          [],
          [
            keys.prefix,
            session.sessionId,
            JSON.stringify(data),
            session.lastActiveAt,
            attempt > 0 ? 1 : 0,
          ],
        ),
      );
      if (created !== 1) {
        throw new GatewayError('invalid_options', `session ${session.sessionId} already exists`);
      }
    },

    async getSession(sessionId) {
      const [data, last, active] = await retry('getSession', () =>
        command.hmget(keys.session(sessionId), 'data', 'last', 'active'),
      );
      if (!data) return undefined;
      return {
        ...(JSON.parse(data) as SessionData),
        lastActiveAt: Number(last),
        ...(active ? { activeRunId: active } : {}),
      };
    },

    async deleteSession(sessionId) {
      const deleted = await retry('deleteSession', () =>
        DELETE_SESSION.run(command, [], [keys.prefix, sessionId]),
      );
      return deleted === 1;
    },

    async getHistory(sessionId) {
      const history = await retry('getHistory', () => command.get(keys.history(sessionId)));
      return history === null
        ? []
        : (JSON.parse(history) as Awaited<ReturnType<SessionStore['getHistory']>>);
    },

    async beginRun(run) {
      const answer = (await retry('beginRun', () =>
        BEGIN_RUN.run(
          command,
          [],
          [
            keys.prefix,
            run.runId,
            run.sessionId,
            JSON.stringify(run),
            run.startedAt,
            ...ctx.leases.leaseArgs(),
            ctx.maxRunsPerSession,
          ],
        ),
      )) as BeginRunAnswer | 'run_taken';
      if (answer === 'run_taken') {
        throw new GatewayError('invalid_options', `run ${run.runId} already exists`);
      }
      if (answer === 'ok') ctx.leases.hold(run.runId);
      return answer;
    },

    async endRun(runId, end) {
      ctx.leases.release(runId);
      const fields: RunEndFields = {
        endedAt: end.endedAt,
        ...(end.error ? { error: end.error } : {}),
        usage: end.usage,
        costUsd: end.costUsd,
      };
      await retry('endRun', () =>
        END_RUN.run(
          command,
          [],
          [
            keys.prefix,
            runId,
            end.state,
            JSON.stringify(fields),
            JSON.stringify(end.history),
            end.endedAt,
          ],
        ),
      );
    },

    getRun,

    async listRuns(sessionId) {
      const runIds = await retry('listRuns', () =>
        command.lrange(keys.sessionRuns(sessionId), 0, -1),
      );
      if (runIds.length === 0) return [];
      const replies = await retry('listRuns', async () => {
        const pipeline = command.pipeline();
        for (const runId of runIds) pipeline.hmget(keys.run(runId), 'data', 'state', 'end');
        const results = (await pipeline.exec()) ?? [];
        return results.map(([error, value]) => {
          if (error) throw error;
          return value as (string | null)[];
        });
      });
      return replies.flatMap(([data, state, end]) => {
        const run = toRun(data ?? null, state ?? null, end ?? null);
        return run ? [run] : [];
      });
    },

    async requestCancel(runId) {
      await retry('requestCancel', () =>
        REQUEST_CANCEL.run(
          command,
          [keys.cancelCount(runId)],
          [keys.cancelChannel(runId), CANCEL_TTL_MS],
        ),
      );
    },

    async onCancel(runId, listener) {
      // Each request bumps a counter and publishes its value: a listener
      // fires for counts above the one it saw when it started listening, and
      // re-reads the counter after a reconnect (a publish may have been lost).
      let seen = Number.POSITIVE_INFINITY;
      const heard = (count: number): void => {
        if (count <= seen) return;
        seen = count;
        listener();
      };
      const readCount = async (): Promise<number> =>
        Number((await command.get(keys.cancelCount(runId))) ?? 0);
      const stop = await retry('onCancel', () =>
        ctx.pubsub.subscribe(keys.cancelChannel(runId), {
          onMessage: (message) => heard(Number(message)),
          onReconnect: () => {
            readCount().then(heard, () => undefined);
          },
        }),
      );
      try {
        const count = await retry('onCancel', readCount);
        // Counts published before this read were requests made before listening.
        if (seen === Number.POSITIVE_INFINITY) seen = count;
      } catch (error) {
        await stop();
        throw error;
      }
      return stop;
    },

    async prune({ idleBefore, maxSessions, excessIdleBefore = Number.MAX_SAFE_INTEGER }) {
      const removed: string[] = [];
      let excess = (await retry('prune', () => command.zcard(keys.sessions))) - maxSessions;
      let offset = 0;
      for (;;) {
        const page = await retry('prune', () =>
          command.zrange(keys.sessions, String(offset), String(offset + 99), 'WITHSCORES'),
        );
        if (page.length === 0) return removed;
        for (let i = 0; i < page.length; i += 2) {
          const sessionId = page[i]!;
          const last = Number(page[i + 1]);
          const idle = last < idleBefore;
          const evictable = excess > 0 && last < excessIdleBefore;
          // Oldest activity first: the first session neither rule removes ends the walk.
          if (!idle && !evictable) return removed;
          const threshold = idle ? idleBefore : excessIdleBefore;
          const gone = await retry('prune', () =>
            PRUNE_SESSION.run(command, [], [keys.prefix, sessionId, threshold]),
          );
          if (gone === 1) {
            removed.push(sessionId);
            excess -= 1;
          } else if (gone === 0) {
            offset += 1;
          }
        }
      }
    },

    countSessions() {
      return retry('countSessions', () => command.zcard(keys.sessions));
    },
  };
}
