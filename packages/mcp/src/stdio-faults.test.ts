import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { McpServerStatus } from './mcp-client-manager.js';
import {
  managersShutDownAfterEach,
  nodeServer,
  processAlive,
  processesMentioning,
  serverEntries,
  statusReaches,
} from './test-servers.js';

// Servers that misbehave on stdio in ways real servers do.
const createManager = managersShutDownAfterEach();
// Marks this file's processes, so the leak check ignores other test files'.
const tag = `--tag=stdio-faults-${process.pid}-${Date.now()}`;
const fault = (...args: string[]) => nodeServer(serverEntries.fault, [...args, tag]);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-stdio-faults-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  expect(processesMentioning(tag)).toEqual([]);
});

it('skips log lines a server writes to stdout and reads an answer split across many chunks', async () => {
  const manager = createManager({
    servers: { noisy: fault('--noise') },
    startupTimeoutMs: 60_000,
  });
  const [status] = await manager.startup();
  expect(status?.state).toBe('ready');
  const outcome = await manager.callTool('big', { bytes: 3_000_000 });
  expect((outcome.result as { text: string }).text).toHaveLength(3_000_000);
  expect(await manager.callTool('ping', {})).toMatchObject({ result: { text: /^pong / } });
}, 60_000);

it('treats a server that closes its stdout but keeps running as gone: the call fails and it restarts', async () => {
  const manager = createManager({
    servers: { mute: fault() },
    startupTimeoutMs: 60_000,
    killGraceMs: 200,
    restart: { initialDelayMs: 50, maxDelayMs: 100 },
  });
  const [status] = await manager.startup();
  const pid = status?.pid as number;
  // Without the fix the call only ends on its own timeout (tool_timeout).
  const outcome = await manager.callTool('close-stdout', {}, { timeoutMs: 20_000 });
  expect(outcome).toMatchObject({ error: { code: 'server_unavailable' }, source: 'mcp:mute' });
  await statusReaches(manager, (s) => s[0]?.state === 'ready' && s[0].pid !== pid);
  expect(processAlive(pid)).toBe(false);
  expect(manager.status()[0]?.restarts).toBe(1);
}, 60_000);

it('bounds the restarts of a server that exits (code 0) right after every start', async () => {
  const manager = createManager({
    servers: { shortLived: fault('--exit-after-list') },
    startupTimeoutMs: 60_000,
    killGraceMs: 200,
    restart: { initialDelayMs: 50, maxDelayMs: 100, maxAttempts: 2, resetAfterMs: 60_000 },
  });
  await manager.startup();
  // Without a bound on consecutive crashes this loops forever (each start reaches ready).
  const [status] = await statusReaches(manager, (s) => s[0]?.state === 'failed', 40_000);
  expect(status?.error).toMatch(/^gave up after 2 restart attempts/);
}, 60_000);

it('with restarts off, goes from ready straight to failed when the server dies', async () => {
  const states: string[] = [];
  const manager = createManager({
    servers: { once: fault() },
    startupTimeoutMs: 60_000,
    killGraceMs: 200,
    restart: { maxAttempts: 0 },
    onStatusChange: (s) => states.push(s[0]?.state ?? ''),
  });
  await manager.startup();
  expect((await manager.callTool('crash', {})).error?.code).toBe('server_unavailable');
  await statusReaches(manager, (s) => s[0]?.state === 'failed');
  expect(states).not.toContain('restarting');
  expect(states.at(-1)).toBe('failed');
}, 60_000);

it('ends a call in flight as soon as shutdown starts, not when the group is finally dead', async () => {
  const marker = join(dir, 'sigterm');
  const manager = createManager({
    servers: { stubborn: fault('--ignore-sigterm', marker) },
    startupTimeoutMs: 60_000,
    killGraceMs: 3000,
  });
  const [status] = await manager.startup();
  const pid = status?.pid as number;
  const call = manager.callTool('hang', {}, { timeoutMs: 60_000 });
  await new Promise((resolve) => setTimeout(resolve, 100));
  const stopped = manager.shutdown();
  const outcome = await call;
  // The server ignores stdin EOF and SIGTERM: it takes ≥ 2 × killGraceMs to die.
  expect(processAlive(pid)).toBe(true);
  expect(outcome).toMatchObject({ error: { code: 'server_unavailable' }, source: 'mcp:stubborn' });
  await stopped;
  expect(processAlive(pid)).toBe(false);
}, 60_000);

it('never emits the same status twice in a row', async () => {
  const seen: string[] = [];
  const manager = createManager({
    servers: { one: fault(), two: fault() },
    startupTimeoutMs: 60_000,
    onStatusChange: (s: McpServerStatus[]) => seen.push(JSON.stringify(s)),
  });
  await manager.startup();
  await manager.shutdown();
  expect(seen.length).toBeGreaterThan(2);
  expect(seen.filter((s, i) => i > 0 && s === seen[i - 1])).toEqual([]);
}, 60_000);

it('settles a startup still in progress when shutdown() is called, leaving no process', async () => {
  const manager = createManager({
    servers: {
      good: fault(),
      stuck: nodeServer(serverEntries.neverInitialize, [tag]),
    },
    startupTimeoutMs: 60_000,
    killGraceMs: 200,
  });
  const startup = manager.startup();
  await statusReaches(manager, (s) => s.every((server) => server.pid !== undefined));
  const [first, second] = [manager.shutdown(), manager.shutdown()];
  expect(second).toBe(first);
  const status = await startup;
  await first;
  expect(status.map((s) => s.state)).toEqual(['closed', 'closed']);
  expect(processesMentioning(tag)).toEqual([]);
}, 60_000);

it('stays closed when shutdown() comes during the restart backoff', async () => {
  const manager = createManager({
    servers: { crashy: fault() },
    startupTimeoutMs: 60_000,
    killGraceMs: 200,
    restart: { initialDelayMs: 300, maxDelayMs: 300 },
  });
  await manager.startup();
  expect((await manager.callTool('crash', {})).error?.code).toBe('server_unavailable');
  await statusReaches(manager, (s) => s[0]?.state === 'restarting');
  await manager.shutdown();
  await new Promise((resolve) => setTimeout(resolve, 600));
  expect(manager.status()).toMatchObject([{ state: 'closed' }]);
  expect(processesMentioning(tag)).toEqual([]);
}, 60_000);

it('takes many concurrent (large) calls to one server without a listener-leak warning', async () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on('warning', onWarning);
  try {
    const manager = createManager({ servers: { busy: fault() }, startupTimeoutMs: 60_000 });
    await manager.startup();
    // Large inputs fill the pipe: most writes have to wait for it to drain.
    const pad = 'x'.repeat(100_000);
    const outcomes = await Promise.all(
      Array.from({ length: 25 }, () => manager.callTool('ping', { pad })),
    );
    expect(outcomes.every((o) => o.error === undefined)).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
}, 60_000);

it('answers mcp_error for a result that breaks the MCP schema, and keeps the server', async () => {
  const manager = createManager({ servers: { sloppy: fault() }, startupTimeoutMs: 60_000 });
  await manager.startup();
  expect(await manager.callTool('bad-image', {})).toEqual({
    error: {
      code: 'mcp_error',
      message: expect.stringContaining('not a valid tools/call result'),
    },
    source: 'mcp:sloppy',
  });
  expect(manager.status()[0]?.state).toBe('ready');
  expect(await manager.callTool('ping', {})).toMatchObject({ result: { text: /^pong / } });
}, 60_000);

it('lets many managers run at once without a listener-leak warning on process', async () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on('warning', onWarning);
  try {
    const managers = Array.from({ length: 15 }, () => createManager({ servers: {} }));
    await Promise.all(managers.map((m) => m.startup()));
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
});
