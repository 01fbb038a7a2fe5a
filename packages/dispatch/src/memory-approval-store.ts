import { consoleLogger, GatewayError, type Logger } from '@claude-gateway/core';
import type {
  ApprovalDecision,
  ApprovalEntry,
  ApprovalStore,
  StoreDecideResult,
} from './approval-store.js';

/** Default of `retainMs`: how long a record outlives its expiry. */
export const DEFAULT_APPROVAL_RETAIN_MS = 10 * 60_000;

/** Default of `maxSessions`: sessions whose approved tool types are held. */
export const DEFAULT_MAX_APPROVED_SESSIONS = 10_000;

/** Options of {@link createMemoryApprovalStore}. */
export interface MemoryApprovalStoreOptions {
  /**
   * How long a record (and its decision) is kept after `expiresAt`, so a late
   * decision answers `expired` or `already_decided` instead of `not_found`.
   * @default 600_000 (10 minutes)
   */
  retainMs?: number;
  /**
   * Sessions whose approved tool types are held; past this, the least
   * recently used session's set is forgotten (its tools ask again — never
   * fail-open).
   * @default 10_000
   */
  maxSessions?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
  /** Told (once) when `maxSessions` starts forgetting sessions. @default consoleLogger */
  logger?: Logger;
}

/** The in-memory {@link ApprovalStore}, with a few extras for tests and shutdown. */
export interface MemoryApprovalStore extends ApprovalStore {
  /** Records held (pending or decided, not yet swept). */
  readonly size: number;
  /** Callers currently inside `waitForDecision` (for leak checks). */
  readonly waiting: number;
  /** Forgets a session's approved tool types. */
  forgetSession(sessionId: string): void;
}

interface Slot {
  entry: ApprovalEntry;
  waiters: Set<(decision: ApprovalDecision) => void>;
}

/**
 * Creates an in-memory {@link ApprovalStore}. Everything happens in one
 * process, so a decision wakes its waiters directly (no polling) and the
 * compare-and-set is a plain synchronous check. Expired records are swept
 * lazily on `create`; the store holds no timer.
 */
export function createMemoryApprovalStore(
  options: MemoryApprovalStoreOptions = {},
): MemoryApprovalStore {
  const retainMs = options.retainMs ?? DEFAULT_APPROVAL_RETAIN_MS;
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_APPROVED_SESSIONS;
  if (!(retainMs >= 0)) throw new GatewayError('invalid_options', 'retainMs must be ≥ 0');
  if (!Number.isInteger(maxSessions) || maxSessions < 1) {
    throw new GatewayError('invalid_options', 'maxSessions must be a positive integer');
  }
  const now = options.now ?? Date.now;
  const logger = options.logger ?? consoleLogger;
  let warnedEviction = false;
  const slots = new Map<string, Slot>();
  // Insertion order doubles as recency: a touched session is moved to the end.
  const sessions = new Map<string, Set<string>>();
  let nextSweepAt = 0;

  const live = (toolUseId: string): Slot | undefined => {
    const slot = slots.get(toolUseId);
    if (slot && now() >= slot.entry.record.expiresAt + retainMs) {
      slots.delete(toolUseId);
      return undefined;
    }
    return slot;
  };

  const sweep = (): void => {
    const t = now();
    if (t < nextSweepAt) return;
    nextSweepAt = t + Math.min(Math.max(retainMs, 1_000), 60_000);
    for (const [id, slot] of slots) {
      if (t >= slot.entry.record.expiresAt + retainMs && slot.waiters.size === 0) slots.delete(id);
    }
  };

  const touchSession = (sessionId: string, create: boolean): Set<string> | undefined => {
    let names = sessions.get(sessionId);
    if (names) {
      sessions.delete(sessionId);
      sessions.set(sessionId, names);
    } else if (create) {
      names = new Set();
      sessions.set(sessionId, names);
      if (sessions.size > maxSessions) {
        const oldest = sessions.keys().next().value;
        if (oldest !== undefined) sessions.delete(oldest);
        if (!warnedEviction) {
          warnedEviction = true;
          logger.warn(
            'approval store holds maxSessions sessions; forgetting the least recently used approved tool types',
            { maxSessions },
          );
        }
      }
    }
    return names;
  };

  return {
    get size() {
      return slots.size;
    },
    get waiting() {
      let count = 0;
      for (const slot of slots.values()) count += slot.waiters.size;
      return count;
    },

    forgetSession(sessionId) {
      sessions.delete(sessionId);
    },

    create(record) {
      sweep();
      if (live(record.toolUseId)) {
        return Promise.reject(
          new GatewayError('invalid_options', `approval for ${record.toolUseId} already exists`),
        );
      }
      slots.set(record.toolUseId, { entry: { record: { ...record } }, waiters: new Set() });
      return Promise.resolve();
    },

    get(toolUseId) {
      const slot = live(toolUseId);
      if (!slot) return Promise.resolve(undefined);
      const { record, decision } = slot.entry;
      return Promise.resolve({
        record: { ...record },
        ...(decision ? { decision: { ...decision } } : {}),
      });
    },

    decide(toolUseId, decision): Promise<StoreDecideResult> {
      const slot = live(toolUseId);
      if (!slot) return Promise.resolve({ status: 'not_found' });
      const existing = slot.entry.decision;
      if (existing)
        return Promise.resolve({ status: 'already_decided', decision: { ...existing } });
      const stored = { ...decision };
      slot.entry.decision = stored;
      if (stored.approved && stored.allowToolType) {
        touchSession(slot.entry.record.sessionId, true)?.add(slot.entry.record.name);
      }
      const waiters = [...slot.waiters];
      slot.waiters.clear();
      for (const wake of waiters) wake({ ...stored });
      return Promise.resolve({ status: 'ok' });
    },

    waitForDecision(toolUseId, signal) {
      if (signal.aborted) return Promise.reject(signal.reason as Error);
      const slot = live(toolUseId);
      if (!slot) return Promise.resolve(undefined);
      if (slot.entry.decision) return Promise.resolve({ ...slot.entry.decision });
      return new Promise<ApprovalDecision>((resolve, reject) => {
        const onAbort = (): void => {
          slot.waiters.delete(wake);
          reject(signal.reason as Error);
        };
        const wake = (decision: ApprovalDecision): void => {
          signal.removeEventListener('abort', onAbort);
          resolve(decision);
        };
        slot.waiters.add(wake);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    },

    allowToolType(sessionId, name) {
      touchSession(sessionId, true)?.add(name);
      return Promise.resolve();
    },

    isToolTypeAllowed(sessionId, name) {
      return Promise.resolve(touchSession(sessionId, false)?.has(name) ?? false);
    },
  };
}
