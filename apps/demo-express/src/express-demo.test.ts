import type { DemoConfig, RunningDemo } from '@claude-gateway/demo-server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
// The same API walk the Hono app's test runs (a test-only file of demo-server).
import { expectForeignHostRefused, runDemoScenario } from '../../demo-server/src/demo-scenario.js';
import { startExpressDemo } from './express-demo.js';

const quiet: NonNullable<DemoConfig['logger']> = { warn() {}, error() {} };

describe('the demo on Express', () => {
  let app: RunningDemo;
  beforeAll(async () => {
    app = await startExpressDemo({ port: 0, demoDelayMs: 0, logger: quiet });
  });
  afterAll(() => app.close());

  test('gated write approved over the API, file in the sandbox and /demo/files, MCP echo', async () => {
    await runDemoScenario(app.url, app.demo);
  });

  test('refuses a foreign Host (DNS rebinding) on the page, /demo and the API', async () => {
    await expectForeignHostRefused(app.url);
  });

  test('serves the same page folder as the Hono app', async () => {
    const index = await fetch(`${app.url}/`);
    if (index.status === 503) {
      expect(await index.text()).toContain('build:page'); // not built in this checkout
      return;
    }
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    const script = /src="\/?([^"]+\.js)"/.exec(await index.text())?.[1];
    const js = await fetch(`${app.url}/${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript|^application\/javascript/);
    await js.body?.cancel();
  });

  test('unknown routes answer the wire error shape; /demo answers like the Hono app', async () => {
    for (const path of ['/nothing', '/..%2f..%2fpackage.json', '/demo/nothing']) {
      const response = await fetch(`${app.url}${path}`);
      expect(response.status, path).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: 'not_found' } });
    }
    const post = await fetch(`${app.url}/demo/files`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(await post.json()).toMatchObject({ error: { code: 'method_not_allowed' } });
  });
});
