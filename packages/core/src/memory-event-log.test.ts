import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { GatewayError } from './errors.js';
import type { GatewayEvent } from './events.js';
import type { LogEntry } from './event-log-types.js';
import { createEventLog, type MemoryEventLog } from './memory-event-log.js';

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

async function collect(iterable: AsyncIterable<LogEntry>): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const entry of iterable) out.push(entry);
  return out;
}

/** Lets pending promise callbacks (and the readers they wake) run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await flush();
  expect(check()).toBe(true);
}

describe('createEventLog', () => {
  it('numbers entries from 1 in append order, with timestamps', async () => {
    let clock = 1000;
    const log = createEventLog({ id: 'run-1', now: () => clock++ });
    const a = await log.append(text('a'));
    const b = await log.append(text('b'));
    expect(log.id).toBe('run-1');
    expect([a.seq, b.seq]).toEqual([1, 2]);
    expect([a.timestamp, b.timestamp]).toEqual([1000, 1001]);
    expect(log.lastSeq()).toBe(2);
    await log.append(complete);
    const entries = await collect(log.read());
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(entries.map((e) => e.event.type)).toEqual([
      'text_delta',
      'text_delta',
      'stream_complete',
    ]);
  });

  it('reads strictly after afterSeq', async () => {
    const log = createEventLog();
    for (let i = 0; i < 5; i++) await log.append(text(String(i)));
    await log.close();
    const entries = await collect(log.read({ afterSeq: 3 }));
    expect(entries.map((e) => e.seq)).toEqual([4, 5, 6]);
    expect(entries.at(-1)?.event).toMatchObject({ type: 'error', code: 'internal' });
    expect(await collect(log.read({ afterSeq: 6 }))).toEqual([]);
    expect(await collect(log.read({ afterSeq: 60 }))).toEqual([]);
  });

  it('rejects a bad afterSeq with a GatewayError', () => {
    const log = createEventLog();
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(() => log.read({ afterSeq: bad })).toThrow(GatewayError);
    }
  });

  it('gives 100 concurrent readers every entry exactly once, in order', async () => {
    const log = createEventLog();
    const readers = Array.from({ length: 100 }, () => collect(log.read()));
    for (let i = 0; i < 50; i++) {
      await log.append(text(String(i)));
      if (i % 7 === 0) await flush();
    }
    await log.append(complete);
    const results = await Promise.all(readers);
    for (const entries of results) {
      expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
    }
    expect(log.waitingReaders).toBe(0);
  });

  it('serves readers that start before, during and after the run', async () => {
    const log = createEventLog();
    const before = collect(log.read());
    await log.append(text('one'));
    await log.append(text('two'));
    await flush();
    const during = collect(log.read());
    const resumed = collect(log.read({ afterSeq: 1 }));
    await log.append(text('three'));
    await log.append(complete);
    const after = await collect(log.read());
    const expected = [1, 2, 3, 4];
    expect((await before).map((e) => e.seq)).toEqual(expected);
    expect((await during).map((e) => e.seq)).toEqual(expected);
    expect((await resumed).map((e) => e.seq)).toEqual([2, 3, 4]);
    expect(after.map((e) => e.seq)).toEqual(expected);
  });

  it('ends the reader after the terminal entry', async () => {
    const log = createEventLog();
    const reader = collect(log.read());
    await log.append(text('x'));
    await log.append({ type: 'error', code: 'cancelled', message: 'stop' });
    expect((await reader).map((e) => e.event.type)).toEqual(['text_delta', 'error']);
    expect(log.closed).toBe(true);
  });

  it('ends a waiting reader at once on abort and leaves no listener behind', async () => {
    const log = createEventLog();
    await log.append(text('a'));
    const controller = new AbortController();
    const seen: number[] = [];
    const reader = (async () => {
      for await (const entry of log.read({ signal: controller.signal })) seen.push(entry.seq);
    })();
    await waitUntil(() => log.waitingReaders === 1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);

    controller.abort();
    await reader;
    expect(seen).toEqual([1]);
    expect(log.waitingReaders).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    // The log itself goes on for other readers.
    await log.append(complete);
    expect((await collect(log.read())).length).toBe(2);
  });

  it('ends at once for an already-aborted signal', async () => {
    const log = createEventLog();
    await log.append(text('a'));
    const entries = await collect(log.read({ signal: AbortSignal.abort() }));
    expect(entries).toEqual([]);
    expect(log.waitingReaders).toBe(0);
  });

  it('releases a reader on break in for await', async () => {
    const log = createEventLog();
    const controller = new AbortController();
    const reader = (async () => {
      const seen: number[] = [];
      for await (const entry of log.read({ signal: controller.signal })) {
        seen.push(entry.seq);
        if (entry.seq === 2) break;
      }
      return seen;
    })();
    await log.append(text('a'));
    await waitUntil(() => log.waitingReaders === 1);
    await log.append(text('b'));
    expect(await reader).toEqual([1, 2]);
    await log.append(text('c'));
    expect(log.waitingReaders).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('replays everything after close', async () => {
    const log = createEventLog();
    await log.append({ type: 'run_start', run_id: 'r', session_id: 's', model: 'm' });
    await log.append(text('hello'));
    await log.append(complete);
    const first = await collect(log.read());
    const second = await collect(log.read());
    expect(second).toEqual(first);
    expect(first).toHaveLength(3);
  });

  it('refuses appends after close with log_closed', async () => {
    const log = createEventLog();
    await log.append(complete);
    const error: unknown = await log.append(text('late')).catch((e: unknown) => e);
    expect(GatewayError.isInstance(error)).toBe(true);
    expect((error as GatewayError).code).toBe('log_closed');
    expect(log.lastSeq()).toBe(1);
  });

  it('refuses to store the synthetic events_dropped event', async () => {
    const log = createEventLog();
    await expect(
      log.append({ type: 'events_dropped', first_available_seq: 1, dropped: 0 }),
    ).rejects.toMatchObject({ code: 'invalid_options' });
  });

  it('writes an error entry on close() when no terminal was written; twice is harmless', async () => {
    const log = createEventLog();
    await log.append(text('a'));
    const reader = collect(log.read());
    await log.close();
    await log.close();
    await log.close({ code: 'cancelled', message: 'ignored after close' });
    const entries = await reader;
    expect(entries.map((e) => e.event)).toEqual([
      { type: 'text_delta', text: 'a' },
      { type: 'error', code: 'internal', message: 'run ended without a terminal event' },
    ]);
    expect(log.lastSeq()).toBe(2);
  });

  it('close(error) writes that error; an unknown code becomes internal', async () => {
    const cancelled = createEventLog();
    await cancelled.close({ code: 'cancelled', message: 'user cancelled' });
    expect((await collect(cancelled.read()))[0]?.event).toEqual({
      type: 'error',
      code: 'cancelled',
      message: 'user cancelled',
    });
    const odd = createEventLog();
    await odd.close({ code: 'not_a_code', message: 'boom' });
    expect((await collect(odd.read()))[0]?.event).toMatchObject({
      code: 'internal',
      message: 'boom',
    });
  });

  it('does not write a second terminal on close() after stream_complete', async () => {
    const log = createEventLog();
    await log.append(complete);
    await log.close();
    expect(log.lastSeq()).toBe(1);
  });

  describe('retention', () => {
    it('drops the oldest entries and tells a late reader once', async () => {
      const log = createEventLog({ maxEntries: 3 });
      for (let i = 1; i <= 6; i++) await log.append(text(String(i)));
      expect(log.firstSeq).toBe(4);
      await log.append(complete); // seq 7; holds 5..7
      const entries = await collect(log.read());
      expect(entries[0]).toMatchObject({
        seq: 4,
        event: { type: 'events_dropped', first_available_seq: 5, dropped: 4 },
      });
      expect(entries.slice(1).map((e) => e.seq)).toEqual([5, 6, 7]);
      // Resuming after the marker's seq lands on the first entry still held.
      const resumed = await collect(log.read({ afterSeq: entries[0]!.seq }));
      expect(resumed.map((e) => e.seq)).toEqual([5, 6, 7]);
      // A reader whose position is still held sees no marker.
      expect((await collect(log.read({ afterSeq: 5 }))).map((e) => e.seq)).toEqual([6, 7]);
    });

    it('marks entries dropped while a slow reader was busy', async () => {
      const log = createEventLog({ maxEntries: 2 });
      await log.append(text('1'));
      const seen: LogEntry[] = [];
      for await (const entry of log.read()) {
        seen.push(entry);
        if (entry.seq === 1) {
          // While this reader holds entry 1, the writer races ahead.
          for (let i = 2; i <= 5; i++) await log.append(text(String(i)));
          await log.append(complete); // seq 6; holds 5..6
        }
      }
      expect(seen.map((e) => [e.seq, e.event.type])).toEqual([
        [1, 'text_delta'],
        [4, 'events_dropped'],
        [5, 'text_delta'],
        [6, 'stream_complete'],
      ]);
      expect(seen[1]!.event).toMatchObject({ first_available_seq: 5, dropped: 3 });
    });

    it('finds a start position in a large log directly', async () => {
      const log: MemoryEventLog = createEventLog({ maxEntries: 1000 });
      for (let i = 1; i <= 5000; i++) await log.append(text(String(i)));
      await log.close();
      const entries = await collect(log.read({ afterSeq: 4500 }));
      expect(entries[0]).toMatchObject({ seq: 4501, event: { text: '4501' } });
      expect(entries).toHaveLength(501);
    });

    it('rejects a maxEntries that is not a positive integer', () => {
      expect(() => createEventLog({ maxEntries: 0 })).toThrow(/maxEntries/);
    });
  });
});
