import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { gatewayApp } from '@claude-gateway/server/hono';
import { Hono } from 'hono';
import { resolveConfig, type DemoConfig } from './config.js';
import { createDemo, type Demo } from './demo.js';
import { demoRoutes } from './demo-routes.js';
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

/** The demo as a Hono app: the gateway API at `/api`, `/demo/*`, and the page. */
export function createDemoApp(demo: Demo): Hono {
  const app = new Hono();
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
  let port: number;
  try {
    port = await listen(server, resolved.port, resolved.host);
  } catch (error) {
    await demo.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    url: displayUrl(resolved.host, port),
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
