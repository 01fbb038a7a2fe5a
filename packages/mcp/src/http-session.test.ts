import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { managersShutDownAfterEach, recordingLogger, startEverythingHttp } from './test-servers.js';

// server-everything over streamable HTTP behind a proxy that forwards every
// request but swallows the session DELETE and never answers it.
let http: Awaited<ReturnType<typeof startEverythingHttp>>;
let proxy: Server;
let proxyUrl: string;
const deletes: (string | undefined)[] = [];
const headersSeen: (string | undefined)[] = [];
const createMcpClientManager = managersShutDownAfterEach();

beforeAll(async () => {
  http = await startEverythingHttp();
  const target = new URL(http.url);
  proxy = createServer((req, res) => {
    headersSeen.push(req.headers['x-gateway-test'] as string | undefined);
    if (req.method === 'DELETE') {
      deletes.push(req.headers['mcp-session-id'] as string | undefined);
      return;
    }
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/mcp`;
}, 60_000);

afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise((resolve) => proxy?.close(resolve));
  await http?.stop();
});

it('sends the configured headers, and ends the HTTP session on shutdown, waiting at most killGraceMs', async () => {
  const logger = recordingLogger();
  const manager = createMcpClientManager({
    servers: { web: { type: 'http', url: proxyUrl, headers: { 'X-Gateway-Test': 'configured' } } },
    startupTimeoutMs: 60_000,
    killGraceMs: 300,
    logger,
  });
  expect((await manager.callTool('echo', { message: 'via proxy' })).result).toEqual({
    text: 'Echo: via proxy',
  });
  // The configured headers go with every request.
  expect(headersSeen.length).toBeGreaterThan(0);
  expect(headersSeen.every((h) => h === 'configured')).toBe(true);
  const sessionId = /Session initialized with ID: (\S+)/.exec(http.stdout())?.[1];
  expect(sessionId).toBeTruthy();
  // The DELETE is never answered: shutdown still resolves (a hang fails the test by timeout).
  await manager.shutdown();
  expect(deletes).toEqual([sessionId]);
  expect(logger.warnings).toContain(
    'MCP server "web": no answer to ending the HTTP session within 300 ms',
  );
  expect(manager.status()).toMatchObject([{ name: 'web', state: 'closed' }]);
});
