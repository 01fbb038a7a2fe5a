import { EventSource, type FetchLike } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EVENT_TYPES, isTerminalEvent, type GatewayEvent } from '@claude-gateway/core';
import { startChatServer, type ChatServer } from './chat-server.js';

interface Received {
  id: number;
  event: GatewayEvent;
}

let server: ChatServer;

beforeAll(async () => {
  vi.stubEnv('ANTHROPIC_API_KEY', undefined); // always the offline demo model
  server = await startChatServer({ port: 0, demoDelayMs: 5 });
});
afterAll(async () => {
  await server.close();
  vi.unstubAllEnvs();
});

interface Session {
  id: string;
  token: string;
}

async function post(
  path: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; json: unknown }> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(`${server.url}/api${path}`, {
    method: 'POST',
    body: raw,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
  });
  return { status: res.status, json: await res.json() };
}

async function newSession(): Promise<Session> {
  const { status, json } = await post('/sessions', {});
  expect(status).toBe(201);
  const { session_id: id, token } = json as { session_id: string; token: string };
  return { id, token };
}

/** Starts a run in a new session (or `session`); resolves with its id and session. */
async function startRun(message: string, session?: Session) {
  const owner = session ?? (await newSession());
  const { status, json } = await post(`/sessions/${owner.id}/runs`, { message }, owner.token);
  expect(status).toBe(202);
  return { runId: (json as { run_id: string }).run_id, session: owner };
}

/** A real EventSource on a run; closes itself on the terminal event. */
function follow(run: { runId: string; session: Session }, fetchImpl?: FetchLike) {
  // EventSource cannot set headers: the token goes in ?access_token= (events route only).
  const es = new EventSource(
    `${server.url}/api/runs/${run.runId}/events?access_token=${run.session.token}`,
    fetchImpl && { fetch: fetchImpl },
  );
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  const onEvent = (e: Event) => {
    // `event: error` (the run's terminal event) and the EventSource's own
    // connection `error` share a name: only the former carries data.
    if (!(e instanceof MessageEvent)) return;
    const entry = {
      id: Number(e.lastEventId),
      event: JSON.parse(e.data as string) as GatewayEvent,
    };
    received.push(entry);
    if (isTerminalEvent(entry.event)) es.close();
    for (const wake of waiters) wake();
  };
  for (const type of EVENT_TYPES) es.addEventListener(type, onEvent);

  function until(predicate: (r: Received) => boolean): Promise<Received> {
    return new Promise((resolve) => {
      const check = () => {
        const hit = received.find(predicate);
        if (hit) {
          waiters.delete(check);
          resolve(hit);
        }
      };
      waiters.add(check);
      check();
    });
  }
  const done = until((r) => isTerminalEvent(r.event)).then(() => received);
  return { es, received, until, done };
}

const types = (received: Received[]) => received.map((r) => r.event.type);
const byType = <T extends GatewayEvent['type']>(received: Received[], type: T) =>
  received
    .map((r) => r.event)
    .filter((e): e is Extract<GatewayEvent, { type: T }> => e.type === type);

function expectContiguous(received: Received[]) {
  expect(received.map((r) => r.id)).toEqual(received.map((_, i) => i + 1));
}

/** A fetch whose open response body can be broken like a dropped network connection. */
function droppableFetch() {
  const requests: Headers[] = [];
  let drop: (() => void) | undefined;
  const fetchImpl: FetchLike = async (url, init) => {
    requests.push(new Headers(init.headers));
    const abort = new AbortController();
    const response = await fetch(url, {
      ...init,
      signal: AbortSignal.any([init.signal, abort.signal]),
    });
    const reader = response.body!.getReader();
    let fail!: (error: Error) => void;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => void (fail = (error) => controller.error(error)),
      pull: async (controller) => {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
    });
    // A TypeError (not an AbortError) is what a reset connection looks like,
    // so the EventSource reconnects; aborting the real request frees the server's reader.
    drop = () => {
      fail(new TypeError('connection reset'));
      abort.abort();
    };
    return {
      body,
      url: response.url,
      status: response.status,
      redirected: response.redirected,
      headers: response.headers,
    };
  };
  return { fetchImpl, requests, drop: () => drop?.() };
}

describe('chat server', () => {
  it('streams thinking, text, a tool call and its result, then stream_complete', async () => {
    const run = await startRun('What is the weather in "Paris"? Use get_weather');
    const { runId } = run;
    const received = await follow(run).done;

    expectContiguous(received);
    expect(received[0]?.event).toMatchObject({ type: 'run_start', run_id: runId });
    expect(types(received)).toEqual(
      expect.arrayContaining(['thinking_delta', 'text_delta', 'tool_use', 'tool_result']),
    );
    expect(types(received).indexOf('thinking_delta')).toBeLessThan(
      types(received).indexOf('text_delta'),
    );
    const [use] = byType(received, 'tool_use');
    expect(use).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } });
    expect(byType(received, 'tool_result')).toEqual([
      expect.objectContaining({
        tool_use_id: use?.id,
        result: { city: 'Paris', forecast: 'sunny', temperature_c: 21 },
        source: 'local',
      }),
    ]);
    expect(received.at(-1)?.event).toMatchObject({ type: 'stream_complete', turns: 2 });
    expect(types(received)).not.toContain('tool_approval_request');
  });

  it('gates delete_file on an approval: forged nonce 403, decision 200, second decision 409', async () => {
    const run = await startRun('Please delete file "/tmp/report.txt"');
    const { runId, session } = run;
    const stream = follow(run);
    const { event: request } = await stream.until((r) => r.event.type === 'tool_approval_request');
    if (request.type !== 'tool_approval_request') throw new Error('unreachable');
    expect(request).toMatchObject({ name: 'delete_file', input: { path: '/tmp/report.txt' } });
    const decision = { tool_use_id: request.tool_use_id, approved: true };

    const forged = await post(
      `/runs/${runId}/approvals`,
      { ...decision, nonce: 'forged' },
      session.token,
    );
    expect(forged).toEqual({
      status: 403,
      json: { error: { code: 'nonce_mismatch', message: expect.any(String) } },
    });
    // Another session cannot decide it, even with the right nonce.
    const other = await startRun('Hello there');
    const elsewhere = await post(
      `/runs/${other.runId}/approvals`,
      { ...decision, nonce: request.nonce },
      other.session.token,
    );
    expect(elsewhere.status).toBe(404);

    const body = { ...decision, nonce: request.nonce };
    const ok = await post(`/runs/${runId}/approvals`, body, session.token);
    expect(ok).toEqual({ status: 200, json: { status: 'ok' } });
    const again = await post(`/runs/${runId}/approvals`, body, session.token);
    expect(again).toMatchObject({ status: 409, json: { error: { code: 'already_decided' } } });

    const received = await stream.done;
    expectContiguous(received);
    expect(byType(received, 'tool_approval_decision')).toEqual([
      expect.objectContaining({
        tool_use_id: request.tool_use_id,
        approved: true,
        reason: 'approved',
      }),
    ]);
    expect(byType(received, 'tool_result')).toEqual([
      expect.objectContaining({
        tool_use_id: request.tool_use_id,
        result: { deleted: '/tmp/report.txt' },
      }),
    ]);
    expect(received.at(-1)?.event.type).toBe('stream_complete');
  });

  it('gates the same prompt again in a second run (regression: demo tool ids were reused)', async () => {
    const requests = [];
    const session = await newSession(); // and the second run sees the first in its history
    for (const _ of [1, 2]) {
      const run = await startRun('Please delete file "/tmp/twice.txt"', session);
      const stream = follow(run);
      const { event } = await stream.until((r) => r.event.type === 'tool_approval_request');
      if (event.type !== 'tool_approval_request') throw new Error('unreachable');
      requests.push(event);
      const denial = { tool_use_id: event.tool_use_id, nonce: event.nonce, approved: false };
      await post(`/runs/${run.runId}/approvals`, denial, session.token);
      const received = await stream.done;
      expect(byType(received, 'tool_result')[0]?.error?.code).toBe('user_denied');
    }
    expect(requests[1]!.tool_use_id).not.toBe(requests[0]!.tool_use_id);
  });

  it('resumes a dropped connection with Last-Event-ID: no gap, no duplicate', async () => {
    const run = await startRun('Tell me a long story in detail, please');
    const network = droppableFetch();
    const stream = follow(run, network.fetchImpl);
    const before = await stream.until((r) => r.id === 8);
    expect(isTerminalEvent(before.event)).toBe(false);
    network.drop(); // mid-run

    const received = await stream.done;
    expect(network.requests).toHaveLength(2);
    expect(network.requests[0]?.get('last-event-id')).toBeNull();
    const resumedAfter = Number(network.requests[1]?.get('last-event-id'));
    expect(resumedAfter).toBeGreaterThanOrEqual(8);
    expect(resumedAfter).toBeLessThan(received.length);
    expectContiguous(received);
    expect(received.at(-1)?.event.type).toBe('stream_complete');

    // What arrived over two connections is exactly the run's log.
    const replay = await follow(run).done;
    expect(received).toEqual(replay);
  });

  it('cancel ends the run with error { code: "cancelled" }', async () => {
    const run = await startRun('Please delete file "/tmp/cancel-me.txt"');
    const { runId, session } = run;
    const stream = follow(run);
    const { event: request } = await stream.until((r) => r.event.type === 'tool_approval_request');
    if (request.type !== 'tool_approval_request') throw new Error('unreachable');

    expect(await post(`/runs/${runId}/cancel`, {}, session.token)).toEqual({
      status: 202,
      json: { status: 'ok' },
    });
    const received = await stream.done;
    expectContiguous(received);
    expect(received.at(-1)?.event).toMatchObject({ type: 'error', code: 'cancelled' });
    expect(byType(received, 'tool_result')).toEqual([
      expect.objectContaining({
        tool_use_id: request.tool_use_id,
        error: expect.objectContaining({ code: 'cancelled' }),
      }),
    ]);

    const late = await post(
      `/runs/${runId}/approvals`,
      { tool_use_id: request.tool_use_id, nonce: request.nonce, approved: true },
      session.token,
    );
    expect(late).toMatchObject({ status: 409, json: { error: { code: 'already_decided' } } });
    const again = await post(`/runs/${runId}/cancel`, {}, session.token);
    expect(again).toMatchObject({ status: 409, json: { error: { code: 'run_ended' } } });
  });

  it('close() cancels active runs and open streams still get their terminal event', async () => {
    const own = await startChatServer({ port: 0 });
    try {
      const headers = { 'content-type': 'application/json' };
      const created = await fetch(`${own.url}/api/sessions`, { method: 'POST', headers });
      const { session_id: sessionId, token } = (await created.json()) as Record<string, string>;
      const res = await fetch(`${own.url}/api/sessions/${sessionId}/runs`, {
        method: 'POST',
        headers: { ...headers, authorization: `Bearer ${token}` },
        body: JSON.stringify({ message: 'Please delete file "/tmp/at-shutdown.txt"' }),
      });
      const { run_id: runId } = (await res.json()) as { run_id: string };
      const es = new EventSource(`${own.url}/api/runs/${runId}/events?access_token=${token}`);
      const seen: string[] = [];
      const ended = new Promise<GatewayEvent>((resolve) => {
        const onEvent = (e: Event) => {
          if (!(e instanceof MessageEvent)) return;
          const event = JSON.parse(e.data as string) as GatewayEvent;
          seen.push(event.type);
          if (event.type === 'tool_approval_request') void own.close();
          if (isTerminalEvent(event)) resolve(event);
        };
        for (const type of EVENT_TYPES) es.addEventListener(type, onEvent);
      });
      expect(await ended).toMatchObject({ type: 'error', code: 'cancelled' });
      es.close();
      expect(seen).toContain('tool_approval_request');
    } finally {
      await own.close();
    }
  });

  it('rejects its start promise when the port is taken', async () => {
    const port = Number(new URL(server.url).port);
    await expect(startChatServer({ port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('answers bad requests with { error: { code, message } }', async () => {
    const session = await newSession();
    const runs = `/sessions/${session.id}/runs`;
    expect(await post(runs, '{"message":', session.token)).toMatchObject({
      status: 400,
      json: { error: { code: 'invalid_request', message: expect.any(String) } },
    });
    expect(await post(runs, { message: 42 }, session.token)).toMatchObject({
      status: 400,
      json: { error: { code: 'invalid_request' } },
    });
    expect(await post(runs, { message: 'hi' })).toMatchObject({
      status: 401,
      json: { error: { code: 'unauthorized' } },
    });
    const { runId } = await startRun('Hi', session);
    expect(await post(`/runs/${runId}/approvals`, 'nope', session.token)).toMatchObject({
      status: 400,
      json: { error: { code: 'invalid_request' } },
    });
    expect(
      await post(`/runs/${runId}/approvals`, { tool_use_id: 'toolu_x', nonce: 'n' }, session.token),
    ).toMatchObject({ status: 400 });
    expect(await post('/runs/no-such-run/cancel', {}, session.token)).toMatchObject({
      status: 404,
      json: { error: { code: 'run_not_found' } },
    });
    const badResume = await fetch(`${server.url}/api/runs/${runId}/events`, {
      headers: { 'last-event-id': 'abc', authorization: `Bearer ${session.token}` },
    });
    expect(badResume.status).toBe(400);
    expect(await badResume.json()).toMatchObject({ error: { code: 'invalid_last_event_id' } });
  });
});
