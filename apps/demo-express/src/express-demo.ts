import { createServer, type Server } from 'node:http';
import {
  createDemo,
  demoRoutes,
  foreignHostError,
  resolveConfig,
  serveDemo,
  type Demo,
  type DemoConfig,
  type RunningDemo,
} from '@claude-gateway/demo-server';
import { gatewayRouter } from '@claude-gateway/server/express';
import { toNodeListener } from '@claude-gateway/server/node';
import express, { type Express } from 'express';

/**
 * The demo on Express 5: the same gateway handler (`gatewayRouter`), the same
 * page folder (`express.static`) and the same `/demo/*` routes as the Hono
 * app (`demoRoutes`, through `toNodeListener`); no route logic of its own.
 */
export function createExpressDemoApp(demo: Demo): Express {
  const app = express();
  app.disable('x-powered-by');
  // Before anything: a foreign `Host` (DNS rebinding) reaches nothing.
  app.use((req, res, next) => {
    const refused = foreignHostError(req.headers.host, demo.allowedHosts);
    if (refused) res.status(403).json(refused);
    else next();
  });
  app.use(gatewayRouter(demo.handler));
  app.use(
    express.static(demo.pageDir, {
      index: 'index.html',
      // The page is rebuilt by `pnpm demo`: always revalidate.
      setHeaders: (res) => res.setHeader('cache-control', 'no-cache'),
    }),
  );
  const routes = demoRoutes(demo);
  const demoListener = toNodeListener(async (request) => {
    const response = await routes(request);
    return response ?? notFound(request);
  });
  // `/demo/*`, and `/` while the page is not built (express.static answers it once it is).
  app.use('/demo', (req, res) => demoListener(req, res));
  app.get('/', (req, res) => demoListener(req, res));
  app.use((req, res) => {
    res
      .status(404)
      .json({ error: { code: 'not_found', message: `no route ${req.method} ${req.path}` } });
  });
  return app;
}

function notFound(request: Request): Response {
  const { pathname } = new URL(request.url);
  return Response.json(
    { error: { code: 'not_found', message: `no route ${request.method} ${pathname}` } },
    { status: 404 },
  );
}

/**
 * Starts the demo on Express 5. Settings not given take the defaults of
 * `resolveConfig` (no environment variable is read). Resolves once it
 * listens; MCP servers may still be starting (`demo.mcpReady`).
 */
export async function startExpressDemo(config: Partial<DemoConfig> = {}): Promise<RunningDemo> {
  const resolved = resolveConfig(config);
  const demo = await createDemo(resolved);
  const app = createExpressDemoApp(demo);
  const server: Server = createServer(app);
  return serveDemo(server, demo, resolved);
}
