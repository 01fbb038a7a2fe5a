import type { EventLog, Logger } from '@claude-gateway/core';
import { LogFollower } from './log-follower.js';

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

/**
 * A web `ReadableStream` of SSE bytes for one reader of `log`: a `retry:`
 * message first, then one message per entry (`id: <seq>`, `event: <type>`,
 * `data: <event JSON>`) — replay, then live — and `heartbeat` events while
 * idle. It closes after the terminal entry, or quietly when `signal` aborts.
 * Entries the log already holds when the consumer pulls come as one chunk
 * (up to 512), and each entry is encoded once however many readers follow
 * the log; the bytes are the same as one message at a time.
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
  const follower = new LogFollower(log, options, extraSignals);
  const encoder = new TextEncoder();
  let started = false;

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!started) {
          started = true;
          controller.enqueue(encoder.encode(follower.retryMessage));
          return;
        }
        let text: string | undefined;
        try {
          text = await follower.next();
        } catch (error) {
          // The follower logged it and stopped.
          controller.error(error);
          return;
        }
        if (text === undefined) {
          // Over: the terminal entry was sent, or the stream was cancelled
          // (then the controller is gone and closing it is a no-op).
          closeQuietly(controller);
          return;
        }
        controller.enqueue(encoder.encode(text));
        if (follower.finished) closeQuietly(controller);
      },
      cancel() {
        follower.finish();
      },
    },
    // Pull only when the consumer reads: the consumer's pace is the reader's pace.
    { highWaterMark: 0 },
  );
}

function closeQuietly(controller: ReadableStreamDefaultController<Uint8Array>): void {
  try {
    controller.close();
  } catch {
    // Already closed or cancelled.
  }
}
