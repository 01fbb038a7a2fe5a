import { getEventListeners } from 'node:events';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayError, type ToolDefinition } from '@claude-gateway/core';
import type { McpServerStatus } from './mcp-client-manager.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  managersShutDownAfterEach,
  nodeServer,
  processesMentioning,
  recordingLogger,
  serverEntries,
  statusReaches,
  waitFor,
} from './test-servers.js';

let dir: string;
const createMcpClientManager = managersShutDownAfterEach();
// Marks this file's processes, so the leak checks ignore other test files'.
const tag = `--tag=startup-${process.pid}-${Date.now()}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-startup-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('startup', () => {
  it('starts what it can: a hanging initialize fails on the timeout, the others work', async () => {
    const configPath = join(dir, 'claude.json');
    const cwd = join(dir, 'project');
    await writeFile(
      configPath,
      JSON.stringify({
        mcpServers: {
          good: {
            command: '${NODE_BIN}',
            args: ['${FAULT_SERVER}', '${TAG}'],
            env: { GREETING: '${GREETING:-hello}' },
          },
          legacy: { type: 'sse', url: 'http://127.0.0.1:1/sse' },
        },
        projects: {
          [cwd]: {
            mcpServers: {
              stuck: { command: '${NODE_BIN}', args: ['${NEVER_INIT}', '${TAG}'] },
              offline: { type: 'http', url: 'http://127.0.0.1:1/mcp' },
              missing: { command: '/nonexistent/mcp-server-binary' },
            },
          },
        },
      }),
    );
    const logger = recordingLogger();
    const snapshots: McpServerStatus[][] = [];
    const manager = createMcpClientManager({
      configPath,
      cwd,
      env: {
        NODE_BIN: process.execPath,
        FAULT_SERVER: serverEntries.fault,
        NEVER_INIT: serverEntries.neverInitialize,
        TAG: tag,
      },
      // Long enough for a loaded machine to start `good`; `stuck` waits it out.
      startupTimeoutMs: 6000,
      // Retries are scheduled but do not run during the test.
      restart: { initialDelayMs: 600_000 },
      killGraceMs: 300,
      logger,
      onStatusChange: (all) => snapshots.push(all),
    });
    try {
      const status = await manager.startup();
      // A config problem fails for good; a server that failed to connect is retried.
      expect(status.map((s) => [s.name, s.state])).toEqual([
        ['good', 'ready'],
        ['legacy', 'failed'],
        ['stuck', 'restarting'],
        ['offline', 'restarting'],
        ['missing', 'restarting'],
      ]);
      // In parallel: when `good` became ready, `stuck` (later in config order) was running already.
      const goodReady = snapshots.find((all) => all[0]?.state === 'ready');
      expect(goodReady?.[2]).toMatchObject({
        name: 'stuck',
        state: 'connecting',
        pid: expect.any(Number),
      });
      const byName = Object.fromEntries(status.map((s) => [s.name, s]));
      expect(byName.legacy?.error).toBe('unsupported server type "sse"');
      expect(byName.stuck?.error).toBe('startup timed out after 6000 ms');
      expect(byName.missing?.error).toContain('ENOENT');
      expect(byName.offline?.error).toBeTruthy();
      expect(logger.errors).toContain(
        'MCP server "stuck" failed to start: startup timed out after 6000 ms; retrying',
      );
      expect(logger.data).toContainEqual({ stderr: 'never-initialize: listening and ignoring\n' });
      // The never-initializing server was killed, not left behind.
      expect(processesMentioning(`${serverEntries.neverInitialize}\u0000${tag}`)).toEqual([]);

      const env = (await manager.callTool('info', {})).result as { env: Record<string, string> };
      expect(env.env.GREETING).toBe('hello');
      expect((await manager.listTools()).map((t) => t.name)).toContain('ping');
      expect(await manager.startup()).toEqual(manager.status());
    } finally {
      await manager.shutdown();
    }
    expect(processesMentioning(tag)).toEqual([]);
  }, 60_000);

  it('rejects startup (and listTools) with invalid_config for malformed JSON, naming the file', async () => {
    const mcpJsonPath = join(dir, 'broken.mcp.json');
    await writeFile(mcpJsonPath, '{"mcpServers": {');
    const manager = createMcpClientManager({ mcpJsonPath, logger: recordingLogger() });
    const error: unknown = await manager.startup().catch((e: unknown) => e);
    expect(GatewayError.isInstance(error) && error.code).toBe('invalid_config');
    expect((error as Error).message).toContain(mcpJsonPath);
    await expect(manager.listTools()).rejects.toMatchObject({ code: 'invalid_config' });
    await manager.shutdown();
  });

  it('starts lazily on the first listTools() and honours allowedServers and builtinToolNames', async () => {
    const manager = createMcpClientManager({
      servers: {
        kept: { command: process.execPath, args: [serverEntries.fault, tag] },
        dropped: { command: '/nonexistent/never-spawned' },
      },
      allowedServers: ['kept'],
      builtinToolNames: ['ping', 'crash'],
      startupTimeoutMs: 60_000,
      logger: recordingLogger(),
    });
    try {
      const names = (await manager.listTools()).map((t) => t.name);
      expect(names).toContain('hang');
      expect(names).not.toContain('ping');
      expect(names).not.toContain('crash');
      expect(manager.status()).toMatchObject([
        { name: 'kept', state: 'ready', skipped: ['ping', 'crash'] },
      ]);
      expect((await manager.callTool('ping', {})).error?.code).toBe('unknown_tool');
    } finally {
      await manager.shutdown();
    }
  }, 60_000);

  it('rejects with cancelled when the startup signal aborts, and shutdown still cleans up', async () => {
    const manager = createMcpClientManager({
      servers: { stuck: { command: process.execPath, args: [serverEntries.neverInitialize, tag] } },
      startupTimeoutMs: 60_000,
      restart: { initialDelayMs: 10 },
      killGraceMs: 300,
    });
    const controller = new AbortController();
    const started = manager.startup({ signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    await expect(started).rejects.toMatchObject({ code: 'cancelled' });
    // A cancelled startup is not retried.
    const [stuck] = await statusReaches(manager, (s) => s[0]?.state !== 'connecting');
    expect(stuck).toMatchObject({ state: 'failed' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(manager.status()[0]?.state).toBe('failed');
    await manager.shutdown();
    expect(manager.status()).toMatchObject([{ name: 'stuck', state: 'closed' }]);
    expect(processesMentioning(`${serverEntries.neverInitialize}\u0000${tag}`)).toEqual([]);
  }, 30_000);

  it('leaves no listener on a long-lived startup signal once startup is done', async () => {
    const manager = createMcpClientManager({
      servers: { quick: { command: process.execPath, args: [serverEntries.fault, tag] } },
      startupTimeoutMs: 60_000,
    });
    const lifetime = new AbortController(); // e.g. the server's own shutdown signal
    const [quick] = await manager.startup({ signal: lifetime.signal });
    expect(quick).toMatchObject({ state: 'ready' });
    expect(getEventListeners(lifetime.signal, 'abort')).toHaveLength(0);
    await manager.shutdown();
  }, 60_000);

  it('retries a server that failed at startup in the background until it comes up', async () => {
    const marker = join(dir, 'not-yet');
    await writeFile(marker, '');
    const manager = createMcpClientManager({
      servers: { late: nodeServer(serverEntries.fault, ['--fail-start-if', marker, tag]) },
      startupTimeoutMs: 60_000,
      restart: { initialDelayMs: 100, maxDelayMs: 200, maxAttempts: 1000 },
    });
    const [late] = await manager.startup();
    expect(late).toMatchObject({ state: 'restarting', error: expect.any(String), tools: [] });
    expect((await manager.callTool('ping', {})).error?.code).toBe('unknown_tool');
    const tools = waitFor<ToolDefinition[]>(
      (fn) => manager.on('tools', fn),
      (list) => list.some((t) => t.name === 'ping'),
    );
    await unlink(marker);
    await tools;
    expect(manager.status()).toMatchObject([{ name: 'late', state: 'ready', restarts: 0 }]);
    expect((await manager.callTool('ping', {})).result).toEqual({
      text: expect.stringMatching(/^pong \d+$/),
    });
  }, 60_000);

  it('gives up on a server that keeps failing to start, and retries none with maxAttempts 0', async () => {
    const logger = recordingLogger();
    const manager = createMcpClientManager({
      servers: { never: { command: '/nonexistent/mcp-server-binary' } },
      restart: { initialDelayMs: 10, maxAttempts: 2 },
      logger,
    });
    await manager.startup();
    const [never] = await statusReaches(manager, (s) => s[0]?.state === 'failed');
    expect(never?.error).toMatch(/^gave up after 2 restart attempts \(.*ENOENT/);
    expect(logger.warnings.filter((w) => w.includes('restart attempt')).length).toBe(2);

    const noRetry = createMcpClientManager({
      servers: { once: { command: '/nonexistent/other-binary' } },
      restart: { maxAttempts: 0 },
    });
    expect(await noRetry.startup()).toMatchObject([
      { name: 'once', state: 'failed', error: expect.stringContaining('ENOENT') },
    ]);
  });
});
