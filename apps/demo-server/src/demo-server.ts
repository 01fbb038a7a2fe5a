import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { gatewayApp } from '@claude-gateway/server/hono';
import { Hono } from 'hono';
import { resolveConfig, type DemoConfig } from './config.js';
import { createDemo, type Demo } from './demo.js';
import { demoRoutes } from './demo-routes.js';
import { foreignHostError } from './host-check.js';
import { displayUrl, listen, stopAccepting } from './listen.js';
import { servePage } from './page-files.js';

/** A demo app listening on a port. */
export interface RunningDemo {
  /** Where it listens, e.g. `http://localhost:3000`. */
  url: string;
  /** The port it listens on (the free one picked for port 0). */
  port: number;
  demo: Demo;
  /**
   * Stops accepting connections, ends runs and open streams, shuts MCP down,
   * stops the demo model, and closes the remaining connections. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Serves a created demo on `server` (a Node HTTP server whose handler is the
 * demo's app, Hono's or Express's): listens on `config.port` and
 * `config.host` (port 0 picks a free one) and resolves with the
 * {@link RunningDemo}. When listening fails (e.g. `EADDRINUSE`) it closes
 * `demo` and rejects with the error of {@link listen}. The returned `close`
 * stops accepting connections, closes `demo`, then closes the remaining
 * connections; it is idempotent.
 */
export async function serveDemo(
  server: Server,
  demo: Demo,
  config: Pick<DemoConfig, 'host' | 'port'>,
): Promise<RunningDemo> {
  let port: number;
  try {
    port = await listen(server, config.port, config.host);
  } catch (error) {
    await demo.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    url: displayUrl(config.host, port),
    port,
    demo,
    close: () =>
      (closing ??= (async () => {
        const stopping = stopAccepting(server);
        await demo.close();
        await stopping.finish();
      })()),
  };
}

/** The demo as a Hono app: the gateway API at `/api`, `/demo/*`, and the page. */
export function createDemoApp(demo: Demo): Hono {
  const app = new Hono();
  // Before anything: a foreign `Host` (DNS rebinding) reaches nothing.
  app.use('*', async (c, next) => {
    const refused = foreignHostError(c.req.header('host'), demo.allowedHosts);
    if (refused) return c.json(refused, 403);
    await next();
  });
  app.route('/', gatewayApp(demo.handler));
  const page = servePage(demo.pageDir);
  const routes = demoRoutes(demo);
  app.all('*', async (c) => {
    const response = (await page(c.req.raw)) ?? (await routes(c.req.raw));
    return (
      response ??
      c.json(
        { error: { code: 'not_found', message: `no route ${c.req.method} ${c.req.path}` } },
        404,
      )
    );
  });
  return app;
}

/**
 * Starts the demo on Hono (`@hono/node-server`). Settings not given take the
 * defaults of {@link resolveConfig} (no environment variable is read: use
 * `loadConfig()` for that). Resolves once it listens; MCP servers may still
 * be starting (`demo.mcpReady`).
 */
export async function startDemoServer(config: Partial<DemoConfig> = {}): Promise<RunningDemo> {
  const resolved = resolveConfig(config);
  const demo = await createDemo(resolved);
  const server = createAdaptorServer({ fetch: createDemoApp(demo).fetch }) as Server;
  return serveDemo(server, demo, resolved);
}
