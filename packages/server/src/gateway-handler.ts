import { GatewayError, consoleLogger, errorDetail } from '@claude-gateway/core';
import { createAuthenticator } from './auth.js';
import type { GatewayHandler, GatewayHandlerOptions } from './gateway-handler-types.js';
import { HttpError, errorJson, toHttpError } from './http-error.js';
import {
  checkOrigin,
  corsHeaders,
  isLoopbackHost,
  normalizeOrigins,
  preflightResponse,
} from './origin.js';
import { DEFAULT_MAX_BODY_BYTES, discardBody } from './read-body.js';
import { ROUTE_HANDLERS, type RouteContext } from './route-handlers.js';
import { DEFAULT_BASE_PATH, matchRoute, normalizeBasePath, stripBasePath } from './routes.js';

function checkCount(name: string, value: number | undefined, min: number): void {
  if (value === undefined) return;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new GatewayError('invalid_options', `${name} must be an integer >= ${min}`);
  }
}

/**
 * The claude-gateway HTTP API (sessions, runs, resumable events, approvals,
 * cancel, one-shot chat) as one web-standard handler: `Request` in,
 * `Response` out. Mount it with `toNodeListener` (`./node`), `gatewayRouter`
 * (`./express`) or `gatewayApp` (`./hono`), or hand it to any runtime that
 * speaks `fetch` (Deno, Bun, workers).
 *
 * Routes live under `basePath` (default `/api`); see the package README for
 * the table. Errors are `{ "error": { "code", "message" } }` with the statuses
 * of {@link ERROR_STATUS}; anything unexpected is 500 `internal`, with the
 * details sent to `logger` only.
 *
 * @throws GatewayError `invalid_options` for bad options.
 *
 * @example
 * ```ts
 * const runs = createRunManager({ runner, events: createMemoryEventStore() });
 * const handler = createGatewayHandler({ runs, approvals, auth: { jwtSecret } });
 * http.createServer(toNodeListener(handler)).listen(3000);
 * ```
 */
export function createGatewayHandler(options: GatewayHandlerOptions): GatewayHandler {
  if (typeof options !== 'object' || options === null || !options.runs) {
    throw new GatewayError('invalid_options', 'createGatewayHandler needs { runs, auth }');
  }
  if (options.auth === undefined) {
    throw new GatewayError(
      'invalid_options',
      'auth is required: { jwtSecret }, { authenticate } or false',
    );
  }
  checkCount('maxBodyBytes', options.maxBodyBytes, 1);
  checkCount('sse.heartbeatMs', options.sse?.heartbeatMs, 0);
  checkCount('sse.retryMs', options.sse?.retryMs, 0);

  const logger = options.logger ?? consoleLogger;
  const basePath = normalizeBasePath(options.basePath ?? DEFAULT_BASE_PATH);
  const origins = normalizeOrigins(options.allowedOrigins);
  // Without auth, a DNS-rebinding page must not reach a developer's server.
  const loopbackOnly = options.auth === false;
  const ctx: RouteContext = {
    runs: options.runs,
    approvals: options.approvals,
    elicitations: options.elicitations,
    auth: createAuthenticator(options.auth, logger),
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    heartbeatMs: options.sse?.heartbeatMs,
    retryMs: options.sse?.retryMs,
    logger,
    signal: options.signal,
  };

  async function route(request: Request, headers: Headers): Promise<Response> {
    const path = stripBasePath(new URL(request.url).pathname, basePath);
    const method = request.method.toUpperCase();
    const match = path === undefined ? ({ kind: 'not_found' } as const) : matchRoute(method, path);
    if (match.kind === 'not_found') throw new HttpError('not_found', 'no such route');
    if (method === 'OPTIONS') {
      const allow = match.kind === 'route' ? [] : match.allow;
      return preflightResponse(checkOrigin(request, origins), allow);
    }
    if (match.kind === 'wrong_method') {
      throw new HttpError('method_not_allowed', `${method} is not allowed here`, {
        allow: match.allow.join(', '),
      });
    }
    return ROUTE_HANDLERS[match.name](ctx, { request, id: match.id, headers });
  }

  const handler = async (request: Request): Promise<Response> => {
    const verdict = checkOrigin(request, origins);
    const headers = corsHeaders(verdict);
    let response: Response;
    try {
      if (verdict.kind === 'forbidden') {
        throw new HttpError('forbidden_origin', `origin ${verdict.origin} is not allowed`);
      }
      if (loopbackOnly && !isLoopbackHost(request)) {
        throw new HttpError(
          'forbidden_origin',
          'auth: false serves loopback hosts only (localhost, 127.0.0.1, [::1])',
        );
      }
      response = await route(request, headers);
    } catch (error) {
      const known = toHttpError(error);
      if (known) response = errorJson(known, headers);
      else {
        logger.error('server: request failed', {
          method: request.method,
          // The path only: the query may carry `access_token`.
          path: new URL(request.url).pathname,
          error: errorDetail(error),
          stack: error instanceof Error ? error.stack : undefined,
        });
        response = errorJson(new HttpError('internal', 'internal error'), headers);
      }
    }
    // A body nobody read (a request refused early) is drained here, within
    // bounds, so the connection can carry the next request.
    if (await discardBody(request)) response.headers.set('connection', 'close');
    return response;
  };
  return Object.assign(handler, { basePath });
}
