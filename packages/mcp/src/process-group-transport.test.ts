import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import {
  ProcessGroupTransport,
  type ProcessGroupTransportOptions,
} from './process-group-transport.js';
import { defaultEnvKeys, processAlive } from './test-servers.js';

/** Pids of live processes in process group `pgid` (field 5 of /proc/<pid>/stat). */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) members.push(Number(name));
    } catch {
      // Gone while we looked.
    }
  }
  return members;
}

// Closed after each test, passed or failed: their groups are detached and would outlive us.
const transports: ProcessGroupTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

function transportFor(options: ProcessGroupTransportOptions): ProcessGroupTransport {
  const transport = new ProcessGroupTransport(options);
  transports.push(transport);
  return transport;
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(check()).toBe(true);
}

it('runs the server in its own group and escalates to SIGKILL for a group that ignores SIGTERM', async () => {
  const transport = transportFor({
    command: 'sh',
    // The shell ignores SIGTERM and keeps two sleeping children; stdin EOF means nothing to it.
    args: ['-c', 'trap "" TERM; echo ready >&2; sleep 600 & sleep 600 & wait'],
    killGraceMs: 200,
  });
  let closed = 0;
  transport.onclose = () => void (closed += 1);
  await transport.start();
  const pid = transport.pid!;
  await until(() => transport.stderrTail().includes('ready') && groupMembers(pid).length === 3);
  expect(groupMembers(process.pid)).not.toContain(pid);
  const members = groupMembers(pid);
  await transport.close();
  await transport.close();
  for (const member of members) expect(processAlive(member)).toBe(false);
  expect(closed).toBe(1);
  expect(transport.exitInfo).toEqual({ code: null, signal: 'SIGKILL' });
});

it('kills what the server left behind when it exits on its own, and keeps a bounded stderr tail', async () => {
  const transport = transportFor({
    command: 'sh',
    args: ['-c', 'sleep 600 & echo $! >&2; head -c 5000 /dev/zero | tr "\\0" x >&2; exit 7'],
    stderrLimit: 100,
    killGraceMs: 500,
  });
  const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
  await transport.start();
  const pid = transport.pid!;
  await closed;
  expect(transport.exitInfo).toEqual({ code: 7, signal: null });
  expect(groupMembers(pid)).toEqual([]);
  // Gone for good: its id may be reused by another group, which must not be signalled.
  expect(transport.pid).toBeUndefined();
  expect(transport.stderrTail().length).toBeLessThanOrEqual(100);
  expect(transport.stderrTail()).toMatch(/x+$/);
  await expect(transport.send({ jsonrpc: '2.0', method: 'ping', id: 1 })).rejects.toThrow(
    'Not connected',
  );
});

it('passes only the default environment plus env, and reports a missing command', async () => {
  const transport = transportFor({
    command: 'sh',
    args: ['-c', 'env >&2'],
    env: { EXTRA: 'yes' },
  });
  const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
  await transport.start();
  await closed;
  const names = transport
    .stderrTail()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('=')[0]);
  expect(names).toContain('EXTRA');
  expect(names).toContain('PATH');
  expect(names.filter((n) => !defaultEnvKeys.has(n!) && n !== 'EXTRA')).toEqual([]);

  const missing = transportFor({ command: '/nonexistent/server' });
  await expect(missing.start()).rejects.toThrow(/ENOENT/);
  await missing.close();
});

it('reports EPIPE from a server that closed its stdin as an error, without crashing', async () => {
  const transport = transportFor({
    command: 'sh',
    // Closes its stdin, then keeps running (stdout open): writes to it fail with EPIPE.
    args: ['-c', 'exec 0<&-; echo closed >&2; sleep 600'],
    killGraceMs: 200,
  });
  const errors: Error[] = [];
  transport.onerror = (error) => errors.push(error);
  await transport.start();
  await until(() => transport.stderrTail().includes('closed'));
  const big = { jsonrpc: '2.0' as const, method: 'ping', id: 1, params: { pad: 'x'.repeat(1e6) } };
  await expect(transport.send(big)).rejects.toThrow(/EPIPE/);
  expect(errors.some((e) => /EPIPE/.test(e.message))).toBe(true);
});

it('closes when the server closes its stdout but keeps running', async () => {
  const transport = transportFor({
    command: 'sh',
    args: ['-c', 'exec 1>&-; sleep 600'],
    killGraceMs: 200,
  });
  const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
  await transport.start();
  const pid = transport.pid!;
  await closed;
  expect(groupMembers(pid)).toEqual([]);
});
