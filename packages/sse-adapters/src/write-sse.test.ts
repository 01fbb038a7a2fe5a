import { connect } from 'node:net';
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventSource } from 'eventsource';
import { createEventLog, type MemoryEventLog } from '@claude-gateway/core';
import { writeSSE, type WriteSSEOptions } from './write-sse.js';
import {
  COMPLETE,
  appendMany,
  delta,
  parseSSE,
  readUntil,
  startServer,
  type TestServer,
} from './test-utils.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Served extends TestServer {
  /** The Last-Event-ID header of each request, in order. */
  lastEventIds: (string | undefined)[];
  /** One promise per request: writeSSE's. */
  done: Promise<void>[];
  responses: ServerResponse[];
}

async function serve(log: MemoryEventLog, options: WriteSSEOptions = {}): Promise<Served> {
  const lastEventIds: (string | undefined)[] = [];
  const done: Promise<void>[] = [];
  const responses: ServerResponse[] = [];
  const server = await startServer((req, res) => {
    lastEventIds.push(req.headers['last-event-id'] as string | undefined);
    responses.push(res);
    done.push(writeSSE(req, res, log, options));
  });
  cleanups.push(() => server.close());
  return Object.assign(server, { lastEventIds, done, responses });
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

describe('writeSSE', () => {
  it('sends the exact bytes and headers', async () => {
    const log = createEventLog();
    await log.append({ type: 'run_start', run_id: 'r1', session_id: 's1', model: 'm' });
    await log.append({ type: 'text_delta', text: 'a\nb' });
    await log.append(COMPLETE);
    const server = await serve(log);
    const response = await fetch(`${server.url}/events`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('connection')).toBe('keep-alive');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(await response.text()).toBe(
      'retry: 1000\n\n' +
        'id: 1\nevent: run_start\ndata: {"type":"run_start","run_id":"r1","session_id":"s1","model":"m"}\n\n' +
        'id: 2\nevent: text_delta\ndata: {"type":"text_delta","text":"a\\nb"}\n\n' +
        `id: 3\nevent: stream_complete\ndata: ${JSON.stringify(COMPLETE)}\n\n`,
    );
    await expect(server.done[0]).resolves.toBeUndefined();
  });

  it('resumes an EventSource after the server kills its socket, with no gap and no duplicate over 10,000 events', async () => {
    const total = 10_000;
    const log = createEventLog({ maxEntries: total + 10 });
    const server = await serve(log, { retryMs: 10 });
    const seqs: number[] = [];
    const texts: string[] = [];
    const source = new EventSource(`${server.url}/events`);
    cleanups.push(() => source.close());
    const complete = new Promise<number>((resolve) => {
      source.addEventListener('text_delta', (event) => {
        seqs.push(Number(event.lastEventId));
        texts.push((JSON.parse(event.data) as { text: string }).text);
      });
      source.addEventListener('stream_complete', (event) => {
        source.close();
        resolve(Number(event.lastEventId));
      });
    });

    // The writer runs in the background and cuts every connection three times
    // while the client is mid-stream.
    const killAt = new Set([2_500, 5_000, 7_500]);
    let kills = 0;
    for (let i = 1; i <= total; i++) {
      await log.append(delta(i));
      if (killAt.has(i)) {
        const before = seqs.length;
        await vi.waitFor(() => expect(seqs.length).toBeGreaterThan(before), { timeout: 20_000 });
        server.killConnections();
        kills++;
      }
      if (i % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await log.append(COMPLETE);

    expect(await complete).toBe(total + 1);
    expect(kills).toBe(3);
    expect(seqs).toEqual(range(1, total));
    expect(texts).toEqual(range(1, total).map((i) => `t${i}`));
    // One connection per kill at least, each resuming from the last id it saw.
    expect(server.lastEventIds.length).toBeGreaterThanOrEqual(4);
    expect(server.lastEventIds[0]).toBeUndefined();
    const resumed = server.lastEventIds.slice(1).map(Number);
    expect(resumed.every((n) => Number.isInteger(n) && n > 0)).toBe(true);
    expect([...resumed].sort((a, b) => a - b)).toEqual(resumed);
    await vi.waitFor(() => expect(log.waitingReaders).toBe(0));
  });

  it('falls back to ?lastEventId= and lets the header win', async () => {
    const log = createEventLog();
    await appendMany(log, 4);
    await log.close();
    const server = await serve(log);
    const byQuery = parseSSE(await (await fetch(`${server.url}/e?lastEventId=2`)).text());
    expect(byQuery.map((m) => m.id)).toEqual([undefined, '3', '4', '5']);
    const both = await fetch(`${server.url}/e?lastEventId=1`, {
      headers: { 'last-event-id': '3' },
    });
    expect(parseSSE(await both.text()).map((m) => m.id)).toEqual([undefined, '4', '5']);
  });

  it('answers 400 with a JSON error for a bad Last-Event-ID or query', async () => {
    const log = createEventLog();
    const server = await serve(log);
    const response = await fetch(`${server.url}/e`, { headers: { 'last-event-id': '1.5' } });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({
      error: {
        code: 'invalid_last_event_id',
        message: 'Last-Event-ID must be a non-negative integer',
      },
    });
    const byQuery = await fetch(`${server.url}/e?lastEventId=-3`);
    expect(byQuery.status).toBe(400);
    expect(((await byQuery.json()) as { error: { code: string } }).error.code).toBe(
      'invalid_last_event_id',
    );
    expect(log.waitingReaders).toBe(0);
  });

  it('sends heartbeats while idle that never move the resume position', async () => {
    const log = createEventLog();
    await appendMany(log, 3);
    const server = await serve(log, { heartbeatMs: 20, retryMs: 10 });

    // Raw bytes: a heartbeat is exactly the named event, with no id line.
    const controller = new AbortController();
    const raw = await fetch(`${server.url}/e`, { signal: controller.signal });
    const text = await readUntil(raw.body!.getReader(), (t) => t.includes('event: heartbeat'));
    expect(text).toContain(
      'id: 3\nevent: text_delta\ndata: {"type":"text_delta","text":"t3"}\n\nevent: heartbeat\ndata: {}\n\n',
    );
    controller.abort();

    // A real EventSource: after heartbeats, a reconnect still resumes from the last entry.
    const source = new EventSource(`${server.url}/e`);
    cleanups.push(() => source.close());
    const heartbeatIds: string[] = [];
    const seen: string[] = [];
    source.addEventListener('heartbeat', (event) => heartbeatIds.push(event.lastEventId));
    source.addEventListener('text_delta', (event) => seen.push(event.lastEventId));
    const complete = new Promise<string>((resolve) =>
      source.addEventListener('stream_complete', (event) => resolve(event.lastEventId)),
    );
    await vi.waitFor(() => expect(heartbeatIds.length).toBeGreaterThanOrEqual(2));
    const requestsBefore = server.lastEventIds.length;
    server.killConnections();
    await vi.waitFor(() => expect(server.lastEventIds.length).toBe(requestsBefore + 1));
    expect(server.lastEventIds.at(-1)).toBe('3');
    await log.append(COMPLETE);
    expect(await complete).toBe('4');
    source.close();
    expect(seen).toEqual(['1', '2', '3']);
    // This client reports each event's own id; a heartbeat has none.
    expect(new Set(heartbeatIds)).toEqual(new Set(['']));
  });

  it('keeps the server buffer bounded for a paused client, then delivers everything', async () => {
    const total = 20_000;
    const log = createEventLog({ maxEntries: total + 10 });
    const server = await serve(log, { heartbeatMs: 0 });
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    cleanups.push(() => socket.destroy());
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.write('GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await vi.waitFor(() => expect(Buffer.concat(chunks).toString()).toContain('retry: 1000'));
    socket.pause();

    const res = server.responses[0]!;
    let maxBuffered = 0;
    const sample = (): void => {
      maxBuffered = Math.max(maxBuffered, res.writableLength, res.socket?.writableLength ?? 0);
    };
    const sampler = setInterval(sample, 1);
    cleanups.push(() => clearInterval(sampler));
    // About 20 MB: far more than the kernel buffers of a loopback socket.
    for (let i = 1; i <= total; i++) {
      await log.append(delta(i, 1000));
      sample();
      if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await log.append(COMPLETE);
    // The server is blocked on the paused client, not done.
    await vi.waitFor(() => expect(res.writableNeedDrain).toBe(true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    sample();
    expect(res.writableEnded).toBe(false);
    expect(maxBuffered).toBeLessThan(64 * 1024);

    socket.resume();
    await server.done[0];
    await vi.waitFor(() => expect(Buffer.concat(chunks).toString()).toContain('0\r\n\r\n'), {
      timeout: 20_000,
    });
    clearInterval(sampler);
    const body = Buffer.concat(chunks).toString();
    const ids = [...body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids).toEqual(range(1, total + 1));
    expect(maxBuffered).toBeLessThan(64 * 1024);
  });

  it('a client disconnect ends that reader only: the run and the other readers go on', async () => {
    const log = createEventLog();
    await log.append(delta(1));
    const server = await serve(log, { heartbeatMs: 0 });
    const leaving = new AbortController();
    const first = await fetch(`${server.url}/e`, { signal: leaving.signal });
    const firstReader = first.body!.getReader();
    await readUntil(firstReader, (t) => t.includes('id: 1\n'));
    const second = await fetch(`${server.url}/e`);
    const secondReader = second.body!.getReader();
    let secondText = await readUntil(secondReader, (t) => t.includes('id: 1\n'));
    await vi.waitFor(() => expect(log.waitingReaders).toBe(2));

    leaving.abort();
    await server.done[0];
    await vi.waitFor(() => expect(log.waitingReaders).toBe(1));
    expect(log.closed).toBe(false);

    await log.append(delta(2));
    await log.append(COMPLETE);
    secondText = await readUntil(secondReader, () => false, secondText);
    expect(parseSSE(secondText).map((m) => m.id)).toEqual([undefined, '1', '2', '3']);
    await server.done[1];
    expect(log.waitingReaders).toBe(0);
  });

  it('passes events_dropped through with its seq as id', async () => {
    const log = createEventLog({ maxEntries: 3 });
    await appendMany(log, 6);
    await log.close();
    const server = await serve(log);
    const response = await fetch(`${server.url}/e`, { headers: { 'last-event-id': '1' } });
    const messages = parseSSE(await response.text());
    expect(messages[1]).toEqual({
      id: '4',
      event: 'events_dropped',
      data: '{"type":"events_dropped","first_available_seq":5,"dropped":3}',
    });
    expect(messages.slice(2).map((m) => m.id)).toEqual(['5', '6', '7']);
  });

  it('answers 204 to a reconnect after the end, so an EventSource stops', async () => {
    const log = createEventLog();
    await log.append(delta(1));
    await log.append(COMPLETE);
    const server = await serve(log, { retryMs: 10 });
    const finished = await fetch(`${server.url}/e`, { headers: { 'last-event-id': '2' } });
    expect(finished.status).toBe(204);

    const source = new EventSource(`${server.url}/e`);
    cleanups.push(() => source.close());
    const ids: string[] = [];
    source.addEventListener('text_delta', (event) => ids.push(event.lastEventId));
    source.addEventListener('stream_complete', (event) => ids.push(event.lastEventId));
    await vi.waitFor(() => expect(source.readyState).toBe(EventSource.CLOSED));
    expect(ids).toEqual(['1', '2']);
    expect(server.lastEventIds).toEqual(['2', undefined, '2']);
  });

  it('stops when its signal aborts', async () => {
    const log = createEventLog();
    const stop = new AbortController();
    const server = await serve(log, { signal: stop.signal, heartbeatMs: 0 });
    const response = await fetch(`${server.url}/e`);
    const reader = response.body!.getReader();
    await readUntil(reader, (t) => t.includes('retry:'));
    await vi.waitFor(() => expect(log.waitingReaders).toBe(1));
    stop.abort();
    await server.done[0];
    expect((await reader.read()).done).toBe(true);
    expect(log.waitingReaders).toBe(0);
  });
});
