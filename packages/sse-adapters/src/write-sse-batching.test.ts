import { getEventListeners } from 'node:events';
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEventLog, type LogEntry, type MemoryEventLog } from '@claude-gateway/core';
import { encodeEntry } from './encode-sse.js';
import { writeSSE, type WriteSSEOptions } from './write-sse.js';
import { COMPLETE, appendMany, startServer } from './test-utils.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server whose responses count their `write` calls (the real method is still called). */
async function serve(log: MemoryEventLog, options: WriteSSEOptions = {}) {
  const writes: number[] = [];
  const responses: ServerResponse[] = [];
  const done: Promise<void>[] = [];
  const server = await startServer((req, res) => {
    const index = responses.length;
    writes.push(0);
    responses.push(res);
    const write = res.write.bind(res) as (chunk: unknown) => boolean;
    res.write = ((chunk: unknown) => {
      writes[index]!++;
      return write(chunk);
    }) as typeof res.write;
    done.push(writeSSE(req, res, log, options));
  });
  cleanups.push(() => server.close());
  return { ...server, writes, responses, done };
}

/** Opens an SSE request and resolves with the paused response stream. */
function open(url: string) {
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, (res) => resolve(res));
    req.on('error', reject);
    req.end();
  });
}

function readBody(res: IncomingMessage): Promise<string> {
  res.setEncoding('utf8');
  let body = '';
  res.on('data', (chunk: string) => (body += chunk));
  return new Promise((resolve) => res.on('end', () => resolve(body)));
}

function expected(entries: LogEntry[]): string {
  return `retry: 1000\n\n${entries.map(encodeEntry).join('')}`;
}

async function entriesOf(log: MemoryEventLog): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  for await (const entry of log.read()) entries.push(entry);
  return entries;
}

describe('writeSSE batching', () => {
  it('writes the entries a log already holds as a few chunks, same bytes', async () => {
    const log = createEventLog();
    await appendMany(log, 300);
    await log.append(COMPLETE);
    const server = await serve(log, { heartbeatMs: 0 });
    const body = await readBody(await open(`${server.url}/events`));
    expect(body).toBe(expected(await entriesOf(log)));
    // retry + one chunk (the terminal chunk goes out with `end`): 301 entries of
    // ~60 bytes fit in two 16 KiB chunks.
    expect(server.writes[0]).toBeLessThanOrEqual(3);
  });

  it('coalesces what piled up while the client was paused, respecting backpressure', async () => {
    const extra = 3000;
    const log = createEventLog({ maxEntries: 1_000_000 });
    const server = await serve(log, { heartbeatMs: 0 });
    const res = await open(`${server.url}/events`);
    res.pause();
    await vi.waitFor(() => expect(server.responses).toHaveLength(1));
    const response = server.responses[0]!;
    // Fill until the server is blocked on the paused client.
    let i = 0;
    while (!response.writableNeedDrain) {
      await appendMany(log, 100, { from: i + 1, pad: 200 });
      i += 100;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const writesWhenBlocked = server.writes[0]!;
    await appendMany(log, extra, { from: i + 1, pad: 200 });
    await log.append(COMPLETE);
    // Blocked: nothing more was written while paused.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.writes[0]).toBe(writesWhenBlocked);
    const body = readBody(res);
    res.resume();
    await server.done[0];
    // 3000 entries of ~250 bytes after the block, in 16 KiB chunks: far
    // fewer writes than entries (one per entry before batching).
    const afterBlock = server.writes[0]! - writesWhenBlocked;
    expect(afterBlock).toBeLessThan(extra / 10);
    expect(await body).toBe(expected(await entriesOf(log)));
  });

  it('delivers every entry exactly once to a live reader', async () => {
    const log = createEventLog();
    const server = await serve(log, { heartbeatMs: 0 });
    const res = await open(`${server.url}/events`);
    const body = readBody(res);
    for (let round = 0; round < 20; round++) {
      await appendMany(log, 50, { from: round * 50 + 1, batch: 7 });
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await log.append(COMPLETE);
    expect(await body).toBe(expected(await entriesOf(log)));
  });
});

describe('writeSSE and a shared signal', () => {
  it('keeps one abort listener on a signal shared by many open streams', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    cleanups.push(() => process.off('warning', onWarning));
    const shutdown = new AbortController();
    const log = createEventLog();
    const server = await serve(log, { signal: shutdown.signal, heartbeatMs: 0 });
    const streams = await Promise.all(
      Array.from({ length: 15 }, () => open(`${server.url}/events`)),
    );
    const bodies = streams.map(readBody);
    await vi.waitFor(() => expect(log.waitingReaders).toBe(15));
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(1);
    // Streams that end take their share with them; the last one removes the listener.
    shutdown.abort();
    await Promise.all(bodies);
    await Promise.all(server.done);
    expect(log.waitingReaders).toBe(0);
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  });

  it('drops its listener from a shared signal when a stream finishes normally', async () => {
    const shared = new AbortController();
    const log = createEventLog();
    const server = await serve(log, { signal: shared.signal, heartbeatMs: 0 });
    const bodies = (
      await Promise.all(Array.from({ length: 12 }, () => open(`${server.url}/events`)))
    ).map(readBody);
    await vi.waitFor(() => expect(log.waitingReaders).toBe(12));
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(1);
    await log.append(COMPLETE);
    await Promise.all(bodies);
    await Promise.all(server.done);
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
  });
});
