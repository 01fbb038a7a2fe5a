import { GatewayError } from '@claude-gateway/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApprovalBroker } from './approval-broker.js';
import { createElicitationBroker, type ElicitationCallContext } from './elicitation-broker.js';
import { createMemoryApprovalStore } from './memory-approval-store.js';
import { eventsOf, makeContext, recordingLogger, waitForEvent } from './test-helpers.js';

const schema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1 },
    age: { type: 'integer', default: 30 },
    color: { type: 'string', enum: ['red', 'blue'], default: 'red' },
  },
  required: ['name'],
};

const request = { server: 'everything', message: 'Who are you?', requestedSchema: schema };

function context(overrides: Parameters<typeof makeContext>[0] = {}) {
  const base = makeContext(overrides);
  const ctx: ElicitationCallContext = {
    toolUseId: 'toolu_1',
    sessionId: base.sessionId,
    runId: base.runId,
    callIndex: 0,
    log: base.log,
    signal: base.signal,
  };
  return { ctx, log: base.log, controller: base.controller };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('createElicitationBroker', () => {
  it('refuses what MCP does not allow in an answer: extra fields, nested values, bad formats', async () => {
    const broker = createElicitationBroker({ logger: recordingLogger() });
    const { ctx, log } = context();
    const formSchema = {
      type: 'object',
      properties: {
        email: { type: 'string', format: 'email' },
        homepage: { type: 'string', format: 'uri' },
        birthdate: { type: 'string', format: 'date' },
        tags: { type: 'array', items: { type: 'string' } },
      },
    };
    const answer = broker.elicit({ ...request, requestedSchema: formSchema }, ctx);
    const event = await waitForEvent(log, 'elicitation_request');
    const respond = (content: unknown) =>
      broker.respond({
        elicitationId: event.elicitation_id,
        nonce: event.nonce,
        action: 'accept',
        content,
        sessionId: 'session-1',
      });
    const refused = async (content: unknown, why: string) =>
      expect(await respond(content)).toEqual({
        status: 'invalid_content',
        message: expect.stringContaining(why),
      });
    await refused({ extra: 'x' }, 'did not ask for: extra');
    await refused({ email: 'definitely not an email' }, 'content.email is not a valid email');
    await refused({ homepage: 'not a uri' }, 'content.homepage is not a valid uri');
    await refused({ birthdate: 'yesterday' }, 'content.birthdate is not a valid date');
    const good = {
      email: 'ann@example.com',
      homepage: 'https://example.com',
      birthdate: '1990-05-01',
      tags: ['a', 'b'],
    };
    expect(await respond(good)).toEqual({ status: 'ok' });
    expect(await answer).toEqual({ action: 'accept', content: good });
  });

  it('cannot be answered through the approval broker that shares its store', async () => {
    const store = createMemoryApprovalStore();
    const broker = createElicitationBroker({ store, logger: recordingLogger() });
    const approvals = createApprovalBroker({ store });
    const { ctx, log } = context();
    const answer = broker.elicit(request, ctx);
    const event = await waitForEvent(log, 'elicitation_request');
    expect(
      await approvals.decide({
        toolUseId: `elicitation:${event.elicitation_id}`,
        nonce: event.nonce,
        approved: true,
        sessionId: 'session-1',
      }),
    ).toBe('not_found');
    await broker.respond({
      elicitationId: event.elicitation_id,
      nonce: event.nonce,
      action: 'decline',
      sessionId: 'session-1',
    });
    expect(await answer).toEqual({ action: 'decline' });
  });

  it('publishes the request, accepts a valid answer with defaults applied, and logs no content', async () => {
    const broker = createElicitationBroker({ logger: recordingLogger() });
    const { ctx, log } = context();
    const answer = broker.elicit(request, ctx);
    const event = await waitForEvent(log, 'elicitation_request');
    expect(event).toMatchObject({
      tool_use_id: 'toolu_1',
      server: 'everything',
      message: 'Who are you?',
      requested_schema: schema,
    });
    expect(Buffer.from(event.nonce, 'base64url')).toHaveLength(32);
    const respond = (content: unknown) =>
      broker.respond({
        elicitationId: event.elicitation_id,
        nonce: event.nonce,
        action: 'accept',
        content,
        sessionId: 'session-1',
      });
    expect(await respond({ name: '' })).toMatchObject({
      status: 'invalid_content',
      message: expect.stringContaining('content/name'),
    });
    expect(await respond({ name: 'Ann', age: 'old' })).toMatchObject({ status: 'invalid_content' });
    expect(await respond({ name: 'Ann' })).toEqual({ status: 'ok' });
    expect(await answer).toEqual({
      action: 'accept',
      content: { name: 'Ann', age: 30, color: 'red' },
    });
    const response = await waitForEvent(log, 'elicitation_response');
    expect(response).toEqual({
      type: 'elicitation_response',
      elicitation_id: event.elicitation_id,
      action: 'accept',
      reason: 'answered',
    });
    expect(JSON.stringify(await eventsOf(log))).not.toContain('Ann');
    // First answer wins.
    expect(await respond({ name: 'Bob' })).toEqual({ status: 'already_decided' });
  });

  it('answers not_found for another session, nonce_mismatch for a wrong nonce, and refuses an unscoped answer', async () => {
    const broker = createElicitationBroker();
    const { ctx, log, controller } = context();
    const answer = broker.elicit(request, ctx);
    const event = await waitForEvent(log, 'elicitation_request');
    const base = { elicitationId: event.elicitation_id, action: 'decline' as const };
    expect(await broker.respond({ ...base, nonce: event.nonce, sessionId: 'other' })).toEqual({
      status: 'not_found',
    });
    expect(
      await broker.respond({ ...base, nonce: 'x'.repeat(43), sessionId: 'session-1' }),
    ).toEqual({ status: 'nonce_mismatch' });
    expect(
      await broker.respond({
        ...base,
        elicitationId: 'nope',
        nonce: event.nonce,
        sessionId: 'session-1',
      }),
    ).toEqual({ status: 'not_found' });
    await expect(broker.respond({ ...base, nonce: event.nonce } as never)).rejects.toBeInstanceOf(
      GatewayError,
    );
    expect(await broker.respond({ ...base, nonce: event.nonce, sessionId: 'session-1' })).toEqual({
      status: 'ok',
    });
    expect(await answer).toEqual({ action: 'decline' });
    controller.abort();
  });

  it("scopes an answer to the run whose log shows the request (a sub-agent's: the top-level run)", async () => {
    const broker = createElicitationBroker();
    const { ctx, log, controller } = context();
    const answer = broker.elicit(request, { ...ctx, runId: 'child-run', rootRunId: 'top-run' });
    const event = await waitForEvent(log, 'elicitation_request');
    const respond = (runId: string) =>
      broker.respond({
        elicitationId: event.elicitation_id,
        nonce: event.nonce,
        action: 'decline',
        sessionId: 'session-1',
        runId,
      });
    expect(await respond('child-run')).toEqual({ status: 'not_found' });
    expect(await respond('another-run')).toEqual({ status: 'not_found' });
    expect(await respond('top-run')).toEqual({ status: 'ok' });
    expect(await answer).toEqual({ action: 'decline' });
    controller.abort();
  });

  it('answers cancel at expiry, and a late answer gets expired', async () => {
    vi.useFakeTimers({ now: 1_000 });
    const broker = createElicitationBroker({ timeoutMs: 5_000 });
    const { ctx, log } = context();
    const answer = broker.elicit(request, ctx);
    const event = await waitForEvent(log, 'elicitation_request');
    expect(event.expires_at).toBe(6_000);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await answer).toEqual({ action: 'cancel' });
    expect(await waitForEvent(log, 'elicitation_response')).toMatchObject({
      action: 'cancel',
      reason: 'expired',
    });
    expect(
      await broker.respond({
        elicitationId: event.elicitation_id,
        nonce: event.nonce,
        action: 'accept',
        content: { name: 'Ann' },
        sessionId: 'session-1',
      }),
    ).toEqual({ status: 'expired' });
  });

  it('answers cancel when the run is cancelled while waiting', async () => {
    const broker = createElicitationBroker();
    const { ctx, log, controller } = context();
    const answer = broker.elicit(request, ctx);
    await waitForEvent(log, 'elicitation_request');
    controller.abort();
    expect(await answer).toEqual({ action: 'cancel' });
    expect(await waitForEvent(log, 'elicitation_response')).toMatchObject({
      action: 'cancel',
      reason: 'cancelled',
    });
  });

  it('declines without asking when the schema cannot be checked', async () => {
    const logger = recordingLogger();
    const broker = createElicitationBroker({ logger });
    const { ctx, log } = context();
    const answer = await broker.elicit(
      { ...request, requestedSchema: { type: 'object', properties: { a: { type: 'nonsense' } } } },
      ctx,
    );
    expect(answer).toEqual({ action: 'decline' });
    expect(await eventsOf(log)).toEqual([]);
    expect(logger.warnings[0]).toContain('cannot be checked');
  });
});
