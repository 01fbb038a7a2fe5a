// Regressions for defects found in review: each test fails without its fix.
import type { EventLog, RunManager } from '@claude-gateway/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayHandler } from './gateway-handler.js';
import { createFixture, type Fixture } from './test/fixture.js';

const BASE = 'http://127.0.0.1:8080';

function post(path: string, headers: Record<string, string> = {}, base = BASE): Request {
  return new Request(`${base}${path}`, {
    method: 'POST',
    body: '{}',
    headers: { 'content-type': 'application/json', ...headers },
  });
}

async function session(fixture: Fixture) {
  const res = await fixture.handler(post('/api/sessions'));
  return (await res.json()) as { session_id: string; token: string };
}

/** Reads a run's log to its end (the run manager's own view). */
async function finished(runs: RunManager, runId: string): Promise<void> {
  const log = await runs.openLog(runId);
  for await (const _ of log!.read());
}

describe('review fixes', () => {
  let fixture: Fixture | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  it('never answers 204 with a stale lastSeq when the run ends during the check', async () => {
    let endDuringCheck: (() => Promise<void>) | undefined;
    fixture = await createFixture({
      wrapRuns: (runs) => ({
        ...runs,
        getRun: (id) => runs.getRun(id),
        getSession: (id) => runs.getSession(id),
        // An async store: the run ends while `lastSeq()` is on its way.
        openLog: async (id) => {
          const log = await runs.openLog(id);
          if (!log) return log;
          const wrapped: EventLog = {
            id: log.id,
            get closed() {
              return log.closed;
            },
            meta: log.meta,
            append: (e) => log.append(e),
            read: (o) => log.read(o),
            close: (e) => log.close(e),
            lastSeq: async () => {
              const stale = await log.lastSeq();
              await endDuringCheck?.();
              return stale;
            },
          };
          return wrapped;
        },
      }),
    });
    const { session_id: id, token } = await session(fixture);
    const auth = { authorization: `Bearer ${token}` };
    const started = await fixture.handler(
      new Request(`${BASE}/api/sessions/${id}/runs`, {
        method: 'POST',
        body: JSON.stringify({ message: 'please run gated' }),
        headers: { 'content-type': 'application/json', ...auth },
      }),
    );
    const { run_id: runId } = (await started.json()) as { run_id: string };
    // Wait until the run waits for approval: its log holds the request.
    const log = await fixture.runs.openLog(runId);
    let requestSeq = 0;
    for await (const entry of log!.read()) {
      if (entry.event.type === 'tool_approval_request') {
        requestSeq = entry.seq;
        break;
      }
    }
    endDuringCheck = async () => {
      endDuringCheck = undefined;
      await fixture!.runs.cancel(runId);
      await finished(fixture!.runs, runId);
    };
    const res = await fixture.handler(
      new Request(`${BASE}/api/runs/${runId}/events`, {
        headers: { ...auth, 'last-event-id': String(requestSeq) },
      }),
    );
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('event: error');
    expect(text).toContain('"code":"cancelled"');
  });

  it('with auth: false, serves loopback hosts only (DNS rebinding)', async () => {
    fixture = await createFixture({ handler: { auth: false } });
    expect((await fixture.handler(post('/api/sessions'))).status).toBe(201);
    const local = await fixture.handler(post('/api/sessions', {}, 'http://localhost:3000'));
    expect(local.status).toBe(201);
    const rebound = await fixture.handler(
      post('/api/sessions', { origin: 'http://evil.example:8080' }, 'http://evil.example:8080'),
    );
    expect(rebound.status).toBe(403);
    expect(await rebound.json()).toMatchObject({ error: { code: 'forbidden_origin' } });
  });

  it('takes an https page on the same host as same-origin behind a TLS-ending proxy', async () => {
    fixture = await createFixture();
    const proxied = await fixture.handler(
      post('/api/sessions', { origin: 'https://chat.example.com' }, 'http://chat.example.com'),
    );
    expect(proxied.status).toBe(201);
    // Not the other way round, and not another host.
    const downgraded = await fixture.handler(
      post('/api/sessions', { origin: 'http://chat.example.com' }, 'https://chat.example.com'),
    );
    expect(downgraded.status).toBe(403);
    const otherHost = await fixture.handler(
      post('/api/sessions', { origin: 'https://evil.example.com' }, 'http://chat.example.com'),
    );
    expect(otherHost.status).toBe(403);
  });

  it('lets ?access_token= through when the Authorization header is another scheme', async () => {
    fixture = await createFixture();
    const { session_id: id, token } = await session(fixture);
    const res = await fixture.handler(
      new Request(`${BASE}/api/sessions/${id}`, { headers: { authorization: `Bearer ${token}` } }),
    );
    expect(res.status).toBe(200);
    const started = await fixture.handler(
      new Request(`${BASE}/api/sessions/${id}/runs`, {
        method: 'POST',
        body: JSON.stringify({ message: 'hello' }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      }),
    );
    const { run_id: runId } = (await started.json()) as { run_id: string };
    await finished(fixture.runs, runId);
    const events = await fixture.handler(
      new Request(`${BASE}/api/runs/${runId}/events?access_token=${token}`, {
        headers: { authorization: 'Basic c3RhZ2luZzpzZWNyZXQ=' },
      }),
    );
    expect(events.status).toBe(200);
    expect(await events.text()).toContain('event: stream_complete');
  });

  it('refuses a jwtSecret that is not a string or bytes', async () => {
    fixture = await createFixture();
    for (const jwtSecret of [123, undefined, null]) {
      expect(() =>
        createGatewayHandler({ runs: fixture!.runs, auth: { jwtSecret: jwtSecret as never } }),
      ).toThrow(expect.objectContaining({ code: 'invalid_options' }));
    }
  });

  it('logs the path of a failed request, never its query (it may carry a token)', async () => {
    fixture = await createFixture({
      wrapRuns: (runs) => ({
        ...runs,
        getRun: () => Promise.reject(new Error('store down')),
      }),
    });
    const { token } = await session(fixture);
    const res = await fixture.handler(
      new Request(`${BASE}/api/runs/r1/events?access_token=${token}`),
    );
    expect(res.status).toBe(500);
    const logged = JSON.stringify(fixture.logger.errors);
    expect(logged).toContain('/api/runs/r1/events');
    expect(logged).not.toContain(token);
  });

  it('answers too_many_sessions with 429 and retry-after', async () => {
    fixture = await createFixture({
      wrapRuns: (runs) => ({
        ...runs,
        createSession: async () => {
          const { GatewayError } = await import('@claude-gateway/core');
          throw new GatewayError('too_many_sessions', 'full');
        },
      }),
    });
    const res = await fixture.handler(post('/api/sessions'));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('60');
    expect(await res.json()).toMatchObject({ error: { code: 'too_many_sessions' } });
  });
});
