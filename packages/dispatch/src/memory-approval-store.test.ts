import { GatewayError } from '@claude-gateway/core';
import { describe, expect, it } from 'vitest';
import type { ApprovalDecision, ApprovalRecord } from './approval-store.js';
import { createMemoryApprovalStore } from './memory-approval-store.js';
import { recordingLogger } from './test-helpers.js';

let clock = 1_000_000;
const now = () => clock;

function record(overrides: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return {
    toolUseId: 'toolu_1',
    sessionId: 's1',
    runId: 'r1',
    name: 'delete_file',
    inputDigest: 'digest',
    nonce: 'nonce',
    expiresAt: clock + 60_000,
    ...overrides,
  };
}

const approve = (extra: Partial<ApprovalDecision> = {}): ApprovalDecision => ({
  approved: true,
  reason: 'approved',
  decidedAt: clock,
  ...extra,
});

describe('createMemoryApprovalStore', () => {
  it('stores a record and refuses a second one with the same toolUseId', async () => {
    const store = createMemoryApprovalStore({ now });
    await store.create(record());
    expect(await store.get('toolu_1')).toEqual({ record: record() });
    const duplicate = store.create(record({ nonce: 'other' }));
    await expect(duplicate).rejects.toSatisfy(
      (e) => GatewayError.isInstance(e) && e.code === 'invalid_options',
    );
    expect((await store.get('toolu_1'))?.record.nonce).toBe('nonce');
    expect(await store.get('missing')).toBeUndefined();
  });

  it('sets the decision once: the second decide gets already_decided with the winner', async () => {
    const store = createMemoryApprovalStore({ now });
    await store.create(record());
    const [first, second] = await Promise.all([
      store.decide('toolu_1', approve({ approver: 'ann' })),
      store.decide('toolu_1', { approved: false, reason: 'denied', decidedAt: clock }),
    ]);
    expect(first).toEqual({ status: 'ok' });
    expect(second).toMatchObject({
      status: 'already_decided',
      decision: { approved: true, approver: 'ann' },
    });
    expect(await store.decide('missing', approve())).toEqual({ status: 'not_found' });
  });

  it('wakes a waiter when a decision is stored, and answers at once when decided', async () => {
    const store = createMemoryApprovalStore({ now });
    await store.create(record());
    const waiting = store.waitForDecision('toolu_1', new AbortController().signal);
    expect(store.waiting).toBe(1);
    await store.decide('toolu_1', approve());
    await expect(waiting).resolves.toMatchObject({ approved: true, reason: 'approved' });
    expect(store.waiting).toBe(0);
    await expect(
      store.waitForDecision('toolu_1', new AbortController().signal),
    ).resolves.toMatchObject({ reason: 'approved' });
    await expect(
      store.waitForDecision('missing', new AbortController().signal),
    ).resolves.toBeUndefined();
  });

  it('rejects a wait with the abort reason and leaves no waiter behind', async () => {
    const store = createMemoryApprovalStore({ now });
    await store.create(record());
    const controller = new AbortController();
    const waiting = store.waitForDecision('toolu_1', controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(store.waiting).toBe(0);
    await expect(store.waitForDecision('toolu_1', controller.signal)).rejects.toThrow('stop');
  });

  it('adds the tool type to the session set in the same step as an approval', async () => {
    const store = createMemoryApprovalStore({ now });
    await store.create(record());
    await store.create(record({ toolUseId: 'toolu_2', name: 'other' }));
    const seen: boolean[] = [];
    const waiting = store
      .waitForDecision('toolu_1', new AbortController().signal)
      .then(async () => seen.push(await store.isToolTypeAllowed('s1', 'delete_file')));
    await store.decide('toolu_1', approve({ allowToolType: true }));
    await waiting;
    expect(seen).toEqual([true]);
    expect(await store.isToolTypeAllowed('s2', 'delete_file')).toBe(false);
    // A denial never adds the type, whatever it carries.
    await store.decide('toolu_2', {
      approved: false,
      reason: 'denied',
      allowToolType: true,
      decidedAt: clock,
    });
    expect(await store.isToolTypeAllowed('s1', 'other')).toBe(false);
  });

  it('keeps records for retainMs after expiry, then forgets them', async () => {
    const store = createMemoryApprovalStore({ now, retainMs: 1_000 });
    await store.create(record({ expiresAt: clock + 100 }));
    clock += 1_099;
    expect(await store.get('toolu_1')).toBeDefined();
    clock += 1;
    expect(await store.get('toolu_1')).toBeUndefined();
    clock += 60_000;
    await store.create(record({ toolUseId: 'toolu_2', expiresAt: clock + 100 }));
    expect(store.size).toBe(1);
  });

  it('forgets the least recently used session past maxSessions', async () => {
    const logger = recordingLogger();
    const store = createMemoryApprovalStore({ now, maxSessions: 2, logger });
    await store.allowToolType('a', 't');
    await store.allowToolType('b', 't');
    expect(await store.isToolTypeAllowed('a', 't')).toBe(true); // a is now the most recent
    await store.allowToolType('c', 't');
    expect(await store.isToolTypeAllowed('b', 't')).toBe(false);
    expect(await store.isToolTypeAllowed('a', 't')).toBe(true);
    expect(await store.isToolTypeAllowed('c', 't')).toBe(true);
    await store.allowToolType('d', 't');
    expect(logger.warnings).toHaveLength(1);
    store.forgetSession('c');
    expect(await store.isToolTypeAllowed('c', 't')).toBe(false);
  });

  it('refuses bad options', () => {
    expect(() => createMemoryApprovalStore({ maxSessions: 0 })).toThrow(GatewayError);
    expect(() => createMemoryApprovalStore({ retainMs: -1 })).toThrow(GatewayError);
  });
});
