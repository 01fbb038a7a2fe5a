import { GatewayError } from '@claude-gateway/core';
import { createApprovalBroker } from '@claude-gateway/dispatch';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStores, type RedisStores } from './create-redis-stores.js';
import { APPEND } from './event-scripts.js';
import { createKeys, type Keys } from './keys.js';
import { OwnerLeases } from './owner-leases.js';
import { quietLogger } from './test-instance.js';
import { skipWithoutRedis, startRedisServer, type TestRedisServer } from './test-redis-server.js';

const skip = skipWithoutRedis();

describe('createRedisStores options', () => {
  it('refuses bad options with invalid_options', () => {
    const bad = [
      {},
      { redis: 'redis://127.0.0.1:1', leaseMs: 0 },
      { redis: 'redis://127.0.0.1:1', maxEntries: 1.5 },
      { redis: 'redis://127.0.0.1:1', retryBudgetMs: -1 },
    ];
    for (const options of bad) {
      let error: unknown;
      try {
        createRedisStores(options as Parameters<typeof createRedisStores>[0]);
      } catch (e) {
        error = e;
      }
      expect(GatewayError.isInstance(error) && error.code).toBe('invalid_options');
    }
  });
});

describe.skipIf(skip)('Redis stores on a real redis-server', () => {
  let server: TestRedisServer;
  let admin: Redis;
  let count = 0;
  const open: RedisStores[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url);
  });
  afterAll(async () => {
    await admin?.quit();
    await server?.stop();
  });
  afterEach(async () => {
    for (const stores of open.splice(0)) await stores.close();
  });

  const stores = (options: Partial<Parameters<typeof createRedisStores>[0]> = {}) => {
    const prefix = `extra${++count}:`;
    const made = createRedisStores({
      redis: server.url,
      prefix,
      logger: quietLogger(),
      ...options,
    });
    open.push(made);
    return { made, keys: createKeys(prefix) };
  };

  const readerConnections = async (): Promise<number> => {
    const list = (await admin.client('LIST')) as string;
    return list.split('\n').filter((line) => line.includes('name=claude-gateway:reader')).length;
  };

  it('serves many waiting readers over one blocking connection', async () => {
    const before = await readerConnections();
    const { made } = stores();
    const logs = await Promise.all(
      Array.from({ length: 10 }, (_, i) => made.events.create(`run-${count}-${i}`)),
    );
    const readers = logs.map(async (log) => {
      const seen: number[] = [];
      for await (const entry of log.read()) seen.push(entry.seq);
      return seen;
    });
    for (const log of logs) await log.append({ type: 'text_delta', text: 'hi' });
    for (const log of logs) await log.close();
    for (const seen of await Promise.all(readers)) expect(seen).toEqual([1, 2]);
    expect((await readerConnections()) - before).toBe(1);
  });

  it('expires a closed log after closedTtlMs, an idle open one after idleLogTtlMs', async () => {
    const { made, keys } = stores({ closedTtlMs: 60_000, idleLogTtlMs: 3_600_000 });
    const open = await made.events.create(`open-${count}`);
    await open.append({ type: 'text_delta', text: 'x' });
    const closed = await made.events.create(`closed-${count}`);
    await closed.close();
    for (const key of [keys.logMeta(closed.id), keys.logStream(closed.id)]) {
      const ttl = await admin.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
    for (const key of [keys.logMeta(open.id), keys.logStream(open.id)]) {
      expect(await admin.pttl(key)).toBeGreaterThan(60_000);
    }
  });

  /** Both keys of the log expire, within the 10 s a deleted log keeps. */
  const expectExpiringWithin10s = async (keys: Keys, runId: string): Promise<void> => {
    for (const key of [keys.logMeta(runId), keys.logStream(runId)]) {
      const ttl = await admin.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(10_000);
    }
  };

  it('lets a deleted closed log expire within 10 s, and one deleted while open 10 s after it closes', async () => {
    const { made, keys } = stores({ closedTtlMs: 60_000 });
    const closed = await made.events.create(`closed-${count}`);
    await closed.append({ type: 'text_delta', text: 'x' });
    await closed.close();
    await made.events.delete(closed.id);
    await expectExpiringWithin10s(keys, closed.id);

    const open = await made.events.create(`open-${count}`);
    await open.append({ type: 'text_delta', text: 'x' });
    await made.events.delete(open.id);
    expect(await admin.pttl(keys.logStream(open.id))).toBeGreaterThan(60_000);
    await open.close();
    await expectExpiringWithin10s(keys, open.id);
  });

  it('ends a deleted open log whose owner died with the same short TTL', async () => {
    const { made, keys } = stores({ closedTtlMs: 60_000 });
    const log = await made.events.create(`orphan-${count}`);
    await log.append({ type: 'text_delta', text: 'x' });
    await made.events.delete(log.id);
    // As if its owner had taken a lease and died: no lease key, listed in `leases`.
    await admin.zadd(keys.leases, 0, log.id);
    const leases = new OwnerLeases({
      keys,
      command: admin,
      ownerId: 'checker',
      leaseMs: 1_000,
      maxEntries: 1_000,
      closedTtlMs: 60_000,
      now: Date.now,
      logger: quietLogger(),
      onLost: () => undefined,
    });
    expect(await leases.check([log.id])).toBe(1);
    expect(await admin.hget(keys.logMeta(log.id), 'closed')).toBe('1');
    await expectExpiringWithin10s(keys, log.id);
  });

  it('ends a waiting reader whose open log vanished, instead of leaving it waiting for ever', async () => {
    const { made, keys } = stores({ leaseMs: 1_000 });
    const log = await made.events.create(`vanish-${count}`);
    await log.append({ type: 'text_delta', text: 'x' });
    const seen: number[] = [];
    const reader = (async () => {
      for await (const entry of log.read()) seen.push(entry.seq);
    })();
    // Parked: this store set's reader connection is blocked in XREAD on the log.
    const parked = async (): Promise<boolean> => {
      const list = (await admin.client('LIST')) as string;
      return list
        .split('\n')
        .some((line) => line.includes('name=claude-gateway:reader') && line.includes('cmd=xread'));
    };
    while (!(await parked())) await new Promise((resolve) => setTimeout(resolve, 10));
    // Gone as an expired key goes, with no entry landing.
    await admin.del(keys.logMeta(log.id), keys.logStream(log.id));
    await reader;
    expect(seen).toEqual([1]);
  });

  it('trims a stream with MAXLEN ~ to about maxEntries', async () => {
    const { made, keys } = stores({ maxEntries: 10 });
    const log = await made.events.create(`run-${count}`);
    for (let i = 0; i < 400; i++) await log.append({ type: 'text_delta', text: String(i) });
    const length = await admin.xlen(keys.logStream(log.id));
    expect(length).toBeGreaterThanOrEqual(10);
    expect(length).toBeLessThan(200);
    expect(await log.lastSeq()).toBe(400);
  });

  it('stores a retried append once: the retry finds its first try by token', async () => {
    const { made, keys } = stores();
    const log = await made.events.create(`run-${count}`);
    const args = (retry: number) => [
      JSON.stringify({ type: 'text_delta', text: 'once' }),
      1234,
      0,
      1000,
      60_000,
      60_000,
      'writer:1',
      retry,
    ];
    const keyList = [keys.logMeta(log.id), keys.logStream(log.id)];
    expect(await APPEND.run(admin, keyList, args(0))).toEqual(['ok', 1]);
    expect(await APPEND.run(admin, keyList, args(1))).toEqual(['dup', '1', '1234']);
    expect(await log.lastSeq()).toBe(1);
  });

  it('turns a decision that comes after expiry into the expired denial, atomically', async () => {
    const { made } = stores();
    const broker = createApprovalBroker({ store: made.approvals, logger: quietLogger() });
    const record = {
      toolUseId: `toolu_${count}`,
      sessionId: 'session',
      runId: 'run',
      name: 'delete_file',
      inputDigest: 'digest',
      nonce: 'nonce',
      expiresAt: Date.now() - 1,
    };
    await made.approvals.create(record);
    const answer = await made.approvals.decide(record.toolUseId, {
      approved: true,
      reason: 'approved',
      decidedAt: Date.now(),
    });
    expect(answer).toMatchObject({
      status: 'already_decided',
      decision: { approved: false, reason: 'expired' },
    });
    expect(
      await broker.decide({
        anySession: true,
        toolUseId: record.toolUseId,
        nonce: 'nonce',
        approved: true,
      }),
    ).toBe('expired');
    // The broker's own expiry (reason "expired") is stored as given.
    const second = { ...record, toolUseId: `toolu_${count}_b` };
    await made.approvals.create(second);
    expect(
      await made.approvals.decide(second.toolUseId, {
        approved: false,
        reason: 'expired',
        decidedAt: 1,
      }),
    ).toEqual({ status: 'ok' });
  });

  it('keeps an approval record until expiresAt + approvalRetainMs', async () => {
    const { made, keys } = stores({ approvalRetainMs: 60_000 });
    const expiresAt = Date.now() + 30_000;
    await made.approvals.create({
      toolUseId: `toolu_${count}`,
      sessionId: 's',
      runId: 'r',
      name: 'n',
      inputDigest: 'd',
      nonce: 'x',
      expiresAt,
    });
    const ttl = await admin.pttl(keys.approval(`toolu_${count}`));
    expect(ttl).toBeGreaterThan(60_000);
    expect(ttl).toBeLessThanOrEqual(90_000);
  });

  it('never ends a log that no run lease covers', async () => {
    const { made } = stores({ leaseMs: 100 });
    const prefix = `extra${count}:`;
    const standalone = await made.events.create(`standalone-${count}`);
    await standalone.append({ type: 'text_delta', text: 'x' });
    // A run whose owner died, on the same store set: once its log ends with
    // owner_lost, the checks have run, and the standalone log is untouched.
    const dead = stores({ leaseMs: 100, prefix }).made;
    await dead.sessions.createSession({ sessionId: `s-${count}`, createdAt: 1, lastActiveAt: 1 });
    const owned = await dead.events.create(`owned-${count}`);
    await dead.sessions.beginRun({
      runId: owned.id,
      sessionId: `s-${count}`,
      message: 'm',
      state: 'running',
      startedAt: 1,
    });
    await dead.close();
    const reader = (async () => {
      for await (const entry of standalone.read({ afterSeq: 1 })) return entry;
      return undefined;
    })();
    const other = (await made.events.open(owned.id))!;
    const ends = [];
    for await (const entry of other.read()) ends.push(entry.event);
    expect(ends).toEqual([{ type: 'error', code: 'owner_lost', message: expect.any(String) }]);
    expect(standalone.closed).toBe(false);
    await standalone.close({ code: 'cancelled', message: 'bye' });
    expect((await reader)?.event).toMatchObject({ code: 'cancelled' });
  });
});
