import type Anthropic from '@anthropic-ai/sdk';
import { GatewayError, settle } from './errors.js';
import type {
  BeginRunAnswer,
  PruneOptions,
  RunEnd,
  RunRecord,
  SessionRecord,
  SessionStore,
} from './session-store.js';

/** Options of {@link createMemorySessionStore}. */
export interface MemorySessionStoreOptions {
  /**
   * Run records kept per session; the oldest ended ones are forgotten beyond
   * it (their logs may still be held by the event store).
   * @default 1000
   */
  maxRunsPerSession?: number;
}

/** The memory store's extras beyond {@link SessionStore}. */
export interface MemorySessionStore extends SessionStore {
  /** Sessions held. */
  readonly size: number;
}

interface SessionSlot {
  record: SessionRecord;
  history: Anthropic.MessageParam[];
  /** Run ids, oldest first. */
  runs: string[];
}

const copy = <T>(value: T): T => structuredClone(value);

/**
 * The zero-setup {@link SessionStore}: sessions, history and run records in
 * process memory; cancel requests delivered to listeners in this process.
 * Every method is atomic because nothing in it awaits.
 */
export function createMemorySessionStore(
  options: MemorySessionStoreOptions = {},
): MemorySessionStore {
  const maxRunsPerSession = options.maxRunsPerSession ?? 1000;
  if (!Number.isInteger(maxRunsPerSession) || maxRunsPerSession < 1) {
    throw new GatewayError('invalid_options', 'maxRunsPerSession must be a positive integer');
  }
  // Insertion order is kept in sync with lastActiveAt (touch = delete + set),
  // so pruning the least recently active walks the map from its start.
  const sessions = new Map<string, SessionSlot>();
  const runs = new Map<string, RunRecord>();
  const cancelListeners = new Map<string, Set<() => void>>();

  const touch = (slot: SessionSlot, at: number): void => {
    slot.record.lastActiveAt = Math.max(slot.record.lastActiveAt, at);
    sessions.delete(slot.record.sessionId);
    sessions.set(slot.record.sessionId, slot);
  };

  const remove = (sessionId: string): boolean => {
    const slot = sessions.get(sessionId);
    if (!slot) return false;
    sessions.delete(sessionId);
    for (const runId of slot.runs) runs.delete(runId);
    return true;
  };

  return {
    get size() {
      return sessions.size;
    },

    createSession(session) {
      return settle(() => {
        if (sessions.has(session.sessionId)) {
          throw new GatewayError('invalid_options', `session ${session.sessionId} already exists`);
        }
        sessions.set(session.sessionId, { record: copy(session), history: [], runs: [] });
      });
    },

    getSession(sessionId) {
      return settle(() => {
        const slot = sessions.get(sessionId);
        return slot ? copy(slot.record) : undefined;
      });
    },

    deleteSession(sessionId) {
      return settle(() => {
        return remove(sessionId);
      });
    },

    getHistory(sessionId) {
      return settle(() => {
        return copy(sessions.get(sessionId)?.history ?? []);
      });
    },

    beginRun(run) {
      return settle<BeginRunAnswer>(() => {
        const slot = sessions.get(run.sessionId);
        if (!slot) return 'session_not_found';
        if (slot.record.activeRunId !== undefined) return 'run_active';
        if (runs.has(run.runId)) {
          throw new GatewayError('invalid_options', `run ${run.runId} already exists`);
        }
        slot.record.activeRunId = run.runId;
        runs.set(run.runId, copy(run));
        slot.runs.push(run.runId);
        // Forget the oldest ended runs beyond the cap (never the active one).
        while (slot.runs.length > maxRunsPerSession) {
          const oldest = slot.runs.shift()!;
          runs.delete(oldest);
        }
        touch(slot, run.startedAt);
        return 'ok';
      });
    },

    endRun(runId, end: RunEnd) {
      return settle(() => {
        const run = runs.get(runId);
        if (!run) return; // its session was deleted meanwhile
        run.state = end.state;
        run.endedAt = end.endedAt;
        run.usage = copy(end.usage);
        run.costUsd = end.costUsd;
        if (end.error) run.error = copy(end.error);
        else delete run.error;
        const slot = sessions.get(run.sessionId);
        if (!slot) return;
        slot.history = copy(end.history);
        if (slot.record.activeRunId === runId) delete slot.record.activeRunId;
        touch(slot, end.endedAt);
      });
    },

    getRun(runId) {
      return settle(() => {
        const run = runs.get(runId);
        return run ? copy(run) : undefined;
      });
    },

    listRuns(sessionId) {
      return settle(() => {
        const slot = sessions.get(sessionId);
        if (!slot) return [];
        return slot.runs.flatMap((runId) => {
          const run = runs.get(runId);
          return run ? [copy(run)] : [];
        });
      });
    },

    requestCancel(runId) {
      return settle(() => {
        for (const listener of [...(cancelListeners.get(runId) ?? [])]) listener();
      });
    },

    onCancel(runId, listener) {
      return settle(() => {
        // Each subscription is its own entry, so the same function twice is two.
        const entry = (): void => listener();
        let set = cancelListeners.get(runId);
        if (!set) cancelListeners.set(runId, (set = new Set()));
        set.add(entry);
        return () =>
          settle(() => {
            const current = cancelListeners.get(runId);
            current?.delete(entry);
            if (current?.size === 0) cancelListeners.delete(runId);
          });
      });
    },

    prune({ idleBefore, maxSessions, excessIdleBefore = Infinity }: PruneOptions) {
      return settle(() => {
        const removed: string[] = [];
        let excess = sessions.size - maxSessions;
        // Oldest activity first: stop at the first session neither rule removes.
        for (const [sessionId, slot] of sessions) {
          const last = slot.record.lastActiveAt;
          const idle = last < idleBefore;
          const evictable = excess > 0 && last < excessIdleBefore;
          if (!idle && !evictable) break;
          if (slot.record.activeRunId !== undefined) continue;
          remove(sessionId);
          removed.push(sessionId);
          excess -= 1;
        }
        return removed;
      });
    },

    countSessions() {
      return settle(() => sessions.size);
    },
  };
}
