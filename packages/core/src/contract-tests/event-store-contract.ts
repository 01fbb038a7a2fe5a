import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.js';
import { emptyUsage, type GatewayEvent } from '../events.js';
import type { EventLog, EventStore, LogEntry, ReadOptions } from '../event-log-types.js';

/** What the suite asks of a store it creates. */
export interface EventStoreContractOptions {
  /**
   * Entries held per log before the oldest are dropped. The suite uses 1000
   * (never reached) and, for retention, appends 200 entries to a store made
   * with 10 and expects some to be gone (approximate trimming, as Redis
   * `MAXLEN ~` does, is fine).
   */
  maxEntries: number;
}

/** How the contract suite gets a fresh store (and, optionally, a second handle on it). */
export interface EventStoreContractSetup {
  /** A new, empty store. */
  create(options: EventStoreContractOptions): EventStore | Promise<EventStore>;
  /**
   * A second handle on the same data, as another instance would hold it:
   * logs created on one are opened, read and closed on the other.
   * @default the same store
   */
  peer?(store: EventStore): EventStore | Promise<EventStore>;
  /** Releases what `create` / `peer` opened. */
  dispose?(store: EventStore): void | Promise<void>;
  /**
   * `false` for a store without the optional `delete()`: the suite then
   * checks that it has none, instead of how it deletes.
   * @default true
   */
  deletes?: boolean;
}

let counter = 0;
const uniqueId = (): string => `run-${Date.now()}-${++counter}`;

const text = (t: string): GatewayEvent => ({ type: 'text_delta', text: t });
const complete: GatewayEvent = {
  type: 'stream_complete',
  stop_reason: 'end_turn',
  usage: emptyUsage(),
  cost_usd: null,
  turns: 1,
};

async function collect(log: EventLog, options?: ReadOptions): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const entry of log.read(options)) out.push(entry);
  return out;
}

/** Whatever `fn` throws or rejects with (a store may check `read` options early or lazily). */
async function failureOf(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

const seqs = (entries: LogEntry[]): number[] => entries.map((e) => e.seq);
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * The {@link EventStore} / {@link EventLog} contract as a vitest suite: every
 * store (memory, Redis, yours) runs it unchanged. It waits on entries and
 * promises only, never on wall-clock time.
 *
 * @example
 * ```ts
 * import { describeEventStoreContract } from '@claude-gateway/core/contract-tests';
 * describeEventStoreContract('memory', { create: ({ maxEntries }) => createMemoryEventStore({ maxEntries }) });
 * ```
 */
export function describeEventStoreContract(name: string, setup: EventStoreContractSetup): void {
  describe(`${name} (EventStore contract)`, () => {
    let store: EventStore;
    let peer: EventStore;
    let created: EventStore[] = [];

    beforeEach(async () => {
      store = await setup.create({ maxEntries: 1000 });
      peer = setup.peer ? await setup.peer(store) : store;
      created = peer === store ? [store] : [store, peer];
    });
    afterEach(async () => {
      for (const each of created) await setup.dispose?.(each);
    });

    const reopen = async (id: string): Promise<EventLog> => {
      const log = await peer.open(id);
      expect(log).toBeDefined();
      return log!;
    };

    it('creates logs by run id and re-opens them, with their meta', async () => {
      const id = uniqueId();
      const log = await store.create(id, { sessionId: 'sess-1' });
      expect(log.id).toBe(id);
      expect(log.meta).toMatchObject({ sessionId: 'sess-1' });
      expect(log.closed).toBe(false);
      const again = await reopen(id);
      expect(again.id).toBe(id);
      expect(again.meta).toMatchObject({ sessionId: 'sess-1' });
      expect(await peer.open(uniqueId())).toBeUndefined();
    });

    it('refuses a run id that is taken, or empty', async () => {
      const id = uniqueId();
      await store.create(id);
      const taken: unknown = await failureOf(() => peer.create(id));
      expect(GatewayError.isInstance(taken) && taken.code).toBe('invalid_options');
      const empty: unknown = await failureOf(() => store.create(''));
      expect(GatewayError.isInstance(empty) && empty.code).toBe('invalid_options');
    });

    it('numbers entries from 1 in append order, with timestamps', async () => {
      const log = await store.create(uniqueId());
      expect(await log.lastSeq()).toBe(0);
      const a = await log.append(text('a'));
      const b = await log.append(text('b'));
      expect([a.seq, b.seq]).toEqual([1, 2]);
      expect(typeof a.timestamp).toBe('number');
      expect(b.timestamp).toBeGreaterThanOrEqual(a.timestamp);
      expect(await log.lastSeq()).toBe(2);
      expect(await (await reopen(log.id)).lastSeq()).toBe(2);
      await log.append(complete);
      const entries = await collect(log);
      expect(seqs(entries)).toEqual([1, 2, 3]);
      expect(entries.map((e) => e.event)).toEqual([text('a'), text('b'), complete]);
      expect(entries[0]).toEqual(a);
    });

    it('keeps seq gap-free and strictly increasing under concurrent appends', async () => {
      const log = await store.create(uniqueId());
      const appended = await Promise.all(range(1, 40).map((i) => log.append(text(String(i)))));
      expect(appended.map((e) => e.seq).sort((x, y) => x - y)).toEqual(range(1, 40));
      await log.close();
      const entries = await collect(await reopen(log.id));
      expect(seqs(entries)).toEqual(range(1, 41));
      // Each event sits at the seq its append answered with.
      for (const entry of appended) expect(entries[entry.seq - 1]!.event).toEqual(entry.event);
    });

    it('reads strictly after afterSeq, and ends at once past the end of a closed log', async () => {
      const log = await store.create(uniqueId());
      for (let i = 0; i < 5; i++) await log.append(text(String(i)));
      await log.close();
      const entries = await collect(log, { afterSeq: 3 });
      expect(seqs(entries)).toEqual([4, 5, 6]);
      expect(entries.at(-1)?.event).toMatchObject({ type: 'error', code: 'internal' });
      expect(await collect(log, { afterSeq: 6 })).toEqual([]);
      expect(await collect(await reopen(log.id), { afterSeq: 60 })).toEqual([]);
    });

    it('refuses a bad afterSeq with invalid_options', async () => {
      const log = await store.create(uniqueId());
      for (const bad of [-1, 1.5, Number.NaN]) {
        const error: unknown = await failureOf(() => collect(log, { afterSeq: bad }));
        expect(GatewayError.isInstance(error) && error.code).toBe('invalid_options');
      }
    });

    it('gives concurrent readers on both handles every entry exactly once, in order', async () => {
      const log = await store.create(uniqueId());
      const there = await reopen(log.id);
      const readers = range(1, 20).map((i) => collect(i % 2 ? log : there));
      for (let i = 0; i < 30; i++) await log.append(text(String(i)));
      await log.append(complete);
      for (const entries of await Promise.all(readers)) expect(seqs(entries)).toEqual(range(1, 31));
    });

    it('serves readers that start before, during and after the run, on either handle', async () => {
      const log = await store.create(uniqueId());
      const before = collect(await reopen(log.id));
      await log.append(text('one'));
      await log.append(text('two'));
      const during = collect(log);
      const resumed = collect(await reopen(log.id), { afterSeq: 1 });
      await log.append(text('three'));
      await log.append(complete);
      const after = await collect(await reopen(log.id));
      expect(seqs(await before)).toEqual([1, 2, 3, 4]);
      expect(seqs(await during)).toEqual([1, 2, 3, 4]);
      expect(seqs(await resumed)).toEqual([2, 3, 4]);
      expect(seqs(after)).toEqual([1, 2, 3, 4]);
      expect((await reopen(log.id)).closed).toBe(true);
    });

    it('ends every reader after the terminal entry', async () => {
      const log = await store.create(uniqueId());
      const reader = collect(await reopen(log.id));
      await log.append(text('x'));
      await log.append({ type: 'error', code: 'cancelled', message: 'stop' });
      expect((await reader).map((e) => e.event.type)).toEqual(['text_delta', 'error']);
      expect(log.closed).toBe(true);
    });

    it('ends a waiting reader when its signal aborts, and the log goes on', async () => {
      const log = await store.create(uniqueId());
      await log.append(text('a'));
      const controller = new AbortController();
      let sawFirst!: () => void;
      const first = new Promise<void>((resolve) => (sawFirst = resolve));
      const seen: number[] = [];
      const reader = (async () => {
        for await (const entry of (await reopen(log.id)).read({ signal: controller.signal })) {
          seen.push(entry.seq);
          sawFirst();
        }
      })();
      await first;
      controller.abort();
      await reader;
      expect(seen).toEqual([1]);
      await log.append(complete);
      expect(seqs(await collect(log))).toEqual([1, 2]);
    });

    it('yields nothing for an already-aborted signal', async () => {
      const log = await store.create(uniqueId());
      await log.append(text('a'));
      expect(await collect(log, { signal: AbortSignal.abort() })).toEqual([]);
    });

    it('lets a reader break out of for await', async () => {
      const log = await store.create(uniqueId());
      const reader = (async () => {
        const seen: number[] = [];
        for await (const entry of (await reopen(log.id)).read()) {
          seen.push(entry.seq);
          if (entry.seq === 2) break;
        }
        return seen;
      })();
      await log.append(text('a'));
      await log.append(text('b'));
      expect(await reader).toEqual([1, 2]);
      await log.append(text('c'));
      await log.append(complete);
      expect(seqs(await collect(log))).toEqual([1, 2, 3, 4]);
    });

    it('replays everything after close, the same each time', async () => {
      const log = await store.create(uniqueId());
      await log.append({ type: 'run_start', run_id: log.id, session_id: 's', model: 'm' });
      await log.append(text('hello'));
      await log.append(complete);
      const first = await collect(log);
      expect(await collect(await reopen(log.id))).toEqual(first);
      expect(first).toHaveLength(3);
    });

    it('refuses appends after close with log_closed, on any handle', async () => {
      const log = await store.create(uniqueId());
      const there = await reopen(log.id);
      await log.append(complete);
      for (const handle of [log, there, await reopen(log.id)]) {
        const error: unknown = await failureOf(() => handle.append(text('late')));
        expect(GatewayError.isInstance(error) && error.code).toBe('log_closed');
      }
      expect(await log.lastSeq()).toBe(1);
    });

    it('refuses to store the synthetic events_dropped event', async () => {
      const log = await store.create(uniqueId());
      const error: unknown = await failureOf(() =>
        log.append({ type: 'events_dropped', first_available_seq: 1, dropped: 0 }),
      );
      expect(GatewayError.isInstance(error) && error.code).toBe('invalid_options');
      expect(await log.lastSeq()).toBe(0);
    });

    it('writes an error entry on close() when no terminal was written; twice is harmless', async () => {
      const log = await store.create(uniqueId());
      await log.append(text('a'));
      const reader = collect(await reopen(log.id));
      await log.close();
      await log.close();
      await log.close({ code: 'cancelled', message: 'ignored after close' });
      expect((await reader).map((e) => e.event)).toEqual([
        text('a'),
        { type: 'error', code: 'internal', message: 'run ended without a terminal event' },
      ]);
      expect(await log.lastSeq()).toBe(2);
      expect(log.closed).toBe(true);
    });

    it('close(error) writes that error; an unknown code becomes internal', async () => {
      const cancelled = await store.create(uniqueId());
      await cancelled.close({ code: 'cancelled', message: 'user cancelled' });
      expect((await collect(cancelled))[0]?.event).toEqual({
        type: 'error',
        code: 'cancelled',
        message: 'user cancelled',
      });
      const odd = await store.create(uniqueId());
      await odd.close({ code: 'not_a_code', message: 'boom' });
      expect((await collect(odd))[0]?.event).toMatchObject({ code: 'internal', message: 'boom' });
    });

    it('does not write a second terminal on close() after stream_complete', async () => {
      const log = await store.create(uniqueId());
      await log.append(complete);
      await log.close();
      await (await reopen(log.id)).close();
      expect(await log.lastSeq()).toBe(1);
    });

    it('lets another handle close the log: readers end, the writer is refused', async () => {
      const log = await store.create(uniqueId());
      await log.append(text('a'));
      const reader = collect(log);
      await (await reopen(log.id)).close({ code: 'owner_lost', message: 'the owner died' });
      expect((await reader).map((e) => e.event)).toEqual([
        text('a'),
        { type: 'error', code: 'owner_lost', message: 'the owner died' },
      ]);
      const error: unknown = await failureOf(() => log.append(text('late')));
      expect(GatewayError.isInstance(error) && error.code).toBe('log_closed');
      // Closing again from the writer's handle is harmless and writes nothing.
      await log.close();
      expect(await log.lastSeq()).toBe(2);
    });

    describe('delete()', () => {
      if (setup.deletes === false) {
        it('is absent, as the setup says', () => {
          expect('delete' in store && store.delete !== undefined).toBe(false);
        });
        return;
      }

      it('forgets a closed log on every handle; an unknown id is no error', async () => {
        const log = await store.create(uniqueId());
        await log.append(text('a'));
        await log.close();
        await reopen(log.id);
        await store.delete!(log.id);
        expect(await store.open(log.id)).toBeUndefined();
        expect(await peer.open(log.id)).toBeUndefined();
        await peer.delete!(uniqueId());
        await peer.delete!(log.id);
      });

      it('lets a follower on another handle read the end of a log closed and deleted at once', async () => {
        const log = await store.create(uniqueId());
        await log.append(text('a'));
        const reader = collect(await reopen(log.id));
        await log.close();
        await store.delete!(log.id);
        expect((await reader).map((e) => e.event)).toEqual([
          text('a'),
          { type: 'error', code: 'internal', message: 'run ended without a terminal event' },
        ]);
      });

      it('leaves an open log to its writer and readers until its end, and nobody opens it again', async () => {
        const log = await store.create(uniqueId());
        await log.append(text('a'));
        const held = await reopen(log.id);
        const reader = collect(held);
        await peer.delete!(log.id);
        expect(await store.open(log.id)).toBeUndefined();
        expect(await peer.open(log.id)).toBeUndefined();
        await log.append(text('b'));
        await log.close();
        expect((await reader).map((e) => e.event)).toEqual([
          text('a'),
          text('b'),
          { type: 'error', code: 'internal', message: 'run ended without a terminal event' },
        ]);
        expect(await store.open(log.id)).toBeUndefined();
      });
    });

    describe('retention', () => {
      let small: EventStore;
      let smallPeer: EventStore;
      beforeEach(async () => {
        small = await setup.create({ maxEntries: 10 });
        smallPeer = setup.peer ? await setup.peer(small) : small;
        created.push(...(smallPeer === small ? [small] : [small, smallPeer]));
      });
      const reopenSmall = async (id: string): Promise<EventLog> => {
        const log = await smallPeer.open(id);
        expect(log).toBeDefined();
        return log!;
      };

      const checkMarker = (entries: LogEntry[], position: number, last: number): number => {
        const marker = entries[0]!;
        expect(marker.event.type).toBe('events_dropped');
        const first = (marker.event as { first_available_seq: number }).first_available_seq;
        expect(first).toBeGreaterThan(position + 1);
        expect(marker.seq).toBe(first - 1);
        expect(marker.event).toEqual({
          type: 'events_dropped',
          first_available_seq: first,
          dropped: first - 1 - position,
        });
        expect(seqs(entries.slice(1))).toEqual(range(first, last));
        return first;
      };

      it('drops the oldest entries and tells a late reader once, then continues', async () => {
        const log = await small.create(uniqueId());
        for (let i = 1; i <= 200; i++) await log.append(text(String(i)));
        await log.append(complete); // seq 201
        const entries = await collect(await reopenSmall(log.id));
        const first = checkMarker(entries, 0, 201);
        expect(entries.at(-1)?.event).toEqual(complete);
        // Resuming after the marker's seq lands on the first entry still held.
        const resumed = await collect(log, { afterSeq: first - 1 });
        expect(seqs(resumed)).toEqual(range(first, 201));
        // A reader whose position is still held sees no marker.
        expect(seqs(await collect(log, { afterSeq: 199 }))).toEqual([200, 201]);
      });

      it('marks entries dropped while a slow reader was busy', async () => {
        const log = await small.create(uniqueId());
        await log.append(text('1'));
        const seen: LogEntry[] = [];
        for await (const entry of (await reopenSmall(log.id)).read()) {
          seen.push(entry);
          if (entry.seq === 1) {
            // While this reader holds entry 1, the writer races ahead.
            for (let i = 2; i <= 200; i++) await log.append(text(String(i)));
            await log.append(complete); // seq 201
          }
        }
        expect(seen[0]?.seq).toBe(1);
        checkMarker(seen.slice(1), 1, 201);
      });
    });
  });
}
