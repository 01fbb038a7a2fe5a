import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  GatewayError,
  createEventLog,
  type EventLog,
  type LogEntry,
  type Logger,
} from '@claude-gateway/core';
import { createSSEStream } from './sse-stream.js';
import { encodeEntry } from './encode-sse.js';
import { COMPLETE, appendMany, delta, parseSSE, readAll, readUntil } from './test-utils.js';

const decoder = new TextDecoder();

async function readChunk(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  const { done, value } = await reader.read();
  return done ? '<done>' : decoder.decode(value);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('createSSEStream', () => {
  it('writes retry first, then every entry, and closes after the terminal entry', async () => {
    const log = createEventLog();
    const one = await log.append(delta(1));
    const two = await log.append(COMPLETE);
    const text = await readAll(createSSEStream(log));
    expect(text).toBe(`retry: 1000\n\n${encodeEntry(one)}${encodeEntry(two)}`);
    expect(text).toBe(
      'retry: 1000\n\n' +
        'id: 1\nevent: text_delta\ndata: {"type":"text_delta","text":"t1"}\n\n' +
        `id: 2\nevent: stream_complete\ndata: ${JSON.stringify(COMPLETE)}\n\n`,
    );
  });

  it('starts strictly after afterSeq and uses the given retryMs', async () => {
    const log = createEventLog();
    await appendMany(log, 5);
    await log.close();
    const messages = parseSSE(await readAll(createSSEStream(log, { afterSeq: 3, retryMs: 20 })));
    expect(messages[0]).toEqual({ retry: '20' });
    expect(messages.slice(1).map((m) => m.id)).toEqual(['4', '5', '6']);
    expect(messages.at(-1)?.event).toBe('error');
  });

  it('follows live appends', async () => {
    const log = createEventLog();
    const reader = createSSEStream(log, { heartbeatMs: 0 }).getReader();
    expect(await readChunk(reader)).toBe('retry: 1000\n\n');
    const pending = readChunk(reader);
    const entry = await log.append(delta(1));
    expect(await pending).toBe(encodeEntry(entry));
    await log.append(COMPLETE);
    expect(parseSSE(await readChunk(reader))[0]?.event).toBe('stream_complete');
    expect(await readChunk(reader)).toBe('<done>');
  });

  it('sends heartbeats while idle without an id, then the entry that was awaited', async () => {
    vi.useFakeTimers();
    const log = createEventLog();
    const reader = createSSEStream(log, { heartbeatMs: 50 }).getReader();
    await readChunk(reader);
    const first = readChunk(reader);
    await vi.advanceTimersByTimeAsync(50);
    expect(await first).toBe('event: heartbeat\ndata: {}\n\n');
    const second = readChunk(reader);
    await vi.advanceTimersByTimeAsync(50);
    expect(await second).toBe('event: heartbeat\ndata: {}\n\n');
    // The read in flight across heartbeats still delivers the next entry, once.
    const third = readChunk(reader);
    await log.append(delta(1));
    expect(parseSSE(await third)).toEqual([
      { id: '1', event: 'text_delta', data: '{"type":"text_delta","text":"t1"}' },
    ]);
    const fourth = readChunk(reader);
    await log.append(delta(2));
    expect(parseSSE(await fourth)[0]?.id).toBe('2');
    await reader.cancel();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('uses the 15 s heartbeat by default', async () => {
    vi.useFakeTimers();
    const log = createEventLog();
    const reader = createSSEStream(log).getReader();
    await readChunk(reader);
    const chunk = readChunk(reader);
    await vi.advanceTimersByTimeAsync(14_999);
    let settled = false;
    void chunk.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await chunk).toBe('event: heartbeat\ndata: {}\n\n');
    await reader.cancel();
  });

  it('cancel() stops the reader, clears its timer and leaves the log writable', async () => {
    vi.useFakeTimers();
    const log = createEventLog();
    const reader = createSSEStream(log, { heartbeatMs: 1000 }).getReader();
    await readChunk(reader);
    const pending = readChunk(reader);
    await vi.advanceTimersByTimeAsync(0);
    expect(log.waitingReaders).toBe(1);
    expect(vi.getTimerCount()).toBe(1);
    await reader.cancel();
    expect(await pending).toBe('<done>');
    await vi.advanceTimersByTimeAsync(0);
    expect(log.waitingReaders).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(log.closed).toBe(false);
    await expect(log.append(delta(1))).resolves.toMatchObject({ seq: 1 });
  });

  it('closes quietly when the signal aborts, even while waiting', async () => {
    const log = createEventLog();
    const controller = new AbortController();
    const reader = createSSEStream(log, { signal: controller.signal, heartbeatMs: 0 }).getReader();
    await readChunk(reader);
    const pending = readChunk(reader);
    await vi.waitFor(() => expect(log.waitingReaders).toBe(1));
    controller.abort();
    expect(await pending).toBe('<done>');
    expect(log.waitingReaders).toBe(0);
  });

  it('reads the log only as fast as the consumer pulls', async () => {
    const log = createEventLog();
    await appendMany(log, 100);
    let yielded = 0;
    const counting: EventLog = {
      id: log.id,
      get closed() {
        return log.closed;
      },
      lastSeq: () => log.lastSeq(),
      append: (event) => log.append(event),
      close: (error) => log.close(error),
      async *read(options) {
        for await (const entry of log.read(options)) {
          yielded++;
          yield entry;
        }
      },
    };
    const reader = createSSEStream(counting, { heartbeatMs: 0 }).getReader();
    await readChunk(reader);
    await readChunk(reader);
    await readChunk(reader);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(yielded).toBe(2);
    await reader.cancel();
  });

  it('passes a synthetic events_dropped entry through with its seq as id', async () => {
    const log = createEventLog({ maxEntries: 5 });
    await appendMany(log, 10);
    await log.close();
    const messages = parseSSE(await readAll(createSSEStream(log, { afterSeq: 2 })));
    expect(messages[1]).toEqual({
      id: '6',
      event: 'events_dropped',
      data: JSON.stringify({ type: 'events_dropped', first_available_seq: 7, dropped: 4 }),
    });
    expect(messages.slice(2).map((m) => m.id)).toEqual(['7', '8', '9', '10', '11']);
  });

  it('errors the stream and logs when the log fails', async () => {
    const errors: string[] = [];
    const logger: Logger = { warn: () => undefined, error: (message) => errors.push(message) };
    const failing: EventLog = {
      id: 'broken',
      closed: false,
      lastSeq: () => 0,
      append: () => Promise.reject(new Error('no')),
      close: () => Promise.resolve(),
      read(): AsyncIterable<LogEntry> {
        return {
          [Symbol.asyncIterator]: () => ({
            next: () => Promise.reject(new Error('store down')),
          }),
        };
      },
    };
    const reader = createSSEStream(failing, { logger }).getReader();
    await readChunk(reader);
    await expect(reader.read()).rejects.toThrow('store down');
    expect(errors).toHaveLength(1);
  });

  it('refuses bad options with invalid_options', () => {
    const log = createEventLog();
    for (const options of [{ afterSeq: -1 }, { heartbeatMs: 1.5 }, { retryMs: -5 }]) {
      let caught: unknown;
      try {
        createSSEStream(log, options);
      } catch (error) {
        caught = error;
      }
      expect(GatewayError.isInstance(caught) && caught.code).toBe('invalid_options');
    }
  });

  it('lets many readers follow one log at their own positions', async () => {
    const log = createEventLog();
    const a = readAll(createSSEStream(log, { heartbeatMs: 0 }));
    const reader = createSSEStream(log, { heartbeatMs: 0, afterSeq: 2 }).getReader();
    await appendMany(log, 3);
    const b = await readUntil(reader, (text) => text.includes('id: 3\n'));
    await reader.cancel();
    await log.append(COMPLETE);
    expect(parseSSE(await a).map((m) => m.id)).toEqual([undefined, '1', '2', '3', '4']);
    expect(parseSSE(b).map((m) => m.id)).toEqual([undefined, '3']);
  });
});
