// What differs between mounts: falling through outside basePath, a body
// parser running first, and giving up on a body too large to drain.
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import express from 'express';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { gatewayRouter } from './express.js';
import { gatewayApp } from './hono.js';
import { toNodeListener } from './node.js';
import { createFixture, type Fixture } from './test/fixture.js';
import { Api, listen, type TestServer } from './test/http.js';
import type { Server } from 'node:http';

/** Sends raw bytes and collects everything until the server closes the socket. */
function rawExchange(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('end', () => resolve(received));
    socket.on('error', reject);
  });
}

describe('mounts', () => {
  let fixture: Fixture | undefined;
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    await fixture?.close();
    server = undefined;
  });

  it('express: other paths go on to next(); a body parser before the router is tolerated', async () => {
    fixture = await createFixture();
    const app = express();
    app.use(express.json());
    app.use(gatewayRouter(fixture.handler));
    app.get('/health', (_req, res) => void res.json({ ok: true }));
    server = await listen(createServer(app));
    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ ok: true });
    const api = new Api(`${server.url}/api`);
    const { session_id } = await api.createSession();
    const runId = await api.startRun(session_id, 'parsed by express');
    expect((await api.allEvents(runId)).at(-1)?.type).toBe('stream_complete');
    const bad = await api.json('POST', `/sessions/${session_id}/runs`, { json: { message: 7 } });
    expect(bad.status).toBe(400);
  });

  it('hono: the rest of the app keeps its routes', async () => {
    fixture = await createFixture();
    const app = new Hono();
    app.get('/health', (c) => c.json({ ok: true }));
    app.route('/', gatewayApp(fixture.handler));
    server = await listen(createAdaptorServer({ fetch: app.fetch }) as Server);
    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ ok: true });
    expect((await fetch(`${server.url}/elsewhere`)).status).toBe(404);
    const api = new Api(`${server.url}/api`);
    expect((await api.createSession()).token).toEqual(expect.any(String));
  });

  it('node: answers 413 and closes the connection when the body is too large to drain', async () => {
    fixture = await createFixture();
    server = await listen(createServer(toNodeListener(fixture.handler)));
    // Headers promise 50 MiB; none of it is sent. The answer must still come.
    const reply = await rawExchange(
      server.url,
      'POST /api/sessions HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n' +
        `content-length: ${50 * 1024 * 1024}\r\n\r\n`,
    );
    expect(reply).toMatch(/^HTTP\/1\.1 413 /);
    expect(reply.toLowerCase()).toContain('connection: close');
    expect(reply).toContain('"payload_too_large"');
  });

  it('node: a bad Host header is a 400, not a crash', async () => {
    fixture = await createFixture();
    server = await listen(createServer(toNodeListener(fixture.handler)));
    const reply = await rawExchange(
      server.url,
      'GET /api/sessions/x HTTP/1.1\r\nhost: exa mple\r\nconnection: close\r\n\r\n',
    );
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
  });
});
