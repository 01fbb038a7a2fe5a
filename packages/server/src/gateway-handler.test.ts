import { GatewayError } from '@claude-gateway/core';
import { afterEach, describe, expect, it } from 'vitest';
import { DECIDE_STATUS, ERROR_STATUS, HTTP_ERROR_CODES } from './error-codes.js';
import { createGatewayHandler } from './gateway-handler.js';
import { DISCARD_LIMIT_BYTES } from './read-body.js';
import { createFixture, memoryLogger, SECRET, type Fixture } from './test/fixture.js';
import { SseReader } from './test/http.js';

const BASE = 'http://gateway.test';

function post(path: string, body: BodyInit | null, headers: Record<string, string> = {}): Request {
  return new Request(`${BASE}${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  });
}

/** A chunked body of `total` bytes, with no content-length. */
function streamOf(total: number, chunk = 16_384): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= total) return controller.close();
      const size = Math.min(chunk, total - sent);
      sent += size;
      controller.enqueue(new Uint8Array(size).fill(0x20));
    },
  });
}

describe('createGatewayHandler', () => {
  let fixture: Fixture | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  it('exports the status tables of the spec', () => {
    expect(DECIDE_STATUS).toEqual({
      ok: 200,
      not_found: 404,
      nonce_mismatch: 403,
      expired: 410,
      already_decided: 409,
    });
    for (const code of HTTP_ERROR_CODES) expect(ERROR_STATUS[code]).toBeGreaterThanOrEqual(400);
    expect(ERROR_STATUS).toMatchObject({
      invalid_request: 400,
      unauthorized: 401,
      forbidden_origin: 403,
      session_not_found: 404,
      method_not_allowed: 405,
      run_active: 409,
      expired: 410,
      payload_too_large: 413,
      unsupported_media_type: 415,
      too_many_runs: 429,
      internal: 500,
    });
  });

  it('refuses bad options with invalid_options', async () => {
    fixture = await createFixture();
    const runs = fixture.runs;
    const attempts = [
      () => createGatewayHandler({ auth: false } as never),
      () => createGatewayHandler({ runs } as never),
      () => createGatewayHandler({ runs, auth: false, maxBodyBytes: 0 }),
      () => createGatewayHandler({ runs, auth: false, sse: { heartbeatMs: -1 } }),
      () => createGatewayHandler({ runs, auth: { jwtSecret: '' } }),
      () => createGatewayHandler({ runs, auth: { jwtSecret: SECRET, tokenTtlSec: 0 } }),
    ];
    for (const attempt of attempts) {
      let caught: unknown;
      try {
        attempt();
      } catch (error) {
        caught = error;
      }
      expect(GatewayError.isInstance(caught) && caught.code).toBe('invalid_options');
    }
    const logger = memoryLogger();
    createGatewayHandler({ runs, auth: { jwtSecret: 'short' }, logger });
    expect(logger.warnings[0]?.message).toMatch(/jwtSecret/);
  });

  it('serves under a custom basePath and nothing outside it', async () => {
    fixture = await createFixture({ handler: { basePath: 'v1/' } });
    expect(fixture.handler.basePath).toBe('/v1');
    expect((await fixture.handler(post('/v1/sessions', null))).status).toBe(201);
    expect((await fixture.handler(post('/v1/sessions/', null))).status).toBe(201);
    const outside = await fixture.handler(post('/api/sessions', null));
    expect(outside.status).toBe(404);
    expect(await outside.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('issues a token whose exp is tokenTtlSec ahead', async () => {
    fixture = await createFixture({ handler: { auth: { jwtSecret: SECRET, tokenTtlSec: 60 } } });
    const { token, session_id } = (await (
      await fixture.handler(post('/api/sessions', null))
    ).json()) as { token: string; session_id: string };
    const [header, payload] = token.split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toMatchObject({
      alg: 'HS256',
    });
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as {
      sub: string;
      exp: number;
    };
    expect(claims.sub).toBe(session_id);
    const now = Math.floor(Date.now() / 1000);
    expect(claims.exp).toBeGreaterThan(now + 30);
    expect(claims.exp).toBeLessThanOrEqual(now + 61);
  });

  it('uses a custom authenticate: null is 401, a sessionId limits access, no token is issued, it fails closed', async () => {
    const seen: string[] = [];
    const state: { allowed?: string } = {};
    fixture = await createFixture({
      handler: {
        auth: {
          authenticate: (request) => {
            seen.push(new URL(request.url).pathname);
            const key = request.headers.get('x-user');
            if (key === null) return Promise.resolve(null);
            if (key === 'sloppy') return Promise.resolve({});
            return Promise.resolve(
              key === 'admin' ? { allSessions: true } : { sessionId: state.allowed },
            );
          },
        },
      },
    });
    const { handler } = fixture;
    const refused = await handler(post('/api/sessions', null));
    expect(refused.status).toBe(401);
    // The app's check decides what it wants: no word of a bearer token.
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('unauthorized');
    expect(body.error.message).not.toMatch(/bearer/i);
    const created = await handler(post('/api/sessions', null, { 'x-user': 'admin' }));
    expect(created.status).toBe(201);
    const mine = (await created.json()) as { session_id: string; token: unknown };
    expect(mine.token).toBeNull();
    const other = (await (
      await handler(post('/api/sessions', null, { 'x-user': 'admin' }))
    ).json()) as { session_id: string };
    // A lookup that found nothing ({ sessionId: undefined }) and a bare {} are refusals.
    const as = (user: string, id: string) =>
      handler(new Request(`${BASE}/api/sessions/${id}`, { headers: { 'x-user': user } }));
    expect((await as('user', mine.session_id)).status).toBe(401);
    expect((await as('sloppy', mine.session_id)).status).toBe(401);
    expect((await as('admin', other.session_id)).status).toBe(200);
    state.allowed = mine.session_id;
    const get = (id: string) =>
      handler(new Request(`${BASE}/api/sessions/${id}`, { headers: { 'x-user': 'user' } }));
    expect((await get(mine.session_id)).status).toBe(200);
    expect((await get(other.session_id)).status).toBe(404);
    expect(seen).toContain('/api/sessions');
  });

  it('caps bodies: 413 after discarding, and connection: close past the discard limit', async () => {
    fixture = await createFixture();
    const { handler } = fixture;
    const overCap = await handler(post('/api/sessions', streamOf(100_000)));
    expect(overCap.status).toBe(413);
    expect(overCap.headers.get('connection')).toBeNull();

    const huge = await handler(
      post('/api/sessions', streamOf(65_536 + DISCARD_LIMIT_BYTES + 50_000)),
    );
    expect(huge.status).toBe(413);
    expect(huge.headers.get('connection')).toBe('close');

    const declared = await handler(
      post('/api/sessions', streamOf(10), { 'content-length': String(50 * 1024 * 1024) }),
    );
    expect(declared.status).toBe(413);
    expect(declared.headers.get('connection')).toBe('close');
  });

  it('drains the body of a request refused before reading it', async () => {
    fixture = await createFixture();
    const request = post('/api/sessions/x/runs', streamOf(5_000));
    const refused = await fixture.handler(request);
    expect(refused.status).toBe(401);
    expect(request.bodyUsed).toBe(true);
    expect(refused.headers.get('connection')).toBeNull();
  });

  it('ends open event streams when its signal aborts, without ending the run', async () => {
    const shutdown = new AbortController();
    fixture = await createFixture({ handler: { signal: shutdown.signal } });
    const { handler } = fixture;
    const { session_id, token } = (await (await handler(post('/api/sessions', null))).json()) as {
      session_id: string;
      token: string;
    };
    const auth = { authorization: `Bearer ${token}` };
    const started = await handler(
      post(`/api/sessions/${session_id}/runs`, JSON.stringify({ message: 'gated please' }), auth),
    );
    const { run_id } = (await started.json()) as { run_id: string };
    const stream = await handler(
      new Request(`${BASE}/api/runs/${run_id}/events`, { headers: auth }),
    );
    const reader = new SseReader(stream);
    await reader.until('tool_approval_request');
    shutdown.abort();
    expect(await reader.rest()).toEqual([]);
    expect((await fixture.runs.getRun(run_id))?.state).toBe('running');
  });
});
