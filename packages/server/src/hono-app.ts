import { Hono } from 'hono';
import { mountBasePath } from './mount-path.js';

/** Options of {@link gatewayApp}. */
export interface GatewayAppOptions {
  /**
   * The prefix the app's routes are registered under.
   * @default the handler's own `basePath` (`/api` unless set)
   */
  basePath?: string;
}

/**
 * The gateway handler as a Hono sub-app: `app.route('/', gatewayApp(handler))`.
 * Every method under the handler's `basePath` is passed to the handler as
 * `c.req.raw`; the rest of your app is untouched.
 *
 * - Mount it at `'/'`: the handler routes on the full URL. To serve it under
 *   another prefix, give the handler that `basePath` (`'/v1/api'`).
 * - `app.mount('/', handler)` works too, but then it answers every path
 *   (with 404 `not_found` outside `basePath`).
 * - On `@hono/node-server`, streaming and client disconnects are handled by
 *   that server; a disconnect ends the event stream, never the run.
 *
 * @example
 * ```ts
 * const app = new Hono();
 * app.route('/', gatewayApp(createGatewayHandler({ runs, approvals, auth: { jwtSecret } })));
 * serve({ fetch: app.fetch, port: 3000 });
 * ```
 */
export function gatewayApp(
  handler: ((request: Request) => Promise<Response>) & { basePath?: string },
  options: GatewayAppOptions = {},
): Hono {
  const basePath = mountBasePath(handler, options.basePath);
  const app = new Hono();
  const forward = (c: { req: { raw: Request } }): Promise<Response> => handler(c.req.raw);
  if (basePath === '') app.all('*', forward);
  else {
    app.all(basePath, forward);
    app.all(`${basePath}/*`, forward);
  }
  return app;
}
