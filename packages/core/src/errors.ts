/**
 * Error codes for misuse and bad input, surfaced as {@link GatewayError}.
 * See ARCHITECTURE.md, "Settled details" — these sets are closed.
 */
export const MISUSE_ERROR_CODES = [
  'missing_credentials',
  'invalid_options',
  'log_closed',
  'log_not_found',
  'invalid_last_event_id',
  'invalid_config',
] as const;

/**
 * Codes the run manager throws (and the HTTP API answers with): a missing
 * session or run, the one-active-run lock, an ended run, the process cap.
 */
export const RUN_MANAGER_ERROR_CODES = [
  'session_not_found',
  'run_not_found',
  'run_active',
  'run_ended',
  'too_many_runs',
  'too_many_sessions',
] as const;

/** Codes that end a run: the `code` of a terminal `error` event. */
export const RUN_ERROR_CODES = [
  'cancelled',
  'rate_limited',
  'overloaded',
  'stalled',
  'upstream_error',
  'authentication',
  'invalid_request',
  'context_window_exceeded',
  'request_too_large',
  'max_turns',
  'timeout',
  'owner_lost',
  'internal',
] as const;

/** Codes of a failed tool call: sent back to the model with `is_error: true`. */
export const TOOL_ERROR_CODES = [
  'unknown_tool',
  'invalid_input',
  'approval_required',
  'approval_timeout',
  'user_denied',
  'tool_timeout',
  'tool_error',
  'mcp_error',
  'server_unavailable',
  'cancelled',
] as const;

export type MisuseErrorCode = (typeof MISUSE_ERROR_CODES)[number];
export type RunManagerErrorCode = (typeof RUN_MANAGER_ERROR_CODES)[number];
export type RunErrorCode = (typeof RUN_ERROR_CODES)[number];
export type ToolErrorCode = (typeof TOOL_ERROR_CODES)[number];
/** Every code a {@link GatewayError} can carry. */
export type GatewayErrorCode = MisuseErrorCode | RunManagerErrorCode | RunErrorCode | ToolErrorCode;

const runCodes: ReadonlySet<string> = new Set(RUN_ERROR_CODES);
const toolCodes: ReadonlySet<string> = new Set(TOOL_ERROR_CODES);

/** True when `code` is one of {@link RUN_ERROR_CODES}. */
export function isRunErrorCode(code: unknown): code is RunErrorCode {
  return typeof code === 'string' && runCodes.has(code);
}

/** True when `code` is one of {@link TOOL_ERROR_CODES}. */
export function isToolErrorCode(code: unknown): code is ToolErrorCode {
  return typeof code === 'string' && toolCodes.has(code);
}

/** The shape an error takes on the wire: never a stack trace, never a secret. */
export interface ErrorPayload<C extends string = string> {
  code: C;
  message: string;
}

// `Symbol.for` puts the brand in the global registry, so two copies of this
// package (say, one bundled by a framework and one installed) still recognise
// each other's errors. `instanceof` would not.
const brand = Symbol.for('@claude-gateway/core.GatewayError');

/**
 * The one error class of every `@claude-gateway/*` package.
 *
 * @example
 * ```ts
 * try { await store.create(id) } catch (e) {
 *   if (GatewayError.isInstance(e) && e.code === 'invalid_options') { ... }
 * }
 * ```
 */
export class GatewayError<C extends GatewayErrorCode = GatewayErrorCode> extends Error {
  private readonly [brand] = true;
  /** A stable, machine-readable code from the closed sets above. */
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GatewayError';
    this.code = code;
  }

  /** Works across package copies, unlike `instanceof`. */
  static isInstance(error: unknown): error is GatewayError {
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as Record<symbol, unknown>)[brand] === true
    );
  }

  /** `{ code, message }`: what may cross the wire. */
  toJSON(): ErrorPayload<C> {
    return { code: this.code, message: this.message };
  }
}

/**
 * The message of anything thrown, fit for a model, a client or an event: an
 * `Error`'s message (never its stack), a thrown string as it is, and for any
 * other value a generic line naming only its type — an object someone
 * threw (a response, a config) may hold secrets, so it is never echoed.
 * Log {@link errorDetail} instead when the value itself matters.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  return `a non-Error value was thrown (${error === null ? 'null' : typeof error})`;
}

/**
 * Everything about a thrown value, for a log only (never for the wire): an
 * `Error`'s message, a string as it is, any other value as JSON (or
 * `String(value)` when it is not JSON).
 */
export function errorDetail(error: unknown): string {
  if (error instanceof Error || typeof error === 'string') return errorMessage(error);
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    try {
      return String(error);
    } catch {
      return errorMessage(error);
    }
  }
}

/**
 * Runs `fn` and returns its value as a promise, turning a synchronous throw
 * into a rejection — for sync implementations of async interfaces.
 */
export function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(errorMessage(error)));
  }
}
