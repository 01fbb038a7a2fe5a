import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { resolveConfig } from './config.js';
import { createDemo, type Demo } from './demo.js';
import { demoRoutes, PAGE_NOT_BUILT_HTML } from './demo-routes.js';

let demo: Demo;
let emptyDir: string;
beforeAll(async () => {
  emptyDir = await mkdtemp(join(tmpdir(), 'demo-routes-test-'));
  demo = await createDemo(
    resolveConfig({ mcp: false, demoDelayMs: 0, logger: { warn() {}, error() {} } }),
  );
});
afterAll(async () => {
  await demo.close();
  await rm(emptyDir, { recursive: true, force: true });
});

const request = (path: string, method = 'GET') =>
  new Request(`http://localhost${path}`, { method });

test('while the page is not built, / answers a short page saying how to build it', async () => {
  const routes = demoRoutes({ ...demo, pageDir: emptyDir });
  const response = await routes(request('/'));
  expect(response?.status).toBe(503);
  expect(response?.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(await response?.text()).toBe(PAGE_NOT_BUILT_HTML);
  expect(PAGE_NOT_BUILT_HTML).toContain('pnpm demo');
  // Other paths are left to the next handler.
  expect(await routes(request('/app.js'))).toBeUndefined();
  expect(await routes(request('/api/sessions', 'POST'))).toBeUndefined();
});

test('/demo/info without MCP: local tools only, no MCP servers, no MCP prompt', async () => {
  const response = await demoRoutes(demo)(request('/demo/info'));
  expect(response?.headers.get('content-type')).toBe('application/json; charset=utf-8');
  const info = (await response?.json()) as ReturnType<Demo['info']>;
  expect(info.mcp).toEqual([]);
  expect(info.store).toBe('memory');
  expect(demo.store.description).toMatch(/^memory/);
  expect(info.tools.map((t) => t.name)).toEqual([
    'get_weather',
    'get_time',
    'write_file',
    'list_files',
  ]);
  expect(info.tools.filter((t) => t.gated).map((t) => t.name)).toEqual(['write_file']);
  // Each prompt names a tool the page offers, or asks for a long answer.
  const names = info.tools.map((t) => t.name);
  for (const prompt of info.prompts) {
    expect(names.some((n) => prompt.text.includes(n)) || /detail/.test(prompt.text)).toBe(true);
  }
  expect(info.prompts.some((p) => p.text.includes('echo'))).toBe(false);
});

test('/demo/files lists the sandbox; HEAD has no body', async () => {
  await demo.sandbox.write('a.txt', 'A');
  const files = await demoRoutes(demo)(request('/demo/files'));
  expect(await files?.json()).toEqual({ files: [{ name: 'a.txt', size: 1, content: 'A' }] });
  const head = await demoRoutes(demo)(request('/demo/files', 'HEAD'));
  expect(head?.status).toBe(200);
  expect(await head?.text()).toBe('');
});
