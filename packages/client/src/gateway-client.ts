import type { ClientContext, RequestOptions } from './client-run.js';
import { createClientSession, type ClientSession } from './client-session.js';
import { GatewayClientError } from './gateway-client-error.js';
import { requestJson, resolveFetch, type FetchLike } from './http.js';
import { resolveReconnect, type ReconnectOptions } from './reconnect.js';
import type { CreatedSessionJson } from './wire-types.js';

/** Options of {@link createGatewayClient}. */
export interface GatewayClientOptions {
  /**
   * The API's base URL, mount path included: `http://localhost:3000/api`, or
   * a relative `/api` in a browser page served by the same origin.
   */
  baseUrl: string;
  /**
   * A bearer token for requests not tied to a session (`createSession`, when
   * the server's `authenticate` wants one), and the token of sessions that
   * get none of their own.
   * @default none
   */
  token?: string;
  /**
   * The `fetch` to call. Looked up on `globalThis` at call time when absent.
   * @default globalThis.fetch
   */
  fetch?: FetchLike;
  /** How event streams reconnect after a drop. @default see {@link ReconnectOptions} */
  retry?: ReconnectOptions;
}

/** A client of one claude-gateway HTTP API. Creating it sends nothing. */
export interface GatewayClient {
  /** `POST /sessions`: a new session with its token. */
  createSession(options?: RequestOptions): Promise<ClientSession>;
  /** An existing session (after a reload, from `sessionStorage`); sends nothing. */
  session(sessionId: string, token?: string): ClientSession;
}

/**
 * Whether the global `fetch` can reach `baseUrl`: an absolute URL, or a
 * relative one in a page (resolved against its address). A custom `fetch`
 * may take anything (e.g. Hono's `app.request`), so it is not checked then.
 */
function resolvable(baseUrl: string): boolean {
  const page = (globalThis as { location?: { href?: unknown } }).location?.href;
  try {
    new URL(baseUrl, typeof page === 'string' ? page : undefined);
    return true;
  } catch {
    return false;
  }
}

/**
 * A typed client of the claude-gateway HTTP API, for browsers and Node 20+:
 * sessions, runs, resumable event streams, approvals, cancel. Every HTTP
 * error becomes a {@link GatewayClientError} with the server's code and status.
 *
 * @throws GatewayClientError `invalid_options` for a missing `baseUrl`, a
 * relative one outside a page (with the global `fetch`), or bad `retry` options.
 *
 * @example
 * ```ts
 * const client = createGatewayClient({ baseUrl: '/api' });
 * const session = await client.createSession();
 * const run = await session.send('hello');
 * for await (const { event } of run.events()) {
 *   if (event.type === 'text_delta') output.append(event.text);
 * }
 * ```
 */
export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  if (typeof options?.baseUrl !== 'string' || options.baseUrl === '') {
    throw new GatewayClientError('invalid_options', 'baseUrl must be a non-empty string');
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new GatewayClientError('invalid_options', 'fetch must be a function');
  }
  if (options.fetch === undefined && !resolvable(options.baseUrl)) {
    throw new GatewayClientError(
      'invalid_options',
      `baseUrl ${JSON.stringify(options.baseUrl)} is not an absolute URL, and there is no page to resolve it against (outside a browser, give http(s)://host/path)`,
    );
  }
  const context: ClientContext = {
    http: { baseUrl: options.baseUrl.replace(/\/+$/, ''), fetch: resolveFetch(options.fetch) },
    reconnect: resolveReconnect(options.retry),
  };
  const defaultToken = options.token;

  return {
    createSession: async (requestOptions = {}) => {
      const answer = await requestJson<Partial<CreatedSessionJson> | undefined>(context.http, {
        method: 'POST',
        path: '/sessions',
        token: defaultToken,
        signal: requestOptions.signal,
      });
      if (typeof answer?.session_id !== 'string') {
        throw new GatewayClientError('invalid_response', 'the answer has no session_id');
      }
      return createClientSession(context, answer.session_id, answer.token ?? defaultToken);
    },
    session: (sessionId, token) => {
      if (typeof sessionId !== 'string' || sessionId === '') {
        throw new GatewayClientError('invalid_options', 'sessionId must be a non-empty string');
      }
      return createClientSession(context, sessionId, token ?? defaultToken);
    },
  };
}
