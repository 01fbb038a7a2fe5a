// Two demo-server processes (main.ts, as a person starts them) on one Redis,
// driven end to end through the HTTP API with @claude-gateway/client: a run
// started on A is followed, approved and cancelled through B; both approve
// the same call at once and exactly one wins; SIGTERM stops both with exit
// code 0. The redis-server is private to this file (free port, temporary
// directory); without one the file is skipped with a printed reason, except
// under CI=true where it fails.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createGatewayClient,
  GatewayClientError,
  type ClientRun,
  type ClientSession,
  type GatewayClient,
} from '@claude-gateway/client';
import type { LogEntry, ToolApprovalRequestEvent } from '@claude-gateway/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  skipWithoutRedis,
  startRedisServer,
  type TestRedisServer,
} from '../../../packages/redis/src/test-redis-server.js';
import { eventsOf, getJson } from './api-test-helpers.js';
import type { DemoInfo } from './demo.js';
import {
  processTree,
  startProcess,
  waitUntilGone,
  type DemoProcess,
  type ProcessInfo,
} from './process-test-helpers.js';

const skip = skipWithoutRedis();
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const MAIN = 'apps/demo-server/src/main.ts';
// Bounds for a failing test on a loaded machine, never timing assertions.
const START_TIMEOUT_MS = 120_000;
const RUN_TIMEOUT_MS = 60_000;
const GONE_DEADLINE_MS = 30_000;
const CONTENT = 'Hello from the claude-gateway demo!';

interface Instance {
  name: 'A' | 'B';
  demo: DemoProcess;
  url: string;
  client: GatewayClient;
  processes: ProcessInfo[];
}

/** Starts main.ts as a child process with `env`; resolves once it printed its URL and store. */
async function startInstance(
  name: Instance['name'],
  env: Record<string, string>,
  started: DemoProcess[],
): Promise<Instance> {
  const demo = startProcess(
    process.execPath,
    ['--conditions=@claude-gateway/source', '--import', 'tsx', MAIN],
    { cwd: ROOT, env },
  );
  started.push(demo);
  const [, url] = await demo.waitFor(/claude-gateway demo \(Hono\) on (http:\/\/\S+)/);
  await demo.waitFor(/^store: redis at /m);
  return {
    name,
    demo,
    url: url!,
    client: createGatewayClient({ baseUrl: `${url!}/api` }),
    processes: processTree(demo.child.pid!),
  };
}

/**
 * Follows `run` to its end, calling `onRequest` for each approval request
 * (awaited before the next entry is read). Resolves with every entry.
 */
async function follow(
  run: ClientRun,
  onRequest: (request: ToolApprovalRequestEvent) => Promise<void>,
): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  for await (const entry of run.events()) {
    entries.push(entry);
    if (entry.event.type === 'tool_approval_request') await onRequest(entry.event);
  }
  return entries;
}

/** Every seq once, in order, from 1. */
function expectGapFree(entries: LogEntry[]): void {
  expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
}

describe.skipIf(skip)('two demo-server processes sharing one Redis', () => {
  let redis: TestRedisServer | undefined;
  let sandboxDir: string | undefined;
  const started: DemoProcess[] = [];
  let a: Instance;
  let b: Instance;
  let sessionA: ClientSession;
  let sessionB: ClientSession;

  beforeAll(async () => {
    redis = await startRedisServer();
    sandboxDir = await mkdtemp(join(tmpdir(), 'demo-redis-processes-'));
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      DEMO_MCP: '0',
      DEMO_MCP_JSON: '',
      DEMO_CLAUDE_CONFIG: '',
      ANTHROPIC_API_KEY: '', // the offline demo model
      DEMO_DELAY_MS: '1',
      GATEWAY_JWT_SECRET: `redis-processes-${randomUUID()}`,
      REDIS_URL: redis.url,
      REDIS_PREFIX: `demo-processes-${randomUUID()}:`,
      DEMO_SANDBOX_DIR: sandboxDir,
    };
    [a, b] = await Promise.all([
      startInstance('A', env, started),
      startInstance('B', env, started),
    ]);
    expect(a.url).not.toBe(b.url);
    sessionA = await a.client.createSession();
    // The same session seen through B: one JWT secret, one Redis.
    sessionB = b.client.session(sessionA.id, sessionA.token);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    // Only reached with processes left when a test failed before the SIGTERM test.
    for (const demo of started) demo.kill([...(a?.processes ?? []), ...(b?.processes ?? [])]);
    await Promise.all(started.map((demo) => demo.exited));
    await redis?.stop();
    if (sandboxDir !== undefined) await rm(sandboxDir, { recursive: true, force: true });
  }, GONE_DEADLINE_MS);

  test('both report the Redis store and the shared sandbox', async () => {
    for (const instance of [a, b]) {
      const info = await getJson<DemoInfo>(`${instance.url}/demo/info`);
      expect(info).toMatchObject({ store: 'redis', sandbox_dir: sandboxDir });
      expect(instance.demo.output()).toContain(`store: redis at ${redis!.url}`);
    }
  });

  test(
    'a run sent to A is followed on B, approved through B, completes and writes the file',
    async () => {
      const info = await getJson<DemoInfo>(`${a.url}/demo/info`);
      const prompt = info.prompts.find((p) => p.text.includes('write_file'))?.text;
      expect(prompt).toContain('hello.txt');
      const sent = await sessionA.send(prompt!);
      const onB = sessionB.run(sent.id);

      const requests: ToolApprovalRequestEvent[] = [];
      const entries = await follow(onB, async (request) => {
        requests.push(request);
        await onB.approve(request);
      });

      expect(requests.map((r) => r.name)).toEqual(['write_file']);
      expectGapFree(entries);
      expect(entries[0]?.event).toMatchObject({ type: 'run_start', run_id: sent.id });
      expect(eventsOf(entries, 'tool_approval_decision')).toEqual([
        expect.objectContaining({ approved: true, reason: 'approved' }),
      ]);
      const [result] = eventsOf(entries, 'tool_result');
      expect(result).toMatchObject({ name: 'write_file', source: 'local' });
      expect(result?.error).toBeUndefined();
      expect(entries.at(-1)?.event.type).toBe('stream_complete');

      expect(await readFile(join(sandboxDir!, 'hello.txt'), 'utf8')).toBe(CONTENT);
      // The record is the same through either instance.
      expect(await onB.get()).toMatchObject({ run_id: sent.id, state: 'completed' });
      expect(await sent.get()).toMatchObject({ run_id: sent.id, state: 'completed' });
      // The same log, read from A after the end.
      const fromA: LogEntry[] = [];
      for await (const entry of sent.events()) fromA.push(entry);
      expect(fromA.map((e) => [e.seq, e.event])).toEqual(entries.map((e) => [e.seq, e.event]));
    },
    RUN_TIMEOUT_MS,
  );

  test(
    'a run sent to A is cancelled from B while it waits for an approval',
    async () => {
      const sent = await sessionA.send('Use write_file to save "never.txt" with "x"');
      const onB = sessionB.run(sent.id);
      let cancels = 0;
      const entries = await follow(onB, async () => {
        cancels++;
        await onB.cancel();
      });
      expect(cancels).toBe(1);
      expectGapFree(entries);
      expect(entries.at(-1)?.event).toMatchObject({ type: 'error', code: 'cancelled' });
      // The call waiting for approval ends as cancelled; nothing is written.
      expect(eventsOf(entries, 'tool_result')).toEqual([
        expect.objectContaining({
          name: 'write_file',
          error: expect.objectContaining({ code: 'cancelled' }),
        }),
      ]);
      expect(existsSync(join(sandboxDir!, 'never.txt'))).toBe(false);
      expect(await sent.get()).toMatchObject({ state: 'cancelled' });
      expect(await onB.get()).toMatchObject({ state: 'cancelled' });
      // A second cancel, through A, finds the run over.
      await expect(sent.cancel()).rejects.toMatchObject({ code: 'run_ended', status: 409 });
    },
    RUN_TIMEOUT_MS,
  );

  test(
    'A and B approve the same call at once: exactly one ok, the other already_decided',
    async () => {
      // A session of its own, created on B and used through A. (In the session
      // above, the offline demo model would answer the cancelled call's result
      // instead of this message.)
      const createdOnB = await b.client.createSession();
      const sent = await a.client
        .session(createdOnB.id, createdOnB.token)
        .send('Use write_file to save "race.txt" with "raced"');
      const onB = createdOnB.run(sent.id);
      const outcomes: PromiseSettledResult<void>[] = [];
      const entries = await follow(onB, async (request) => {
        outcomes.push(...(await Promise.allSettled([sent.approve(request), onB.approve(request)])));
      });

      expect(outcomes).toHaveLength(2);
      const ok = outcomes.filter((o) => o.status === 'fulfilled');
      const refused = outcomes.flatMap((o): unknown[] =>
        o.status === 'rejected' ? [o.reason] : [],
      );
      expect(ok).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect(GatewayClientError.isInstance(refused[0])).toBe(true);
      expect(refused[0]).toMatchObject({ code: 'already_decided', status: 409 });

      expectGapFree(entries);
      expect(eventsOf(entries, 'tool_approval_decision')).toEqual([
        expect.objectContaining({ approved: true, reason: 'approved' }),
      ]);
      expect(eventsOf(entries, 'tool_result')).toEqual([
        expect.objectContaining({ name: 'write_file' }),
      ]);
      expect(entries.at(-1)?.event.type).toBe('stream_complete');
      expect(await readFile(join(sandboxDir!, 'race.txt'), 'utf8')).toBe('raced');
    },
    RUN_TIMEOUT_MS,
  );

  test("the session's runs are the same through A and B", async () => {
    const onA = await sessionA.get();
    const onB = await sessionB.get();
    expect(onA.runs.map((r) => r.state)).toEqual(['completed', 'cancelled']);
    expect(onA.active_run_id ?? null).toBeNull();
    expect(onB).toEqual(onA);
  });

  test(
    'SIGTERM stops both with exit code 0; the shared sandbox stays',
    async () => {
      for (const instance of [a, b]) instance.demo.child.kill('SIGTERM');
      const exits = await Promise.all([a.demo.exited, b.demo.exited]);
      expect(exits).toEqual([
        { code: 0, signal: null },
        { code: 0, signal: null },
      ]);
      for (const instance of [a, b]) {
        expect(instance.demo.output()).toContain('SIGTERM: shutting down');
        expect(instance.demo.output()).toContain('stopped');
        expect(await waitUntilGone(instance.processes, GONE_DEADLINE_MS)).toEqual([]);
      }
      // A DEMO_SANDBOX_DIR given by the person is not the demo's to remove.
      expect(await readFile(join(sandboxDir!, 'hello.txt'), 'utf8')).toBe(CONTENT);
    },
    GONE_DEADLINE_MS * 2,
  );
});
