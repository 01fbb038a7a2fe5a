import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Hono } from 'hono';
import { createAdaptorServer } from '@hono/node-server';
import { createMemoryEventStore, type MemoryEventStore } from '@claude-gateway/core';
import { streamEvents } from './hono.js';
import {
  COMPLETE,
  appendMany,
  delta,
  parseSSE,
  readUntil,
  startServer,
  type TestServer,
  followDeltas,
} from './test-utils.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function createApp(store: MemoryEventStore, lastEventIds: (string | undefined)[] = []): Hono {
  const app = new Hono();
  app.get('/runs/:id/events', async (c) => {
    lastEventIds.push(c.req.header('last-event-id'));
    const log = await store.open(c.req.param('id'));
    if (!log) return c.json({ error: { code: 'log_not_found', message: 'no such run' } }, 404);
    return streamEvents(c, log, { retryMs: 10, heartbeatMs: 0 });
  });
  return app;
}

async function startNodeServer(app: Hono): Promise<TestServer> {
  const server = await startServer(createAdaptorServer({ fetch: app.fetch }) as Server);
  cleanups.push(() => server.close());
  return server;
}

describe('streamEvents (Hono) through app.request()', () => {
  it('streams with the SSE headers and exact bytes', async () => {
    const store = createMemoryEventStore();
    const log = await store.create('r1');
    await log.append(delta(1));
    await log.append(COMPLETE);
    const response = await createApp(store).request('/runs/r1/events');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(await response.text()).toBe(
      'retry: 10\n\n' +
        'id: 1\nevent: text_delta\ndata: {"type":"text_delta","text":"t1"}\n\n' +
        `id: 2\nevent: stream_complete\ndata: ${JSON.stringify(COMPLETE)}\n\n`,
    );
  });

  it('resumes from Last-Event-ID, or from ?lastEventId= without the header', async () => {
    const store = createMemoryEventStore();
    const log = await store.create('r2');
    await appendMany(log, 3);
    await log.close();
    const app = createApp(store);
    const byHeader = await app.request('/runs/r2/events', { headers: { 'Last-Event-ID': '2' } });
    expect(parseSSE(await byHeader.text()).map((m) => m.id)).toEqual([undefined, '3', '4']);
    const byQuery = await app.request('/runs/r2/events?lastEventId=1');
    expect(parseSSE(await byQuery.text()).map((m) => m.id)).toEqual([undefined, '2', '3', '4']);
  });

  it('answers 400 for a bad Last-Event-ID', async () => {
    const store = createMemoryEventStore();
    await store.create('r3');
    const response = await createApp(store).request('/runs/r3/events', {
      headers: { 'Last-Event-ID': '-1' },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        code: 'invalid_last_event_id',
        message: 'Last-Event-ID must be a non-negative integer',
      },
    });
  });

  it('honors the request signal: an abort releases the reader, the run goes on', async () => {
    const store = createMemoryEventStore();
    const log = await store.create('r4');
    const controller = new AbortController();
    const response = await createApp(store).request('/runs/r4/events', {
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await readUntil(reader, (t) => t.includes('retry:'));
    const pending = reader.read();
    await vi.waitFor(() => expect(log.waitingReaders).toBe(1));
    controller.abort();
    expect((await pending).done).toBe(true);
    expect(log.waitingReaders).toBe(0);
    await expect(log.append(delta(1))).resolves.toMatchObject({ seq: 1 });
  });
});

describe('streamEvents (Hono) on @hono/node-server', () => {
  it('resumes an EventSource after the server drops the connection, no gap, no duplicate', async () => {
    const store = createMemoryEventStore();
    const log = await store.create('r5');
    const lastEventIds: (string | undefined)[] = [];
    const server = await startNodeServer(createApp(store, lastEventIds));
    const { source, seqs, complete } = followDeltas(`${server.url}/runs/r5/events`);
    cleanups.push(() => source.close());
    await appendMany(log, 1000);
    await vi.waitFor(() => expect(seqs.length).toBeGreaterThan(0));
    server.killConnections();
    await appendMany(log, 1000, { from: 1001 });
    await log.append(COMPLETE);
    await complete;
    expect(seqs).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
    expect(lastEventIds.length).toBeGreaterThanOrEqual(2);
    expect(Number(lastEventIds.at(-1))).toBeGreaterThan(0);
    await vi.waitFor(() => expect(log.waitingReaders).toBe(0));
  });

  it('a client disconnect releases the reader and leaves the run going', async () => {
    const store = createMemoryEventStore();
    const log = await store.create('r6');
    const server = await startNodeServer(createApp(store));
    const controller = new AbortController();
    const response = await fetch(`${server.url}/runs/r6/events`, { signal: controller.signal });
    await readUntil(response.body!.getReader(), (t) => t.includes('retry:'));
    await vi.waitFor(() => expect(log.waitingReaders).toBe(1));
    controller.abort();
    await vi.waitFor(() => expect(log.waitingReaders).toBe(0));
    expect(log.closed).toBe(false);
    await log.append(delta(1));
    await log.append(COMPLETE);
    const replay = await fetch(`${server.url}/runs/r6/events`);
    expect(parseSSE(await replay.text()).map((m) => m.id)).toEqual([undefined, '1', '2']);
  });

  it('keeps the buffered bytes bounded for a paused client (pull-based body)', async () => {
    const total = 20_000;
    const store = createMemoryEventStore({ maxEntries: total + 10 });
    const log = await store.create('r7');
    const server = await startNodeServer(createApp(store));
    const serverSockets: Socket[] = [];
    server.server.on('connection', (socket: Socket) => serverSockets.push(socket));
    const { port } = new URL(server.url);
    const client = connect(Number(port), '127.0.0.1');
    cleanups.push(() => client.destroy());
    const chunks: Buffer[] = [];
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    client.write('GET /runs/r7/events HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await vi.waitFor(() => expect(Buffer.concat(chunks).toString()).toContain('retry: 10'));
    client.pause();
    const socket = serverSockets[0]!;
    let maxBuffered = 0;
    for (let i = 1; i <= total; i++) {
      await log.append(delta(i, 1000));
      maxBuffered = Math.max(maxBuffered, socket.writableLength);
      if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await log.append(COMPLETE);
    await vi.waitFor(() => expect(socket.writableNeedDrain).toBe(true));
    maxBuffered = Math.max(maxBuffered, socket.writableLength);
    expect(maxBuffered).toBeLessThan(64 * 1024);

    client.resume();
    await vi.waitFor(() => expect(Buffer.concat(chunks).toString()).toContain('0\r\n\r\n'), {
      timeout: 20_000,
    });
    const ids = [
      ...Buffer.concat(chunks)
        .toString()
        .matchAll(/^id: (\d+)$/gm),
    ].map((m) => Number(m[1]));
    expect(ids).toEqual(Array.from({ length: total + 1 }, (_, i) => i + 1));
  });
});
