import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MockAnthropic } from '@claude-gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readUntil, startInstance, startModel, type TestInstance } from './test-instance.js';
import { skipWithoutRedis, startRedisServer, type TestRedisServer } from './test-redis-server.js';

const skip = skipWithoutRedis();
const CHILD = fileURLToPath(new URL('./test-owner-child.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Starts the child and resolves with the run it reports (once it is inside a tool call). */
function startChild(env: Record<string, string>): {
  child: ChildProcess;
  started: Promise<{ runId: string; sessionId: string }>;
} {
  const child = spawn(
    process.execPath,
    ['--conditions=@claude-gateway/source', '--import', 'tsx', CHILD],
    { cwd: PACKAGE_DIR, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const started = new Promise<{ runId: string; sessionId: string }>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line)
        resolve(JSON.parse(line) as { runId: string; sessionId: string });
    });
    child.once('exit', (code) => reject(new Error(`child exited (${code}): ${stderr}`)));
  });
  return { child, started };
}

describe.skipIf(skip)('an owner process that dies', () => {
  let server: TestRedisServer;
  let model: MockAnthropic;
  let child: ChildProcess | undefined;
  let b: TestInstance | undefined;

  beforeAll(async () => {
    server = await startRedisServer();
    model = await startModel();
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await b?.close();
    await model?.close();
    await server?.stop();
  });

  it('is noticed by the other instance: its readers get owner_lost once, the session is freed', async () => {
    const prefix = 'death:';
    const leaseMs = 500;
    const spawned = startChild({
      MODEL_URL: model.url,
      REDIS_URL: server.url,
      PREFIX: prefix,
      LEASE_MS: String(leaseMs),
    });
    child = spawned.child;
    const { runId, sessionId } = await spawned.started;

    b = startInstance(model, { redis: server.url, prefix, leaseMs });
    const log = (await b.manager.openLog(runId))!;
    const before = await readUntil(log, (e) => e.type === 'tool_use');
    expect(await b.manager.getRun(runId)).toMatchObject({ state: 'running' });

    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    const rest = await readUntil(log, undefined, { afterSeq: before.at(-1)!.seq });
    expect(rest.map((e) => e.event)).toEqual([
      { type: 'error', code: 'owner_lost', message: expect.any(String) as string },
    ]);
    expect(rest[0]!.seq).toBe(before.at(-1)!.seq + 1);
    expect(await b.manager.getRun(runId)).toMatchObject({
      state: 'failed',
      error: { code: 'owner_lost' },
    });
    const next = await b.manager.startRun(sessionId, { message: 'hello again' });
    expect((await readUntil(next.log)).at(-1)?.event.type).toBe('stream_complete');
    // A second reader of the dead run sees the same single end.
    const again = await readUntil((await b.manager.openLog(runId))!);
    expect(again.filter((e) => e.event.type === 'error')).toHaveLength(1);
  });
});
