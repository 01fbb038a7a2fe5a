// A source call carries the tool call it serves (`options.context`), straight
// from the dispatcher: no interceptor or wrapper needed.
import { createAgentRunner, createEventLog, type GatewayEvent } from '@claude-gateway/core';
import {
  startMockAnthropic,
  textTurn,
  toolUseTurn,
  type MockAnthropic,
} from '@claude-gateway/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createApprovalBroker } from './approval-broker.js';
import { createElicitationBroker } from './elicitation-broker.js';
import {
  call,
  fakeSource,
  makeContext,
  objectSchema,
  recordingLogger,
  waitForEvent,
} from './test-helpers.js';
import { createToolDispatcher } from './tool-dispatcher.js';

const lookup = { name: 'lookup', description: 'looks up', input_schema: objectSchema('q') };

let mock: MockAnthropic | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

describe('source call context', () => {
  it('gives each source call the tool_use id, session, run, call index and log of its call', async () => {
    const source = fakeSource('srv', [lookup]);
    const dispatcher = createToolDispatcher({ sources: [source] });
    const ctx = makeContext({ sessionId: 's-9', runId: 'run-7', callIndex: 3 });
    const outcome = await dispatcher.execute(call('lookup', { q: 'x' }, 'toolu_42'), ctx);
    expect(outcome).toMatchObject({ result: { name: 'lookup' }, source: 'mcp:srv' });
    const context = source.calls[0]?.options?.context;
    expect(context).toEqual({
      toolUseId: 'toolu_42',
      sessionId: 's-9',
      runId: 'run-7',
      callIndex: 3,
      log: ctx.log,
    });
    expect(context?.log).toBe(ctx.log);
    // Each call gets its own: the second call's id, not the first's.
    await dispatcher.execute(call('lookup', { q: 'y' }, 'toolu_43'), { ...ctx, callIndex: 4 });
    expect(source.calls[1]?.options?.context).toMatchObject({
      toolUseId: 'toolu_43',
      callIndex: 4,
    });
  });

  it('carries the context past an approval gate and an interceptor that rewrites the input', async () => {
    const source = fakeSource('srv', [lookup]);
    const approvals = createApprovalBroker({ logger: recordingLogger() });
    const dispatcher = createToolDispatcher({
      sources: [source],
      approvals,
      needsApproval: ['lookup'],
      interceptors: [(c, _ctx, next) => next({ ...c, input: { q: 'rewritten' } })],
    });
    const ctx = makeContext({ sessionId: 's-1' });
    const running = dispatcher.execute(call('lookup', { q: 'x' }, 'toolu_gated'), ctx);
    const request = await waitForEvent(ctx.log, 'tool_approval_request');
    expect(
      await approvals.decide({
        toolUseId: request.tool_use_id,
        nonce: request.nonce,
        approved: true,
        sessionId: 's-1',
      }),
    ).toBe('ok');
    expect(await running).toMatchObject({ result: { input: { q: 'rewritten' } } });
    expect(source.calls[0]?.options?.context).toMatchObject({
      toolUseId: 'toolu_gated',
      sessionId: 's-1',
      runId: ctx.runId,
    });
  });

  it('lets a source reach the person behind a run: an elicitation under the real runner', async () => {
    mock = await startMockAnthropic({
      script: [toolUseTurn('lookup', { q: 'name' }, { id: 'toolu_ask' }), textTurn('Thanks.')],
      logger: recordingLogger(),
    });
    const elicitations = createElicitationBroker({ logger: recordingLogger() });
    // What the MCP client manager does when its server asks mid-call.
    const source = fakeSource('srv', [lookup], async (_name, _input, options) => {
      const context = options?.context;
      if (!context) return { error: { code: 'mcp_error', message: 'no context' } };
      const answer = await elicitations.elicit(
        {
          server: 'srv',
          message: 'Your name?',
          requestedSchema: { type: 'object', properties: { name: { type: 'string' } } },
        },
        { ...context, signal: options.signal ?? new AbortController().signal },
      );
      return { result: answer, source: 'mcp:srv' };
    });
    const log = createEventLog({ meta: { sessionId: 'session-a' } });
    const runner = createAgentRunner({
      apiKey: 'test-key',
      baseURL: mock.url,
      model: 'claude-haiku-4-5',
      retry: { maxRetries: 0, stallTimeoutMs: 10_000 },
      logger: recordingLogger(),
      tools: createToolDispatcher({ sources: [source], logger: recordingLogger() }),
    });
    const running = runner.run({ messages: [{ role: 'user', content: 'ask me' }], log });

    const request = await waitForEvent(log, 'elicitation_request');
    expect(request).toMatchObject({ tool_use_id: 'toolu_ask', server: 'srv' });
    // Another session cannot answer; the run's own can.
    const answer = {
      elicitationId: request.elicitation_id,
      nonce: request.nonce,
      action: 'accept' as const,
      content: { name: 'Ada' },
    };
    expect(await elicitations.respond({ ...answer, sessionId: 'session-b' })).toEqual({
      status: 'not_found',
    });
    expect(await elicitations.respond({ ...answer, sessionId: 'session-a' })).toEqual({
      status: 'ok',
    });

    const result = await running;
    expect(result.error).toBeUndefined();
    const events: GatewayEvent[] = [];
    for await (const entry of log.read()) events.push(entry.event);
    expect(events.find((e) => e.type === 'tool_result')).toMatchObject({
      tool_use_id: 'toolu_ask',
      result: { action: 'accept', content: { name: 'Ada' } },
    });
    expect(source.calls[0]?.options?.context).toMatchObject({
      toolUseId: 'toolu_ask',
      sessionId: 'session-a',
      runId: log.id,
      log,
    });
  });
});
