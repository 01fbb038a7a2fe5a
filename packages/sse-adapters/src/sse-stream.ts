import {
  GatewayError,
  consoleLogger,
  errorMessage,
  isTerminalEvent,
  type EventLog,
  type LogEntry,
  type Logger,
} from '@claude-gateway/core';
import { DEFAULT_HEARTBEAT_MS, DEFAULT_RETRY_MS, HEARTBEAT_MESSAGE } from './constants.js';
import { encodeEntry, encodeSSE } from './encode-sse.js';

/** Options of {@link createSSEStream}. */
export interface SSEStreamOptions {
  /**
   * Send entries strictly after this seq (the client's `Last-Event-ID`).
   * @default 0 (from the first entry)
   */
  afterSeq?: number;
  /**
   * Idle time after which a `heartbeat` event (no `id:`) is sent; `0` turns
   * heartbeats off. The timer runs only while the stream waits for the log.
   * @default 15000
   */
  heartbeatMs?: number;
  /**
   * Reconnection delay the client is told to use, sent as `retry:` in the
   * stream's first message.
   * @default 1000
   */
  retryMs?: number;
  /** Ends the stream quietly (it closes, it does not error) when aborted. */
  signal?: AbortSignal;
  /** Where a failing log read is reported. @default consoleLogger */
  logger?: Logger;
}

const HEARTBEAT = Symbol('heartbeat');

type Settled = { ok: true; value: IteratorResult<LogEntry> } | { ok: false; error: unknown };

/** The one `iterator.next()` in flight, shared by successive pulls. */
interface NextSlot {
  settled?: Settled;
  notify?: () => void;
}

function checkNonNegativeInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new GatewayError('invalid_options', `${name} must be a non-negative integer`);
  }
}

/**
 * A web `ReadableStream` of SSE bytes for one reader of `log`: a `retry:`
 * message first, then one message per entry (`id: <seq>`, `event: <type>`,
 * `data: <event JSON>`) — replay, then live — and `heartbeat` events while
 * idle. It closes after the terminal entry, or quietly when `signal` aborts.
 *
 * The source is pull-based: the log is read only when the consumer asks for
 * more bytes, so a slow client slows its own reader instead of filling
 * memory. Cancelling the stream (a client disconnect) stops that reader and
 * clears its timer; the run writing the log is not affected.
 *
 * @throws GatewayError `invalid_options` for a bad `afterSeq`, `heartbeatMs` or `retryMs`.
 *
 * @example
 * ```ts
 * const body = createSSEStream(log, { afterSeq: parseLastEventId(request) ?? 0 });
 * return new Response(body, { headers: SSE_HEADERS });
 * ```
 */
export function createSSEStream(
  log: EventLog,
  options: SSEStreamOptions = {},
): ReadableStream<Uint8Array> {
  return openSSEStream(log, options, []);
}

/**
 * {@link createSSEStream} that also ends when any of `extraSignals` aborts
 * (an adapter's request signal), and drops its listeners when it ends.
 * @internal
 */
export function openSSEStream(
  log: EventLog,
  options: SSEStreamOptions,
  extraSignals: readonly (AbortSignal | undefined)[],
): ReadableStream<Uint8Array> {
  const afterSeq = options.afterSeq ?? 0;
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
  const logger = options.logger ?? consoleLogger;
  checkNonNegativeInteger('afterSeq', afterSeq);
  checkNonNegativeInteger('heartbeatMs', heartbeatMs);
  checkNonNegativeInteger('retryMs', retryMs);

  const encoder = new TextEncoder();
  const heartbeatBytes = encoder.encode(HEARTBEAT_MESSAGE);
  const stop = new AbortController();
  const iterator = log.read({ afterSeq, signal: stop.signal })[Symbol.asyncIterator]();
  const outer = [options.signal, ...extraSignals].filter(
    (signal): signal is AbortSignal => signal !== undefined,
  );
  const onOuterAbort = (): void => {
    for (const signal of outer) signal.removeEventListener('abort', onOuterAbort);
    stop.abort();
  };
  for (const signal of outer) {
    if (signal.aborted) stop.abort();
    else signal.addEventListener('abort', onOuterAbort, { once: true });
  }

  let started = false;
  let finished = false;
  let slot: NextSlot | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const finish = (): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    for (const signal of outer) signal.removeEventListener('abort', onOuterAbort);
    // Aborting wakes a reader parked in the log; return() then ends it.
    stop.abort();
    iterator.return?.().catch(() => undefined);
  };

  const take = (settled: Settled): IteratorResult<LogEntry> => {
    slot = undefined;
    if (!settled.ok) throw settled.error;
    return settled.value;
  };

  // The next entry, or HEARTBEAT when none came for `heartbeatMs`. A
  // heartbeat leaves the `next()` in flight for the following pull, so no
  // entry is ever skipped or read twice.
  const next = (): Promise<IteratorResult<LogEntry> | typeof HEARTBEAT> => {
    if (!slot) {
      const fresh: NextSlot = {};
      slot = fresh;
      iterator.next().then(
        (value) => {
          fresh.settled = { ok: true, value };
          fresh.notify?.();
        },
        (error: unknown) => {
          fresh.settled = { ok: false, error };
          fresh.notify?.();
        },
      );
    }
    const current = slot;
    if (current.settled) return Promise.resolve(take(current.settled));
    return new Promise((resolve, reject) => {
      if (heartbeatMs > 0) {
        timer = setTimeout(() => {
          current.notify = undefined;
          resolve(HEARTBEAT);
        }, heartbeatMs);
      }
      current.notify = () => {
        clearTimeout(timer);
        current.notify = undefined;
        try {
          resolve(take(current.settled!));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(errorMessage(error)));
        }
      };
    });
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (finished) return;
        if (!started) {
          started = true;
          controller.enqueue(encoder.encode(encodeSSE({ retry: retryMs })));
          return;
        }
        let result: IteratorResult<LogEntry> | typeof HEARTBEAT;
        try {
          result = await next();
        } catch (error) {
          if (finished) return;
          finish();
          logger.error('sse-adapters: reading the event log failed', {
            logId: log.id,
            error: errorMessage(error),
          });
          controller.error(error);
          return;
        }
        // Cancelled while waiting: the controller is gone.
        if (finished) return;
        if (result === HEARTBEAT) {
          controller.enqueue(heartbeatBytes);
          return;
        }
        if (result.done) {
          finish();
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(encodeEntry(result.value)));
        if (isTerminalEvent(result.value.event)) {
          finish();
          controller.close();
        }
      },
      cancel() {
        finish();
      },
    },
    // Pull only when the consumer reads: the consumer's pace is the reader's pace.
    { highWaterMark: 0 },
  );
}
