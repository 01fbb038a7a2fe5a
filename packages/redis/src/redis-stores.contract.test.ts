import {
  describeEventStoreContract,
  describeSessionStoreContract,
} from '@claude-gateway/core/contract-tests';
import { describeApprovalStoreContract } from '@claude-gateway/dispatch/contract-tests';
import { afterAll, beforeAll, describe } from 'vitest';
import { createRedisStores, type RedisStores } from './create-redis-stores.js';
import { skipWithoutRedis, startRedisServer, type TestRedisServer } from './test-redis-server.js';

const skip = skipWithoutRedis();

describe.skipIf(skip)('Redis stores against the port contracts', () => {
  let server: TestRedisServer;
  let count = 0;
  // Every store a suite creates, so dispose can close the set it belongs to.
  const owners = new Map<object, RedisStores>();

  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    for (const stores of owners.values()) await stores.close();
    await server?.stop();
  });

  const open = (prefix: string, maxEntries?: number): RedisStores =>
    createRedisStores({
      redis: server.url,
      prefix,
      leaseMs: 5_000,
      ...(maxEntries !== undefined ? { maxEntries } : {}),
    });
  const prefixes = new Map<object, string>();
  const create = <T extends object>(pick: (stores: RedisStores) => T, maxEntries?: number): T => {
    const prefix = `contract${++count}:`;
    const stores = open(prefix, maxEntries);
    const store = pick(stores);
    owners.set(store, stores);
    prefixes.set(store, prefix);
    return store;
  };
  const peer = <T extends object>(store: T, pick: (stores: RedisStores) => T): T => {
    const stores = open(prefixes.get(store)!);
    const other = pick(stores);
    owners.set(other, stores);
    return other;
  };
  const dispose = async (store: object): Promise<void> => {
    const stores = owners.get(store);
    owners.delete(store);
    await stores?.close();
  };

  describeEventStoreContract('redis event store', {
    create: ({ maxEntries }) => create((s) => s.events, maxEntries),
    peer: (store) => peer(store, (s) => s.events),
    dispose,
  });
  describeSessionStoreContract('redis session store', {
    create: () => create((s) => s.sessions),
    peer: (store) => peer(store, (s) => s.sessions),
    dispose,
  });
  describeApprovalStoreContract('redis approval store', {
    create: () => create((s) => s.approvals),
    peer: (store) => peer(store, (s) => s.approvals),
    dispose,
  });
});
