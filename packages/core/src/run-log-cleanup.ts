import { errorDetail } from './errors.js';
import type { EventStore } from './event-log-types.js';
import type { Logger } from './logger.js';
import type { SessionStore } from './session-store.js';

/** @internal How the run manager deletes the event logs of deleted sessions. */
export interface RunLogCleanup {
  /** Before the session goes: its runs' ids (empty when the store cannot delete logs). */
  runsOf(sessionId: string): Promise<string[]>;
  /** After the session went: deletes those runs' logs. Never throws. */
  deleteLogs(runIds: string[]): Promise<void>;
  /**
   * After a run ended: deletes its log when its record is gone (its session
   * was deleted while it started, before its log existed, or while it ran).
   * Never throws.
   */
  deleteIfOrphaned(runId: string): Promise<void>;
}

/**
 * @internal The run manager's log cleanup. Best effort throughout: a session
 * is deleted whatever happens to its logs, and a log left behind still ends
 * at its TTL; what goes wrong is a warning.
 */
export function createRunLogCleanup(
  events: EventStore,
  store: SessionStore,
  logger: Logger,
): RunLogCleanup {
  const warnLogKept = (runId: string, error: unknown): void =>
    logger.warn('claude-gateway: could not delete the event log of a deleted session', {
      runId,
      error: errorDetail(error),
    });

  return {
    async runsOf(sessionId) {
      if (!events.delete) return [];
      try {
        return (await store.listRuns(sessionId)).map((run) => run.runId);
      } catch (error) {
        logger.warn("claude-gateway: could not list a deleted session's runs", {
          sessionId,
          error: errorDetail(error),
        });
        return [];
      }
    },

    async deleteLogs(runIds) {
      // async: a store's delete that throws at once is a rejection like any other.
      const results = await Promise.allSettled(runIds.map(async (runId) => events.delete?.(runId)));
      results.forEach((result, i) => {
        if (result.status === 'rejected') warnLogKept(runIds[i]!, result.reason);
      });
    },

    async deleteIfOrphaned(runId) {
      if (!events.delete) return;
      let orphaned: boolean;
      try {
        orphaned = (await store.getRun(runId)) === undefined;
      } catch (error) {
        logger.warn("claude-gateway: could not check whether an ended run's session still exists", {
          runId,
          error: errorDetail(error),
        });
        return;
      }
      if (!orphaned) return;
      try {
        await events.delete(runId);
      } catch (error) {
        warnLogKept(runId, error);
      }
    },
  };
}
