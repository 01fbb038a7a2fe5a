import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Demo } from './demo.js';

/** Paths {@link demoRoutes} answers (besides `/` while the page is not built). */
export const DEMO_ROUTE_PATHS = ['/demo/info', '/demo/files'] as const;

/** What `/` answers while `dist/page` has not been built. */
export const PAGE_NOT_BUILT_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>claude-gateway demo</title></head>
<body>
<h1>The demo page is not built yet</h1>
<p>Run <code>pnpm demo</code> from the repository root (it builds the page, then starts the server),
or build it alone with <code>pnpm --filter @claude-gateway/demo-server build:page</code> and reload.</p>
<p>The API is up at <a href="/demo/info">/demo/info</a> and <code>/api</code>.</p>
</body>
</html>
`;

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      ...headers,
    },
  });
}

function errorResponse(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return json({ error: { code, message } }, status, headers);
}

/**
 * The demo app's own endpoints as one web-standard handler, mounted by both
 * demo apps: `GET /demo/info` (model, tools, MCP servers, one-click
 * prompts), `GET /demo/files` (the sandbox's files), and `GET /` while the
 * page is not built (a short HTML page saying how to build it). Anything
 * else answers `undefined`, so the app's next handler runs.
 */
export function demoRoutes(demo: Demo): (request: Request) => Promise<Response | undefined> {
  return async (request) => {
    const { pathname } = new URL(request.url);
    const read = request.method === 'GET' || request.method === 'HEAD';
    if (pathname === '/' && read && !existsSync(join(demo.pageDir, 'index.html'))) {
      return new Response(request.method === 'HEAD' ? null : PAGE_NOT_BUILT_HTML, {
        status: 503,
        headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
      });
    }
    if (!pathname.startsWith('/demo/')) return undefined;
    if (!(DEMO_ROUTE_PATHS as readonly string[]).includes(pathname)) {
      return errorResponse(404, 'not_found', `no route ${pathname}`);
    }
    if (!read) {
      return errorResponse(405, 'method_not_allowed', `${request.method} is not allowed here`, {
        allow: 'GET, HEAD',
      });
    }
    const body = pathname === '/demo/info' ? demo.info() : { files: await demo.sandbox.list() };
    const response = json(body);
    return request.method === 'HEAD' ? new Response(null, response) : response;
  };
}
