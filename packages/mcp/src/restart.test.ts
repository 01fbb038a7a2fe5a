import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createMcpClientManager, type McpServerStatus } from './mcp-client-manager.js';
import { restartDelay } from './restart-policy.js';
import {
  nodeServer,
  processesMentioning,
  recordingLogger,
  serverEntries,
  startEverythingHttp,
  waitFor,
} from './test-servers.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-restart-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('waits exponentially longer between attempts, up to maxDelayMs', () => {
  const policy = { maxAttempts: 10, initialDelayMs: 500, maxDelayMs: 30_000 };
  expect([0, 1, 2, 3, 4, 5, 6, 7].map((n) => restartDelay(n, policy))).toEqual([
    500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000,
  ]);
});

it('gives up after the bounded number of restart attempts and marks the server failed', async () => {
  const marker = join(dir, 'refuse-start');
  const logger = recordingLogger();
  const states: string[] = [];
  const manager = createMcpClientManager({
    servers: { flaky: nodeServer(serverEntries.fault, ['--fail-start-if', marker]) },
    startupTimeoutMs: 60_000,
    restart: { initialDelayMs: 50, maxDelayMs: 100, maxAttempts: 2 },
    onStatusChange: (status) => states.push(status[0]?.state ?? ''),
    logger,
  });
  try {
    await manager.startup();
    expect(manager.status()[0]?.state).toBe('ready');
    await writeFile(marker, '');
    const failed = waitFor<McpServerStatus[]>(
      (fn) => manager.on('status', fn),
      (status) => status[0]?.state === 'failed',
    );
    expect((await manager.callTool('crash', {})).error?.code).toBe('server_unavailable');
    const [status] = await failed;
    expect(status?.error).toMatch(/^gave up after 2 restart attempts/);
    expect(states).toContain('restarting');
    expect(logger.warnings.filter((w) => w.includes('restart attempt')).length).toBe(2);
    expect((await manager.callTool('ping', {})).error?.code).toBe('server_unavailable');
    expect(await manager.listTools()).toEqual([]);
  } finally {
    await manager.shutdown();
  }
  expect(processesMentioning(marker)).toEqual([]);
}, 60_000);

it('reconnects to an HTTP server that went away and came back', async () => {
  let http = await startEverythingHttp();
  const logger = recordingLogger();
  const manager = createMcpClientManager({
    servers: { web: { type: 'http', url: http.url } },
    startupTimeoutMs: 60_000,
    restart: { initialDelayMs: 200, maxDelayMs: 500, maxAttempts: 100 },
    logger,
  });
  try {
    await manager.startup();
    expect((await manager.callTool('echo', { message: 'one' })).result).toEqual({
      text: 'Echo: one',
    });
    await http.stop();
    const down = await manager.callTool('echo', { message: 'two' });
    expect(down).toMatchObject({ error: { code: 'server_unavailable' }, source: 'mcp:web' });
    expect(manager.status()[0]?.state).toBe('restarting');
    const ready = waitFor<McpServerStatus[]>(
      (fn) => manager.on('status', fn),
      (status) => status[0]?.state === 'ready',
    );
    http = await startEverythingHttp(http.port);
    await ready;
    expect((await manager.callTool('echo', { message: 'three' })).result).toEqual({
      text: 'Echo: three',
    });
    expect(manager.status()[0]?.restarts).toBe(1);
  } finally {
    await manager.shutdown();
    await http.stop();
  }
}, 60_000);
