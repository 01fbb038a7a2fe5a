// POST /api/runs/:id/elicitations: the answers of the elicitation broker on
// the wire. A run waiting for an approval stands in for a tool call; the
// test asks its person a question through the broker, as an MCP server would.
import { createElicitationBroker, type ElicitationAnswer } from '@claude-gateway/dispatch';
import { afterEach, describe, expect, it } from 'vitest';
import { createFixture, type Fixture } from './test/fixture.js';

const BASE = 'http://127.0.0.1:8080';

function post(path: string, body: unknown, token?: string): Request {
  return new Request(`${BASE}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: {
      'content-type': 'application/json',
      ...(token !== undefined && { authorization: `Bearer ${token}` }),
    },
  });
}

const schema = {
  type: 'object',
  properties: { city: { type: 'string' }, nights: { type: 'integer', minimum: 1, default: 2 } },
  required: ['city'],
};

describe('POST /api/runs/:id/elicitations', () => {
  let fixture: Fixture | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  async function waitingRun(fixture: Fixture) {
    const created = await fixture.handler(post('/api/sessions', {}));
    const { session_id: sessionId, token } = (await created.json()) as {
      session_id: string;
      token: string;
    };
    const start = async (message: string) => {
      const started = await fixture.handler(
        post(`/api/sessions/${sessionId}/runs`, { message }, token),
      );
      const { run_id: runId } = (await started.json()) as { run_id: string };
      return { runId, log: (await fixture.runs.openLog(runId))! };
    };
    // A finished run of the same session first: answers through it must not count.
    const earlier = await start('hello');
    for await (const entry of earlier.log.read()) void entry;
    const { runId, log } = await start('please run gated');
    for await (const entry of log.read()) {
      if (entry.event.type === 'tool_approval_request') break;
    }
    return { sessionId, token, runId, log, earlierRunId: earlier.runId };
  }

  it('answers like approvals, 400 for content that fails the schema, and the server gets the answer', async () => {
    const elicitations = createElicitationBroker();
    fixture = await createFixture({ handler: { elicitations } });
    const { sessionId, token, runId, log, earlierRunId } = await waitingRun(fixture);
    const asked = new AbortController();
    const answer: Promise<ElicitationAnswer> = elicitations.elicit(
      { server: 'travel', message: 'Where to?', requestedSchema: schema },
      { toolUseId: 'toolu_x', sessionId, runId, callIndex: 0, log, signal: asked.signal },
    );
    let request: { elicitation_id: string; nonce: string } | undefined;
    for await (const entry of log.read()) {
      if (entry.event.type === 'elicitation_request') {
        request = entry.event;
        break;
      }
    }
    const send = async (body: unknown, as = token, run = runId) => {
      const route = `/api/runs/${run}/elicitations`;
      const response = await fixture!.handler(post(route, body, as));
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const base = { elicitation_id: request!.elicitation_id, nonce: request!.nonce };

    expect(await send({ ...base, action: 'maybe' })).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_request' } },
    });
    const bad = await send({ ...base, action: 'accept', content: { nights: 0 } });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    expect(JSON.stringify(bad.body)).toContain('content');
    expect(await send({ ...base, nonce: 'x', action: 'decline' })).toMatchObject({
      status: 403,
      body: { error: { code: 'nonce_mismatch' } },
    });
    expect(
      await send({ elicitation_id: 'nope', nonce: base.nonce, action: 'decline' }),
    ).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    // Through another run of the same session: not that run's request.
    expect(await send({ ...base, action: 'decline' }, token, earlierRunId)).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found' } },
    });
    expect(await send({ ...base, action: 'accept', content: { city: 'Porto' } })).toEqual({
      status: 200,
      body: { status: 'ok' },
    });
    expect(await answer).toEqual({ action: 'accept', content: { city: 'Porto', nights: 2 } });
    expect(await send({ ...base, action: 'decline' })).toMatchObject({
      status: 409,
      body: { error: { code: 'already_decided' } },
    });
  });

  it('answers 404 when the server has no elicitation broker', async () => {
    fixture = await createFixture();
    const { token, runId } = await waitingRun(fixture);
    const response = await fixture.handler(
      post(
        `/api/runs/${runId}/elicitations`,
        { elicitation_id: 'e', nonce: 'n', action: 'decline' },
        token,
      ),
    );
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});
