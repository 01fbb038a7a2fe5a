import { errorMessage, type RunErrorCode } from './errors.js';
import type { RetryErrorType } from './events.js';

/** Retry settings of the model call. */
export interface RetryOptions {
  /** Retries after the first attempt of one model turn. @default 3 */
  maxRetries?: number;
  /** Backoff cap of the first retry, in ms (full jitter below it). @default 500 */
  baseDelayMs?: number;
  /** Upper bound of one backoff, in ms. @default 8000 */
  maxDelayMs?: number;
  /**
   * No byte or SSE event (pings count) for this long aborts the attempt as a
   * stall, which is retried. @default 60000
   */
  stallTimeoutMs?: number;
}

/** {@link RetryOptions} with every default filled in. */
export type ResolvedRetryOptions = Required<RetryOptions>;

/** Defaults of {@link RetryOptions}. */
export const DEFAULT_RETRY: ResolvedRetryOptions = Object.freeze({
  maxRetries: 3,
  baseDelayMs: 500,
  maxDelayMs: 8000,
  stallTimeoutMs: 60_000,
});

// Like the Anthropic SDK: a server's retry-after is honoured up to a minute;
// anything longer (or nonsense) falls back to our own backoff.
const MAX_RETRY_AFTER_MS = 60_000;

/** Thrown by an attempt whose stream went silent for `stallTimeoutMs`. */
export class StallError extends Error {
  constructor(ms: number) {
    super(`no data from the model for ${ms} ms`);
    this.name = 'StallError';
  }
}

/** Thrown when the stream ended before `message_stop`. */
export class IncompleteStreamError extends Error {
  constructor() {
    super('the stream ended before message_stop');
    this.name = 'IncompleteStreamError';
  }
}

/** How a failed model call is handled. */
export interface ClassifiedError {
  retryable: boolean;
  /** `stream_retry.error.type` when retried. */
  type: RetryErrorType;
  /** Run error code when not retried (or out of retries). */
  code: RunErrorCode;
  message: string;
  /** Server-requested delay (retry-after-ms / retry-after), when usable. */
  retryAfterMs?: number;
}

// How the API words a request whose input does not fit the model's context
// window ("prompt is too long: 210000 tokens > 200000 maximum", "input length
// and `max_tokens` exceed context limit: ...").
const CONTEXT_TOO_LONG = /prompt is too long|exceed(?:s|ed)? (?:the )?context (?:limit|window)/i;

interface ErrorLike {
  status?: unknown;
  type?: unknown;
  name?: unknown;
  headers?: unknown;
  apiMessage?: unknown;
  error?: unknown;
}

/**
 * Sorts an error from the SDK (or from reading the stream) into retryable or
 * not, its `stream_retry` type, and the run error code it ends with. Duck-typed
 * on `status` / `type` so a client from another copy of the SDK works too.
 */
export function classifyError(error: unknown): ClassifiedError {
  const classified = classifyByKind(error);
  // The API's own verdict wins, as in the SDK: `x-should-retry: true | false`.
  const verdict = headerOf((error as ErrorLike | null)?.headers, 'x-should-retry');
  if (verdict === 'true' || verdict === 'false') classified.retryable = verdict === 'true';
  return classified;
}

function classifyByKind(error: unknown): ClassifiedError {
  if (error instanceof StallError) {
    return { retryable: true, type: 'stall', code: 'stalled', message: error.message };
  }
  if (error instanceof IncompleteStreamError) {
    return {
      retryable: true,
      type: 'connection_error',
      code: 'upstream_error',
      message: error.message,
    };
  }
  const e = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
  const status = typeof e.status === 'number' ? e.status : undefined;
  const apiType = typeof e.type === 'string' ? e.type : bodyErrorType(e.error);
  const message = describe(error, status, apiType);
  const retryAfterMs = parseRetryAfter(e.headers);
  const withDelay = retryAfterMs === undefined ? {} : { retryAfterMs };

  if (status === 529 || apiType === 'overloaded_error') {
    return { retryable: true, type: 'overloaded_error', code: 'overloaded', message, ...withDelay };
  }
  if (status === 429 || apiType === 'rate_limit_error') {
    return {
      retryable: true,
      type: 'rate_limit_error',
      code: 'rate_limited',
      message,
      ...withDelay,
    };
  }
  if (
    status === 401 ||
    status === 403 ||
    apiType === 'authentication_error' ||
    apiType === 'permission_error'
  ) {
    return { retryable: false, type: 'api_error', code: 'authentication', message };
  }
  if (status === 413 || apiType === 'request_too_large') {
    return { retryable: false, type: 'api_error', code: 'request_too_large', message };
  }
  if ((status === 400 || apiType === 'invalid_request_error') && CONTEXT_TOO_LONG.test(message)) {
    return { retryable: false, type: 'api_error', code: 'context_window_exceeded', message };
  }
  if (status !== undefined) {
    // 408 and 409 are transient (the SDK retries them too); other 4xx are the caller's.
    if (status === 408 || status === 409 || status >= 500) {
      return { retryable: true, type: 'api_error', code: 'upstream_error', message, ...withDelay };
    }
    return { retryable: false, type: 'api_error', code: 'invalid_request', message };
  }
  if (apiType === 'api_error') {
    return { retryable: true, type: 'api_error', code: 'upstream_error', message };
  }
  if (apiType === 'invalid_request_error' || apiType === 'not_found_error') {
    return { retryable: false, type: 'api_error', code: 'invalid_request', message };
  }
  if (apiType !== undefined) {
    return { retryable: false, type: 'api_error', code: 'upstream_error', message };
  }
  if (isConnectionError(error)) {
    if (causes(error).some((cause) => REDIRECT.test(cause.message))) {
      return {
        retryable: false,
        type: 'connection_error',
        code: 'upstream_error',
        message: REDIRECTED,
      };
    }
    return { retryable: true, type: 'connection_error', code: 'upstream_error', message };
  }
  return { retryable: false, type: 'api_error', code: 'internal', message };
}

function bodyErrorType(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const inner = (body as { error?: { type?: unknown } }).error;
  return typeof inner?.type === 'string' ? inner.type : undefined;
}

function describe(error: unknown, status: number | undefined, apiType: string | undefined): string {
  const e = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
  const apiMessage = typeof e.apiMessage === 'string' ? e.apiMessage : undefined;
  if (apiType !== undefined || status !== undefined) {
    const head = [status, apiType].filter((part) => part !== undefined).join(' ');
    return `${head}: ${apiMessage ?? errorMessage(error)}`;
  }
  return errorMessage(error);
}

// A redirect refused by `fetch` (undici: "unexpected redirect"): the client
// the runner creates does not follow redirects (see `anthropic-client.ts`),
// and asking again gets the same answer.
const REDIRECT = /\bredirect\b/i;
const REDIRECTED =
  'the API answered with a redirect, which the runner does not follow: set baseURL to the address it points to, or pass a client that follows redirects';

/** `error` and its causes, outermost first (at most 8). */
function causes(error: Error): Error[] {
  const chain = [error];
  let cause = error.cause;
  while (cause instanceof Error && chain.length < 8 && !chain.includes(cause)) {
    chain.push(cause);
    cause = cause.cause;
  }
  return chain;
}

// Failures of the transport: the SDK's APIConnectionError (and its timeout
// subclass), undici's `fetch failed` / `terminated`, and socket errors.
function isConnectionError(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  if (error.name === 'APIConnectionError' || error.name === 'APIConnectionTimeoutError')
    return true;
  if (error instanceof TypeError && /fetch failed|terminated|network/i.test(error.message))
    return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^(ECONN|EPIPE|ETIMEDOUT|UND_ERR)/.test(code)) return true;
  return error.cause !== undefined && error.cause !== error && isConnectionError(error.cause);
}

/** A response header from `Headers` or a plain object; `undefined` when absent. */
function headerOf(headers: unknown, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  if (typeof headers !== 'object' || headers === null) return undefined;
  const value = (headers as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The delay a response asks for: `retry-after-ms` (milliseconds), else
 * `retry-after` (seconds or an HTTP date). `undefined` when absent, negative
 * or over a minute.
 */
export function parseRetryAfter(headers: unknown, now: number = Date.now()): number | undefined {
  const get = (name: string): string | undefined => headerOf(headers, name);
  let ms: number | undefined;
  const msHeader = get('retry-after-ms');
  if (msHeader) {
    const value = Number.parseFloat(msHeader);
    if (Number.isFinite(value)) ms = value;
  }
  const header = ms === undefined ? get('retry-after') : undefined;
  if (header) {
    const seconds = Number(header);
    if (header.trim() !== '' && Number.isFinite(seconds)) ms = seconds * 1000;
    else {
      const date = Date.parse(header);
      if (Number.isFinite(date)) ms = date - now;
    }
  }
  if (ms === undefined || ms < 0 || ms > MAX_RETRY_AFTER_MS) return undefined;
  return Math.ceil(ms);
}

/**
 * Delay before retry number `attempt` (1-based): the server's retry-after when
 * it gave one, else exponential backoff with full jitter —
 * `random(0, min(maxDelayMs, baseDelayMs × 2^(attempt-1)))`.
 */
export function backoffDelay(
  attempt: number,
  options: Pick<ResolvedRetryOptions, 'baseDelayMs' | 'maxDelayMs'>,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  const cap = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(random() * cap);
}
