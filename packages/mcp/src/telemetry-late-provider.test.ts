// Its own file: it needs the process without a global tracer provider at
// first (telemetry.test.ts registers one for all its tests).
import { trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { managersShutDownAfterEach, nodeServer, serverEntries } from './test-servers.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const createMcpClientManager = managersShutDownAfterEach();

afterAll(async () => {
  await provider.shutdown();
  trace.disable();
});

describe('MCP spans: a tracer provider registered after the manager started', () => {
  it('starts no span while none is registered, and spans once one is', async () => {
    const manager = createMcpClientManager({
      servers: { everything: nodeServer(serverEntries.everything, ['stdio']) },
      startupTimeoutMs: 60_000,
    });
    expect((await manager.startup())[0]?.state).toBe('ready');
    expect((await manager.callTool('echo', { message: 'before' })).error).toBeUndefined();

    trace.setGlobalTracerProvider(provider);
    expect((await manager.callTool('echo', { message: 'after' })).error).toBeUndefined();

    const calls = exporter.getFinishedSpans().filter((s) => s.name === 'tools/call echo');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.attributes['claude_gateway.mcp.server']).toBe('everything');
  });
});
