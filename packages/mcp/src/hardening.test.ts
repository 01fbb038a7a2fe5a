import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerConnection, type ConnectionSettings } from './server-connection.js';
import {
  managersShutDownAfterEach,
  nodeServer,
  recordingLogger,
  serverEntries,
} from './test-servers.js';

let dir: string;
const createMcpClientManager = managersShutDownAfterEach();
const tag = `--tag=hardening-${process.pid}-${Date.now()}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-hardening-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tools/list paging', () => {
  it('stops at maxToolPages and at maxTools, with a warning, and the server works', async () => {
    const logger = recordingLogger();
    const manager = createMcpClientManager({
      servers: { endless: nodeServer(serverEntries.fault, ['--endless-tools', tag]) },
      startupTimeoutMs: 60_000,
      maxToolPages: 5,
      logger,
    });
    const [endless] = await manager.startup();
    expect(endless).toMatchObject({ state: 'ready' });
    expect(endless?.tools).toEqual(['page-1', 'page-2', 'page-3', 'page-4', 'page-5']);
    expect(logger.warnings).toContain(
      'MCP server "endless" offers more than 5 pages of tools; the rest are left out',
    );

    const fewer = createMcpClientManager({
      servers: { endless: nodeServer(serverEntries.fault, ['--endless-tools', tag]) },
      startupTimeoutMs: 60_000,
      maxTools: 3,
      logger,
    });
    expect((await fewer.startup())[0]?.tools).toEqual(['page-1', 'page-2', 'page-3']);
    expect(logger.warnings).toContain(
      'MCP server "endless" offers more than 3 tools; the rest are left out',
    );
  }, 60_000);

  it('leaves no abort listener per page behind (no MaxListenersExceededWarning)', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const manager = createMcpClientManager({
        servers: { endless: nodeServer(serverEntries.fault, ['--endless-tools', tag]) },
        startupTimeoutMs: 60_000,
        maxToolPages: 40,
      });
      const [endless] = await manager.startup();
      expect(endless?.tools).toHaveLength(40);
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  }, 60_000);

  it('refuses bad limits', () => {
    for (const option of ['maxToolPages', 'maxTools', 'maxMessageBytes'] as const) {
      expect(() => createMcpClientManager({ [option]: 0 })).toThrow(/must be a positive integer/);
    }
  });
});

describe('a stdio reply over maxMessageBytes', () => {
  it('fails that one call with a clear error and keeps the server up', async () => {
    const manager = createMcpClientManager({
      servers: { faults: nodeServer(serverEntries.fault, [tag]) },
      startupTimeoutMs: 60_000,
      maxMessageBytes: 100_000,
    });
    const [before] = await manager.startup();
    const outcome = await manager.callTool('big', { bytes: 300_000 });
    expect(outcome).toEqual({
      error: {
        code: 'mcp_error',
        message: expect.stringMatching(
          /the MCP server sent a message of \d+ bytes, over the 100000-byte limit \(maxMessageBytes\); it was dropped/,
        ),
      },
      source: 'mcp:faults',
    });
    // Same process, still ready, and answering.
    expect(manager.status()).toMatchObject([{ state: 'ready', restarts: 0, pid: before?.pid }]);
    expect((await manager.callTool('ping', {})).result).toEqual({
      text: `pong ${String(before?.pid)}`,
    });
    expect((await manager.callTool('big', { bytes: 50_000 })).result).toEqual({
      text: 'x'.repeat(50_000),
    });
  }, 60_000);
});

describe('secrets from ${VAR}', () => {
  const settings = (logger = recordingLogger()): ConnectionSettings => ({
    startupTimeoutMs: 10_000,
    killGraceMs: 300,
    inheritEnv: false,
    restart: { maxAttempts: 0, initialDelayMs: 10, maxDelayMs: 10, resetAfterMs: 60_000 },
    clientInfo: { name: 'test', version: '0' },
    maxToolPages: 10,
    maxTools: 10,
    maxMessageBytes: 1_000_000,
    logger,
    onChange: () => undefined,
  });

  it('never appear in a status error or an unavailable message', async () => {
    const connection = new ServerConnection(
      'leaky',
      { command: '/nonexistent/tok-very-secret/server' },
      settings(),
      ['tok-very-secret'],
    );
    await connection.start();
    expect(connection.state).toBe('failed');
    expect(connection.error).toBe('spawn /nonexistent/***/server ENOENT');
    const outcome = await connection.call({
      tool: 'x',
      input: {},
      signal: undefined,
      timeoutMs: 1000,
      maxTotalTimeoutMs: 1000,
    });
    expect(outcome).toEqual({
      error: {
        code: 'server_unavailable',
        message: 'MCP server "leaky" is unavailable: spawn /nonexistent/***/server ENOENT',
      },
      source: 'mcp:leaky',
    });
    await connection.close();
  });

  it('are scrubbed by the manager from what it reports about a server from a config file', async () => {
    const { writeFile } = await import('node:fs/promises');
    const mcpJsonPath = join(dir, 'secret.mcp.json');
    await writeFile(
      mcpJsonPath,
      JSON.stringify({ mcpServers: { leaky: { command: '/nonexistent/${TOKEN}/server' } } }),
    );
    const logger = recordingLogger();
    const manager = createMcpClientManager({
      mcpJsonPath,
      env: { TOKEN: 'tok-very-secret' },
      logger,
    });
    const [leaky] = await manager.startup();
    expect(leaky).toMatchObject({ state: 'failed', error: 'spawn /nonexistent/***/server ENOENT' });
    expect(JSON.stringify([logger.errors, logger.warnings])).not.toContain('tok-very-secret');
  });

  it('a server named like an Object.prototype member gets no inherited timeout override', async () => {
    const manager = createMcpClientManager({
      servers: { constructor: nodeServer(serverEntries.fault, [tag]) },
      startupTimeoutMs: 60_000,
      timeoutOverrides: {},
    });
    expect((await manager.callTool('ping', {})).result).toEqual({
      text: expect.stringMatching(/^pong \d+$/),
    });
  }, 60_000);
});
