import type { ToolApprovalRequestEvent } from '@claude-gateway/core';
import type { MockAnthropic } from '@claude-gateway/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readUntil, startInstance, startModel, type TestInstance } from './test-instance.js';
import { skipWithoutRedis, startRedisServer, type TestRedisServer } from './test-redis-server.js';

const skip = skipWithoutRedis();

describe.skipIf(skip)('two instances on one Redis', () => {
  let server: TestRedisServer;
  let model: MockAnthropic;
  let count = 0;
  let a: TestInstance;
  let b: TestInstance;
  const extra: TestInstance[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    model = await startModel();
  });
  afterAll(async () => {
    await model?.close();
    await server?.stop();
  });
  const pair = (leaseMs = 5_000): void => {
    const prefix = `pair${++count}:`;
    a = startInstance(model, { redis: server.url, prefix, leaseMs });
    b = startInstance(model, { redis: server.url, prefix, leaseMs });
  };
  afterEach(async () => {
    for (const instance of [a, b, ...extra.splice(0)]) await instance?.close();
  });

  it('streams a run started on A from B, resumes it from any seq, and sees it end', async () => {
    pair();
    const { sessionId } = await a.manager.createSession();
    const { runId } = await a.manager.startRun(sessionId, { message: 'hello there' });

    const log = await b.manager.openLog(runId);
    expect(log).toBeDefined();
    const all = await readUntil(log!);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    expect(all[0]?.event).toMatchObject({ type: 'run_start', run_id: runId });
    expect(all.at(-1)?.event.type).toBe('stream_complete');
    expect(all.filter((e) => e.event.type === 'text_delta').length).toBeGreaterThan(3);

    // A reader that dropped after seq 3 resumes on B with exactly the rest.
    const resumed = await readUntil((await b.stores.events.open(runId))!, undefined, {
      afterSeq: 3,
    });
    expect(resumed).toEqual(all.slice(3));

    // The end is recorded before readers see it, on every instance.
    expect(await b.manager.getRun(runId)).toMatchObject({ state: 'completed', sessionId });
    const history = await b.manager.getHistory(sessionId);
    expect(history.at(-1)).toMatchObject({ role: 'assistant' });
    // The session is free again: B starts the next run of A's session.
    const next = await b.manager.startRun(sessionId, { message: 'and again' });
    await readUntil(next.log);
    expect((await a.manager.listRuns(sessionId)).map((r) => r.runId)).toEqual([runId, next.runId]);
  });

  it('holds one active run per session across instances', async () => {
    pair();
    const { sessionId } = await a.manager.createSession();
    const { runId } = await a.manager.startRun(sessionId, { message: 'please wait' });
    await expect(b.manager.startRun(sessionId, { message: 'me too' })).rejects.toMatchObject({
      code: 'run_active',
    });
    expect(await b.manager.cancel(runId)).toBe('ok');
    await readUntil((await b.manager.openLog(runId))!);
  });

  it('delivers an approval decided on B to the run waiting on A; one of racing decisions wins', async () => {
    pair();
    const { sessionId } = await a.manager.createSession();
    const { runId } = await a.manager.startRun(sessionId, { message: 'please delete it' });
    const log = (await b.manager.openLog(runId))!;
    const before = await readUntil(log, (e) => e.type === 'tool_approval_request');
    const request = before.at(-1)!.event as ToolApprovalRequestEvent;
    expect(request.name).toBe('delete_file');

    const decide = (instance: TestInstance, approved: boolean) =>
      instance.broker.decide({
        toolUseId: request.tool_use_id,
        nonce: request.nonce,
        approved,
        approver: approved ? 'b' : 'a',
        sessionId,
      });
    const answers = await Promise.all([decide(b, true), decide(a, false), decide(b, true)]);
    expect(answers.filter((answer) => answer === 'ok')).toHaveLength(1);
    expect(answers.filter((answer) => answer === 'already_decided')).toHaveLength(2);

    const rest = await readUntil(log, undefined, { afterSeq: before.at(-1)!.seq });
    const decision = rest.find((e) => e.event.type === 'tool_approval_decision')?.event;
    const result = rest.find((e) => e.event.type === 'tool_result')?.event;
    const winner = answers.indexOf('ok') === 1 ? 'a' : 'b';
    expect(decision).toMatchObject({ approved: winner === 'b', approver: winner });
    if (winner === 'b') expect(result).toMatchObject({ result: { deleted: '/tmp/x' } });
    else expect(result).toMatchObject({ error: { code: 'user_denied' } });
    expect(rest.at(-1)?.event.type).toBe('stream_complete');
  });

  it('shares "always allow" for a session: after approving on B, A runs the tool ungated', async () => {
    pair();
    const { sessionId } = await a.manager.createSession();
    const first = await a.manager.startRun(sessionId, { message: 'delete the first' });
    const log = (await b.manager.openLog(first.runId))!;
    const request = (await readUntil(log, (e) => e.type === 'tool_approval_request')).at(-1)!
      .event as ToolApprovalRequestEvent;
    expect(
      await b.broker.decide({
        toolUseId: request.tool_use_id,
        nonce: request.nonce,
        approved: true,
        allowToolType: true,
        sessionId,
      }),
    ).toBe('ok');
    await readUntil(log);
    const second = await a.manager.startRun(sessionId, { message: 'delete the second' });
    const types = (await readUntil(second.log)).map((e) => e.event.type);
    expect(types).not.toContain('tool_approval_request');
    expect(types).toContain('tool_result');
  });

  it('cancels a run on A from B', async () => {
    pair();
    const { sessionId } = await a.manager.createSession();
    const { runId } = await a.manager.startRun(sessionId, { message: 'please wait' });
    const log = (await b.manager.openLog(runId))!;
    const before = await readUntil(log, (e) => e.type === 'tool_use');
    expect(await b.manager.cancel(runId)).toBe('ok');
    const rest = await readUntil(log, undefined, { afterSeq: before.at(-1)!.seq });
    expect(rest.at(-1)?.event).toMatchObject({ type: 'error', code: 'cancelled' });
    expect(await b.manager.getRun(runId)).toMatchObject({ state: 'cancelled' });
    expect(await b.manager.cancel(runId)).toBe('already_ended');
  });

  it('ends a run with owner_lost, once, when its owner stops renewing its lease', async () => {
    pair(300);
    const { sessionId } = await a.manager.createSession();
    const { runId } = await a.manager.startRun(sessionId, { message: 'please wait' });
    const log = (await b.manager.openLog(runId))!;
    await readUntil(log, (e) => e.type === 'tool_use');

    // A "dies": its leases stop being renewed and its connections go away.
    await a.stores.close();

    const entries = await readUntil(log);
    const errors = entries.filter((e) => e.event.type === 'error');
    expect(errors.map((e) => e.event)).toEqual([
      { type: 'error', code: 'owner_lost', message: expect.any(String) as string },
    ]);
    expect(entries.at(-1)).toBe(errors[0]);
    expect(await b.manager.getRun(runId)).toMatchObject({
      state: 'failed',
      error: { code: 'owner_lost' },
    });
    // The session is released: the next run starts on B.
    const next = await b.manager.startRun(sessionId, { message: 'hello again' });
    expect((await readUntil(next.log)).at(-1)?.event.type).toBe('stream_complete');
    // Checks that come later change nothing: the log still ends once.
    await b.stores.close();
    const c = startInstance(model, { redis: server.url, prefix: `pair${count}:`, leaseMs: 300 });
    extra.push(c);
    const again = await readUntil((await c.stores.events.open(runId))!);
    expect(again).toEqual(entries);
  });
});
