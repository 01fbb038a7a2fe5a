import { getEventListeners } from 'node:events';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayError, type ToolDefinition } from '@claude-gateway/core';
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
  it('starts servers side by side; a failed one leaves the others working', async () => {
    const configPath = join(dir, 'claude.json');
    const cwd = join(dir, 'project');
    const marker = join(dir, 'late-refuses');
    await writeFile(marker, '');
    const [a, b] = [join(dir, 'rendezvous-a'), join(dir, 'rendezvous-b')];
    await writeFile(
      configPath,
      JSON.stringify({
        mcpServers: {
          good: {
            command: '${NODE_BIN}',
            args: ['${FAULT_SERVER}', '--rendezvous', a, b, '${TAG}'],
            env: { GREETING: '${GREETING:-hello}' },
          },
          legacy: { type: 'sse', url: 'http://127.0.0.1:1/sse' },
        },
        projects: {
          [cwd]: {
            mcpServers: {
              // Each of the pair waits for the other before answering: only
              // a startup that runs them side by side gets both ready.
              partner: {
                command: '${NODE_BIN}',
                args: ['${FAULT_SERVER}', '--rendezvous', b, a, '${TAG}'],
              },
              late: {
                command: '${NODE_BIN}',
                args: ['${FAULT_SERVER}', '--fail-start-if', marker, '${TAG}'],
              },
              offline: { type: 'http', url: 'http://127.0.0.1:1/mcp' },
              missing: { command: '/nonexistent/mcp-server-binary' },
            },
          },
        },
      }),
    );
    const logger = recordingLogger();
    const manager = createMcpClientManager({
      configPath,
      cwd,
      env: { NODE_BIN: process.execPath, FAULT_SERVER: serverEntries.fault, TAG: tag },
      startupTimeoutMs: 60_000,
      // Retries are scheduled but do not run during the test.
      restart: { initialDelayMs: 600_000 },
      killGraceMs: 300,
      logger,
    });
    try {
      const status = await manager.startup();
      // A config problem or a missing command fails for good; a server
      // that failed to connect is retried.
      expect(status.map((s) => [s.name, s.state])).toEqual([
        ['good', 'ready'],
        ['legacy', 'failed'],
        ['partner', 'ready'],
        ['late', 'restarting'],
        ['offline', 'restarting'],
        ['missing', 'failed'],
      ]);
      const byName = Object.fromEntries(status.map((s) => [s.name, s]));
      expect(byName.legacy?.error).toBe('unsupported server type "sse"');
      expect(byName.missing?.error).toContain('ENOENT');
      expect(byName.offline?.error).toBeTruthy();
      expect(byName.late?.error).toBeTruthy();
      expect(logger.errors).toContain(
        `MCP server "missing" failed to start: ${byName.missing?.error ?? ''}`,
      );
      const env = (await manager.callTool('info', {})).result as { env: Record<string, string> };
      expect(env.env.GREETING).toBe('hello');
      expect((await manager.listTools()).map((t) => t.name)).toContain('ping');
      expect(await manager.startup()).toEqual(manager.status());
    } finally {
      await manager.shutdown();
    }
    expect(processesMentioning(tag)).toEqual([]);
  }, 60_000);

  it('fails a server that never answers initialize on the startup timeout, and kills it', async () => {
    const logger = recordingLogger();
    const manager = createMcpClientManager({
      servers: { stuck: nodeServer(serverEntries.neverInitialize, [tag]) },
      startupTimeoutMs: 1000,
      restart: { initialDelayMs: 600_000 },
      killGraceMs: 300,
      logger,
    });
    const [stuck] = await manager.startup();
    expect(stuck).toMatchObject({ state: 'restarting', error: 'startup timed out after 1000 ms' });
    expect(logger.errors).toContain(
      'MCP server "stuck" failed to start: startup timed out after 1000 ms; retrying',
    );
    // The never-initializing server was killed, not left behind.
    expect(processesMentioning(`${serverEntries.neverInitialize}\u0000${tag}`)).toEqual([]);
  }, 30_000);

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
    const marker = join(dir, 'never');
    await writeFile(marker, '');
    const logger = recordingLogger();
    const manager = createMcpClientManager({
      servers: { never: nodeServer(serverEntries.fault, ['--fail-start-if', marker, tag]) },
      startupTimeoutMs: 60_000,
      restart: { initialDelayMs: 10, maxAttempts: 2 },
      logger,
    });
    await manager.startup();
    const [never] = await statusReaches(manager, (s) => s[0]?.state === 'failed');
    expect(never?.error).toMatch(/^gave up after 2 restart attempts \(/);
    expect(logger.warnings.filter((w) => w.includes('restart attempt')).length).toBe(2);

    const noRetry = createMcpClientManager({
      servers: { once: nodeServer(serverEntries.fault, ['--fail-start-if', marker, tag]) },
      startupTimeoutMs: 60_000,
      restart: { maxAttempts: 0 },
    });
    expect(await noRetry.startup()).toMatchObject([{ name: 'once', state: 'failed' }]);
  }, 60_000);

  it('fails at once, without retries, for a missing or forbidden command and a bad URL', async () => {
    const notExecutable = join(dir, 'not-executable');
    await writeFile(notExecutable, '#!/bin/sh\n', { mode: 0o644 });
    const logger = recordingLogger();
    const manager = createMcpClientManager({
      servers: {
        missing: { command: '/nonexistent/mcp-server-binary' },
        forbidden: { command: notExecutable },
        badUrl: { type: 'http', url: '${NOT_EXPANDED_INLINE}' },
      },
      restart: { initialDelayMs: 10, maxAttempts: 5 },
      logger,
    });
    const status = await manager.startup();
    expect(status).toMatchObject([
      { name: 'missing', state: 'failed', error: expect.stringContaining('ENOENT') },
      { name: 'forbidden', state: 'failed', error: expect.stringContaining('EACCES') },
      { name: 'badUrl', state: 'failed', error: expect.stringMatching(/Invalid URL/i) },
    ]);
    expect(logger.warnings.filter((w) => w.includes('restart attempt'))).toEqual([]);
    expect(logger.errors.filter((e) => e.includes('retrying'))).toEqual([]);
  });

  it('reports a skipped server (unknown type, unset variable) once, as skipped', async () => {
    const mcpJsonPath = join(dir, 'skipped.mcp.json');
    await writeFile(
      mcpJsonPath,
      JSON.stringify({
        mcpServers: {
          legacy: { type: 'sse', url: 'http://127.0.0.1:1/sse' },
          secret: { type: 'http', url: 'http://127.0.0.1:1/mcp?key=${UNSET_KEY}' },
        },
      }),
    );
    const logger = recordingLogger();
    const manager = createMcpClientManager({ mcpJsonPath, env: {}, logger });
    expect(await manager.startup()).toMatchObject([
      { name: 'legacy', state: 'failed', error: 'unsupported server type "sse"' },
      { name: 'secret', state: 'failed', error: expect.stringContaining('UNSET_KEY') },
    ]);
    const lines = [...logger.warnings, ...logger.errors];
    for (const name of ['legacy', 'secret']) {
      const about = lines.filter((line) => line.includes(`"${name}"`));
      expect(about).toHaveLength(1);
      expect(about[0]).toContain('skipped');
    }
  });
});
