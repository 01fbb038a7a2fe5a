import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { GatewayError, type EventLog } from '@claude-gateway/core';
import { writeErrorResponse, writeSSE, type WriteSSEOptions } from './write-sse.js';

/** Options of {@link sseHandler}: those of `writeSSE`, less the per-request ones. */
export type SSEHandlerOptions = Omit<WriteSSEOptions, 'afterSeq' | 'signal'>;

/**
 * An Express handler that streams the log `resolveLog(req)` finds, resuming
 * from the request's `Last-Event-ID` header or `?lastEventId=` query.
 *
 * - `undefined` from `resolveLog` answers 404 `{ "error": { "code": "log_not_found", ... } }`;
 *   a `GatewayError` thrown by it is answered as JSON too (`log_not_found` 404,
 *   `invalid_*` 400); any other throw goes to `next(error)`.
 * - A bad `Last-Event-ID` answers 400 `invalid_last_event_id`.
 *
 * @example
 * ```ts
 * app.get('/runs/:id/events', sseHandler((req) => store.open(String(req.params.id))));
 * ```
 */
export function sseHandler(
  resolveLog: (req: Request) => Promise<EventLog | undefined> | EventLog | undefined,
  options: SSEHandlerOptions = {},
): RequestHandler {
  const handle = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    let log: EventLog | undefined;
    try {
      log = await resolveLog(req);
    } catch (error) {
      if (GatewayError.isInstance(error)) writeErrorResponse(res, error, options.headers);
      else next(error);
      return;
    }
    if (!log) {
      writeErrorResponse(
        res,
        new GatewayError('log_not_found', 'no event log for this request'),
        options.headers,
      );
      return;
    }
    await writeSSE(req, res, log, options);
  };
  return (req, res, next) => {
    handle(req, res, next).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else next(error);
    });
  };
}
