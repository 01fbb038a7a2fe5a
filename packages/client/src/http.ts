import { GatewayClientError } from './gateway-client-error.js';

/**
 * The `fetch` the client calls: `globalThis.fetch` or one of the same shape
 * (`undici`'s, a test double, one that adds headers).
 */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** What every request of one client shares. */
export interface HttpContext {
  /** The API base, without a trailing slash (`http://host/api` or `/api`). */
  baseUrl: string;
  fetch: FetchLike;
}

/** One JSON request. */
export interface JsonRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Under the base URL, starting with `/`. */
  path: string;
  token?: string | undefined;
  /** Sent as JSON. */
  body?: unknown;
  signal?: AbortSignal | undefined;
}

/**
 * A `fetch` that looks `globalThis.fetch` up at call time (so a polyfill or a
 * test's stub installed later is used) and never calls it as a method of
 * something else: browsers throw "Illegal invocation" for `obj.fetch()` when
 * `obj` is not the window.
 */
export function resolveFetch(custom?: FetchLike): FetchLike {
  if (custom) return (input, init) => custom(input, init);
  return (input, init) => globalThis.fetch(input, init);
}

/** `baseUrl` + `path`, with exactly one slash between them. */
export function apiUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${path}`;
}

/** `/runs/<id>` with the id escaped. */
export function pathOf(...parts: string[]): string {
  return parts.map((part, i) => (i % 2 === 1 ? encodeURIComponent(part) : part)).join('/');
}

/** `Authorization: Bearer <token>` when there is a token. */
export function authHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Rethrows the caller's abort reason, or wraps anything else as `network_error`. */
export function fetchFailure(error: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason;
  if (GatewayClientError.isInstance(error)) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new GatewayClientError('network_error', `network error: ${detail}`, { cause: error });
}

/** A {@link GatewayClientError} from an HTTP error answer (reads and consumes its body). */
export async function errorFromResponse(response: Response): Promise<GatewayClientError> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // The body broke off: the status alone still says what happened.
  }
  const status = response.status;
  try {
    const parsed = JSON.parse(text) as unknown;
    const error = (parsed as { error?: unknown } | null)?.error as
      { code?: unknown; message?: unknown } | undefined;
    if (error && typeof error.code === 'string') {
      const message = typeof error.message === 'string' ? error.message : error.code;
      return new GatewayClientError(error.code, message, { status });
    }
  } catch {
    // Not JSON: a proxy's error page, say.
  }
  const reason = response.statusText ? ` ${response.statusText}` : '';
  return new GatewayClientError('http_error', `HTTP ${status}${reason}`, { status });
}

/**
 * Sends one JSON request and returns the parsed answer (`undefined` for an
 * empty one, such as a 204).
 * @throws GatewayClientError for an HTTP error, a network failure or an unreadable answer;
 *   the signal's reason when aborted.
 */
export async function requestJson<T>(http: HttpContext, request: JsonRequest): Promise<T> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...authHeaders(request.token),
  };
  const init: RequestInit = { method: request.method, headers };
  if (request.body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(request.body);
  }
  if (request.signal) init.signal = request.signal;
  let response: Response;
  let text: string;
  try {
    response = await http.fetch(apiUrl(http.baseUrl, request.path), init);
    if (!response.ok) throw await errorFromResponse(response);
    text = await response.text();
  } catch (error) {
    throw fetchFailure(error, request.signal);
  }
  if (text === '') return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new GatewayClientError('invalid_response', 'the answer is not JSON', {
      status: response.status,
      cause: error,
    });
  }
}
