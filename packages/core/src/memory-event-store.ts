import { GatewayError, settle } from './errors.js';
import type { EventLog, EventStore, RunMeta } from './event-log-types.js';
import { createEventLog, DEFAULT_MAX_ENTRIES, type MemoryEventLog } from './memory-event-log.js';

/** Default of `closedTtlMs`: how long a closed log stays readable. */
export const DEFAULT_CLOSED_TTL_MS = 10 * 60_000;

/** Options of {@link createMemoryEventStore}. */
export interface MemoryEventStoreOptions {
  /**
   * Entries held per log; older ones are dropped and a reader behind them
   * gets an `events_dropped` marker.
   * @default 50_000
   */
  maxEntries?: number;
  /**
   * How long a closed log stays readable (replay, resume) before the store
   * forgets it. Open logs are never evicted.
   * @default 600_000 (10 minutes)
   */
  closedTtlMs?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

/** The memory store's extras beyond {@link EventStore}. */
export interface MemoryEventStore extends EventStore {
  create(runId: string, meta?: RunMeta): Promise<MemoryEventLog>;
  open(runId: string): Promise<MemoryEventLog | undefined>;
  /** Logs currently held (open, or closed and not yet evicted). */
  readonly size: number;
  /** Evicts expired closed logs now (also done on every create/open and by a timer). */
  sweep(): void;
  /** Forgets every log and stops the eviction timer. */
  dispose(): void;
}

/**
 * The zero-setup event store: logs in process memory, closed logs evicted
 * after `closedTtlMs`.
 *
 * @example
 * ```ts
 * const store = createMemoryEventStore({ maxEntries: 10_000 });
 * const log = await store.create(runId, { sessionId });
 * // elsewhere, later: (await store.open(runId))?.read({ afterSeq: lastEventId })
 * ```
 */
export function createMemoryEventStore(options: MemoryEventStoreOptions = {}): MemoryEventStore {
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const closedTtlMs = options.closedTtlMs ?? DEFAULT_CLOSED_TTL_MS;
  const now = options.now ?? Date.now;
  if (!Number.isFinite(closedTtlMs) || closedTtlMs < 0) {
    throw new GatewayError('invalid_options', 'closedTtlMs must be a non-negative number');
  }
  const logs = new Map<string, MemoryEventLog>();
  // Closed logs in the order they closed; since the clock only moves forward,
  // the head is always the next to expire, so a sweep never scans the rest.
  const closedQueue: { log: EventLog; expiresAt: number }[] = [];
  let queueHead = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const sweep = (): void => {
    const t = now();
    while (queueHead < closedQueue.length) {
      const item = closedQueue[queueHead]!;
      if (item.expiresAt > t) break;
      if (logs.get(item.log.id) === item.log) logs.delete(item.log.id);
      queueHead++;
    }
    if (queueHead > 1024 && queueHead * 2 > closedQueue.length) {
      closedQueue.splice(0, queueHead);
      queueHead = 0;
    }
    schedule();
  };

  const schedule = (): void => {
    if (timer !== undefined || queueHead >= closedQueue.length) return;
    const delay = Math.max(0, closedQueue[queueHead]!.expiresAt - now());
    timer = setTimeout(() => {
      timer = undefined;
      sweep();
    }, delay);
    // Eviction must never keep a process alive.
    timer.unref?.();
  };

  const onClose = (log: EventLog): void => {
    closedQueue.push({ log, expiresAt: now() + closedTtlMs });
    schedule();
  };

  return {
    create(runId, meta) {
      sweep();
      if (typeof runId !== 'string' || runId.length === 0) {
        return Promise.reject(
          new GatewayError('invalid_options', 'runId must be a non-empty string'),
        );
      }
      if (logs.has(runId)) {
        return Promise.reject(new GatewayError('invalid_options', `run ${runId} already exists`));
      }
      return settle(() => {
        const log = createEventLog({ id: runId, meta, maxEntries, now, onClose });
        logs.set(runId, log);
        return log;
      });
    },
    open(runId) {
      sweep();
      return Promise.resolve(logs.get(runId));
    },
    get size() {
      return logs.size;
    },
    sweep,
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      logs.clear();
      closedQueue.length = 0;
      queueHead = 0;
    },
  };
}
