import { GatewayError } from '@claude-gateway/core';
import { ERROR_STATUS, type HttpErrorCode } from './error-codes.js';

/**
 * An error answer on its way out: a code from the closed HTTP set, a message
 * a client may see, and headers it needs (`allow`, `retry-after`...).
 * @internal
 */
export class HttpError extends Error {
  readonly status: number;

  constructor(
    readonly code: HttpErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.status = ERROR_STATUS[code];
  }
}

/** Seconds a client is told to wait after `too_many_runs`. */
export const TOO_MANY_RUNS_RETRY_AFTER_SEC = 1;
/** Seconds a client is told to wait after `too_many_sessions`. */
export const TOO_MANY_SESSIONS_RETRY_AFTER_SEC = 60;

/**
 * The answer for something thrown while handling a request: an `HttpError`
 * as is, a run manager's `GatewayError` mapped to its HTTP code, and
 * `undefined` for anything else (an internal error).
 */
export function toHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (!GatewayError.isInstance(error)) return undefined;
  switch (error.code) {
    case 'session_not_found':
    case 'run_not_found':
    case 'run_active':
    case 'run_ended':
    case 'invalid_last_event_id':
      return new HttpError(error.code, error.message);
    case 'too_many_runs':
      return new HttpError(error.code, error.message, {
        'retry-after': String(TOO_MANY_RUNS_RETRY_AFTER_SEC),
      });
    case 'too_many_sessions':
      return new HttpError(error.code, error.message, {
        'retry-after': String(TOO_MANY_SESSIONS_RETRY_AFTER_SEC),
      });
    case 'invalid_options':
      // The manager's word for bad input (an empty or oversized message).
      return new HttpError('invalid_request', error.message);
    default:
      return undefined;
  }
}

/** A JSON `{ "error": { "code", "message" } }` response. */
export function errorJson(error: HttpError, base: Headers): Response {
  const headers = new Headers(base);
  headers.set('content-type', 'application/json');
  for (const [name, value] of Object.entries(error.headers)) headers.set(name, value);
  return new Response(JSON.stringify({ error: { code: error.code, message: error.message } }), {
    status: error.status,
    headers,
  });
}
