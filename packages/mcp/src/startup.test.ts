import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayError } from '@claude-gateway/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMcpClientManager } from './mcp-client-manager.js';
import { processesMentioning, recordingLogger, serverEntries } from './test-servers.js';

let dir: string;
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
      logger,
    });
    try {
      const status = await manager.startup();
      expect(status.map((s) => [s.name, s.state])).toEqual([
        ['good', 'ready'],
        ['legacy', 'failed'],
        ['stuck', 'failed'],
        ['offline', 'failed'],
        ['missing', 'failed'],
      ]);
      const byName = Object.fromEntries(status.map((s) => [s.name, s]));
      expect(byName.legacy?.error).toBe('unsupported server type "sse"');
      expect(byName.stuck?.error).toBe('startup timed out after 6000 ms');
      expect(byName.missing?.error).toContain('ENOENT');
      expect(byName.offline?.error).toBeTruthy();
      expect(logger.errors.some((e) => e.includes('"stuck" failed to start'))).toBe(true);
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
      logger: recordingLogger(),
    });
    const controller = new AbortController();
    const started = manager.startup({ signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    await expect(started).rejects.toMatchObject({ code: 'cancelled' });
    await manager.shutdown();
    expect(manager.status()).toMatchObject([{ name: 'stuck', state: 'closed' }]);
    expect(processesMentioning(`${serverEntries.neverInitialize}\u0000${tag}`)).toEqual([]);
  }, 30_000);
});
