import { GatewayError, type EventLog } from '@claude-gateway/core';
import { SSE_HEADERS } from './constants.js';
import { errorBody, errorStatus } from './error-body.js';
import { parseLastEventId } from './last-event-id.js';
import { openSSEStream, type SSEStreamOptions } from './sse-stream.js';

/** Options of {@link sseResponse}. */
export interface SSEResponseOptions extends SSEStreamOptions {
  /**
   * The incoming request. When `afterSeq` is not given it comes from the
   * request's `Last-Event-ID` header or `?lastEventId=` query; the request's
   * `signal` (client gone) also ends the stream.
   */
  request?: Request;
  /** Extra response headers (CORS and the like); they override the SSE defaults. */
  headers?: HeadersInit;
  /**
   * Send `connection: keep-alive`. Set `false` when the response goes out
   * over HTTP/2, which forbids connection-specific headers (a web `Response`
   * cannot tell which protocol carries it).
   * @default true
   */
  connectionHeader?: boolean;
}

/**
 * True when the log is closed and holds nothing after `afterSeq`, decided
 * without waiting (a store whose `lastSeq()` is async is never "finished" here).
 */
function finishedNow(log: EventLog, afterSeq: number): boolean {
  if (!log.closed) return false;
  const last = log.lastSeq();
  if (typeof last === 'number') return last <= afterSeq;
  last.catch(() => undefined);
  return false;
}

/** A JSON error answer: `{ "error": { "code", "message" } }`. */
export function errorResponse(error: unknown, headers?: HeadersInit): Response {
  const responseHeaders = new Headers(headers);
  responseHeaders.set('content-type', 'application/json');
  return new Response(JSON.stringify(errorBody(error)), {
    status: errorStatus(error),
    headers: responseHeaders,
  });
}

/**
 * A web `Response` streaming `log` as Server-Sent Events, with the SSE
 * headers (`content-type: text/event-stream`, `cache-control: no-cache`,
 * `connection: keep-alive`, `x-accel-buffering: no`).
 *
 * - A bad `Last-Event-ID` (or `?lastEventId=`) on `request` answers 400 with
 *   `{ "error": { "code": "invalid_last_event_id", "message" } }`.
 * - When the log is already closed and holds nothing after the position,
 *   it answers 204, which tells an `EventSource` to stop reconnecting.
 *
 * @throws GatewayError `invalid_options` for bad numeric options.
 *
 * @example
 * ```ts
 * app.get('/runs/:id/events', async (request) => {
 *   const log = await store.open(runId);
 *   return log ? sseResponse(log, { request }) : new Response(null, { status: 404 });
 * });
 * ```
 */
export function sseResponse(log: EventLog, options: SSEResponseOptions = {}): Response {
  const { request, headers: extra, connectionHeader = true, ...streamOptions } = options;
  let afterSeq = streamOptions.afterSeq;
  if (afterSeq === undefined && request) {
    try {
      afterSeq = parseLastEventId(request);
    } catch (error) {
      if (GatewayError.isInstance(error)) return errorResponse(error, extra);
      throw error;
    }
  }
  if (finishedNow(log, afterSeq ?? 0)) {
    return new Response(null, { status: 204, headers: extra });
  }
  const body = openSSEStream(log, { ...streamOptions, afterSeq: afterSeq ?? 0 }, [request?.signal]);
  const headers = new Headers(SSE_HEADERS);
  if (!connectionHeader) headers.delete('connection');
  new Headers(extra).forEach((value, key) => headers.set(key, value));
  return new Response(body, { status: 200, headers });
}
