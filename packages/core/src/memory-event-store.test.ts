import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GatewayError } from './errors.js';
import {
  createMemoryEventStore,
  DEFAULT_CLOSED_TTL_MS,
  DEFAULT_MAX_CLOSED_LOGS,
  DEFAULT_OPEN_IDLE_TTL_MS,
  IDLE_CLOSE_MESSAGE,
} from './memory-event-store.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('createMemoryEventStore', () => {
  it('creates logs by run id and re-opens them', async () => {
    const store = createMemoryEventStore();
    const log = await store.create('run-1', { sessionId: 'sess-1' });
    expect(log.id).toBe('run-1');
    expect(log.meta).toEqual({ sessionId: 'sess-1' });
    expect(await store.open('run-1')).toBe(log);
    expect(await store.open('nope')).toBeUndefined();
    expect(store.size).toBe(1);
    store.dispose();
  });

  it('refuses a run id that is taken, or empty', async () => {
    const store = createMemoryEventStore();
    await store.create('run-1');
    const error: unknown = await store.create('run-1').catch((e: unknown) => e);
    expect(GatewayError.isInstance(error) && error.code).toBe('invalid_options');
    await expect(store.create('')).rejects.toMatchObject({ code: 'invalid_options' });
    store.dispose();
  });

  it('passes maxEntries to its logs', async () => {
    const store = createMemoryEventStore({ maxEntries: 2 });
    const log = await store.create('r');
    for (let i = 0; i < 5; i++) await log.append({ type: 'text_delta', text: String(i) });
    expect(log.firstSeq).toBe(4);
    store.dispose();
  });

  it('evicts closed logs after closedTtlMs, and no open one before openIdleTtlMs', async () => {
    let clock = 0;
    const store = createMemoryEventStore({ closedTtlMs: 1000, now: () => clock });
    const closed = await store.create('closed');
    const open = await store.create('open');
    await open.append({ type: 'text_delta', text: 'still running' });
    await closed.close({ code: 'cancelled', message: 'bye' });

    clock = 999;
    expect(await store.open('closed')).toBe(closed);
    clock = 1000;
    expect(await store.open('closed')).toBeUndefined();
    clock = 1_000_000;
    expect(await store.open('open')).toBe(open);
    expect(store.size).toBe(1);
    // A reader holding the evicted log can still replay it.
    const events = [];
    for await (const entry of closed.read()) events.push(entry.event.type);
    expect(events).toEqual(['error']);
    store.dispose();
  });

  it('evicts on its own timer without any further calls', async () => {
    vi.useFakeTimers();
    const store = createMemoryEventStore({ closedTtlMs: 5000 });
    const log = await store.create('r');
    await log.close();
    expect(store.size).toBe(1);
    await vi.advanceTimersByTimeAsync(4999);
    expect(store.size).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(store.size).toBe(0);
    store.dispose();
  });

  it('evicts in close order with one timer', async () => {
    vi.useFakeTimers();
    const store = createMemoryEventStore({ closedTtlMs: 100 });
    const ids = ['a', 'b', 'c'];
    for (const id of ids) {
      const log = await store.create(id);
      await log.close();
      await vi.advanceTimersByTimeAsync(40);
    }
    // a closed at 0, b at 40, c at 80; now 120.
    expect(vi.getTimerCount()).toBe(1);
    expect(await store.open('a')).toBeUndefined();
    expect(await store.open('b')).toBeDefined();
    await vi.advanceTimersByTimeAsync(20);
    expect(await store.open('b')).toBeUndefined();
    expect(await store.open('c')).toBeDefined();
    store.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('closes an open log nobody appends to after openIdleTtlMs, then evicts it', async () => {
    let clock = 0;
    const store = createMemoryEventStore({
      closedTtlMs: 500,
      openIdleTtlMs: 1000,
      now: () => clock,
    });
    // A run that never started, so nothing will ever end its log.
    const orphan = await store.create('orphan');
    const busy = await store.create('busy');
    const tail = (async () => {
      const types: string[] = [];
      for await (const entry of orphan.read()) types.push(entry.event.type);
      return types;
    })();
    clock = 600;
    await busy.append({ type: 'text_delta', text: 'a' });
    store.sweep(); // busy moved: its idle time starts over
    clock = 999;
    store.sweep();
    expect(orphan.closed).toBe(false);
    clock = 1000;
    store.sweep();
    expect(orphan.closed).toBe(true);
    expect(busy.closed).toBe(false);
    // The reader that was waiting saw an end.
    expect(await tail).toEqual(['error']);
    for await (const entry of orphan.read()) {
      expect(entry.event).toEqual({ type: 'error', code: 'internal', message: IDLE_CLOSE_MESSAGE });
    }
    clock = 1599;
    store.sweep();
    expect(busy.closed).toBe(false);
    clock = 1600;
    store.sweep();
    expect(busy.closed).toBe(true);
    clock = 2000;
    store.sweep();
    expect(await store.open('orphan')).toBeUndefined();
    expect(await store.open('busy')).toBe(busy);
    store.dispose();
  });

  it('checks open logs on its own timer, which stops once none is open', async () => {
    vi.useFakeTimers();
    const store = createMemoryEventStore({ closedTtlMs: 100_000, openIdleTtlMs: 1000 });
    const log = await store.create('r');
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(log.closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(log.closed).toBe(true);
    // Only the eviction timer is left.
    expect(vi.getTimerCount()).toBe(1);
    const ended = await store.create('ended');
    await ended.close({ code: 'cancelled', message: 'bye' });
    const forever = createMemoryEventStore({ openIdleTtlMs: Infinity });
    await forever.create('r');
    store.dispose();
    expect(vi.getTimerCount()).toBe(0);
    forever.dispose();
  });

  it('holds on to nothing of a deleted log: a closed one at once, an open one once it closes', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const store = createMemoryEventStore();
    const refs = await (async () => {
      const closed = await store.create('closed');
      await closed.append({ type: 'text_delta', text: 'x'.repeat(1000) });
      await closed.close();
      const open = await store.create('open');
      await open.append({ type: 'text_delta', text: 'y'.repeat(1000) });
      await store.delete('closed');
      await store.delete('open');
      await open.close(); // its writer ends it after the delete
      return [new WeakRef(closed), new WeakRef(open)];
    })();
    // A WeakRef keeps its target until the current job is over.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(refs.map((ref) => ref.deref())).toEqual([undefined, undefined]);
    expect(store.size).toBe(0);
    store.dispose();
  });

  it('holds at most maxClosedLogs closed logs, evicting the oldest first; open logs never count', async () => {
    const store = createMemoryEventStore({ maxClosedLogs: 2, closedTtlMs: 3_600_000 });
    const open = await store.create('open');
    const ids = ['a', 'b', 'c', 'd'];
    for (const id of ids) await (await store.create(id)).close();
    expect(await store.open('a')).toBeUndefined();
    expect(await store.open('b')).toBeUndefined();
    expect((await store.open('c'))?.closed).toBe(true);
    expect((await store.open('d'))?.closed).toBe(true);
    expect(await store.open('open')).toBe(open);
    // A deleted closed log frees its place: the next one to close evicts nobody.
    await store.delete('c');
    await (await store.create('e')).close();
    expect((await store.open('d'))?.closed).toBe(true);
    expect((await store.open('e'))?.closed).toBe(true);
    await (await store.create('f')).close();
    expect(await store.open('d')).toBeUndefined();
    expect(store.size).toBe(3); // open, e, f
    store.dispose();
  });

  it('holds on to no log the cap evicted', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const store = createMemoryEventStore({ maxClosedLogs: 2, closedTtlMs: 3_600_000 });
    const refs: WeakRef<object>[] = [];
    for (let i = 0; i < 50; i++) {
      const log = await store.create(`run-${i}`);
      await log.append({ type: 'text_delta', text: 'x'.repeat(1000) });
      await log.close();
      refs.push(new WeakRef(log));
    }
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(refs.filter((ref) => ref.deref() !== undefined)).toHaveLength(2);
    store.dispose();
  });

  it('keeps evicting in close order after many deleted logs were compacted away', async () => {
    let clock = 0;
    const store = createMemoryEventStore({ closedTtlMs: 1_000, now: () => clock });
    await (await store.create('first')).close();
    for (let i = 0; i < 1_100; i++) {
      await (await store.create(`gone-${i}`)).close();
      await store.delete(`gone-${i}`);
    }
    clock = 500;
    await (await store.create('second')).close();
    clock = 1_000;
    store.sweep();
    expect(await store.open('first')).toBeUndefined();
    expect((await store.open('second'))?.closed).toBe(true);
    clock = 1_500;
    store.sweep();
    expect(await store.open('second')).toBeUndefined();
    expect(store.size).toBe(0);
    store.dispose();
  });

  it('documents its defaults', () => {
    expect(DEFAULT_CLOSED_TTL_MS).toBe(600_000);
    expect(DEFAULT_OPEN_IDLE_TTL_MS).toBe(3_600_000);
    expect(DEFAULT_MAX_CLOSED_LOGS).toBe(10_000);
    expect(() => createMemoryEventStore({ closedTtlMs: -1 })).toThrow(GatewayError);
    expect(() => createMemoryEventStore({ openIdleTtlMs: 0 })).toThrow(GatewayError);
    for (const maxClosedLogs of [0, 1.5, Number.NaN]) {
      expect(() => createMemoryEventStore({ maxClosedLogs })).toThrow(GatewayError);
    }
    createMemoryEventStore({ maxClosedLogs: Infinity }).dispose();
    // Refused when the store is made, not at its first create().
    for (const maxEntries of [0, -1, 1.5, Number.NaN, Infinity]) {
      expect(() => createMemoryEventStore({ maxEntries })).toThrow(/maxEntries/);
    }
    expect(() => createMemoryEventStore({ closedTtlMs: Infinity })).toThrow(/finite/);
  });
});
