import type { ToolApprovalDecisionEvent, ToolApprovalRequestEvent } from '@claude-gateway/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApprovalBroker, type ApprovalBroker } from './approval-broker.js';
import type { ApprovalStore } from './approval-store.js';
import { defineTool } from './define-tool.js';
import { createMemoryApprovalStore } from './memory-approval-store.js';
import {
  eventsOf,
  fakeSource,
  makeContext,
  objectSchema,
  recordingLogger,
  waitForEvent,
} from './test-helpers.js';
import { createToolDispatcher, type ToolDispatcherOptions } from './tool-dispatcher.js';

afterEach(() => {
  vi.useRealTimers();
});

function setup(options: Partial<ToolDispatcherOptions> & { broker?: ApprovalBroker } = {}) {
  const runs: unknown[] = [];
  const remove = defineTool<{ path: string }>({
    name: 'delete_file',
    description: 'Deletes a file',
    inputSchema: objectSchema('path'),
    needsApproval: true,
    handler: (input) => {
      const { path } = input;
      runs.push(path);
      input.path = 'mutated by the handler';
      return { deleted: path };
    },
  });
  const broker = options.broker ?? createApprovalBroker({ timeoutMs: 60_000 });
  const dispatcher = createToolDispatcher({ tools: [remove], approvals: broker, ...options });
  return { broker, dispatcher, runs };
}

const call = (id = 'toolu_1', path = '/tmp/a') => ({ id, name: 'delete_file', input: { path } });

describe('approval gate', () => {
  it('appends the request, waits, appends the decision, then runs the approved call', async () => {
    const { broker, dispatcher, runs } = setup();
    const ctx = makeContext({ sessionId: 's1' });
    const pending = dispatcher.execute(call(), ctx);
    const request = await waitForEvent(ctx.log, 'tool_approval_request');
    expect(request).toEqual({
      type: 'tool_approval_request',
      tool_use_id: 'toolu_1',
      name: 'delete_file',
      input: { path: '/tmp/a' },
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expires_at: expect.any(Number),
    } satisfies Record<Exclude<keyof ToolApprovalRequestEvent, 'parent_tool_use_id'>, unknown>);
    expect(request.expires_at).toBeGreaterThan(Date.now());
    expect(runs).toEqual([]);

    expect(
      await broker.decide({
        toolUseId: 'toolu_1',
        nonce: request.nonce,
        approved: true,
        approver: 'ann',
        sessionId: 's1',
      }),
    ).toBe('ok');
    expect(await pending).toEqual({ result: { deleted: '/tmp/a' }, source: 'local' });
    expect(runs).toEqual(['/tmp/a']);
    const events = await eventsOf(ctx.log);
    // The audit trail shows what was approved, whatever the handler did to its input.
    expect(events[0]).toMatchObject({ input: { path: '/tmp/a' } });
    expect(events).toEqual([
      request,
      {
        type: 'tool_approval_decision',
        tool_use_id: 'toolu_1',
        approved: true,
        reason: 'approved',
        approver: 'ann',
      } satisfies ToolApprovalDecisionEvent,
    ]);
  });

  it('answers user_denied on a denial, with a denied decision event and no run', async () => {
    const { broker, dispatcher, runs } = setup();
    const ctx = makeContext();
    const pending = dispatcher.execute(call(), ctx);
    const { nonce } = await waitForEvent(ctx.log, 'tool_approval_request');
    expect(
      await broker.decide({ anySession: true, toolUseId: 'toolu_1', nonce, approved: false }),
    ).toBe('ok');
    expect(await pending).toMatchObject({ error: { code: 'user_denied' }, source: 'local' });
    expect(runs).toEqual([]);
    const events = await eventsOf(ctx.log);
    expect(events.map((e) => e.type)).toEqual(['tool_approval_request', 'tool_approval_decision']);
    expect(events[1]).toEqual({
      type: 'tool_approval_decision',
      tool_use_id: 'toolu_1',
      approved: false,
      reason: 'denied',
    });
  });

  it('answers approval_timeout at expiry (never fail-open); a late decision answers expired', async () => {
    vi.useFakeTimers();
    const broker = createApprovalBroker({ timeoutMs: 1_000 });
    const { dispatcher, runs } = setup({ broker });
    const ctx = makeContext();
    const pending = dispatcher.execute(call(), ctx);
    const request = await waitForEvent(ctx.log, 'tool_approval_request');
    expect(request.expires_at).toBe(Date.now() + 1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await pending).toMatchObject({ error: { code: 'approval_timeout' } });
    expect(runs).toEqual([]);
    const decision = await waitForEvent(ctx.log, 'tool_approval_decision');
    expect(decision).toEqual({
      type: 'tool_approval_decision',
      tool_use_id: 'toolu_1',
      approved: false,
      reason: 'expired',
    });
    expect(
      await broker.decide({
        anySession: true,
        toolUseId: 'toolu_1',
        nonce: request.nonce,
        approved: true,
      }),
    ).toBe('expired');
    expect(runs).toEqual([]);
  });

  it('ends the wait at once when the run is cancelled: cancelled decision and outcome', async () => {
    const store = createMemoryApprovalStore();
    const broker = createApprovalBroker({ store, timeoutMs: 60_000 });
    const { dispatcher, runs } = setup({ broker });
    const ctx = makeContext();
    const pending = dispatcher.execute(call(), ctx);
    const request = await waitForEvent(ctx.log, 'tool_approval_request');
    expect(store.waiting).toBe(1);
    ctx.controller.abort();
    expect(await pending).toMatchObject({ error: { code: 'cancelled' }, source: 'local' });
    expect(store.waiting).toBe(0);
    const events = await eventsOf(ctx.log);
    expect(events).toEqual([
      request,
      {
        type: 'tool_approval_decision',
        tool_use_id: 'toolu_1',
        approved: false,
        reason: 'cancelled',
      },
    ]);
    expect(
      await broker.decide({
        anySession: true,
        toolUseId: 'toolu_1',
        nonce: request.nonce,
        approved: true,
      }),
    ).toBe('already_decided');
    expect(runs).toEqual([]);
  });

  it('cannot approve one call with another call’s nonce', async () => {
    const { broker, dispatcher, runs } = setup();
    const ctx = makeContext();
    const first = dispatcher.execute(call('toolu_1', '/tmp/a'), ctx);
    const a = await waitForEvent(ctx.log, 'tool_approval_request');
    const second = dispatcher.execute(call('toolu_2', '/etc/passwd'), ctx);
    const b = await waitForEvent(ctx.log, 'tool_approval_request', 1);
    expect(b.tool_use_id).toBe('toolu_2');
    expect(
      await broker.decide({
        anySession: true,
        toolUseId: 'toolu_1',
        nonce: a.nonce,
        approved: true,
      }),
    ).toBe('ok');
    expect(
      await broker.decide({
        anySession: true,
        toolUseId: 'toolu_2',
        nonce: a.nonce,
        approved: true,
      }),
    ).toBe('nonce_mismatch');
    expect(await first).toMatchObject({ result: { deleted: '/tmp/a' } });
    expect(runs).toEqual(['/tmp/a']);
    expect(
      await broker.decide({
        anySession: true,
        toolUseId: 'toolu_2',
        nonce: b.nonce,
        approved: false,
      }),
    ).toBe('ok');
    expect(await second).toMatchObject({ error: { code: 'user_denied' } });
    expect(runs).toEqual(['/tmp/a']);
  });

  it('does not run an approved call whose record shows other input (a faulty broker)', async () => {
    const real = createApprovalBroker();
    // A broker that hands back the record of another call, as a buggy shared
    // store might for a reused tool_use id.
    const faulty: ApprovalBroker = {
      ...real,
      request: (pending) => real.request({ ...pending, input: { path: '/tmp/shown' } }),
    };
    const { dispatcher, runs } = setup({ broker: faulty });
    const ctx = makeContext();
    const pending = dispatcher.execute(call('toolu_1', '/etc/passwd'), ctx);
    const { nonce } = await waitForEvent(ctx.log, 'tool_approval_request');
    expect(
      await real.decide({ anySession: true, toolUseId: 'toolu_1', nonce, approved: true }),
    ).toBe('ok');
    expect(await pending).toMatchObject({ error: { code: 'user_denied' } });
    expect(runs).toEqual([]);
  });

  it('answers not_found to a decision from another session and keeps waiting', async () => {
    const { broker, dispatcher } = setup();
    const ctx = makeContext({ sessionId: 'owner' });
    const pending = dispatcher.execute(call(), ctx);
    const { nonce } = await waitForEvent(ctx.log, 'tool_approval_request');
    const decide = (sessionId: string) =>
      broker.decide({ toolUseId: 'toolu_1', nonce, approved: true, sessionId });
    expect(await decide('intruder')).toBe('not_found');
    expect(await decide('owner')).toBe('ok');
    expect(await pending).toMatchObject({ result: { deleted: '/tmp/a' } });
  });

  it('skips the gate for later calls after allowToolType, in that session only', async () => {
    const { broker, dispatcher, runs } = setup();
    const ctx = makeContext({ sessionId: 's1' });
    const first = dispatcher.execute(call('toolu_1'), ctx);
    const { nonce } = await waitForEvent(ctx.log, 'tool_approval_request');
    await broker.decide({
      anySession: true,
      toolUseId: 'toolu_1',
      nonce,
      approved: true,
      allowToolType: true,
    });
    await first;
    const seqAfterFirst = ctx.log.lastSeq();

    expect(await dispatcher.execute(call('toolu_2', '/tmp/b'), ctx)).toMatchObject({
      result: { deleted: '/tmp/b' },
    });
    expect(ctx.log.lastSeq()).toBe(seqAfterFirst); // no new approval events
    expect(runs).toEqual(['/tmp/a', '/tmp/b']);

    const other = makeContext({ sessionId: 's2', runId: 'run-2' });
    const third = dispatcher.execute(call('toolu_3', '/tmp/c'), other);
    const request = await waitForEvent(other.log, 'tool_approval_request');
    expect(request.tool_use_id).toBe('toolu_3');
    await broker.decide({
      anySession: true,
      toolUseId: 'toolu_3',
      nonce: request.nonce,
      approved: false,
    });
    expect(await third).toMatchObject({ error: { code: 'user_denied' } });
  });

  it('a denial with allowToolType approves nothing later', async () => {
    const { broker, dispatcher } = setup();
    const ctx = makeContext();
    const first = dispatcher.execute(call('toolu_1'), ctx);
    const { nonce } = await waitForEvent(ctx.log, 'tool_approval_request');
    await broker.decide({
      anySession: true,
      toolUseId: 'toolu_1',
      nonce,
      approved: false,
      allowToolType: true,
    });
    await first;
    void dispatcher.execute(call('toolu_2'), ctx);
    const again = await waitForEvent(ctx.log, 'tool_approval_request', 2);
    expect(again.tool_use_id).toBe('toolu_2');
    ctx.controller.abort();
  });

  it('skips the gate for approvedToolTypes given up front, for every session', async () => {
    const { dispatcher, runs } = setup({ approvedToolTypes: ['delete_file'] });
    for (const sessionId of ['s1', 's2']) {
      const ctx = makeContext({ sessionId });
      expect(await dispatcher.execute(call('toolu_1'), ctx)).toMatchObject({
        result: { deleted: '/tmp/a' },
      });
      expect(await eventsOf(ctx.log)).toEqual([]);
    }
    expect(runs).toHaveLength(2);
  });

  it('gates by name set or by function, source tools included', async () => {
    const source = fakeSource('one', [
      { name: 'search', description: '', input_schema: objectSchema('q') },
    ]);
    const broker = createApprovalBroker();
    const bySet = createToolDispatcher({
      sources: [source],
      approvals: broker,
      needsApproval: ['search'],
    });
    const ctx = makeContext();
    const pending = bySet.execute({ id: 'toolu_s', name: 'search', input: { q: 'x' } }, ctx);
    const { nonce } = await waitForEvent(ctx.log, 'tool_approval_request');
    expect(source.calls).toEqual([]);
    await broker.decide({ anySession: true, toolUseId: 'toolu_s', nonce, approved: true });
    expect(await pending).toMatchObject({ source: 'mcp:one' });

    const rule = vi.fn((name: string, input: unknown) => (input as { q: string }).q === 'secret');
    const byFunction = createToolDispatcher({ sources: [source], needsApproval: rule });
    expect(
      await byFunction.execute({ id: 'a', name: 'search', input: { q: 'open' } }, makeContext()),
    ).toMatchObject({ source: 'mcp:one' });
    expect(
      await byFunction.execute({ id: 'b', name: 'search', input: { q: 'secret' } }, makeContext()),
    ).toMatchObject({ error: { code: 'approval_required' } });
    expect(rule).toHaveBeenCalledWith('search', { q: 'secret' });
  });

  it('gates by a per-tool function of the input', async () => {
    const tool = defineTool<{ path: string }>({
      name: 'write',
      description: '',
      inputSchema: objectSchema('path'),
      needsApproval: ({ path }) => path.startsWith('/etc'),
      handler: () => 'written',
    });
    const dispatcher = createToolDispatcher({ tools: [tool] });
    expect(
      await dispatcher.execute({ id: 'a', name: 'write', input: { path: '/tmp' } }, makeContext()),
    ).toMatchObject({ result: 'written' });
    expect(
      await dispatcher.execute({ id: 'b', name: 'write', input: { path: '/etc' } }, makeContext()),
    ).toMatchObject({ error: { code: 'approval_required' } });
  });

  it('gates a call whose needsApproval rule throws (fail closed)', async () => {
    const logger = recordingLogger();
    const { dispatcher } = setup({
      approvals: undefined,
      tools: [
        defineTool({
          name: 'x',
          description: '',
          inputSchema: objectSchema(),
          handler: () => 'ran',
        }),
      ],
      needsApproval: () => {
        throw new Error('rule bug');
      },
      logger,
    });
    expect(
      await dispatcher.execute({ id: 'a', name: 'x', input: {} }, makeContext()),
    ).toMatchObject({ error: { code: 'approval_required' } });
    expect(logger.errors).toHaveLength(1);
  });

  it('denies with approval_required when the store fails, and logs it', async () => {
    const logger = recordingLogger();
    const store: ApprovalStore = {
      ...createMemoryApprovalStore(),
      create: () => Promise.reject(new Error('redis down')),
    };
    const { dispatcher, runs } = setup({ broker: createApprovalBroker({ store }), logger });
    expect(await dispatcher.execute(call(), makeContext())).toMatchObject({
      error: { code: 'approval_required' },
    });
    expect(runs).toEqual([]);
    expect(logger.errors).toHaveLength(1);
  });

  it('gates a toolUseId once: executing the same id again answers approval_required', async () => {
    const { broker, dispatcher, runs } = setup({ logger: recordingLogger() });
    const ctx = makeContext();
    const first = dispatcher.execute(call('toolu_1'), ctx);
    const { nonce } = await waitForEvent(ctx.log, 'tool_approval_request');
    await broker.decide({ anySession: true, toolUseId: 'toolu_1', nonce, approved: true });
    await first;
    expect(await dispatcher.execute(call('toolu_1'), ctx)).toMatchObject({
      error: { code: 'approval_required' },
    });
    expect(runs).toEqual(['/tmp/a']);
  });

  it('closes the request when it cannot be appended to the log (closed log)', async () => {
    const logger = recordingLogger();
    const { broker, dispatcher } = setup({ logger });
    const ctx = makeContext();
    await ctx.log.close();
    expect(await dispatcher.execute(call(), ctx)).toMatchObject({
      error: { code: 'approval_required' },
    });
    expect((await broker.store.get('toolu_1'))?.decision).toMatchObject({ reason: 'cancelled' });
    expect(logger.warnings).toHaveLength(1);
  });
});
