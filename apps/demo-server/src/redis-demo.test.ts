// Two demo servers on one Redis (REDIS_URL), end to end over HTTP: a run
// started on A is streamed from B, cut and resumed there with Last-Event-ID,
// approved through B and cancelled from B. The redis-server is private to
// this file (free port, temporary directory); without one the file is
// skipped with a printed reason, except under CI=true where it fails.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGatewayClient, type GatewayClient } from '@claude-gateway/client';
import type { Logger, LogEntry } from '@claude-gateway/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  skipWithoutRedis,
  startRedisServer,
  type TestRedisServer,
} from '../../../packages/redis/src/test-redis-server.js';
import {
  createSession,
  eventsOf,
  followRun,
  getJson,
  readRun,
  startRun,
  type TestSession,
} from './api-test-helpers.js';
import { randomJwtSecret } from './config.js';
import type { DemoInfo } from './demo.js';
import { startDemoServer, type RunningDemo } from './demo-server.js';
import type { SandboxFile } from './sandbox.js';

const skip = skipWithoutRedis();
const quiet: Logger = { warn() {}, error() {} };
const CONTENT = 'Hello from the claude-gateway demo!';

describe.skipIf(skip)('two demo servers sharing one Redis', () => {
  let redis: TestRedisServer | undefined;
  let sandboxDir: string | undefined;
  let a: RunningDemo | undefined;
  let b: RunningDemo | undefined;
  let session: TestSession;
  let clientB: GatewayClient;
  let writePrompt: string;
  const runIds: string[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    sandboxDir = await mkdtemp(join(tmpdir(), 'demo-redis-test-'));
    const config = {
      port: 0,
      host: '127.0.0.1',
      mcp: false,
      demoDelayMs: 0,
      jwtSecret: randomJwtSecret(),
      redisUrl: redis.url,
      redisPrefix: `demo-test-${randomUUID()}:`,
      sandboxDir,
      logger: quiet,
    };
    a = await startDemoServer(config);
    b = await startDemoServer(config);
    clientB = createGatewayClient({ baseUrl: `${b.url}/api` });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
    if (sandboxDir !== undefined) await rm(sandboxDir, { recursive: true, force: true });
  });

  test('both say they use Redis and show the shared sandbox', async () => {
    const infoA = await getJson<DemoInfo>(`${a!.url}/demo/info`);
    const infoB = await getJson<DemoInfo>(`${b!.url}/demo/info`);
    expect(infoA).toMatchObject({ store: 'redis', sandbox_dir: sandboxDir });
    expect(infoB).toMatchObject({ store: 'redis', sandbox_dir: sandboxDir });
    expect(a!.demo.store.description).toContain(`redis at ${redis!.url}`);
    writePrompt = infoA.prompts.find((p) => p.text.includes('write_file'))!.text;
    expect(writePrompt).toEqual(expect.any(String));
  });

  test('a run started on A is streamed from B, cut, resumed with Last-Event-ID and approved through B', async () => {
    session = await createSession(a!.url);
    const runId = await startRun(a!.url, session, writePrompt);
    runIds.push(runId);

    // First connection to B, cut after the first entry. The run cannot end
    // meanwhile: it waits for an approval that only comes later.
    const before = await readRun(b!.url, session, runId, { onEntry: () => 'cut' });
    expect(before).toHaveLength(1);
    expect(before[0]?.event).toMatchObject({ type: 'run_start', run_id: runId });

    // Reconnect to B after the last seq seen; approve there when asked.
    const run = clientB.session(session.session_id, session.token).run(runId);
    let requests = 0;
    const after = await readRun(b!.url, session, runId, {
      lastEventId: before.at(-1)!.seq,
      onEntry: async ({ event }) => {
        if (event.type !== 'tool_approval_request') return;
        requests++;
        expect(event.name).toBe('write_file');
        await run.approve(event);
      },
    });
    expect(requests).toBe(1);

    // Nothing lost, nothing repeated: seqs 1..n, the same log A serves.
    const all = [...before, ...after];
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    const fromA = await followRun(a!.url, session, runId);
    expect(all).toEqual(fromA);

    expect(eventsOf(all, 'tool_approval_decision')).toEqual([
      expect.objectContaining({ approved: true, reason: 'approved' }),
    ]);
    const [written] = eventsOf(all, 'tool_result');
    expect(written).toMatchObject({ name: 'write_file', source: 'local' });
    expect(written?.error).toBeUndefined();
    expect(all.at(-1)?.event.type).toBe('stream_complete');

    expect(await readFile(join(sandboxDir!, 'hello.txt'), 'utf8')).toBe(CONTENT);
    const { files } = await getJson<{ files: SandboxFile[] }>(`${b!.url}/demo/files`);
    expect(files).toContainEqual({ name: 'hello.txt', size: CONTENT.length, content: CONTENT });
    expect(await run.get()).toMatchObject({ state: 'completed' });
  });

  test('a run started on A is cancelled from B while it waits for an approval', async () => {
    const runId = await startRun(a!.url, session, 'Use write_file to save "never.txt" with "x"');
    runIds.push(runId);
    const run = clientB.session(session.session_id, session.token).run(runId);
    let cancels = 0;
    const entries: LogEntry[] = await followRun(b!.url, session, runId, async ({ event }) => {
      if (event.type !== 'tool_approval_request') return;
      cancels++;
      await run.cancel();
    });
    expect(cancels).toBe(1);
    expect(entries.at(-1)?.event).toMatchObject({ type: 'error', code: 'cancelled' });
    expect(existsSync(join(sandboxDir!, 'never.txt'))).toBe(false);
    // A ran it and recorded the end; both see it.
    expect(await a!.demo.runs.getRun(runId)).toMatchObject({ state: 'cancelled' });
    expect(await run.get()).toMatchObject({ state: 'cancelled' });
  });

  test("the session's run list is the same on A and B", async () => {
    const headers = { authorization: `Bearer ${session.token}` };
    type SessionJson = { active_run_id?: string | null; runs: { run_id: string; state: string }[] };
    const onA = await getJson<SessionJson>(`${a!.url}/api/sessions/${session.session_id}`, {
      headers,
    });
    const onB = await getJson<SessionJson>(`${b!.url}/api/sessions/${session.session_id}`, {
      headers,
    });
    expect(onA.runs.map((r) => [r.run_id, r.state])).toEqual([
      [runIds[0], 'completed'],
      [runIds[1], 'cancelled'],
    ]);
    expect(onB).toEqual(onA);
  });
});
