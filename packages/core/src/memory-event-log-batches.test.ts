import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { GatewayError } from './errors.js';
import type { GatewayEvent } from './events.js';
import type { LogEntry } from './event-log-types.js';
import { createEventLog } from './memory-event-log.js';

const text = (t: string): GatewayEvent => ({ type: 'text_delta', text: t });
const complete: GatewayEvent = {
  type: 'stream_complete',
  stop_reason: 'end_turn',
  usage: {
    input_tokens: 1,
    output_tokens: 2,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  },
  cost_usd: null,
  turns: 1,
};

async function collectBatches(iterable: AsyncIterable<readonly LogEntry[]>): Promise<number[][]> {
  const out: number[][] = [];
  for await (const batch of iterable) out.push(batch.map((entry) => entry.seq));
  return out;
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('readBatches', () => {
  it('yields what is held in batches of at most maxBatch, then ends after the terminal entry', async () => {
    const log = createEventLog();
    for (let i = 1; i <= 7; i++) await log.append(text(`${i}`));
    await log.append(complete);
    expect(await collectBatches(log.readBatches({ afterSeq: 1, maxBatch: 3 }))).toEqual([
      [2, 3, 4],
      [5, 6, 7],
      [8],
    ]);
  });

  it('hands out the same entries, in the same order, as read()', async () => {
    const log = createEventLog();
    for (let i = 1; i <= 20; i++) await log.append(text(`${i}`));
    await log.close();
    const entries: LogEntry[] = [];
    for await (const entry of log.read()) entries.push(entry);
    const batched: LogEntry[] = [];
    for await (const batch of log.readBatches({ maxBatch: 6 })) batched.push(...batch);
    expect(batched).toEqual(entries);
    // The very objects: a cache keyed by entry works across both.
    expect(batched[3]).toBe(entries[3]);
  });

  it('wakes a waiting reader once for a burst of appends', async () => {
    const log = createEventLog();
    const batches: number[][] = [];
    const done = (async () => {
      for await (const batch of log.readBatches()) batches.push(batch.map((e) => e.seq));
    })();
    await flush();
    expect(log.waitingReaders).toBe(1);
    // A burst: appends with promise hops between them, no macrotask.
    for (let i = 1; i <= 50; i++) await log.append(text(`${i}`));
    await flush();
    expect(batches).toEqual([Array.from({ length: 50 }, (_, i) => i + 1)]);
    await log.append(complete);
    await done;
    expect(batches.at(-1)).toEqual([51]);
  });

  it('gives the events_dropped marker a batch of its own, then continues', async () => {
    const log = createEventLog({ maxEntries: 4 });
    for (let i = 1; i <= 10; i++) await log.append(text(`${i}`));
    await log.close();
    const batches: LogEntry[][] = [];
    for await (const batch of log.readBatches({ afterSeq: 2 })) batches.push([...batch]);
    expect(batches[0]).toHaveLength(1);
    expect(batches[0]![0]).toMatchObject({
      seq: 7,
      event: { type: 'events_dropped', first_available_seq: 8, dropped: 5 },
    });
    expect(batches.slice(1).map((b) => b.map((e) => e.seq))).toEqual([[8, 9, 10, 11]]);
  });

  it('ends quietly when the signal aborts while waiting', async () => {
    const log = createEventLog();
    const controller = new AbortController();
    const done = collectBatches(log.readBatches({ signal: controller.signal }));
    await flush();
    expect(log.waitingReaders).toBe(1);
    controller.abort();
    expect(await done).toEqual([]);
    expect(log.waitingReaders).toBe(0);
  });

  it('refuses a bad afterSeq or maxBatch', () => {
    const log = createEventLog();
    for (const options of [{ afterSeq: -1 }, { maxBatch: 0 }, { maxBatch: 1.5 }]) {
      let caught: unknown;
      try {
        log.readBatches(options);
      } catch (error) {
        caught = error;
      }
      expect(GatewayError.isInstance(caught) && caught.code).toBe('invalid_options');
    }
  });
});

describe('readers sharing one signal', () => {
  it('put one abort listener on it, however many wait', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const log = createEventLog();
      const shared = new AbortController();
      const readers = [
        ...Array.from({ length: 8 }, async () => {
          let n = 0;
          for await (const _ of log.read({ signal: shared.signal })) n++;
          return n;
        }),
        ...Array.from({ length: 8 }, async () => {
          let n = 0;
          for await (const batch of log.readBatches({ signal: shared.signal })) n += batch.length;
          return n;
        }),
      ];
      await flush();
      expect(log.waitingReaders).toBe(16);
      expect(getEventListeners(shared.signal, 'abort')).toHaveLength(1);
      await log.append(text('a'));
      await flush();
      await flush();
      // Woken readers wait again: still one listener.
      expect(log.waitingReaders).toBe(16);
      expect(getEventListeners(shared.signal, 'abort')).toHaveLength(1);
      shared.abort();
      expect(await Promise.all(readers)).toEqual(Array.from({ length: 16 }, () => 1));
      expect(log.waitingReaders).toBe(0);
      await flush();
      expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('take the listener away with the last reader that ends', async () => {
    const log = createEventLog();
    const shared = new AbortController();
    const readers = Array.from({ length: 3 }, () =>
      collectBatches(log.readBatches({ signal: shared.signal })),
    );
    await flush();
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(1);
    await log.append(complete);
    await Promise.all(readers);
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
  });
});
