import { overloadedTurn, textTurn, toolUseTurn } from '@claude-gateway/testing';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { context, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEventLog } from './memory-event-log.js';
import { closeMocks, runnerFor, startMock, user } from './runner-test-helpers.js';
import type { ToolExecutor } from './tools.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(provider);
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});
afterEach(async () => {
  exporter.reset();
  await closeMocks();
});

const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

/** A gated tool as the dispatcher runs one: request, a person's decision, then the call. */
const gatedTools: ToolExecutor = {
  definitions: () => [
    { name: 'deploy', description: 'Deploys', input_schema: { type: 'object', properties: {} } },
  ],
  async execute(call, ctx) {
    await ctx.log.append({
      type: 'tool_approval_request',
      tool_use_id: call.id,
      name: call.name,
      input: call.input,
      nonce: 'n',
      expires_at: Date.now() + 60_000,
    });
    await new Promise((resolve) => setImmediate(resolve));
    await ctx.log.append({
      type: 'tool_approval_decision',
      tool_use_id: call.id,
      approved: true,
      reason: 'approved',
    });
    return { result: 'deployed', source: 'mcp:ops' };
  },
};

describe('OpenTelemetry spans', () => {
  it('trace a tool-loop run with a retry and an approval as one tree, the SDK’s spans inside', async () => {
    const mock = await startMock([
      overloadedTurn(),
      {
        ...toolUseTurn('deploy', {}, { id: 'toolu_deploy' }),
        usage: {
          input_tokens: 100,
          output_tokens: 10,
          cache_read_input_tokens: 50,
          cache_creation_input_tokens: 0,
        },
      },
      { ...textTurn('Deployed.'), usage: { input_tokens: 120, output_tokens: 5 } },
    ]);
    const log = createEventLog({ meta: { sessionId: 'session-1' } });
    const result = await runnerFor(mock, { tools: gatedTools, model: 'claude-sonnet-4-6' }).run({
      messages: [user('deploy it')],
      log,
    });
    expect(result.error).toBeUndefined();

    const spans = exporter.getFinishedSpans();
    const named = (name: string) => spans.filter((s) => s.name === name);
    const [run] = named('invoke_agent claude-gateway');
    expect(run).toBeDefined();
    expect(parentOf(run!)).toBeUndefined();
    expect(run!.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-4-6',
      'gen_ai.conversation.id': 'session-1',
      'claude_gateway.run.id': log.id,
      'claude_gateway.session.id': 'session-1',
      'claude_gateway.turns': 2,
      'claude_gateway.cost_usd': result.costUsd!,
      'gen_ai.usage.output_tokens': 15,
      'gen_ai.response.finish_reasons': ['end_turn'],
    });

    // Three model attempts: the overloaded one, its retry, the final turn.
    const chats = named('chat claude-sonnet-4-6').sort(
      (a, b) =>
        String(a.attributes['claude_gateway.turn']).localeCompare(
          String(b.attributes['claude_gateway.turn']),
        ) ||
        Number(a.attributes['claude_gateway.attempt']) -
          Number(b.attributes['claude_gateway.attempt']),
    );
    expect(
      chats.map((s) => [
        s.attributes['claude_gateway.turn'],
        s.attributes['claude_gateway.attempt'],
      ]),
    ).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
    ]);
    for (const chat of chats) {
      expect(parentOf(chat)).toBe(run!.spanContext().spanId);
      expect(chat.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.request.model': 'claude-sonnet-4-6',
      });
    }
    expect(chats[0]!.status.code).toBe(2); // ERROR
    expect(chats[0]!.attributes['error.type']).toBe('overloaded_error');
    expect(chats[1]!.attributes).toMatchObject({
      'gen_ai.response.finish_reasons': ['tool_use'],
      'gen_ai.usage.input_tokens': 150,
      'gen_ai.usage.output_tokens': 10,
      'gen_ai.usage.cache_read.input_tokens': 50,
      'gen_ai.usage.cache_creation.input_tokens': 0,
    });

    // The SDK's own call spans are children of our attempts, one each.
    const sdkSpans = named('anthropic.messages.create');
    expect(sdkSpans).toHaveLength(3);
    expect(sdkSpans.map(parentOf).sort()).toEqual(chats.map((s) => s.spanContext().spanId).sort());

    const [tool] = named('execute_tool deploy');
    expect(parentOf(tool!)).toBe(run!.spanContext().spanId);
    expect(tool!.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'deploy',
      'gen_ai.tool.call.id': 'toolu_deploy',
      'claude_gateway.tool.source': 'mcp:ops',
    });
    const [wait] = named('await_approval deploy');
    expect(parentOf(wait!)).toBe(tool!.spanContext().spanId);
    expect(wait!.attributes).toMatchObject({
      'gen_ai.tool.call.id': 'toolu_deploy',
      'claude_gateway.approval.approved': true,
      'claude_gateway.approval.reason': 'approved',
    });
    // Every span of the run is in one trace.
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);
  });

  it('a sub-agent’s run is a child of the parent’s tool call', async () => {
    const mock = await startMock((request) => {
      const child = JSON.stringify(request.body.system ?? '').includes('helper');
      if (child) return textTurn('Helped.');
      const answered = JSON.stringify(request.body.messages).includes('tool_result');
      return answered
        ? textTurn('Done.')
        : toolUseTurn('helper', { task: 'help' }, { id: 'toolu_help' });
    });
    const result = await runnerFor(mock, {
      subAgents: [{ name: 'helper', description: 'Helps.', systemPrompt: 'You are a helper.' }],
    }).run({ messages: [user('go')], log: createEventLog() });
    expect(result.error).toBeUndefined();
    const spans = exporter.getFinishedSpans();
    const call = spans.find((s) => s.name === 'execute_tool helper')!;
    const child = spans.find((s) => s.name === 'invoke_agent helper')!;
    expect(parentOf(child)).toBe(call.spanContext().spanId);
    expect(child.attributes['gen_ai.agent.name']).toBe('helper');
  });

  it('records nothing with tracing: false', async () => {
    const mock = await startMock([textTurn('Hi.')]);
    const result = await runnerFor(mock, { tracing: false }).run({
      messages: [user('hi')],
      log: createEventLog(),
    });
    expect(result.error).toBeUndefined();
    expect(exporter.getFinishedSpans().filter((s) => !s.name.startsWith('anthropic.'))).toEqual([]);
  });

  it('uses a tracer provider given in the options', async () => {
    const own = new InMemorySpanExporter();
    const ownProvider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(own)],
    });
    const mock = await startMock([textTurn('Hi.')]);
    await runnerFor(mock, { tracing: { tracerProvider: ownProvider } }).run({
      messages: [user('hi')],
      log: createEventLog(),
    });
    expect(
      own
        .getFinishedSpans()
        .map((s) => s.name)
        .sort(),
    ).toEqual(['chat claude-haiku-4-5', 'invoke_agent claude-gateway']);
    await ownProvider.shutdown();
  });
});
