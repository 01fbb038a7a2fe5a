import { GatewayError, settle } from './errors.js';
import type { EventLog, EventStore, RunMeta } from './event-log-types.js';
import { createEventLog, DEFAULT_MAX_ENTRIES, type MemoryEventLog } from './memory-event-log.js';

/** Default of `closedTtlMs`: how long a closed log stays readable. */
export const DEFAULT_CLOSED_TTL_MS = 10 * 60_000;

/** Default of `openIdleTtlMs`: how long an open log may go without an event. */
export const DEFAULT_OPEN_IDLE_TTL_MS = 60 * 60_000;

/** Default of `maxClosedLogs`: closed logs held at most (the oldest go first). */
export const DEFAULT_MAX_CLOSED_LOGS = 10_000;

/** Message of the `error` event a store writes when it closes an idle open log. */
export const IDLE_CLOSE_MESSAGE = 'no event for too long and no writer ended the log';

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
   * forgets it.
   * @default 600_000 (10 minutes)
   */
  closedTtlMs?: number;
  /**
   * Closed logs held at most: beyond it the oldest closed log is evicted at
   * once, before its `closedTtlMs` is up, so a long TTL on a busy server
   * cannot hold every run of the day in memory. Open logs never count.
   * @default 10_000
   */
  maxClosedLogs?: number;
  /**
   * How long an open log may go without an append before the store closes
   * it with `error { code: 'internal' }` (then it is evicted `closedTtlMs`
   * later, like any closed log). A writer that never ends its log (a run
   * that failed before it started, a crashed handler) would otherwise be
   * kept forever. Checked at most every minute, so a log is closed between
   * `openIdleTtlMs` and a minute more after its last append. Keep it well
   * above the longest silence of a live run (a long tool call or approval
   * wait appends nothing). `Infinity` keeps open logs forever.
   * @default 3_600_000 (1 hour)
   */
  openIdleTtlMs?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

/** A closed log waiting for its eviction. */
interface QueueItem {
  log: EventLog | undefined;
  expiresAt: number;
}

/** The memory store's extras beyond {@link EventStore}. */
export interface MemoryEventStore extends EventStore {
  create(runId: string, meta?: RunMeta): Promise<MemoryEventLog>;
  open(runId: string): Promise<MemoryEventLog | undefined>;
  delete(runId: string): Promise<void>;
  /** Logs currently held (open, or closed and not yet evicted). */
  readonly size: number;
  /**
   * Closes open logs idle for `openIdleTtlMs` and evicts expired closed
   * logs now (eviction is also done on every create/open, and both by timers).
   */
  sweep(): void;
  /** Forgets every log and stops the eviction timer. */
  dispose(): void;
}

/**
 * The zero-setup event store: logs in process memory, closed logs evicted
 * after `closedTtlMs`, open logs that nobody appends to closed after
 * `openIdleTtlMs`.
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
  // Checked here, not at the first create(): a bad store fails when it is made.
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new GatewayError('invalid_options', 'maxEntries must be a positive integer');
  }
  const closedTtlMs = options.closedTtlMs ?? DEFAULT_CLOSED_TTL_MS;
  const now = options.now ?? Date.now;
  if (!Number.isFinite(closedTtlMs) || closedTtlMs < 0) {
    throw new GatewayError(
      'invalid_options',
      'closedTtlMs must be a finite number >= 0 (closed logs must be evicted some time)',
    );
  }
  const maxClosedLogs = options.maxClosedLogs ?? DEFAULT_MAX_CLOSED_LOGS;
  if (
    !(maxClosedLogs >= 1) ||
    (Number.isFinite(maxClosedLogs) && !Number.isInteger(maxClosedLogs))
  ) {
    throw new GatewayError(
      'invalid_options',
      'maxClosedLogs must be an integer >= 1 (or Infinity)',
    );
  }
  const openIdleTtlMs = options.openIdleTtlMs ?? DEFAULT_OPEN_IDLE_TTL_MS;
  if (!(openIdleTtlMs > 0)) {
    throw new GatewayError('invalid_options', 'openIdleTtlMs must be > 0 (Infinity for none)');
  }
  // Open logs with the last seq seen and when it was first seen.
  const open = new Map<MemoryEventLog, { seq: number; since: number }>();
  const idleCheckMs = Math.min(openIdleTtlMs, 60_000);
  let idleTimer: ReturnType<typeof setInterval> | undefined;
  const logs = new Map<string, MemoryEventLog>();
  // Closed logs in the order they closed; since the clock only moves forward,
  // the head is always the next to expire, so a sweep never scans the rest.
  // A deleted log's item keeps only its time (`log` undefined).
  const closedQueue: QueueItem[] = [];
  // Each held closed log's item, for delete().
  const queued = new WeakMap<EventLog, QueueItem>();
  let queueHead = 0;
  // Items whose log is still held, and items past queueHead whose log was
  // deleted (they wait for their time, or for a compaction).
  let closedHeld = 0;
  let deadItems = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const closeIdle = (): void => {
    const t = now();
    for (const [log, seen] of open) {
      const seq = log.lastSeq();
      if (seq !== seen.seq) {
        open.set(log, { seq, since: t });
      } else if (t - seen.since >= openIdleTtlMs) {
        open.delete(log);
        // Readers see an end; onClose then schedules the eviction.
        log.close({ code: 'internal', message: IDLE_CLOSE_MESSAGE }).catch(() => undefined);
      }
    }
    stopIdleTimerIfDone();
  };

  const stopIdleTimerIfDone = (): void => {
    if (open.size > 0 || idleTimer === undefined) return;
    clearInterval(idleTimer);
    idleTimer = undefined;
  };

  const watch = (log: MemoryEventLog): void => {
    if (!Number.isFinite(openIdleTtlMs)) return;
    open.set(log, { seq: log.lastSeq(), since: now() });
    if (idleTimer === undefined) {
      idleTimer = setInterval(closeIdle, idleCheckMs);
      // Must never keep a process alive.
      idleTimer.unref?.();
    }
  };

  /** Takes the head item off the queue, evicting its log if still held. */
  const evictHead = (): void => {
    const item = closedQueue[queueHead++]!;
    const log = item.log;
    if (!log) {
      deadItems -= 1;
      return;
    }
    // The slot may stay in the array until a compaction: it must not hold the log.
    item.log = undefined;
    closedHeld -= 1;
    if (logs.get(log.id) === log) logs.delete(log.id);
  };

  const compact = (): void => {
    if (deadItems > 1024 && deadItems > closedHeld) {
      // Mostly deleted logs' items: keep the rest, in order.
      let kept = 0;
      for (let i = queueHead; i < closedQueue.length; i++) {
        const item = closedQueue[i]!;
        if (item.log) closedQueue[kept++] = item;
      }
      closedQueue.length = kept;
      queueHead = 0;
      deadItems = 0;
    } else if (queueHead > 1024 && queueHead * 2 > closedQueue.length) {
      closedQueue.splice(0, queueHead);
      queueHead = 0;
    }
  };

  const sweep = (): void => {
    const t = now();
    while (queueHead < closedQueue.length && closedQueue[queueHead]!.expiresAt <= t) evictHead();
    compact();
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
    open.delete(log as MemoryEventLog);
    stopIdleTimerIfDone();
    // A deleted log is nobody's once its writer and readers let go.
    if (logs.get(log.id) !== log) return;
    const item: QueueItem = { log, expiresAt: now() + closedTtlMs };
    closedQueue.push(item);
    queued.set(log, item);
    closedHeld += 1;
    while (closedHeld > maxClosedLogs) evictHead();
    compact();
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
        watch(log);
        return log;
      });
    },
    open(runId) {
      sweep();
      return Promise.resolve(logs.get(runId));
    },
    delete(runId) {
      const log = logs.get(runId);
      if (log) {
        logs.delete(runId);
        // Closed: its entries go now, not when its eviction comes due. Open:
        // it stays its writer's and its readers' until it closes (onClose
        // then keeps nothing).
        const item = queued.get(log);
        if (item?.log) {
          item.log = undefined;
          closedHeld -= 1;
          deadItems += 1;
          compact();
        }
      }
      return Promise.resolve();
    },
    get size() {
      return logs.size;
    },
    sweep() {
      closeIdle();
      sweep();
    },
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      open.clear();
      stopIdleTimerIfDone();
      logs.clear();
      closedQueue.length = 0;
      queueHead = 0;
      closedHeld = 0;
      deadItems = 0;
    },
  };
}
