import { GatewayError, isRunErrorCode, settle, type ErrorPayload } from './errors.js';
import { isTerminalEvent, type GatewayEvent } from './events.js';
import type {
  EventLog,
  LogEntry,
  ReadBatchesOptions,
  ReadOptions,
  RunMeta,
} from './event-log-types.js';
import { onSharedAbort } from './shared-abort.js';

/** Default of `maxEntries`: entries held per log before the oldest are dropped. */
export const DEFAULT_MAX_ENTRIES = 50_000;

/** Options of {@link createEventLog}. */
export interface EventLogOptions {
  /** The run id. @default a random UUID */
  id?: string;
  /** Kept with the log, e.g. `{ sessionId }`. */
  meta?: RunMeta;
  /**
   * Entries held before the oldest are dropped; a reader behind that point
   * gets one `events_dropped` entry, then continues.
   * @default 50_000
   */
  maxEntries?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
  /** Called once when the log closes (the store uses it for eviction). */
  onClose?: (log: EventLog) => void;
}

/** Default `maxBatch` of {@link EventLog.readBatches}. */
const DEFAULT_MAX_BATCH = 512;

/**
 * Runs `fn` once the current burst of synchronous work and promise jobs is
 * over: `process.nextTick` in Node (it runs after the microtask queue
 * drains), a microtask elsewhere. Batch readers are woken this way, so a run
 * appending a whole network chunk of deltas wakes them once, not per delta.
 */
const afterBurst: (fn: () => void) => void =
  typeof globalThis.process?.nextTick === 'function'
    ? (fn) => globalThis.process.nextTick(fn)
    : (fn) => queueMicrotask(fn);

const INTERNAL_END: ErrorPayload = {
  code: 'internal',
  message: 'run ended without a terminal event',
};

/**
 * The in-memory event log. Entries live in a ring that grows up to
 * `maxEntries`, so an idle log costs little and lookup by seq is O(1).
 */
class MemoryEventLogImpl implements MemoryEventLog {
  readonly id: string;
  readonly meta: RunMeta | undefined;
  #closed = false;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #onClose: ((log: EventLog) => void) | undefined;
  // Ring buffer: entry `seq` lives at index (seq - 1) % maxEntries while held.
  readonly #ring: LogEntry[] = [];
  #lastSeq = 0;
  #firstSeq = 1;
  // One resolver per waiting reader; removed as soon as it is woken or aborted.
  readonly #waiters = new Set<() => void>();
  // Waiting batch readers, woken together once a burst of appends is over.
  readonly #batchWaiters = new Set<() => void>();
  #batchWakeScheduled = false;

  constructor(options: EventLogOptions) {
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new GatewayError('invalid_options', 'maxEntries must be a positive integer');
    }
    this.id = options.id ?? crypto.randomUUID();
    this.meta = options.meta;
    this.#maxEntries = maxEntries;
    this.#now = options.now ?? Date.now;
    this.#onClose = options.onClose;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Readers currently waiting for an entry (for leak checks). */
  get waitingReaders(): number {
    return this.#waiters.size + this.#batchWaiters.size;
  }

  /** The oldest seq still held. */
  get firstSeq(): number {
    return this.#firstSeq;
  }

  lastSeq(): number {
    return this.#lastSeq;
  }

  append(event: GatewayEvent): Promise<LogEntry> {
    return settle(() => this.#append(event));
  }

  #append(event: GatewayEvent): LogEntry {
    if (this.#closed) {
      throw new GatewayError('log_closed', `log ${this.id} is closed`);
    }
    if (event.type === 'events_dropped') {
      throw new GatewayError('invalid_options', 'events_dropped is synthetic and never stored');
    }
    const entry: LogEntry = { seq: this.#lastSeq + 1, timestamp: this.#now(), event };
    this.#ring[(entry.seq - 1) % this.#maxEntries] = entry;
    this.#lastSeq = entry.seq;
    if (entry.seq - this.#firstSeq >= this.#maxEntries)
      this.#firstSeq = entry.seq - this.#maxEntries + 1;
    if (isTerminalEvent(event)) this.#seal();
    this.#wake();
    return entry;
  }

  #seal(): void {
    this.#closed = true;
    this.#onClose?.(this);
  }

  #wake(): void {
    if (this.#waiters.size > 0) {
      const waiters = [...this.#waiters];
      this.#waiters.clear();
      for (const wake of waiters) wake();
    }
    if (this.#batchWaiters.size > 0 && !this.#batchWakeScheduled) {
      this.#batchWakeScheduled = true;
      afterBurst(this.#wakeBatchReaders);
    }
  }

  readonly #wakeBatchReaders = (): void => {
    this.#batchWakeScheduled = false;
    const waiters = [...this.#batchWaiters];
    this.#batchWaiters.clear();
    for (const wake of waiters) wake();
  };

  #entry(seq: number): LogEntry | undefined {
    if (seq < this.#firstSeq || seq > this.#lastSeq) return undefined;
    return this.#ring[(seq - 1) % this.#maxEntries];
  }

  /**
   * Resolves on the next append or close, or at once when `signal` aborts.
   * A signal shared by many readers carries one listener for all of them.
   */
  #waitForChange(signal: AbortSignal | undefined, waiters: Set<() => void>): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      let unlisten: (() => void) | undefined;
      const done = (): void => {
        waiters.delete(done);
        unlisten?.();
        resolve();
      };
      waiters.add(done);
      if (signal) unlisten = onSharedAbort(signal, done);
    });
  }

  read(options: ReadOptions = {}): AsyncIterable<LogEntry> {
    const afterSeq = options.afterSeq ?? 0;
    if (!Number.isInteger(afterSeq) || afterSeq < 0) {
      throw new GatewayError('invalid_options', 'afterSeq must be a non-negative integer');
    }
    return this.#read(afterSeq, options.signal);
  }

  async *#read(afterSeq: number, signal: AbortSignal | undefined): AsyncGenerator<LogEntry> {
    let position = afterSeq;
    for (;;) {
      if (signal?.aborted) return;
      while (position < this.#lastSeq) {
        if (position + 1 < this.#firstSeq) {
          // The position fell out of retention (possibly while the consumer
          // was busy with the previous entry): say so once, then continue.
          const first = this.#firstSeq;
          yield this.#droppedMarker(first, position);
          position = first - 1;
          continue;
        }
        const entry = this.#entry(position + 1);
        if (!entry) break;
        position = entry.seq;
        yield entry;
        if (isTerminalEvent(entry.event)) return;
        if (signal?.aborted) return;
      }
      if (this.#closed) return;
      await this.#waitForChange(signal, this.#waiters);
    }
  }

  readBatches(options: ReadBatchesOptions = {}): AsyncIterable<readonly LogEntry[]> {
    const afterSeq = options.afterSeq ?? 0;
    const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    if (!Number.isInteger(afterSeq) || afterSeq < 0) {
      throw new GatewayError('invalid_options', 'afterSeq must be a non-negative integer');
    }
    if (!Number.isInteger(maxBatch) || maxBatch < 1) {
      throw new GatewayError('invalid_options', 'maxBatch must be a positive integer');
    }
    return this.#readBatches(afterSeq, maxBatch, options.signal);
  }

  async *#readBatches(
    afterSeq: number,
    maxBatch: number,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<readonly LogEntry[]> {
    let position = afterSeq;
    for (;;) {
      if (signal?.aborted) return;
      if (position < this.#lastSeq) {
        if (position + 1 < this.#firstSeq) {
          const first = this.#firstSeq;
          yield [this.#droppedMarker(first, position)];
          position = first - 1;
          continue;
        }
        const end = Math.min(this.#lastSeq, position + maxBatch);
        const batch: LogEntry[] = [];
        for (let seq = position + 1; seq <= end; seq++) batch.push(this.#entry(seq)!);
        position = end;
        yield batch;
        // The terminal entry is always the last one a log holds.
        if (this.#closed && position >= this.#lastSeq) return;
        continue;
      }
      if (this.#closed) return;
      await this.#waitForChange(signal, this.#batchWaiters);
    }
  }

  #droppedMarker(first: number, position: number): LogEntry {
    return {
      seq: first - 1,
      timestamp: this.#now(),
      event: { type: 'events_dropped', first_available_seq: first, dropped: first - 1 - position },
    };
  }

  close(error?: ErrorPayload): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const end = error ?? INTERNAL_END;
    // The code set of `error` events is closed; anything else becomes `internal`.
    return settle(() => {
      this.#append({
        type: 'error',
        code: isRunErrorCode(end.code) ? end.code : 'internal',
        message: end.message,
      });
    });
  }
}

/** The memory log's extras beyond {@link EventLog}, for diagnostics and tests. */
export interface MemoryEventLog extends EventLog {
  readBatches(options?: ReadBatchesOptions): AsyncIterable<readonly LogEntry[]>;
  /** Readers currently waiting for an entry. */
  readonly waitingReaders: number;
  /** The oldest seq still held. */
  readonly firstSeq: number;
  lastSeq(): number;
}

/**
 * A standalone in-memory event log (a store creates these for you).
 *
 * @example
 * ```ts
 * const log = createEventLog();
 * void log.append({ type: 'text_delta', text: 'hi' });
 * for await (const { seq, event } of log.read({ afterSeq: 0 })) console.log(seq, event);
 * ```
 */
export function createEventLog(options: EventLogOptions = {}): MemoryEventLog {
  return new MemoryEventLogImpl(options);
}
