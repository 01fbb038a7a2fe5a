// The HTTP API contract, part 2: runs — events and resume, cancel, approvals,
// one-shot chat, keep-alive after 413, auth off, CORS. Run through every mount.
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, mounted } from './contract-api.js';
import { Api, SseReader, type Mount } from './http.js';

interface RawAnswer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
  reusedSocket: boolean;
}

/** One request through `agent`, so the test can see whether the socket was reused. */
function rawRequest(
  agent: Agent,
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: Buffer | string },
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method, headers: init.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          reusedSocket: req.reusedSocket,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

export function describeRunsContract(name: string, mount: Mount): void {
  describe(`HTTP API contract (${name}): runs`, () => {
    let env: Awaited<ReturnType<typeof mounted>>;
    beforeAll(async () => {
      env = await mounted(mount);
    });
    afterAll(async () => {
      await env?.close();
    });

    it('streams a run as SSE and resumes from the middle with exactly the rest', async () => {
      const api = new Api(env.api.base);
      const { session_id } = await api.createSession();
      const runId = await api.startRun(session_id, 'hello there');
      const reader = await api.events(runId);
      expect(reader.response.status).toBe(200);
      expect(reader.response.headers.get('content-type')).toBe('text/event-stream');
      const all = await reader.rest();
      expect(reader.messages[0]?.retry).toBe('1000');
      expect(all[0]?.type).toBe('run_start');
      expect(all.at(-1)?.type).toBe('stream_complete');
      expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));

      const middle = all[Math.floor(all.length / 2)]!.seq;
      const rest = await api.allEvents(runId, { 'last-event-id': String(middle) });
      expect(rest.map((e) => e.seq)).toEqual(all.filter((e) => e.seq > middle).map((e) => e.seq));
      const byQuery = await (await api.events(runId, {}, `?lastEventId=${middle}`)).rest();
      expect(byQuery.map((e) => e.seq)).toEqual(rest.map((e) => e.seq));

      // Past the end of a closed log, or at its end: 204.
      const last = all.at(-1)!.seq;
      for (const position of [last, last + 50]) {
        const done = await api.request('GET', `/runs/${runId}/events`, {
          headers: { 'last-event-id': String(position) },
        });
        expect(done.status).toBe(204);
      }
      expectError(
        await api.json('GET', `/runs/${runId}/events`, { headers: { 'last-event-id': 'abc' } }),
        'invalid_last_event_id',
      );
    });

    it('answers 400 for a Last-Event-ID past the end of an open log; a disconnect never cancels the run', async () => {
      const api = new Api(env.api.base);
      const { session_id } = await api.createSession();
      const runId = await api.startRun(session_id, 'please run gated');
      const reader = await api.events(runId);
      const upTo = await reader.until('tool_approval_request');
      const request = upTo.at(-1)!;
      expect(request.type).toBe('tool_approval_request');
      // The client leaves mid-stream.
      await reader.cancel();

      const past = await api.json('GET', `/runs/${runId}/events`, {
        headers: { 'last-event-id': String(request.seq + 100) },
      });
      expectError(past, 'invalid_last_event_id');
      expect((await api.json<{ state: string }>('GET', `/runs/${runId}`)).body.state).toBe(
        'running',
      );

      const approved = await api.json('POST', `/runs/${runId}/approvals`, {
        json: {
          tool_use_id: request.event.tool_use_id,
          nonce: request.event.nonce,
          approved: true,
        },
      });
      expect(approved.status).toBe(200);
      expect(approved.body).toEqual({ status: 'ok' });
      const rest = await api.allEvents(runId, { 'last-event-id': String(request.seq) });
      expect(rest.map((e) => e.type)).toContain('tool_result');
      expect(rest.at(-1)?.type).toBe('stream_complete');
      expect((await api.json<{ state: string }>('GET', `/runs/${runId}`)).body.state).toBe(
        'completed',
      );
    });

    it('refuses a second run while one is active (409 run_active)', async () => {
      const api = new Api(env.api.base);
      const { session_id } = await api.createSession();
      const runId = await api.startRun(session_id, 'please run gated');
      const second = await api.json('POST', `/sessions/${session_id}/runs`, {
        json: { message: 'hello' },
      });
      expectError(second, 'run_active');
      const session = await api.json<{ active_run_id: string }>('GET', `/sessions/${session_id}`);
      expect(session.body.active_run_id).toBe(runId);
      expectError(await api.json('POST', '/chat', { json: { message: 'hi' } }), 'run_active');
      await api.json('POST', `/runs/${runId}/cancel`);
    });

    it('cancels a run waiting for approval; then 409 run_ended and 404 run_not_found', async () => {
      const api = new Api(env.api.base);
      const { session_id } = await api.createSession();
      const runId = await api.startRun(session_id, 'please run gated');
      const reader = await api.events(runId);
      await reader.until('tool_approval_request');
      const toolCalls = env.fixture.toolCalls.length;
      const cancelled = await api.json('POST', `/runs/${runId}/cancel`);
      expect(cancelled.status).toBe(202);
      expect(cancelled.body).toEqual({ status: 'ok' });
      const rest = await reader.rest();
      const decision = rest.find((e) => e.type === 'tool_approval_decision');
      expect(decision?.event).toMatchObject({ approved: false, reason: 'cancelled' });
      expect(rest.at(-1)?.event).toMatchObject({ type: 'error', code: 'cancelled' });
      expect(env.fixture.toolCalls).toHaveLength(toolCalls);

      const run = await api.json('GET', `/runs/${runId}`);
      expect(run.body).toMatchObject({ state: 'cancelled', error: { code: 'cancelled' } });
      expectError(await api.json('POST', `/runs/${runId}/cancel`), 'run_ended');
      expectError(await api.json('POST', '/runs/no-such-run/cancel'), 'run_not_found');
    });

    it('answers approvals: nonce_mismatch, not_found, already_decided; allow_tool_type skips later requests', async () => {
      const api = new Api(env.api.base);
      const { session_id } = await api.createSession();
      const earlier = await api.startRun(session_id, 'hello');
      expect((await api.allEvents(earlier)).at(-1)?.type).toBe('stream_complete');
      const runId = await api.startRun(session_id, 'please run gated');
      const reader = await api.events(runId);
      const request = (await reader.until('tool_approval_request')).at(-1)!;
      const toolUseId = String(request.event.tool_use_id);
      const nonce = String(request.event.nonce);
      const path = `/runs/${runId}/approvals`;

      expectError(
        await api.json('POST', path, {
          json: { tool_use_id: toolUseId, nonce: 'wrong', approved: true },
        }),
        'nonce_mismatch',
      );
      expectError(
        await api.json('POST', path, {
          json: { tool_use_id: 'toolu_nope', nonce, approved: true },
        }),
        'not_found',
      );
      // Through another run of the same session: not this run's call.
      expectError(
        await api.json('POST', `/runs/${earlier}/approvals`, {
          json: { tool_use_id: toolUseId, nonce, approved: true },
        }),
        'not_found',
      );
      const missingField = await api.json<{ error: { message: string } }>('POST', path, {
        json: { tool_use_id: toolUseId, nonce },
      });
      expectError(missingField, 'invalid_request');
      expect(missingField.body.error.message).toContain('approved');

      const ok = await api.json('POST', path, {
        json: { tool_use_id: toolUseId, nonce, approved: true, allow_tool_type: true },
      });
      expect(ok.status).toBe(200);
      expectError(
        await api.json('POST', path, { json: { tool_use_id: toolUseId, nonce, approved: true } }),
        'already_decided',
      );
      const first = await reader.rest();
      expect(first.find((e) => e.type === 'tool_approval_decision')?.event).toMatchObject({
        approved: true,
        reason: 'approved',
      });
      expect(first.at(-1)?.type).toBe('stream_complete');

      // A later run of the same session calls the tool without asking.
      const calls = env.fixture.toolCalls.length;
      const next = await api.allEvents(await api.startRun(session_id, 'gated once more'));
      const types = next.map((e) => e.type);
      expect(types).not.toContain('tool_approval_request');
      expect(next.find((e) => e.type === 'tool_result')?.event).toMatchObject({
        result: { done: 'x' },
      });
      expect(types.at(-1)).toBe('stream_complete');
      expect(env.fixture.toolCalls.length).toBe(calls + 1);
    });

    it('answers 410 expired for a decision after the approval expired', async () => {
      const local = await mounted(mount, { approvalTimeoutMs: 100 });
      try {
        const api = new Api(local.api.base);
        const { session_id } = await api.createSession();
        const runId = await api.startRun(session_id, 'please run gated');
        const entries = await api.allEvents(runId);
        const request = entries.find((e) => e.type === 'tool_approval_request')!;
        expect(entries.find((e) => e.type === 'tool_approval_decision')?.event).toMatchObject({
          reason: 'expired',
        });
        expectError(
          await api.json('POST', `/runs/${runId}/approvals`, {
            json: {
              tool_use_id: request.event.tool_use_id,
              nonce: request.event.nonce,
              approved: true,
            },
          }),
          'expired',
        );
      } finally {
        await local.close();
      }
    });

    it("POST /chat starts a run in the token's session and streams it in the response", async () => {
      const api = new Api(env.api.base);
      const { session_id } = await api.createSession();
      const response = await api.request('POST', '/chat', { json: { message: 'one shot' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/event-stream');
      const runId = response.headers.get('x-run-id');
      const entries = await new SseReader(response).rest();
      expect(entries[0]?.event).toMatchObject({ type: 'run_start', run_id: runId, session_id });
      expect(entries.at(-1)?.type).toBe('stream_complete');
      const text = entries
        .filter((e) => e.type === 'text_delta')
        .map((e) => String(e.event.text))
        .join('');
      expect(text).toBe('echo: one shot');
      const session = await api.json<{ runs: { run_id: string; message: string }[] }>(
        'GET',
        `/sessions/${session_id}`,
      );
      expect(session.body.runs).toEqual([
        expect.objectContaining({ run_id: runId, message: 'one shot' }),
      ]);
      expectError(
        await api.json('POST', '/chat', { json: { message: 'x' }, token: null }),
        'unauthorized',
      );
    });

    it('keeps a keep-alive connection usable after a 413', async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const api = new Api(env.api.base);
        const { session_id, token } = await api.createSession();
        const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
        const url = `${env.api.base}/sessions/${session_id}/runs`;
        const warmup = await rawRequest(agent, `${env.api.base}/sessions/${session_id}`, {
          method: 'GET',
          headers,
        });
        expect(warmup.status).toBe(200);
        const big = JSON.stringify({ message: 'x'.repeat(70_000) });
        const tooLarge = await rawRequest(agent, url, { method: 'POST', headers, body: big });
        expect(tooLarge.status).toBe(413);
        expect(JSON.parse(tooLarge.body)).toMatchObject({ error: { code: 'payload_too_large' } });
        expect(tooLarge.headers.connection).not.toBe('close');
        expect(tooLarge.reusedSocket).toBe(true);
        const good = await rawRequest(agent, url, {
          method: 'POST',
          headers,
          body: JSON.stringify({ message: 'after the big one' }),
        });
        expect(good.status).toBe(202);
        expect(good.reusedSocket).toBe(true);
      } finally {
        agent.destroy();
      }
    });

    it('with auth: false, answers token null, opens every session, and warns once', async () => {
      const local = await mounted(mount, { handler: { auth: false } });
      try {
        const api = new Api(local.api.base);
        const created = await api.createSession();
        expect(created.token).toBeNull();
        const other = await api.createSession();
        expect((await api.json('GET', `/sessions/${created.session_id}`)).status).toBe(200);
        expect((await api.json('GET', `/sessions/${other.session_id}`)).status).toBe(200);
        const runId = await api.startRun(created.session_id, 'hello');
        expect((await api.allEvents(runId)).at(-1)?.type).toBe('stream_complete');
        expectError(await api.json('POST', '/chat', { json: { message: 'x' } }), 'invalid_request');
        const chat = await api.request('POST', '/chat', {
          json: { message: 'chat here', session_id: other.session_id },
        });
        expect(chat.status).toBe(200);
        expect((await new SseReader(chat).rest()).at(-1)?.type).toBe('stream_complete');
        const warnings = local.fixture.logger.warnings.filter((w) => w.message.includes('auth'));
        expect(warnings).toHaveLength(1);
      } finally {
        await local.close();
      }
    });

    it('answers CORS for an allowed origin, preflights included, and 403 for others', async () => {
      const origin = 'https://app.example';
      const local = await mounted(mount, { handler: { allowedOrigins: [origin] } });
      try {
        const api = new Api(local.api.base);
        const preflight = await api.request('OPTIONS', '/sessions', {
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'authorization, content-type',
          },
        });
        expect(preflight.status).toBe(204);
        expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
        expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
        expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
        expect(preflight.headers.get('access-control-allow-headers')).toContain('last-event-id');

        const created = await api.request('POST', '/sessions', { headers: { origin } });
        expect(created.status).toBe(201);
        expect(created.headers.get('access-control-allow-origin')).toBe(origin);
        expect(created.headers.get('vary')).toMatch(/origin/i);
        const { token } = (await created.json()) as { token: string };
        api.token = token;

        const denied = await api.request('POST', '/sessions', {
          headers: { origin: 'https://evil.example' },
        });
        expect(denied.status).toBe(403);
        expect(denied.headers.get('access-control-allow-origin')).toBeNull();
        const deniedPreflight = await api.request('OPTIONS', '/sessions', {
          headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
        });
        expect(deniedPreflight.status).toBe(403);
      } finally {
        await local.close();
      }
    });
  });
}
