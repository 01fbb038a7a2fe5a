import { GatewayError } from '@claude-gateway/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApprovalDecision, ApprovalRecord, ApprovalStore } from '../approval-store.js';

/** How the contract suite gets a fresh store (and, optionally, a second handle on it). */
export interface ApprovalStoreContractSetup {
  /** A new, empty store. */
  create(): ApprovalStore | Promise<ApprovalStore>;
  /**
   * A second handle on the same data, as another instance would hold it:
   * a decision made on one must wake a waiter on the other.
   * @default the same store
   */
  peer?(store: ApprovalStore): ApprovalStore | Promise<ApprovalStore>;
  /** Releases what `create` / `peer` opened. */
  dispose?(store: ApprovalStore): void | Promise<void>;
}

let counter = 0;
const uniqueId = (prefix: string): string => `${prefix}_${Date.now()}_${++counter}`;

function makeRecord(overrides: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return {
    toolUseId: uniqueId('toolu'),
    sessionId: uniqueId('session'),
    runId: uniqueId('run'),
    name: 'delete_file',
    inputDigest: 'digest',
    nonce: 'nonce',
    expiresAt: Date.now() + 60_000,
    ...overrides,
  };
}

const approve = (extra: Partial<ApprovalDecision> = {}): ApprovalDecision => ({
  approved: true,
  reason: 'approved',
  decidedAt: Date.now(),
  ...extra,
});
const deny = (extra: Partial<ApprovalDecision> = {}): ApprovalDecision => ({
  approved: false,
  reason: 'denied',
  decidedAt: Date.now(),
  ...extra,
});

/** Whatever `promise` rejects with, or `undefined`. */
async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return undefined;
}

/**
 * The {@link ApprovalStore} contract as a vitest suite: every store (memory,
 * Redis, yours) runs it unchanged. It waits on promises only, never on
 * wall-clock time.
 *
 * @example
 * ```ts
 * import { describeApprovalStoreContract } from '@claude-gateway/dispatch/contract-tests';
 * describeApprovalStoreContract('memory', { create: () => createMemoryApprovalStore() });
 * ```
 */
export function describeApprovalStoreContract(
  name: string,
  setup: ApprovalStoreContractSetup,
): void {
  describe(`${name} (ApprovalStore contract)`, () => {
    let store: ApprovalStore;
    let peer: ApprovalStore;
    let created: ApprovalStore[] = [];

    beforeEach(async () => {
      store = await setup.create();
      peer = setup.peer ? await setup.peer(store) : store;
      created = peer === store ? [store] : [store, peer];
    });
    afterEach(async () => {
      for (const each of created) await setup.dispose?.(each);
    });

    it('stores a record, gives back copies, and refuses a second one with the same id', async () => {
      const record = makeRecord();
      await store.create(record);
      const entry = await peer.get(record.toolUseId);
      expect(entry).toEqual({ record });
      entry!.record.nonce = 'changed';
      expect((await store.get(record.toolUseId))?.record.nonce).toBe('nonce');
      const duplicate: unknown = await failureOf(peer.create({ ...record, nonce: 'other nonce' }));
      expect(GatewayError.isInstance(duplicate) && duplicate.code).toBe('invalid_options');
      expect((await store.get(record.toolUseId))?.record.nonce).toBe('nonce');
      expect(await store.get(uniqueId('missing'))).toBeUndefined();
    });

    it('answers not_found for a decision on an unknown id', async () => {
      expect(await store.decide(uniqueId('missing'), approve())).toEqual({ status: 'not_found' });
    });

    it('lets exactly one of racing decisions on both handles win', async () => {
      const record = makeRecord();
      await store.create(record);
      const decisions = Array.from({ length: 8 }, (_, i) =>
        i % 2 ? approve({ approver: `person-${i}` }) : deny({ approver: `person-${i}` }),
      );
      const results = await Promise.all(
        decisions.map((decision, i) => (i % 2 ? peer : store).decide(record.toolUseId, decision)),
      );
      const winners = results.flatMap((result, i) => (result.status === 'ok' ? [i] : []));
      expect(winners).toHaveLength(1);
      const winner = decisions[winners[0]!]!;
      for (const result of results) {
        if (result.status !== 'ok') {
          expect(result).toEqual({ status: 'already_decided', decision: winner });
        }
      }
      expect(await peer.get(record.toolUseId)).toEqual({ record, decision: winner });
    });

    it('wakes a waiter on the other handle when a decision is stored', async () => {
      const record = makeRecord();
      await store.create(record);
      const waiting = store.waitForDecision(record.toolUseId, new AbortController().signal);
      const decision = approve({ approver: 'ann' });
      expect(await peer.decide(record.toolUseId, decision)).toEqual({ status: 'ok' });
      expect(await waiting).toEqual(decision);
    });

    it('answers a wait at once when decided, and undefined when there is no record', async () => {
      const record = makeRecord();
      await store.create(record);
      const decision = deny();
      await store.decide(record.toolUseId, decision);
      const signal = new AbortController().signal;
      expect(await peer.waitForDecision(record.toolUseId, signal)).toEqual(decision);
      expect(await peer.waitForDecision(uniqueId('missing'), signal)).toBeUndefined();
    });

    it('rejects a wait with the abort reason, also when already aborted', async () => {
      const record = makeRecord();
      await store.create(record);
      const controller = new AbortController();
      const waiting = store.waitForDecision(record.toolUseId, controller.signal);
      controller.abort(new Error('stop waiting'));
      await expect(waiting).rejects.toThrow('stop waiting');
      await expect(store.waitForDecision(record.toolUseId, controller.signal)).rejects.toThrow(
        'stop waiting',
      );
      // The record is untouched and can still be decided.
      expect(await peer.decide(record.toolUseId, approve())).toEqual({ status: 'ok' });
    });

    it('adds the tool type to the session set in the same step as an approval', async () => {
      const record = makeRecord();
      await store.create(record);
      const seen: boolean[] = [];
      const waiting = store
        .waitForDecision(record.toolUseId, new AbortController().signal)
        .then(async () => seen.push(await store.isToolTypeAllowed(record.sessionId, record.name)));
      await peer.decide(record.toolUseId, approve({ allowToolType: true }));
      await waiting;
      expect(seen).toEqual([true]);
      expect(await peer.isToolTypeAllowed(record.sessionId, record.name)).toBe(true);
      expect(await store.isToolTypeAllowed(uniqueId('session'), record.name)).toBe(false);
      expect(await store.isToolTypeAllowed(record.sessionId, 'other_tool')).toBe(false);
    });

    it('never adds the tool type for a denial, whatever it carries', async () => {
      const record = makeRecord();
      await store.create(record);
      await store.decide(record.toolUseId, deny({ allowToolType: true }));
      expect(await peer.isToolTypeAllowed(record.sessionId, record.name)).toBe(false);
    });

    it('holds the approved tool types per session, shared by every handle', async () => {
      const sessionId = uniqueId('session');
      expect(await store.isToolTypeAllowed(sessionId, 'read_file')).toBe(false);
      await store.allowToolType(sessionId, 'read_file');
      expect(await peer.isToolTypeAllowed(sessionId, 'read_file')).toBe(true);
      expect(await peer.isToolTypeAllowed(sessionId, 'write_file')).toBe(false);
      expect(await peer.isToolTypeAllowed(uniqueId('session'), 'read_file')).toBe(false);
    });
  });
}
