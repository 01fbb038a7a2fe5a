import {
  createAgentRunner,
  createEventLog,
  type ToolExecutor,
  type ToolOutcome,
  type ToolSource,
} from '@claude-gateway/core';
import {
  startMockAnthropic,
  textTurn,
  toolUseTurn,
  type MockAnthropic,
} from '@claude-gateway/testing';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { managersShutDownAfterEach, nodeServer, serverEntries } from './test-servers.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();
const createMcpClientManager = managersShutDownAfterEach();
const mocks: MockAnthropic[] = [];

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
  await Promise.all(mocks.splice(0).map((mock) => mock.close()));
});

const SPAN_KIND_CLIENT = 2;
const STATUS_ERROR = 2;
const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
const everything = () => ({ everything: nodeServer(serverEntries.everything, ['stdio']) });

/** The runner's executor over an MCP source, passing the call's context as a dispatcher does. */
function executorOver(source: ToolSource): ToolExecutor {
  return {
    definitions: () => source.listTools(),
    execute: (call, ctx) =>
      source.callTool(call.name, call.input, {
        signal: ctx.signal,
        context: {
          toolUseId: call.id,
          sessionId: ctx.sessionId,
          runId: ctx.runId,
          callIndex: ctx.callIndex,
          log: ctx.log,
        },
      }),
  };
}

describe('OpenTelemetry spans of MCP requests', () => {
  it('puts a tools/call span under the runner’s execute_tool span, tools/list spans at startup', async () => {
    const manager = createMcpClientManager({ servers: everything(), startupTimeoutMs: 60_000 });
    await manager.startup();
    const mock = await startMockAnthropic({
      script: [
        toolUseTurn('echo', { message: 'traced' }, { id: 'toolu_echo' }),
        textTurn('Echoed.'),
      ],
    });
    mocks.push(mock);
    const runner = createAgentRunner({
      apiKey: 'test-key',
      baseURL: mock.url,
      model: 'claude-haiku-4-5',
      tools: executorOver(manager),
      logger: { warn: () => undefined, error: () => undefined },
    });
    const log = createEventLog({ meta: { sessionId: 'session-1' } });
    const result = await runner.run({ messages: [{ role: 'user', content: 'echo' }], log });
    expect(result.error).toBeUndefined();

    const spans = exporter.getFinishedSpans();
    const [list] = spans.filter((s) => s.name === 'tools/list');
    expect(list).toBeDefined();
    expect(list!.kind).toBe(SPAN_KIND_CLIENT);
    expect(list!.attributes).toMatchObject({
      'mcp.method.name': 'tools/list',
      'claude_gateway.mcp.server': 'everything',
      'network.transport': 'pipe',
    });

    const tool = spans.find((s) => s.name === 'execute_tool echo');
    const calls = spans.filter((s) => s.name === 'tools/call echo');
    expect(tool).toBeDefined();
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    expect(parentOf(call)).toBe(tool!.spanContext().spanId);
    expect(call.spanContext().traceId).toBe(tool!.spanContext().traceId);
    expect(call.kind).toBe(SPAN_KIND_CLIENT);
    expect(call.status.code).not.toBe(STATUS_ERROR);
    expect(call.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'echo',
      'gen_ai.tool.call.id': 'toolu_echo',
      'claude_gateway.mcp.server': 'everything',
      'claude_gateway.run.id': log.id,
      'claude_gateway.session.id': 'session-1',
      'network.transport': 'pipe',
    });
    expect(tool!.attributes['claude_gateway.tool.source']).toBe('mcp:everything');
  }, 60_000);

  it('marks failed requests: status ERROR, error.type tool_error for the tool’s own failure, else the outcome’s code', async () => {
    const manager = createMcpClientManager({ servers: everything(), startupTimeoutMs: 60_000 });
    await manager.startup();
    const tracer = provider.getTracer('test');
    const [refused, late] = await tracer.startActiveSpan(
      'parent',
      async (parent): Promise<[ToolOutcome, ToolOutcome]> => {
        try {
          return [
            // `echo` without its `message`: the server answers with `isError`.
            await manager.callTool('echo', {}),
            // One step of 3 s: no progress before the 300 ms limit.
            await manager.callTool(
              'trigger-long-running-operation',
              { duration: 3, steps: 1 },
              { timeoutMs: 300 },
            ),
          ];
        } finally {
          parent.end();
        }
      },
    );
    expect(refused.error?.code).toBe('mcp_error');
    expect(late.error?.code).toBe('tool_timeout');
    const spans = exporter.getFinishedSpans();
    const parent = spans.find((s) => s.name === 'parent')!;
    const echo = spans.find((s) => s.name === 'tools/call echo')!;
    const long = spans.find((s) => s.name === 'tools/call trigger-long-running-operation')!;
    for (const span of [echo, long]) {
      expect(parentOf(span)).toBe(parent.spanContext().spanId);
      expect(span.status.code).toBe(STATUS_ERROR);
      // Outside any run: no call id, run or session.
      expect(span.attributes['gen_ai.tool.call.id']).toBeUndefined();
    }
    expect(echo.attributes['error.type']).toBe('tool_error');
    expect(long.attributes['error.type']).toBe('tool_timeout');
    expect(long.status.message).toContain('timed out');
  }, 60_000);

  it('records nothing with tracing: false, and uses a tracer provider given in the options', async () => {
    const off = createMcpClientManager({
      servers: everything(),
      startupTimeoutMs: 60_000,
      tracing: false,
    });
    await off.startup();
    expect((await off.callTool('echo', { message: 'quiet' })).error).toBeUndefined();
    expect(exporter.getFinishedSpans()).toEqual([]);

    const own = new InMemorySpanExporter();
    const ownProvider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(own)],
    });
    const manager = createMcpClientManager({
      servers: everything(),
      startupTimeoutMs: 60_000,
      tracing: { tracerProvider: ownProvider },
    });
    await manager.startup();
    await manager.callTool('echo', { message: 'mine' });
    expect(own.getFinishedSpans().map((s) => s.name)).toEqual(['tools/list', 'tools/call echo']);
    expect(exporter.getFinishedSpans()).toEqual([]);
    await ownProvider.shutdown();
  }, 60_000);
});
