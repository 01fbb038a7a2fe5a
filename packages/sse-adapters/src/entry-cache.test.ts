import { describe, expect, it } from 'vitest';
import { createEventLog, type EventLog, type LogEntry } from '@claude-gateway/core';
import { encodeEntry } from './encode-sse.js';
import { acquireEntryTexts, entryEncodings, releaseEntryTexts } from './entry-cache.js';
import { createSSEStream } from './sse-stream.js';
import { COMPLETE, appendMany, readAll } from './test-utils.js';

describe('encode once', () => {
  it('encodes each entry once for many readers of one log, with the same bytes', async () => {
    const log = createEventLog();
    const readers = Array.from({ length: 10 }, () =>
      readAll(createSSEStream(log, { heartbeatMs: 0 })),
    );
    const before = entryEncodings();
    await appendMany(log, 200, { batch: 13 });
    await log.append(COMPLETE);
    const texts = await Promise.all(readers);
    expect(entryEncodings() - before).toBe(201);
    const entries: LogEntry[] = [];
    for await (const entry of log.read()) entries.push(entry);
    const bytes = `retry: 1000\n\n${entries.map(encodeEntry).join('')}`;
    for (const text of texts) expect(text).toBe(bytes);
  });

  it('misses for a log that hands each reader new entry objects (and still encodes right)', async () => {
    const inner = createEventLog();
    await appendMany(inner, 5);
    await inner.close();
    const copying: EventLog = {
      id: inner.id,
      closed: true,
      lastSeq: () => inner.lastSeq(),
      append: (event) => inner.append(event),
      close: () => inner.close(),
      async *read(options) {
        for await (const entry of inner.read(options)) yield { ...entry };
      },
    };
    const before = entryEncodings();
    const [a, b] = await Promise.all([
      readAll(createSSEStream(copying)),
      readAll(createSSEStream(copying)),
    ]);
    expect(a).toBe(b);
    expect(entryEncodings() - before).toBe(12);
  });

  it('keeps only the last 1024 entries and is dropped with the last reader', () => {
    const log = {};
    const entry = (seq: number): LogEntry => ({
      seq,
      timestamp: 0,
      event: { type: 'text_delta', text: `${seq}` },
    });
    const cache = acquireEntryTexts(log);
    // With one reader nothing is stored: every text is encoded afresh.
    const lone = entry(7);
    const start = entryEncodings();
    cache.text(lone);
    cache.text(lone);
    expect(entryEncodings() - start).toBe(2);
    expect(acquireEntryTexts(log)).toBe(cache); // a second reader: texts are stored
    const first = entry(1);
    const before = entryEncodings();
    cache.text(first);
    cache.text(first);
    expect(entryEncodings() - before).toBe(1);
    cache.text(entry(1025)); // same slot: replaces entry 1
    cache.text(first);
    expect(entryEncodings() - before).toBe(3);
    releaseEntryTexts(log, cache);
    releaseEntryTexts(log, cache);
    const fresh = acquireEntryTexts(log);
    expect(fresh).not.toBe(cache);
    releaseEntryTexts(log, fresh);
  });
});
