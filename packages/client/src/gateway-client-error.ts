/**
 * Codes the client itself produces, next to the server's own codes
 * (`unauthorized`, `run_active`, `run_not_found`, ...), which
 * {@link GatewayClientError.code} carries unchanged.
 *
 * - `network_error`: the request never got an HTTP answer (or the connection broke).
 * - `invalid_response`: the answer was not what the API sends (not JSON, not
 *   SSE, a malformed event).
 * - `http_error`: an HTTP error whose body was not `{ error: { code, message } }`
 *   (a proxy's error page, say); `status` tells which.
 * - `stream_interrupted`: a `chat()` stream broke before its run id was known,
 *   so it could not be resumed.
 * - `invalid_options`: bad options passed to the client (no `baseUrl`, a
 *   negative `afterSeq`, ...); thrown before any request.
 */
export const CLIENT_ERROR_CODES = [
  'network_error',
  'invalid_response',
  'http_error',
  'stream_interrupted',
  'invalid_options',
] as const;

/** One of {@link CLIENT_ERROR_CODES}. */
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

// In the global symbol registry, so two copies of this package (one bundled
// by a framework, one installed) recognise each other's errors.
const brand = Symbol.for('@claude-gateway/client.GatewayClientError');

/** Options of the {@link GatewayClientError} constructor. */
export interface GatewayClientErrorOptions {
  /** The HTTP status of the answer; `undefined` when there was none. */
  status?: number;
  /** What caused it (the network error, say). */
  cause?: unknown;
}

/**
 * Every failure of a {@link GatewayClient} call: an HTTP error answer (with the
 * server's `code` and the HTTP `status`), a network failure (`network_error`,
 * no status) or an answer the client cannot read (`invalid_response`).
 *
 * @example
 * ```ts
 * try { await session.send('hi') } catch (e) {
 *   if (GatewayClientError.isInstance(e) && e.code === 'run_active') { ... }
 * }
 * ```
 */
export class GatewayClientError extends Error {
  private readonly [brand] = true;
  /** The server's error code (`run_active`, `unauthorized`, ...) or one of {@link CLIENT_ERROR_CODES}. */
  readonly code: string;
  /** The HTTP status; `undefined` for `network_error`. */
  readonly status: number | undefined;

  constructor(code: string, message: string, options: GatewayClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayClientError';
    this.code = code;
    this.status = options.status;
  }

  /** Works across package copies, unlike `instanceof`. */
  static isInstance(error: unknown): error is GatewayClientError {
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as Record<symbol, unknown>)[brand] === true
    );
  }

  /** `{ code, message, status }`. */
  toJSON(): { code: string; message: string; status: number | undefined } {
    return { code: this.code, message: this.message, status: this.status };
  }
}
