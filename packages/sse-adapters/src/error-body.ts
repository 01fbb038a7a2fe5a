import { GatewayError, type ErrorPayload } from '@claude-gateway/core';

/** The JSON body of an HTTP error answer: `{ "error": { "code", "message" } }`. */
export interface ErrorBody {
  error: ErrorPayload;
}

/** The wire body for `error`; never a stack trace. */
export function errorBody(error: unknown): ErrorBody {
  if (GatewayError.isInstance(error))
    return { error: { code: error.code, message: error.message } };
  // Anything else may carry details a client should not see.
  return { error: { code: 'internal', message: 'internal error' } };
}

/** The HTTP status an adapter answers a setup error with. */
export function errorStatus(error: unknown): number {
  if (!GatewayError.isInstance(error)) return 500;
  if (error.code === 'log_not_found') return 404;
  if (error.code === 'invalid_last_event_id' || error.code === 'invalid_options') return 400;
  return 500;
}
