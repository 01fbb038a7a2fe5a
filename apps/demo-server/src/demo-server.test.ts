import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Logger } from '@claude-gateway/core';
import { startMockAnthropic, textTurn } from '@claude-gateway/testing';
import { resolveConfig } from './config.js';
import { createDemo } from './demo.js';
import { expectForeignHostRefused, runDemoScenario } from './demo-scenario.js';
import { startDemoServer, type RunningDemo } from './demo-server.js';

/** True while a process with this pid exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

const quiet: Logger = { warn() {}, error() {} };

describe('the demo on Hono', () => {
  let app: RunningDemo;
  beforeAll(async () => {
    app = await startDemoServer({ port: 0, demoDelayMs: 0, logger: quiet });
  });
  afterAll(() => app.close());

  test('listens on the port it picked and says so in its URL', () => {
    expect(app.url).toBe(`http://localhost:${app.port}`);
    expect(app.port).toBeGreaterThan(0);
  });

  test('gated write approved over the API, file in the sandbox and /demo/files, MCP echo', async () => {
    await runDemoScenario(app.url, app.demo);
  });

  test('serves the page and its assets with their content types, and nothing outside it', async () => {
    const index = await fetch(`${app.url}/`);
    if (index.status === 503) {
      // The page is not built in this checkout: `/` says how to build it.
      expect(await index.text()).toContain('build:page');
      return;
    }
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await index.text();
    const script = /src="\/?([^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(`${app.url}/${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    await js.body?.cancel();
    // apps/demo-server/package.json is two levels above the page folder.
    for (const path of ['/nothing.js', '/..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/package.json']) {
      const response = await fetch(`${app.url}${path}`);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: 'not_found' } });
    }
  });

  test('refuses a foreign Host (DNS rebinding) on the page, /demo and the API', async () => {
    await expectForeignHostRefused(app.url);
  });

  test('/demo routes: unknown path 404, other methods 405, API errors in the wire shape', async () => {
    const missing = await fetch(`${app.url}/demo/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
    const post = await fetch(`${app.url}/demo/info`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(await post.json()).toMatchObject({ error: { code: 'method_not_allowed' } });
    const unauthorized = await fetch(`${app.url}/api/sessions/abc`);
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });
});

test('close() ends runs, shuts the MCP server process down and removes the temporary sandbox', async () => {
  const app = await startDemoServer({ port: 0, demoDelayMs: 0, logger: quiet });
  const status = await app.demo.mcpReady;
  const pid = status.find((s) => s.name === 'everything')?.pid;
  expect(pid).toEqual(expect.any(Number));
  expect(alive(pid!)).toBe(true);
  const session = await app.demo.runs.createSession();
  // A run waiting for approval until close() cancels it.
  const { runId, log } = await app.demo.runs.startRun(session.sessionId, {
    message: 'Use write_file to save "x.txt" with "x"',
  });
  for await (const entry of log.read()) if (entry.event.type === 'tool_approval_request') break;
  await app.close();
  expect(await app.demo.runs.getRun(runId)).toMatchObject({ state: 'cancelled' });
  expect(alive(pid!)).toBe(false);
  expect(existsSync(app.demo.sandbox.dir)).toBe(false);
  await expect(fetch(app.url)).rejects.toThrow();
  await app.close(); // idempotent
});

test('with an API key the demo calls that Messages API with the configured model and adaptive thinking', async () => {
  const claude = await startMockAnthropic({
    script: [textTurn('Hello from Claude')],
    logger: quiet,
  });
  const demo = await createDemo(
    resolveConfig({
      anthropicApiKey: 'sk-ant-test',
      anthropicBaseUrl: claude.url,
      model: 'claude-haiku-4-5',
      mcp: false,
      logger: quiet,
    }),
  );
  try {
    expect(demo.info()).toMatchObject({ offline: false, model: 'claude-haiku-4-5' });
    const { sessionId } = await demo.runs.createSession();
    const { log } = await demo.runs.startRun(sessionId, { message: 'Hi' });
    const types: string[] = [];
    for await (const entry of log.read()) types.push(entry.event.type);
    expect(types.at(-1)).toBe('stream_complete');
    const [request] = claude.requests;
    expect(request?.headers.authorization ?? request?.headers['x-api-key']).toContain(
      'sk-ant-test',
    );
    expect(request?.body).toMatchObject({
      model: 'claude-haiku-4-5',
      thinking: { type: 'adaptive' },
    });
  } finally {
    await demo.close();
    await claude.close();
  }
});
