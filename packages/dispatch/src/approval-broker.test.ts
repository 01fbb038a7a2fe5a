import { GatewayError } from '@claude-gateway/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApprovalBroker } from './approval-broker.js';
import { callDigest } from './approval-crypto.js';
import type { ApprovalStore } from './approval-store.js';
import { createMemoryApprovalStore } from './memory-approval-store.js';
import { recordingLogger } from './test-helpers.js';

const call = (toolUseId = 'toolu_1', sessionId = 's1') => ({
  toolUseId,
  sessionId,
  runId: 'r1',
  name: 'delete_file',
  input: { path: '/tmp/x' },
});

const never = () => new AbortController().signal;

afterEach(() => {
  vi.useRealTimers();
});

describe('createApprovalBroker: request', () => {
  it('records the call with a 32-byte base64url nonce, the input digest and an expiry', async () => {
    vi.useFakeTimers({ now: 5_000 });
    const store = createMemoryApprovalStore();
    const broker = createApprovalBroker({ store, timeoutMs: 1_000, logger: recordingLogger() });
    const record = await broker.request(call());
    expect(record.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(record.nonce, 'base64url')).toHaveLength(32);
    expect(record).toMatchObject({
      toolUseId: 'toolu_1',
      sessionId: 's1',
      runId: 'r1',
      name: 'delete_file',
      inputDigest: callDigest('delete_file', { path: '/tmp/x' }),
      expiresAt: 6_000,
    });
    expect((await store.get('toolu_1'))?.record).toEqual(record);
    const other = await broker.request(call('toolu_2'));
    expect(other.nonce).not.toBe(record.nonce);
  });

  it('refuses a non-positive or infinite timeout', () => {
    expect(() => createApprovalBroker({ timeoutMs: 0 })).toThrow(GatewayError);
    expect(() => createApprovalBroker({ timeoutMs: Infinity })).toThrow(GatewayError);
  });
});

describe('createApprovalBroker: decide', () => {
  it('answers ok and the waiting call gets the decision', async () => {
    const broker = createApprovalBroker({ timeoutMs: 60_000 });
    const record = await broker.request(call());
    const waiting = broker.wait(record, never());
    const answer = await broker.decide({
      anySession: true,
      toolUseId: 'toolu_1',
      nonce: record.nonce,
      approved: true,
      approver: 'ann',
    });
    expect(answer).toBe('ok');
    await expect(waiting).resolves.toMatchObject({
      approved: true,
      reason: 'approved',
      approver: 'ann',
    });
  });

  it('records a denial as reason denied; only approved === true approves', async () => {
    const broker = createApprovalBroker();
    const record = await broker.request(call());
    const answer = await broker.decide({
      anySession: true,
      toolUseId: 'toolu_1',
      nonce: record.nonce,
      approved: 'yes' as unknown as boolean,
    });
    expect(answer).toBe('ok');
    await expect(broker.wait(record, never())).resolves.toMatchObject({
      approved: false,
      reason: 'denied',
    });
  });

  it('answers not_found for an unknown call', async () => {
    const broker = createApprovalBroker();
    expect(
      await broker.decide({ anySession: true, toolUseId: 'nope', nonce: 'x', approved: true }),
    ).toBe('not_found');
  });

  it('answers not_found when the call belongs to another session, without deciding it', async () => {
    const broker = createApprovalBroker();
    const record = await broker.request(call('toolu_1', 's1'));
    const decide = (sessionId: string) =>
      broker.decide({ toolUseId: 'toolu_1', nonce: record.nonce, approved: true, sessionId });
    expect(await decide('s2')).toBe('not_found');
    expect((await broker.store.get('toolu_1'))?.decision).toBeUndefined();
    expect(await decide('s1')).toBe('ok');
  });

  it('answers not_found when the decision names another run, without deciding it', async () => {
    const broker = createApprovalBroker();
    const record = await broker.request(call('toolu_1', 's1'));
    const decide = (runId?: string) =>
      broker.decide({
        toolUseId: 'toolu_1',
        nonce: record.nonce,
        approved: true,
        sessionId: 's1',
        ...(runId !== undefined && { runId }),
      });
    expect(await decide('r2')).toBe('not_found');
    const anywhere = { toolUseId: 'toolu_1', nonce: record.nonce, approved: true };
    expect(await broker.decide({ ...anywhere, anySession: true, runId: 'r2' })).toBe('not_found');
    expect((await broker.store.get('toolu_1'))?.decision).toBeUndefined();
    expect(await decide('r1')).toBe('ok');
  });

  it('refuses a decision that names no session unless it says anySession (fails closed)', async () => {
    const broker = createApprovalBroker();
    const record = await broker.request(call('toolu_1', 's1'));
    const bare = { toolUseId: 'toolu_1', nonce: record.nonce, approved: true };
    await expect(broker.decide(bare as never)).rejects.toMatchObject({ code: 'invalid_options' });
    await expect(
      broker.decide({ ...bare, sessionId: 's1', anySession: true } as never),
    ).rejects.toMatchObject({ code: 'invalid_options' });
    expect((await broker.store.get('toolu_1'))?.decision).toBeUndefined();
    expect(await broker.decide({ ...bare, anySession: true })).toBe('ok');
  });

  it('answers nonce_mismatch for a forged nonce and leaves the call pending', async () => {
    const broker = createApprovalBroker();
    const record = await broker.request(call());
    const forged = [
      'A'.repeat(43),
      record.nonce.slice(0, -1),
      `${record.nonce}x`,
      '',
      undefined as unknown as string,
    ];
    for (const nonce of forged) {
      expect(
        await broker.decide({ anySession: true, toolUseId: 'toolu_1', nonce, approved: true }),
      ).toBe('nonce_mismatch');
    }
    expect((await broker.store.get('toolu_1'))?.decision).toBeUndefined();
    expect(
      await broker.decide({
        anySession: true,
        toolUseId: 'toolu_1',
        nonce: record.nonce,
        approved: true,
      }),
    ).toBe('ok');
  });

  it('refuses a nonce replayed against another call (nonce_mismatch)', async () => {
    const broker = createApprovalBroker();
    const first = await broker.request(call('toolu_1'));
    const second = await broker.request({ ...call('toolu_2'), input: { path: '/etc' } });
    expect(
      await broker.decide({
        anySession: true,
        toolUseId: 'toolu_1',
        nonce: first.nonce,
        approved: true,
      }),
    ).toBe('ok');
    expect(
      await broker.decide({
        anySession: true,
        toolUseId: 'toolu_2',
        nonce: first.nonce,
        approved: true,
      }),
    ).toBe('nonce_mismatch');
    expect((await broker.store.get(second.toolUseId))?.decision).toBeUndefined();
  });

  it('answers already_decided to the second decision; the first stands', async () => {
    const broker = createApprovalBroker();
    const record = await broker.request(call());
    const base = { toolUseId: 'toolu_1', nonce: record.nonce, anySession: true as const };
    expect(await broker.decide({ ...base, approved: false })).toBe('ok');
    expect(await broker.decide({ ...base, approved: true })).toBe('already_decided');
    await expect(broker.wait(record, never())).resolves.toMatchObject({ reason: 'denied' });
  });

  it('lets exactly one of two racing decisions win', async () => {
    const broker = createApprovalBroker();
    for (let i = 0; i < 20; i += 1) {
      const record = await broker.request(call(`toolu_${i}`));
      const waiting = broker.wait(record, never());
      const answers = await Promise.all([
        broker.decide({
          anySession: true,
          toolUseId: record.toolUseId,
          nonce: record.nonce,
          approved: true,
        }),
        broker.decide({
          anySession: true,
          toolUseId: record.toolUseId,
          nonce: record.nonce,
          approved: false,
        }),
      ]);
      expect(answers.filter((a) => a === 'ok')).toHaveLength(1);
      expect(answers.filter((a) => a === 'already_decided')).toHaveLength(1);
      const decision = await waiting;
      expect(decision.approved).toBe(answers[0] === 'ok');
    }
  });

  it('answers expired after the wait timed out; the wait ended with an expired denial', async () => {
    vi.useFakeTimers();
    const broker = createApprovalBroker({ timeoutMs: 1_000 });
    const record = await broker.request(call());
    const waiting = broker.wait(record, never());
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(waiting).resolves.toMatchObject({ approved: false, reason: 'expired' });
    expect(
      await broker.decide({
        anySession: true,
        toolUseId: 'toolu_1',
        nonce: record.nonce,
        approved: true,
      }),
    ).toBe('expired');
  });

  it('answers expired past expiresAt even when no one is waiting, and never approves late', async () => {
    vi.useFakeTimers();
    const broker = createApprovalBroker({ timeoutMs: 1_000 });
    const record = await broker.request(call());
    vi.setSystemTime(Date.now() + 1_000);
    expect(
      await broker.decide({
        anySession: true,
        toolUseId: 'toolu_1',
        nonce: record.nonce,
        approved: true,
      }),
    ).toBe('expired');
    // A waiter arriving now sees the expiry, not an approval.
    await expect(broker.wait(record, never())).resolves.toMatchObject({ reason: 'expired' });
  });

  it('a forged nonce on an expired call is still nonce_mismatch (no state leak)', async () => {
    vi.useFakeTimers();
    const broker = createApprovalBroker({ timeoutMs: 1_000 });
    await broker.request(call());
    vi.setSystemTime(Date.now() + 5_000);
    expect(
      await broker.decide({
        anySession: true,
        toolUseId: 'toolu_1',
        nonce: 'forged',
        approved: true,
      }),
    ).toBe('nonce_mismatch');
  });
});

describe('createApprovalBroker: wait', () => {
  it('ends at once with a cancelled denial when the signal aborts, and decide then says already_decided', async () => {
    const store = createMemoryApprovalStore();
    const broker = createApprovalBroker({ store, timeoutMs: 60_000 });
    const record = await broker.request(call());
    const controller = new AbortController();
    const waiting = broker.wait(record, controller.signal);
    expect(store.waiting).toBe(1);
    controller.abort();
    await expect(waiting).resolves.toMatchObject({ approved: false, reason: 'cancelled' });
    expect(store.waiting).toBe(0);
    expect(
      await broker.decide({
        anySession: true,
        toolUseId: 'toolu_1',
        nonce: record.nonce,
        approved: true,
      }),
    ).toBe('already_decided');
  });

  it('with an already aborted signal records cancelled without waiting', async () => {
    const broker = createApprovalBroker();
    const record = await broker.request(call());
    await expect(broker.wait(record, AbortSignal.abort())).resolves.toMatchObject({
      reason: 'cancelled',
    });
  });

  it('denies (expired) when the record has vanished from the store', async () => {
    const store: ApprovalStore = {
      ...createMemoryApprovalStore(),
      waitForDecision: () => Promise.resolve(undefined),
    };
    const broker = createApprovalBroker({ store });
    const record = await broker.request(call());
    await expect(broker.wait(record, never())).resolves.toMatchObject({
      approved: false,
      reason: 'expired',
    });
  });

  it('rejects when the store fails while waiting', async () => {
    const store: ApprovalStore = {
      ...createMemoryApprovalStore(),
      waitForDecision: () => Promise.reject(new Error('redis down')),
    };
    const broker = createApprovalBroker({ store });
    const record = await broker.request(call());
    await expect(broker.wait(record, never())).rejects.toThrow('redis down');
  });

  it('still ends a cancelled wait when the store cannot record it, and says so', async () => {
    const memory = createMemoryApprovalStore();
    const store: ApprovalStore = {
      ...memory,
      decide: () => Promise.reject(new Error('redis down')),
    };
    const logger = recordingLogger();
    const broker = createApprovalBroker({ store, logger });
    const record = await broker.request(call());
    await expect(broker.wait(record, AbortSignal.abort())).resolves.toMatchObject({
      approved: false,
      reason: 'cancelled',
    });
    expect(logger.warnings).toHaveLength(1);
  });
});
