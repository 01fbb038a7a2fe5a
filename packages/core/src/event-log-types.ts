import type { ErrorPayload } from './errors.js';
import type { GatewayEvent } from './events.js';

/** One stored event with its position and time. */
export interface LogEntry {
  /** 1, 2, 3, ... within one log. */
  seq: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  event: GatewayEvent;
}

/** Options of {@link EventLog.read}. */
export interface ReadOptions {
  /** Start strictly after this seq. @default 0 (from the first entry) */
  afterSeq?: number;
  /** Ends the reader (quietly) when aborted, even while it waits. */
  signal?: AbortSignal;
}

/** Options of {@link EventLog.readBatches}. */
export interface ReadBatchesOptions extends ReadOptions {
  /** The most entries in one batch. @default 512 */
  maxBatch?: number;
}

/** What a store remembers about a run besides its events. */
export interface RunMeta {
  /** The session the run belongs to, for access checks. */
  sessionId?: string;
  /** Anything else the server wants to keep with the run. */
  [key: string]: unknown;
}

/**
 * The sequence-numbered log of one run. One writer (the run), any number of
 * readers, each at its own position.
 */
export interface EventLog {
  /** The run id. */
  readonly id: string;
  /** True once a terminal event has been written. */
  readonly closed: boolean;
  /** What the run was created with. */
  readonly meta?: RunMeta;
  /** The seq of the newest entry; 0 when empty. Callers always `await` it. */
  lastSeq(): number | Promise<number>;
  /**
   * Gives `event` the next seq and a timestamp, and wakes every reader.
   * A terminal event (`stream_complete`, `error`) closes the log.
   * @throws GatewayError `log_closed` after close; `invalid_options` for `events_dropped`.
   */
  append(event: GatewayEvent): Promise<LogEntry>;
  /**
   * Replays what is held after `afterSeq`, then follows live entries, and
   * ends after the terminal entry (or when `signal` aborts). When the position
   * has fallen out of retention it first yields one synthetic
   * `events_dropped` entry.
   */
  read(options?: ReadOptions): AsyncIterable<LogEntry>;
  /**
   * Optional fast path of {@link EventLog.read}: the same entries in the same
   * order, but each step yields every entry held past the reader's position
   * at that moment (at most `maxBatch`), so a reader that fell behind catches
   * up in one step and a burst of appends costs one wake-up. Readers that
   * find it missing use `read()`. A synthetic `events_dropped` entry comes as
   * a batch of its own.
   */
  readBatches?(options?: ReadBatchesOptions): AsyncIterable<readonly LogEntry[]>;
  /**
   * Seals the log. When no terminal event was written it appends
   * `error { code, message }` first (default `internal`, "run ended without a
   * terminal event"), so every reader sees an end. Calling it twice is harmless.
   */
  close(error?: ErrorPayload): Promise<void>;
}

/** Creates and re-opens logs by run id. */
export interface EventStore {
  /** @throws GatewayError `invalid_options` when `runId` is taken. */
  create(runId: string, meta?: RunMeta): Promise<EventLog>;
  /** The log of `runId`, or `undefined` when unknown, evicted or deleted. */
  open(runId: string): Promise<EventLog | undefined>;
  /**
   * Optional: forgets the log of `runId` before its time is up (the run
   * manager's `deleteSession` calls it for every run of the session).
   * {@link open} answers `undefined` from then on. A closed log goes at
   * once; an open one stays writable, and readers that already hold it read
   * on until its end, then it goes. A store shared by instances may keep a
   * deleted log a few seconds more, unopenable, so that a reader following
   * it elsewhere still reads its end. An unknown id is not an error. A store
   * without it keeps logs until their TTL.
   */
  delete?(runId: string): Promise<void>;
}
