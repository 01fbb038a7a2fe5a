import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ToolDefinition } from '@claude-gateway/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMcpClientManager,
  type McpClientManager,
  type McpServerStatus,
} from './mcp-client-manager.js';
import {
  managersShutDownAfterEach,
  nodeServer,
  processAlive,
  processesMentioning,
  recordingLogger,
  serverEntries,
  waitFor,
} from './test-servers.js';

// Fault fixtures: `faults` (hang, cancel, progress, isError, list_changed),
// `crashy` (crashes mid-call and comes back) and `tree` (started through a
// shell, with a grandchild of its own), sharing one manager.
const logger = recordingLogger();
// Marks this file's processes, so the leak check ignores other test files'.
const tag = `--tag=lifecycle-${process.pid}-${Date.now()}`;
let manager: McpClientManager;

const statusOf = (name: string): McpServerStatus | undefined =>
  manager.status().find((s) => s.name === name);
const onStatus = (fn: (s: McpServerStatus[]) => void) => manager.on('status', fn);
const text = (outcome: { result?: unknown }) => (outcome.result as { text?: string }).text;

const createTrackedManager = managersShutDownAfterEach();
const secret = `GATEWAY_TEST_SECRET_${process.pid}`;
// While this file exists, `crashy` refuses to start: its outage lasts until the test ends it.
const crashyHeld = join(tmpdir(), `mcp-crashy-held-${process.pid}-${Date.now()}`);

beforeAll(async () => {
  // A secret of the gateway's own environment, which servers must not see.
  process.env[secret] = 'do-not-leak';
  manager = createMcpClientManager({
    servers: {
      faults: nodeServer(serverEntries.fault, [tag]),
      crashy: nodeServer(serverEntries.fault, [
        '--spawn-grandchild',
        '--fail-start-if',
        crashyHeld,
        tag,
      ]),
      tree: {
        command: 'sh',
        // `; exit $?` keeps the shell from exec'ing node: a real intermediate process.
        args: [
          '-c',
          `"${process.execPath}" "${serverEntries.fault}" --spawn-grandchild ${tag}; exit $?`,
        ],
      },
    },
    startupTimeoutMs: 60_000,
    timeoutOverrides: { faults: 1500 },
    maxTotalTimeoutMs: 4000,
    // Attempts every 100-400 ms, and enough of them to outlast a slow test.
    restart: { initialDelayMs: 100, maxDelayMs: 400, maxAttempts: 1000 },
    killGraceMs: 1000,
    logger,
  });
  const status = await manager.startup();
  expect(status.map((s) => s.state)).toEqual(['ready', 'ready', 'ready']);
}, 90_000);

afterAll(async () => {
  await manager?.shutdown();
  delete process.env[secret];
  await rm(crashyHeld, { force: true });
});

describe('fault handling', () => {
  it('times out a hanging call (tool_timeout) and the server stays usable', async () => {
    expect(await manager.callTool('hang', {}, { timeoutMs: 300 })).toEqual({
      error: { code: 'tool_timeout', message: expect.stringContaining('timed out') },
      source: 'mcp:faults',
    });
    // No timeoutMs: the per-server override (1.5 s) applies.
    expect((await manager.callTool('hang', {})).error?.code).toBe('tool_timeout');
    expect(text(await manager.callTool('ping', {}))).toMatch(/^pong \d+$/);
  });

  it('cancels the request on the server when the signal aborts', async () => {
    const controller = new AbortController();
    const pending = manager.callTool(
      'wait-for-cancel',
      {},
      { signal: controller.signal, timeoutMs: 20_000 },
    );
    setTimeout(() => controller.abort(), 100);
    expect(await pending).toEqual({
      error: { code: 'cancelled', message: expect.any(String) },
      source: 'mcp:faults',
    });
    // notifications/cancelled reached the server: its handler saw the abort.
    let seen = 0;
    for (let i = 0; i < 50 && seen === 0; i++) {
      seen = ((await manager.callTool('cancellations', {})).result as { cancellations: number })
        .cancellations;
      if (seen === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen).toBe(1);
  });

  it('answers cancelled at once for an already aborted signal', async () => {
    expect((await manager.callTool('ping', {}, { signal: AbortSignal.abort() })).error?.code).toBe(
      'cancelled',
    );
  });

  it('resets the timeout on progress, up to the hard total cap', async () => {
    // 40 steps 50 ms apart take at least 2 s (timers never fire early), past
    // the 1.5 s timeout: only the resets can let it finish. Each reset has
    // 30 times the gap between two steps to arrive.
    const patient = createTrackedManager({
      servers: { faults: nodeServer(serverEntries.fault, [tag]) },
      startupTimeoutMs: 60_000,
      maxTotalTimeoutMs: 600_000,
    });
    const done = await patient.callTool(
      'progress',
      { steps: 40, intervalMs: 50 },
      { timeoutMs: 1500 },
    );
    expect(done).toEqual({ result: { done: 40 }, source: 'mcp:faults' });
    // Progress that never ends (a day of it) under the shared manager's 4 s cap.
    const capped = await manager.callTool(
      'progress',
      { steps: 1_000_000, intervalMs: 50 },
      { timeoutMs: 1500 },
    );
    expect(capped.error?.code).toBe('tool_timeout');
  }, 60_000);

  it('maps isError to mcp_error with the server text', async () => {
    expect(await manager.callTool('fail', {})).toEqual({
      error: { code: 'mcp_error', message: 'this tool failed on purpose' },
      source: 'mcp:faults',
    });
  });

  it('refreshes the tool list on notifications/tools/list_changed', async () => {
    const listed = waitFor<ToolDefinition[]>(
      (fn) => manager.on('tools', fn),
      (tools) => tools.some((t) => t.name === 'added-extra'),
    );
    expect(text(await manager.callTool('add-tool', { name: 'extra' }))).toBe('added');
    await listed;
    expect((await manager.listTools()).map((t) => t.name)).toContain('added-extra');
    expect(text(await manager.callTool('added-extra', {}))).toBe('hello from added-extra');
  });

  it('restarts a crashed server with backoff; calls fail fast meanwhile; its group is cleaned up', async () => {
    const before = (await manager.callTool('crashy__info', {})).result as {
      pid: number;
      grandchildPid: number;
    };
    expect(processAlive(before.grandchildPid)).toBe(true);
    // Hold the restart: the outage lasts until the marker goes, however slow this test runs.
    await writeFile(crashyHeld, '');
    const restarting = waitFor(
      onStatus,
      (all) => all.find((s) => s.name === 'crashy')?.state === 'restarting',
    );
    expect(await manager.callTool('crashy__crash', {})).toEqual({
      error: { code: 'server_unavailable', message: expect.stringContaining('crashy') },
      source: 'mcp:crashy',
    });
    await restarting;
    // During the outage calls fail fast.
    expect(await manager.callTool('crashy__ping', {})).toEqual({
      error: { code: 'server_unavailable', message: expect.stringContaining('"crashy"') },
      source: 'mcp:crashy',
    });
    expect((await manager.listTools()).some((t) => t.name.startsWith('crashy__'))).toBe(false);
    expect(statusOf('crashy')?.state).toBe('restarting');
    const back = waitFor(
      onStatus,
      (all) => all.find((s) => s.name === 'crashy')?.state === 'ready',
    );
    await rm(crashyHeld);
    await back;
    const after = (await manager.callTool('crashy__info', {})).result as { pid: number };
    expect(after.pid).not.toBe(before.pid);
    expect(statusOf('crashy')).toMatchObject({ state: 'ready', restarts: 1 });
    expect((await manager.listTools()).map((t) => t.name)).toContain('crashy__ping');
    // The crashed server's grandchild went with its process group.
    expect(processAlive(before.pid)).toBe(false);
    expect(processAlive(before.grandchildPid)).toBe(false);
    expect(logger.errors.some((e) => e.includes('"crashy" exited with code 3'))).toBe(true);
    // Its stderr went to the logger with the report.
    expect(logger.data).toContainEqual({ stderr: expect.stringContaining('crashing on purpose') });
  });

  it("never passes the parent's environment to a server unless inheritEnv is set", async () => {
    const { env } = (await manager.callTool('info', {})).result as { env: Record<string, string> };
    expect(env.PATH).toBe(process.env.PATH);
    expect(env).not.toHaveProperty(secret);
    const inheriting = createTrackedManager({
      servers: { inherit: nodeServer(serverEntries.fault, [tag], { OWN: 'own' }) },
      inheritEnv: true,
      startupTimeoutMs: 60_000,
    });
    const inherited = (await inheriting.callTool('info', {})).result as {
      env: Record<string, string>;
    };
    expect(inherited.env).toMatchObject({ [secret]: 'do-not-leak', OWN: 'own' });
  });

  it('shutdown() kills every process of every group, grandchildren included, and is idempotent', async () => {
    const tree = (await manager.callTool('tree__info', {})).result as {
      pid: number;
      shellPid: number;
      grandchildPid: number;
    };
    const leaders = manager.status().map((s) => s.pid);
    const pids = [...leaders, tree.pid, tree.shellPid, tree.grandchildPid];
    expect(pids.every((pid) => typeof pid === 'number' && processAlive(pid))).toBe(true);
    // The tree's leader is the outer shell, not the node server it started.
    expect(statusOf('tree')?.pid).not.toBe(tree.pid);

    const first = manager.shutdown();
    expect(manager.shutdown()).toBe(first);
    await first;
    for (const pid of pids) expect(processAlive(pid as number)).toBe(false);
    expect(manager.status().map((s) => s.state)).toEqual(['closed', 'closed', 'closed']);
    expect(await manager.listTools()).toEqual([]);
    expect((await manager.callTool('ping', {})).error?.code).toBe('server_unavailable');
    expect(processesMentioning(tag)).toEqual([]);
  });
});

describe('shutdown of a server that ignores SIGTERM', () => {
  it('ends it with SIGKILL to its group, and resolves', async () => {
    const marker = join(tmpdir(), `mcp-sigterm-${process.pid}-${Date.now()}`);
    const stubborn = createTrackedManager({
      servers: { stubborn: nodeServer(serverEntries.fault, ['--ignore-sigterm', marker, tag]) },
      startupTimeoutMs: 60_000,
      killGraceMs: 200,
    });
    try {
      const [status] = await stubborn.startup();
      expect(status?.state).toBe('ready');
      const pid = status?.pid as number;
      await stubborn.shutdown();
      // It saw SIGTERM and stayed; only SIGKILL can have ended it.
      expect(await readFile(marker, 'utf8')).toBe('SIGTERM ignored\n');
      expect(processAlive(pid)).toBe(false);
      expect(stubborn.status()).toMatchObject([{ state: 'closed' }]);
    } finally {
      await rm(marker, { force: true });
    }
  }, 60_000);
});
