import type { RequestHandler } from 'express';
import { mountBasePath, underBasePath } from './mount-path.js';
import { toNodeListener, type NodeListenerOptions } from './node-listener.js';

/** Options of {@link gatewayRouter}. */
export interface GatewayRouterOptions extends NodeListenerOptions {
  /**
   * Requests outside this prefix go on to the next middleware (`next()`).
   * @default the handler's own `basePath` (`/api` unless set)
   */
  basePath?: string;
}

/**
 * The gateway handler as Express middleware: `app.use(gatewayRouter(handler))`.
 * Requests under the handler's `basePath` are answered by the handler (through
 * `toNodeListener`, so streaming, backpressure and disconnects behave as on
 * plain `node:http`); everything else goes on to `next()`.
 *
 * - Mount it at the app's root: the handler routes on the full URL
 *   (`req.originalUrl`), so `app.use('/x', ...)` needs `basePath: '/x/api'`
 *   on the handler.
 * - Put it before body parsers (`express.json()`), so the handler reads the
 *   body itself with its own size cap and media-type check. When a parser ran
 *   first, its `req.body` is used as the JSON body (its own limit applies).
 *
 * @example
 * ```ts
 * const app = express();
 * app.use(gatewayRouter(createGatewayHandler({ runs, approvals, auth: { jwtSecret } })));
 * app.use(express.json()); // your own routes after it
 * ```
 */
export function gatewayRouter(
  handler: ((request: Request) => Promise<Response>) & { basePath?: string },
  options: GatewayRouterOptions = {},
): RequestHandler {
  const basePath = mountBasePath(handler, options.basePath);
  const listener = toNodeListener(handler, options);
  return (req, res, next) => {
    const url = req.originalUrl || req.url || '/';
    const pathname = url.split('?', 1)[0] ?? '/';
    if (!underBasePath(pathname, basePath)) {
      next();
      return;
    }
    listener(req, res);
  };
}
