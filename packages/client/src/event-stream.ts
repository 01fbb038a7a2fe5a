import type { GatewayEvent, LogEntry } from '@claude-gateway/core';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { GatewayClientError } from './gateway-client-error.js';
import { errorFromResponse, fetchFailure } from './http.js';
import { reconnectDelay, retryAfterMs, sleep, type ResolvedReconnectOptions } from './reconnect.js';

/** Where an event stream is: see {@link EventsOptions.onStateChange}. */
export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Options of `run.events()`. */
export interface EventsOptions {
  /** Ends the stream promptly and quietly (the loop just ends), closing the connection. */
  signal?: AbortSignal;
  /**
   * Start strictly after this seq, as a page does that already rendered the
   * entries up to it (kept in `sessionStorage` across a reload, say).
   * @default 0 (from the first entry)
   */
  afterSeq?: number;
  /**
   * Called on every change: `connecting` (first request), `open` (the
   * stream is flowing), `reconnecting` (it dropped; waiting to resume),
   * `closed` (ended: terminal event, 204, abort, `break` or a thrown error).
   */
  onStateChange?: (state: StreamState) => void;
}

/**
 * Where one stream's connections go.
 * @internal
 */
export interface StreamTarget {
  /** Opens one connection, resuming after `lastSeq`; `resume` is false only for the first. */
  open(lastSeq: number, signal: AbortSignal, resume: boolean): Promise<Response>;
  /** Whether a failure may be followed by another `open` (false: it is thrown). */
  canResume(): boolean;
  /** Sees every entry before it is yielded. */
  onEntry?(entry: LogEntry): void;
}

/** Copied from core's `isTerminalEvent`: the client imports only types from core. */
function isTerminal(event: { type: string }): boolean {
  return event.type === 'stream_complete' || event.type === 'error';
}

/** 5xx, 408 and 429 may pass; any other error answer will not. */
function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

function isEventStream(response: Response): boolean {
  const type = response.headers.get('content-type') ?? '';
  return type.split(';')[0]!.trim().toLowerCase() === 'text/event-stream';
}

function invalid(message: string, status: number | undefined, cause?: unknown): GatewayClientError {
  return new GatewayClientError('invalid_response', message, { status, cause });
}

/**
 * A log entry from one SSE message; `undefined` for messages that are not
 * entries (heartbeats, and anything without an `id:`, which could not be
 * resumed from). The wire carries no timestamp, so `timestamp` is the time
 * the client received the entry.
 */
function toEntry(message: EventSourceMessage, status: number): LogEntry | undefined {
  if (message.event === 'heartbeat' || message.id === undefined || message.id === '') {
    return undefined;
  }
  const seq = Number(message.id);
  if (!Number.isSafeInteger(seq) || seq < 0) {
    throw invalid(`event id ${JSON.stringify(message.id)} is not a sequence number`, status);
  }
  let event: unknown;
  try {
    event = JSON.parse(message.data);
  } catch (error) {
    throw invalid(`event ${seq} does not carry JSON`, status, error);
  }
  if (
    typeof event !== 'object' ||
    event === null ||
    typeof (event as { type?: unknown }).type !== 'string'
  ) {
    throw invalid(`event ${seq} has no type`, status);
  }
  return { seq, timestamp: Date.now(), event: event as GatewayEvent };
}

/** An AbortController that also aborts when `outer` does, and a function to unhook it. */
function linkedController(outer: AbortSignal | undefined): [AbortController, () => void] {
  const controller = new AbortController();
  if (!outer) return [controller, () => undefined];
  const onAbort = (): void => controller.abort(outer.reason);
  if (outer.aborted) onAbort();
  else outer.addEventListener('abort', onAbort, { once: true });
  return [controller, () => outer.removeEventListener('abort', onAbort)];
}

/**
 * The entries of a run's SSE stream, resumed across drops: after a network
 * error, a 5xx / 408 / 429, or a stream that ends without a terminal event,
 * it waits (the server's `retry:` first, then exponential backoff with
 * jitter) and reconnects with `Last-Event-ID` = the last seq it yielded.
 * Never yields a seq twice; ends after the terminal entry or on a 204.
 * @internal
 */
export async function* streamLog(
  target: StreamTarget,
  options: EventsOptions,
  reconnect: ResolvedReconnectOptions,
): AsyncGenerator<LogEntry, void, undefined> {
  const { signal: outer, onStateChange } = options;
  let lastSeq = options.afterSeq ?? 0;
  if (!Number.isSafeInteger(lastSeq) || lastSeq < 0) {
    throw new GatewayClientError('invalid_options', 'afterSeq must be a non-negative integer');
  }
  let state: StreamState | undefined;
  const setState = (next: StreamState): void => {
    if (state === next) return;
    state = next;
    onStateChange?.(next);
  };
  let serverRetryMs: number | undefined;
  const pending: EventSourceMessage[] = [];
  const parser = createParser({
    onEvent: (message) => pending.push(message),
    onRetry: (ms) => {
      serverRetryMs = ms;
    },
  });
  let attempt = 0;
  let resume = false;
  let opened = false;

  try {
    setState('connecting');
    for (;;) {
      if (outer?.aborted) return;
      const [connection, unlink] = linkedController(outer);
      let failure: unknown;
      let minDelayMs = 0;
      try {
        let response: Response | undefined;
        try {
          response = await target.open(lastSeq, connection.signal, resume);
        } catch (error) {
          if (outer?.aborted) return;
          failure = fetchFailure(error, undefined);
        }
        resume = true;
        if (response?.status === 204) return;
        if (response && !response.ok) {
          const error = await errorFromResponse(response);
          if (outer?.aborted) return;
          if (!isRetryableStatus(response.status)) throw error;
          failure = error;
          minDelayMs = retryAfterMs(response);
        } else if (response) {
          if (!isEventStream(response) || !response.body) {
            throw invalid('the answer is not an event stream', response.status);
          }
          setState('open');
          opened = true;
          attempt = 0;
          const status = response.status;
          const reader = response.body.getReader();
          const decoder = new TextDecoder();
          parser.reset();
          pending.length = 0;
          for (;;) {
            let chunk: ReadableStreamReadResult<Uint8Array>;
            try {
              chunk = await reader.read();
            } catch (error) {
              if (outer?.aborted) return;
              failure = fetchFailure(error, undefined);
              break;
            }
            parser.feed(
              chunk.done ? decoder.decode() : decoder.decode(chunk.value, { stream: true }),
            );
            // Copied out first: the consumer may take its time between entries.
            const messages = pending.splice(0);
            for (const message of messages) {
              const entry = toEntry(message, status);
              if (!entry || entry.seq <= lastSeq) continue;
              lastSeq = entry.seq;
              target.onEntry?.(entry);
              yield entry;
              if (isTerminal(entry.event) || outer?.aborted) return;
            }
            if (chunk.done) {
              failure = new GatewayClientError(
                'network_error',
                'the stream ended before the run did',
                { status },
              );
              break;
            }
          }
        }
      } finally {
        unlink();
        // Releases the connection whatever happened: a `break` in the
        // consumer's loop lands here too.
        connection.abort();
      }

      if (!target.canResume()) {
        if (!opened) throw failure;
        throw new GatewayClientError(
          'stream_interrupted',
          'the stream broke off before the run id was known',
          { cause: failure },
        );
      }
      attempt += 1;
      if (attempt > reconnect.maxAttempts) throw failure;
      setState('reconnecting');
      await sleep(
        reconnectDelay(attempt, serverRetryMs ?? reconnect.initialDelayMs, reconnect, minDelayMs),
        outer,
      );
    }
  } finally {
    setState('closed');
  }
}
