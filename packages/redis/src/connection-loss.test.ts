import { GatewayError, type EventLog, type LogEntry } from '@claude-gateway/core';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStores, type RedisStores } from './create-redis-stores.js';
import { quietLogger } from './test-instance.js';
import { skipWithoutRedis, startRedisServer, type TestRedisServer } from './test-redis-server.js';

const skip = skipWithoutRedis();

/** Collects a reader's entries, telling `onEntry` about each as it comes. */
function follow(log: EventLog, onEntry: (entry: LogEntry) => void = () => undefined) {
  return (async () => {
    const out: LogEntry[] = [];
    for await (const entry of log.read()) {
      out.push(entry);
      onEntry(entry);
    }
    return out;
  })();
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe.skipIf(skip)('connection loss', () => {
  // AOF with fsync always: a kill and restart keeps every acknowledged write.
  let server: TestRedisServer;
  let count = 0;
  const open: RedisStores[] = [];
  let admin: Redis;

  beforeAll(async () => {
    server = await startRedisServer({ appendonly: true });
    admin = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    admin.on('error', () => undefined);
  });
  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });
  afterEach(async () => {
    for (const stores of open.splice(0)) await stores.close();
  });

  const instances = (options: { retryBudgetMs?: number } = {}): [RedisStores, RedisStores] => {
    const prefix = `loss${++count}:`;
    const make = () =>
      createRedisStores({ redis: server.url, prefix, logger: quietLogger(), ...options });
    const pair: [RedisStores, RedisStores] = [make(), make()];
    open.push(...pair);
    return pair;
  };

  it('readers on both instances continue after CLIENT KILL with no gap and no duplicate', async () => {
    const [a, b] = instances();
    const log = await a.events.create(`run-${count}`);
    let sawFive!: () => void;
    const five = new Promise<void>((resolve) => (sawFive = resolve));
    const onB = follow((await b.events.open(log.id))!, (entry) => {
      if (entry.seq === 5) sawFive();
    });
    const onA = follow(log);
    for (let i = 1; i <= 5; i++) await log.append({ type: 'text_delta', text: String(i) });
    await five;
    // Every client connection but the admin's is cut: commands, blocking reads, pub/sub.
    if (admin.status !== 'ready') await admin.connect();
    expect(
      await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes'),
    ).toBeGreaterThanOrEqual(6);
    for (let i = 6; i <= 20; i++) await log.append({ type: 'text_delta', text: String(i) });
    await log.close({ code: 'cancelled', message: 'done' });
    for (const entries of [await onA, await onB]) {
      expect(entries.map((e) => e.seq)).toEqual(range(1, 21));
      expect(entries.slice(0, 20).map((e) => e.event)).toEqual(
        range(1, 20).map((i) => ({ type: 'text_delta', text: String(i) })),
      );
    }
  });

  it('survives a redis-server restart mid-run: appends wait and land once, readers resume', async () => {
    const [a, b] = instances();
    const log = await a.events.create(`run-${count}`);
    let sawThree!: () => void;
    const three = new Promise<void>((resolve) => (sawThree = resolve));
    const reader = follow((await b.events.open(log.id))!, (entry) => {
      if (entry.seq === 3) sawThree();
    });
    for (let i = 1; i <= 3; i++) await log.append({ type: 'text_delta', text: String(i) });
    await three;

    await server.kill();
    // Appends made while Redis is down are retried until it is back.
    const during = [4, 5, 6].map((i) => log.append({ type: 'text_delta', text: String(i) }));
    await server.start();
    expect((await Promise.all(during)).map((e) => e.seq)).toEqual([4, 5, 6]);
    await log.append({
      type: 'stream_complete',
      stop_reason: 'end_turn',
      usage: {
        input_tokens: 1,
        output_tokens: 1,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
      cost_usd: null,
      turns: 1,
    });
    const entries = await reader;
    expect(entries.map((e) => e.seq)).toEqual(range(1, 7));
    expect(entries.slice(0, 6).map((e) => e.event)).toEqual(
      range(1, 6).map((i) => ({ type: 'text_delta', text: String(i) })),
    );
    expect(await (await a.events.open(log.id))!.lastSeq()).toBe(7);
  });

  it('fails an append with a clear GatewayError when Redis stays away past the budget', async () => {
    const [a] = instances({ retryBudgetMs: 300 });
    const log = await a.events.create(`run-${count}`);
    await log.append({ type: 'text_delta', text: 'before' });
    await server.kill();
    try {
      const error: unknown = await log
        .append({ type: 'text_delta', text: 'lost' })
        .catch((e: unknown) => e);
      expect(GatewayError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ code: 'internal' });
      expect((error as Error).message).toMatch(/Redis unreachable/);
    } finally {
      await server.start();
    }
    // Nothing unacknowledged was stored, and the log goes on.
    const next = await log.append({ type: 'text_delta', text: 'after' });
    expect(next.seq).toBe(2);
  });
});
