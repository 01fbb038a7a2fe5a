// The HTTP API contract, part 1: routes, shapes, auth, origins, bodies and
// error codes. Run unchanged through every mount (node, express, hono).
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS, type HttpErrorCode } from '../error-codes.js';
import { createFixture, SECRET, type Fixture, type FixtureOptions } from './fixture.js';
import { Api, type Mount, type TestServer } from './http.js';

/** Starts a fixture behind `mount`; the caller closes both. */
export async function mounted(
  mount: Mount,
  options?: FixtureOptions,
): Promise<{ fixture: Fixture; server: TestServer; api: Api; close(): Promise<void> }> {
  const fixture = await createFixture(options);
  const server = await mount(fixture.handler);
  return {
    fixture,
    server,
    api: new Api(`${server.url}/api`),
    async close() {
      await server.close();
      await fixture.close();
    },
  };
}

/** Asserts an error answer: status from the table, `{ error: { code, message } }`. */
export function expectError(answer: { status: number; body: unknown }, code: HttpErrorCode): void {
  expect(answer.body).toMatchObject({ error: { code, message: expect.any(String) } });
  expect(answer.status).toBe(ERROR_STATUS[code]);
}

export function describeApiContract(name: string, mount: Mount): void {
  describe(`HTTP API contract (${name}): routes, auth, input`, () => {
    let env: Awaited<ReturnType<typeof mounted>>;
    beforeAll(async () => {
      env = await mounted(mount);
    });
    afterAll(async () => {
      await env?.close();
    });

    it('creates a session with a token, shows it, and lists its runs with their messages', async () => {
      const api = new Api(env.api.base);
      const created = await api.createSession();
      expect(created).toEqual({
        session_id: expect.any(String),
        created_at: expect.any(Number),
        token: expect.any(String),
      });
      const empty = await api.json('GET', `/sessions/${created.session_id}`);
      expect(empty.status).toBe(200);
      expect(empty.body).toEqual({
        session_id: created.session_id,
        created_at: created.created_at,
        active_run_id: null,
        runs: [],
      });

      const first = await api.startRun(created.session_id, 'hello');
      expect((await api.allEvents(first)).at(-1)?.type).toBe('stream_complete');
      const second = await api.startRun(created.session_id, 'again');
      await api.allEvents(second);

      const run = await api.json('GET', `/runs/${first}`);
      expect(run.status).toBe(200);
      expect(run.body).toMatchObject({
        run_id: first,
        session_id: created.session_id,
        message: 'hello',
        state: 'completed',
        started_at: expect.any(Number),
        ended_at: expect.any(Number),
        usage: expect.objectContaining({ input_tokens: expect.any(Number) }),
      });
      expect(run.body).toHaveProperty('cost_usd');

      const session = await api.json<{ runs: unknown[]; active_run_id: unknown }>(
        'GET',
        `/sessions/${created.session_id}`,
      );
      expect(session.body.active_run_id).toBeNull();
      expect(session.body.runs).toEqual([
        expect.objectContaining({ run_id: first, message: 'hello', state: 'completed' }),
        expect.objectContaining({ run_id: second, message: 'again', state: 'completed' }),
      ]);
    });

    it('carries the conversation into the next run of the session', async () => {
      const api = new Api(env.api.base);
      const { session_id } = await api.createSession();
      await api.allEvents(await api.startRun(session_id, 'first message'));
      const before = env.fixture.mock.requests.length;
      await api.allEvents(await api.startRun(session_id, 'second message'));
      const sent = env.fixture.mock.requests.slice(before).at(-1)?.body as {
        messages: { role: string; content: unknown }[];
      };
      expect(sent.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
      expect(JSON.stringify(sent.messages[0]?.content)).toContain('first message');
      expect(JSON.stringify(sent.messages[1]?.content)).toContain('echo: first message');
      expect(JSON.stringify(sent.messages[2]?.content)).toContain('second message');
    });

    it('deletes a session; its token then answers 404 session_not_found', async () => {
      const api = new Api(env.api.base);
      const { session_id } = await api.createSession();
      const runId = await api.startRun(session_id, 'hello');
      await api.allEvents(runId);
      const deleted = await api.request('DELETE', `/sessions/${session_id}`);
      expect(deleted.status).toBe(204);
      expectError(await api.json('GET', `/sessions/${session_id}`), 'session_not_found');
      expectError(await api.json('DELETE', `/sessions/${session_id}`), 'session_not_found');
      expectError(
        await api.json('POST', `/sessions/${session_id}/runs`, { json: { message: 'x' } }),
        'session_not_found',
      );
      expectError(await api.json('GET', `/runs/${runId}`), 'run_not_found');
    });

    it("answers another session's session and runs exactly like missing ones", async () => {
      const alice = new Api(env.api.base);
      const bob = new Api(env.api.base);
      const a = await alice.createSession();
      const b = await bob.createSession();
      const bobRun = await bob.startRun(b.session_id, 'private');
      await bob.allEvents(bobRun);

      const missingSession = await alice.json('GET', '/sessions/no-such-session');
      const otherSession = await alice.json('GET', `/sessions/${b.session_id}`);
      expectError(otherSession, 'session_not_found');
      expect(otherSession.body).toEqual(missingSession.body);
      const missingRun = await alice.json('GET', '/runs/no-such-run');
      const otherRun = await alice.json('GET', `/runs/${bobRun}`);
      expectError(otherRun, 'run_not_found');
      expect(otherRun.body).toEqual(missingRun.body);

      expectError(await alice.json('GET', `/runs/${bobRun}/events`), 'run_not_found');
      expectError(await alice.json('POST', `/runs/${bobRun}/cancel`), 'run_not_found');
      expectError(
        await alice.json('POST', `/runs/${bobRun}/approvals`, {
          json: { tool_use_id: 't', nonce: 'n', approved: true },
        }),
        'run_not_found',
      );
      expectError(
        await alice.json('POST', `/sessions/${b.session_id}/runs`, { json: { message: 'x' } }),
        'session_not_found',
      );
      expectError(await alice.json('DELETE', `/sessions/${b.session_id}`), 'session_not_found');
      // Bob's session is untouched.
      expect((await bob.json('GET', `/sessions/${b.session_id}`)).status).toBe(200);
      expect(a.session_id).not.toBe(b.session_id);
    });

    it('refuses missing, malformed, expired, tampered and unsigned tokens with 401', async () => {
      const api = new Api(env.api.base);
      const { session_id, token } = await api.createSession();
      const path = `/sessions/${session_id}`;
      const missing = await api.json('GET', path, { token: null });
      expectError(missing, 'unauthorized');
      expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expectError(await api.json('GET', path, { token: 'not-a-jwt' }), 'unauthorized');

      const key = new TextEncoder().encode(SECRET);
      const expired = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(session_id)
        .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
        .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
        .sign(key);
      expectError(await api.json('GET', path, { token: expired }), 'unauthorized');

      const [header, payload, signature] = token!.split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as object;
      const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString(
        'base64url',
      );
      expectError(
        await api.json('GET', path, { token: `${header}.${forged}.${signature}` }),
        'unauthorized',
      );
      const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      expectError(await api.json('GET', path, { token: `${none}.${payload}.` }), 'unauthorized');
      const otherKey = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(session_id)
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode('another-secret-of-thirty-two-bytes!!'));
      expectError(await api.json('GET', path, { token: otherKey }), 'unauthorized');

      // ?access_token= counts on the events route only.
      const inQuery = await api.json('GET', `${path}?access_token=${token}`, { token: null });
      expectError(inQuery, 'unauthorized');
      expect((await api.json('GET', path)).status).toBe(200);
    });

    it('accepts ?access_token= on the events route', async () => {
      const api = new Api(env.api.base);
      const { session_id, token } = await api.createSession();
      const runId = await api.startRun(session_id, 'hello');
      const response = await api.request('GET', `/runs/${runId}/events?access_token=${token}`, {
        token: null,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/event-stream');
      expect(await response.text()).toContain('event: stream_complete');
    });

    it('validates bodies: 415, 400 naming the field, empty body as {}', async () => {
      const api = new Api(env.api.base);
      // Empty body with no content type: `{}`.
      expect((await api.request('POST', '/sessions')).status).toBe(201);
      const { session_id } = await api.createSession();
      const runs = `/sessions/${session_id}/runs`;
      expectError(
        await api.json('POST', runs, { body: 'hello', headers: { 'content-type': 'text/plain' } }),
        'unsupported_media_type',
      );
      expectError(
        await api.json('POST', runs, { body: '{"message":"x"}' }),
        'unsupported_media_type',
      );
      const badJson = await api.json<{ error: { message: string } }>('POST', runs, {
        body: '{"message":',
        headers: { 'content-type': 'application/json' },
      });
      expectError(badJson, 'invalid_request');
      expectError(await api.json('POST', runs, { json: ['message'] }), 'invalid_request');
      const wrongType = await api.json<{ error: { message: string } }>('POST', runs, {
        json: { message: 42 },
      });
      expectError(wrongType, 'invalid_request');
      expect(wrongType.body.error.message).toContain('message');
      const empty = await api.json<{ error: { message: string } }>('POST', runs, { json: {} });
      expectError(empty, 'invalid_request');
      expect(empty.body.error.message).toContain('message');
      // A JSON content type with parameters is fine.
      const ok = await api.json('POST', runs, {
        body: JSON.stringify({ message: 'hi' }),
        headers: { 'content-type': 'application/json; charset=utf-8' },
      });
      expect(ok.status).toBe(202);
    });

    it('answers 404 not_found for unknown routes and 405 with allow; elicitations is a route', async () => {
      const api = new Api(env.api.base);
      expectError(await api.json('GET', '/nope'), 'not_found');
      // A real route now: without credentials it is refused like the others.
      expectError(await api.json('POST', '/runs/abc/elicitations', { json: {} }), 'unauthorized');
      const getElicitations = await api.json('GET', '/runs/abc/elicitations');
      expectError(getElicitations, 'method_not_allowed');
      expect(getElicitations.headers.get('allow')).toBe('POST');
      const put = await api.json('PUT', '/sessions');
      expectError(put, 'method_not_allowed');
      expect(put.headers.get('allow')).toBe('POST');
      const del = await api.json('DELETE', '/runs/abc');
      expectError(del, 'method_not_allowed');
      expect(del.headers.get('allow')).toBe('GET');
      const getCancel = await api.json('GET', '/runs/abc/cancel');
      expect(getCancel.headers.get('allow')).toBe('POST');
      expect(getCancel.status).toBe(405);
    });

    it('refuses a foreign Origin with 403 on every route; same origin and no origin pass', async () => {
      const api = new Api(env.api.base);
      const evil = { origin: 'http://evil.example' };
      expectError(await api.json('POST', '/sessions', { headers: evil }), 'forbidden_origin');
      const { session_id } = await api.createSession();
      expectError(
        await api.json('GET', `/sessions/${session_id}`, { headers: evil }),
        'forbidden_origin',
      );
      expectError(await api.json('GET', '/nope', { headers: evil }), 'forbidden_origin');
      expectError(await api.json('OPTIONS', '/sessions', { headers: evil }), 'forbidden_origin');
      const forbidden = await api.request('GET', `/sessions/${session_id}`, { headers: evil });
      expect(forbidden.headers.get('access-control-allow-origin')).toBeNull();

      const same = await api.request('GET', `/sessions/${session_id}`, {
        headers: { origin: new URL(env.server.url).origin },
      });
      expect(same.status).toBe(200);
      expect(same.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('answers 429 too_many_runs with retry-after', async () => {
      const local = await mounted(mount, { maxActiveRuns: 1 });
      try {
        const a = new Api(local.api.base);
        const b = new Api(local.api.base);
        const sa = await a.createSession();
        const sb = await b.createSession();
        const runId = await a.startRun(sa.session_id, 'please run gated');
        const busy = await b.json('POST', `/sessions/${sb.session_id}/runs`, {
          json: { message: 'hello' },
        });
        expectError(busy, 'too_many_runs');
        expect(busy.headers.get('retry-after')).toMatch(/^\d+$/);
        expect((await a.json('POST', `/runs/${runId}/cancel`)).status).toBe(202);
      } finally {
        await local.close();
      }
    });

    it('answers 500 internal without details, which go to the logger', async () => {
      const local = await mounted(mount, {
        wrapRuns: (runs) => ({
          ...runs,
          activeRuns: runs.activeRuns,
          getRun: () => Promise.reject(new Error('database password is hunter2')),
        }),
      });
      try {
        const api = new Api(local.api.base);
        await api.createSession();
        const answer = await api.json('GET', '/runs/any');
        expect(answer.status).toBe(500);
        expect(answer.body).toEqual({ error: { code: 'internal', message: 'internal error' } });
        expect(JSON.stringify(local.fixture.logger.errors)).toContain('hunter2');
      } finally {
        await local.close();
      }
    });
  });
}
