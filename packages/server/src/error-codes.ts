import type { DecideAnswer } from '@claude-gateway/dispatch';

/**
 * Every `error.code` the HTTP API answers with (ARCHITECTURE.md, "HTTP error
 * codes"). The set is closed: apps and the client switch on it.
 */
export const HTTP_ERROR_CODES = [
  'invalid_request',
  'invalid_last_event_id',
  'unauthorized',
  'forbidden_origin',
  'nonce_mismatch',
  'not_found',
  'session_not_found',
  'run_not_found',
  'method_not_allowed',
  'run_active',
  'run_ended',
  'already_decided',
  'expired',
  'payload_too_large',
  'unsupported_media_type',
  'too_many_runs',
  'too_many_sessions',
  'internal',
] as const;

/** A code of the HTTP API's error answers: `{ "error": { "code", "message" } }`. */
export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[number];

/**
 * The HTTP status of each error code, so no app copies the table.
 *
 * @example
 * ```ts
 * if (res.status === ERROR_STATUS.run_active) showBusy();
 * ```
 */
export const ERROR_STATUS: Readonly<Record<HttpErrorCode, number>> = Object.freeze({
  invalid_request: 400,
  invalid_last_event_id: 400,
  unauthorized: 401,
  forbidden_origin: 403,
  nonce_mismatch: 403,
  not_found: 404,
  session_not_found: 404,
  run_not_found: 404,
  method_not_allowed: 405,
  run_active: 409,
  run_ended: 409,
  already_decided: 409,
  expired: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_runs: 429,
  too_many_sessions: 429,
  internal: 500,
});

/**
 * The HTTP status of each answer of `ApprovalBroker.decide()`: `ok` is 200
 * `{ "status": "ok" }`, every other answer is an error whose `code` is the
 * answer itself.
 */
export const DECIDE_STATUS: Readonly<Record<DecideAnswer, number>> = Object.freeze({
  ok: 200,
  not_found: 404,
  nonce_mismatch: 403,
  expired: 410,
  already_decided: 409,
});

/** True when `code` is one of {@link HTTP_ERROR_CODES}. */
export function isHttpErrorCode(code: unknown): code is HttpErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_STATUS, code);
}
