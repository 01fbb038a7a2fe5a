import {
  GatewayError,
  consoleLogger,
  errorMessage,
  isTerminalEvent,
  type EventLog,
  type LogEntry,
  type Logger,
  errorDetail,
  onSharedAbort,
} from '@claude-gateway/core';
import { DEFAULT_HEARTBEAT_MS, DEFAULT_RETRY_MS, HEARTBEAT_MESSAGE } from './constants.js';
import { acquireEntryTexts, releaseEntryTexts, type EntryTexts } from './entry-cache.js';
import { encodeSSE } from './encode-sse.js';

/** Options every adapter shares (see `SSEStreamOptions` for their docs). */
export interface FollowOptions {
  afterSeq?: number;
  heartbeatMs?: number;
  retryMs?: number;
  signal?: AbortSignal;
  logger?: Logger;
}

/**
 * The reason the follower's own signal aborts with. A shared constant: an
 * `abort()` without a reason builds a `DOMException` (with a stack) per stream.
 */
const FINISHED = new Error('sse-adapters: stream finished');

/** The most entries read from the log in one step. */
const MAX_BATCH = 512;

/**
 * A chunk stops growing once it holds this many characters (after at least
 * one entry), so a paused client never has much more than the socket's
 * high-water mark buffered for it; the rest of the batch waits its turn.
 */
const CHUNK_CHARS = 16 * 1024;

type Batches = AsyncIterator<readonly LogEntry[]>;
type Settled =
  { ok: true; value: IteratorResult<readonly LogEntry[]> } | { ok: false; error: unknown };

interface Waiting {
  resolve: (text: string | undefined) => void;
  reject: (error: Error) => void;
}

function checkNonNegativeInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new GatewayError('invalid_options', `${name} must be a non-negative integer`);
  }
}

/** The log's batches: its `readBatches` fast path, else `read()` one entry at a time. */
function batchesOf(log: EventLog, afterSeq: number, signal: AbortSignal): Batches {
  if (typeof log.readBatches === 'function') {
    return log.readBatches({ afterSeq, signal, maxBatch: MAX_BATCH })[Symbol.asyncIterator]();
  }
  const entries = log.read({ afterSeq, signal })[Symbol.asyncIterator]();
  return {
    next: () =>
      entries
        .next()
        .then((result) => (result.done ? result : { done: false, value: [result.value] })),
    return: async () => {
      await entries.return?.();
      return { done: true, value: undefined };
    },
  };
}

/**
 * One reader of a log, as SSE text: every entry the log holds past the
 * reader's position comes as one chunk (up to 512 entries), each entry
 * encoded once however many readers follow it, and a heartbeat when the
 * reader has waited `heartbeatMs` for the log. The heartbeat is one timer
 * that checks when the wait began, not a timer re-armed per chunk. Internal:
 * the web stream and the Node writer both read through it.
 */
export class LogFollower {
  /** The `retry:` message that opens the stream. */
  readonly retryMessage: string;
  readonly #log: EventLog;
  readonly #heartbeatMs: number;
  readonly #logger: Logger;
  readonly #stop = new AbortController();
  readonly #unlisten: (() => void)[] = [];
  readonly #batches: Batches;
  readonly #texts: EntryTexts;
  #slot: { settled?: Settled } | undefined;
  // Entries read from the log but not yet sent (a batch larger than a chunk).
  #held: readonly LogEntry[] = [];
  #heldFrom = 0;
  #waiting: Waiting | undefined;
  #idleSince = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #ended = false;
  #finished = false;

  /**
   * @throws GatewayError `invalid_options` for a bad `afterSeq`, `heartbeatMs` or `retryMs`.
   */
  constructor(
    log: EventLog,
    options: FollowOptions,
    extraSignals: readonly (AbortSignal | undefined)[],
  ) {
    const afterSeq = options.afterSeq ?? 0;
    const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    const retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
    checkNonNegativeInteger('afterSeq', afterSeq);
    checkNonNegativeInteger('heartbeatMs', heartbeatMs);
    checkNonNegativeInteger('retryMs', retryMs);
    this.retryMessage = encodeSSE({ retry: retryMs });
    this.#log = log;
    this.#heartbeatMs = heartbeatMs;
    this.#logger = options.logger ?? consoleLogger;
    // Outer signals (often one shared by every stream of a server) carry one
    // listener each for all their streams, dropped when this one ends.
    for (const signal of [options.signal, ...extraSignals]) {
      if (!signal) continue;
      if (signal.aborted) this.#stop.abort(FINISHED);
      else this.#unlisten.push(onSharedAbort(signal, () => this.finish()));
    }
    this.#batches = batchesOf(log, afterSeq, this.#stop.signal);
    this.#texts = acquireEntryTexts(log);
  }

  /** True once the stream is over (terminal entry sent, aborted or failed). */
  get finished(): boolean {
    return this.#finished || this.#ended;
  }

  /**
   * The next chunk of SSE text — entries, or a heartbeat — or `undefined`
   * when the stream is over. Rejects when the log fails (after logging it).
   */
  next(): Promise<string | undefined> {
    if (this.#finished || this.#ended) return Promise.resolve(undefined);
    if (this.#heldFrom < this.#held.length) return Promise.resolve(this.#chunk());
    const slot = this.#slot ?? this.#pull();
    if (slot.settled) return this.#deliver(slot.settled);
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
      if (this.#heartbeatMs > 0) {
        this.#idleSince = performance.now();
        this.#timer ??= setTimeout(this.#onTimer, this.#heartbeatMs);
      }
    });
  }

  /** Stops reading: wakes a reader parked in the log, clears the timer, drops listeners. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    releaseEntryTexts(this.#log, this.#texts);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const unlisten of this.#unlisten) unlisten();
    this.#stop.abort(FINISHED);
    this.#batches.return?.().catch(() => undefined);
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.resolve(undefined);
  }

  // The one `next()` in flight, kept across heartbeats so no entry is skipped or read twice.
  #pull(): { settled?: Settled } {
    const slot: { settled?: Settled } = {};
    this.#slot = slot;
    this.#batches.next().then(
      (value) => this.#settle(slot, { ok: true, value }),
      (error: unknown) => this.#settle(slot, { ok: false, error }),
    );
    return slot;
  }

  #settle(slot: { settled?: Settled }, settled: Settled): void {
    slot.settled = settled;
    const waiting = this.#waiting;
    if (!waiting) return;
    this.#waiting = undefined;
    this.#deliver(settled).then(waiting.resolve, waiting.reject);
  }

  #deliver(settled: Settled): Promise<string | undefined> {
    this.#slot = undefined;
    if (this.#finished) return Promise.resolve(undefined);
    if (!settled.ok) {
      this.finish();
      this.#logger.error('sse-adapters: reading the event log failed', {
        logId: this.#log.id,
        error: errorDetail(settled.error),
      });
      const error = settled.error;
      return Promise.reject(error instanceof Error ? error : new Error(errorMessage(error)));
    }
    const result = settled.value;
    if (result.done === true || result.value.length === 0) {
      this.finish();
      return Promise.resolve(undefined);
    }
    this.#held = result.value;
    this.#heldFrom = 0;
    return Promise.resolve(this.#chunk());
  }

  /** SSE text of the held entries, up to about {@link CHUNK_CHARS}. */
  #chunk(): string {
    const held = this.#held;
    const texts = this.#texts;
    let text = '';
    let i = this.#heldFrom;
    while (i < held.length && (text.length < CHUNK_CHARS || i === this.#heldFrom)) {
      text += texts.text(held[i]!);
      i++;
    }
    this.#heldFrom = i;
    if (i >= held.length) {
      this.#held = [];
      this.#heldFrom = 0;
      if (isTerminalEvent(held[held.length - 1]!.event)) {
        this.#ended = true;
        this.finish();
      }
    }
    return text;
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    const waiting = this.#waiting;
    if (this.#finished || !waiting) return;
    const idle = performance.now() - this.#idleSince;
    if (idle < this.#heartbeatMs) {
      this.#timer = setTimeout(this.#onTimer, this.#heartbeatMs - idle);
      return;
    }
    this.#waiting = undefined;
    waiting.resolve(HEARTBEAT_MESSAGE);
  };
}
