import type { EventLog } from '@claude-gateway/core';
import { sseResponse, type SSEResponseOptions } from './sse-response.js';

/**
 * What {@link streamEvents} needs of a Hono `Context`: the raw request.
 * Any Hono `Context` fits.
 */
export interface HonoContextLike {
  req: { raw: Request };
}

/** Options of {@link streamEvents}: those of `sseResponse`, less the request (taken from `c`). */
export type StreamEventsOptions = Omit<SSEResponseOptions, 'request'>;

/**
 * A Hono answer streaming `log` as Server-Sent Events. It resumes from the
 * request's `Last-Event-ID` header or `?lastEventId=` query (unless
 * `afterSeq` is given) and stops when `c.req.raw.signal` aborts (the client
 * left) or the runtime cancels the body. A bad `Last-Event-ID` answers 400
 * `{ "error": { "code": "invalid_last_event_id", ... } }`; a closed log with
 * nothing left answers 204.
 *
 * It returns the web `Response` of `sseResponse` (not Hono's `streamSSE`
 * helper), so every runtime gets the same bytes and the same pull-based
 * backpressure.
 *
 * @example
 * ```ts
 * app.get('/runs/:id/events', async (c) => {
 *   const log = await store.open(c.req.param('id'));
 *   return log ? streamEvents(c, log) : c.json({ error: { code: 'log_not_found', message: 'no such run' } }, 404);
 * });
 * ```
 */
export function streamEvents(
  c: HonoContextLike,
  log: EventLog,
  options: StreamEventsOptions = {},
): Response {
  return sseResponse(log, { ...options, request: c.req.raw });
}
