import { createServer } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import express, { type ErrorRequestHandler } from 'express';
import { createMemoryEventStore, type MemoryEventStore } from '@claude-gateway/core';
import { sseHandler } from './express.js';
import {
  COMPLETE,
  appendMany,
  delta,
  parseSSE,
  startServer,
  type TestServer,
  followDeltas,
} from './test-utils.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface App extends TestServer {
  store: MemoryEventStore;
  lastEventIds: (string | undefined)[];
  errors: unknown[];
}

async function startApp(): Promise<App> {
  const store = createMemoryEventStore();
  const lastEventIds: (string | undefined)[] = [];
  const errors: unknown[] = [];
  const app = express();
  app.use((req, _res, next) => {
    lastEventIds.push(req.get('last-event-id'));
    next();
  });
  app.get(
    '/runs/:id/events',
    sseHandler((req) => store.open(String(req.params.id)), { retryMs: 10, heartbeatMs: 0 }),
  );
  app.get(
    '/broken/events',
    sseHandler(() => Promise.reject(new Error('database on fire'))),
  );
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    errors.push(error);
    res.status(500).json({ error: { code: 'internal', message: 'internal error' } });
  };
  app.use(onError);
  const server = await startServer(createServer(app));
  cleanups.push(() => server.close());
  return Object.assign(server, { store, lastEventIds, errors });
}

describe('sseHandler (Express)', () => {
  it('streams a run with the exact SSE headers (no charset added by Express)', async () => {
    const app = await startApp();
    const log = await app.store.create('r1');
    await log.append(delta(1));
    await log.append(COMPLETE);
    const response = await fetch(`${app.url}/runs/r1/events`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(parseSSE(await response.text())).toEqual([
      { retry: '10' },
      { id: '1', event: 'text_delta', data: '{"type":"text_delta","text":"t1"}' },
      { id: '2', event: 'stream_complete', data: JSON.stringify(COMPLETE) },
    ]);
  });

  it('resumes an EventSource after a dropped connection without gap or duplicate', async () => {
    const app = await startApp();
    const log = await app.store.create('r2');
    const { source, seqs, complete } = followDeltas(`${app.url}/runs/r2/events`);
    cleanups.push(() => source.close());
    await appendMany(log, 500);
    await vi.waitFor(() => expect(seqs.length).toBeGreaterThan(0));
    app.killConnections();
    await appendMany(log, 500, { from: 501 });
    await log.append(COMPLETE);
    await complete;
    expect(seqs).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(app.lastEventIds.length).toBeGreaterThanOrEqual(2);
    expect(Number(app.lastEventIds.at(-1))).toBeGreaterThan(0);
    await vi.waitFor(() => expect(log.waitingReaders).toBe(0));
  });

  it('answers 404 log_not_found for an unknown run', async () => {
    const app = await startApp();
    const response = await fetch(`${app.url}/runs/nope/events`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: 'log_not_found', message: 'no event log for this request' },
    });
  });

  it('answers 400 invalid_last_event_id for a bad Last-Event-ID', async () => {
    const app = await startApp();
    const log = await app.store.create('r3');
    const response = await fetch(`${app.url}/runs/r3/events`, {
      headers: { 'last-event-id': 'x1' },
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'invalid_last_event_id',
    );
    expect(log.waitingReaders).toBe(0);
  });

  it('passes other resolver failures to the error handler', async () => {
    const app = await startApp();
    const response = await fetch(`${app.url}/broken/events`);
    expect(response.status).toBe(500);
    expect(app.errors).toHaveLength(1);
    expect((app.errors[0] as Error).message).toBe('database on fire');
  });
});
