import { createEventLog } from '@claude-gateway/core';
import { describe, expect, it } from 'vitest';
import type { McpCallContext, McpElicitationRequest } from './client-features.js';
import {
  managersShutDownAfterEach,
  nodeServer,
  recordingLogger,
  serverEntries,
} from './test-servers.js';

const createManager = managersShutDownAfterEach();
const everything = () => nodeServer(serverEntries.everything, ['stdio']);

function callContext(sessionId = 'session-1') {
  const log = createEventLog({ id: 'run-1' });
  return { toolUseId: 'toolu_1', sessionId, runId: log.id, callIndex: 0, log };
}

const text = (outcome: { result?: unknown }) => JSON.stringify(outcome.result);

describe('elicitation', () => {
  it('declares the capability, relays the request with the call context, and applies defaults to the answer', async () => {
    const seen: { request: McpElicitationRequest; ctx: McpCallContext }[] = [];
    const manager = createManager({
      servers: { everything: everything() },
      startupTimeoutMs: 60_000,
      onElicitation: (request, ctx) => {
        seen.push({ request, ctx });
        return Promise.resolve({ action: 'accept', content: { name: 'Ann' } });
      },
    });
    await manager.startup();
    const context = callContext();
    const outcome = await manager.callTool('trigger-elicitation-request', {}, { context });
    expect(outcome.error).toBeUndefined();
    expect(text(outcome)).toContain('Name: Ann');
    // The schema's defaults, filled in for what the person left out.
    expect(text(outcome)).toContain('Favorite Integer: 42');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.request).toMatchObject({
      server: 'everything',
      message: 'Please provide inputs for the following fields:',
      requestedSchema: { type: 'object', required: ['name'] },
    });
    expect(seen[0]!.ctx).toMatchObject({
      toolUseId: 'toolu_1',
      sessionId: 'session-1',
      runId: 'run-1',
      log: context.log,
    });
    expect(seen[0]!.ctx.signal.aborted).toBe(false);
  }, 90_000);

  it('declines when two calls are in flight on the server: which one asks is unknown', async () => {
    const logger = recordingLogger();
    const asked: unknown[] = [];
    const manager = createManager({
      servers: { everything: everything() },
      startupTimeoutMs: 60_000,
      logger,
      onElicitation: (request) => {
        asked.push(request);
        return Promise.resolve({ action: 'accept', content: { name: 'Ann' } });
      },
    });
    await manager.startup();
    const stop = new AbortController();
    // A long call stays in flight (until aborted) while the second one asks.
    const long = manager.callTool(
      'trigger-long-running-operation',
      { duration: 30, steps: 30 },
      { signal: stop.signal, context: { ...callContext(), toolUseId: 'toolu_long' } },
    );
    const outcome = await manager.callTool(
      'trigger-elicitation-request',
      {},
      { context: { ...callContext(), toolUseId: 'toolu_ask', callIndex: 1 } },
    );
    stop.abort();
    await long;
    expect(text(outcome)).toContain('declined');
    expect(asked).toEqual([]);
    expect(logger.warnings.join('\n')).toContain('several calls were in flight');
  }, 90_000);

  it('declines a request made outside a tool call, and a call whose clock is stopped while the person answers does not time out', async () => {
    const logger = recordingLogger();
    let release!: () => void;
    const answered = new Promise<void>((resolve) => (release = resolve));
    const manager = createManager({
      servers: { everything: everything() },
      startupTimeoutMs: 60_000,
      callTimeoutMs: 300,
      logger,
      onElicitation: async () => {
        await answered;
        return { action: 'decline' };
      },
    });
    await manager.startup();
    const outside = await manager.callTool('trigger-elicitation-request', {});
    expect(text(outside)).toContain('declined');
    expect(logger.warnings.join('\n')).toContain('outside a tool call');

    const pending = manager.callTool('trigger-elicitation-request', {}, { context: callContext() });
    // Far past the 300 ms call timeout: the wait is the person's, not the server's.
    setTimeout(release, 900);
    const outcome = await pending;
    expect(outcome.error).toBeUndefined();
    expect(text(outcome)).toContain('declined');
  }, 90_000);

  it('offers no elicitation capability without onElicitation', async () => {
    const manager = createManager({
      servers: { everything: everything() },
      startupTimeoutMs: 60_000,
    });
    await manager.startup();
    const names = (await manager.listTools()).map((t) => t.name);
    expect(names).not.toContain('trigger-elicitation-request');
    expect(names).not.toContain('trigger-sampling-request');
    expect(names).not.toContain('get-roots-list');
  }, 90_000);
});

describe('sampling and roots', () => {
  it('serves sampling only for a server that allows it, and announces roots and their changes', async () => {
    const sampled: string[] = [];
    const manager = createManager({
      servers: {
        sampler: { ...everything(), sampling: true },
        plain: everything(),
      },
      prefixTools: true,
      startupTimeoutMs: 60_000,
      roots: [{ uri: 'file:///srv/first', name: 'first' }],
      onSampling: (request) => {
        sampled.push(request.server);
        return Promise.resolve({
          model: 'claude-test',
          role: 'assistant',
          content: { type: 'text', text: 'a sampled answer' },
        });
      },
    });
    await manager.startup();
    const names = (await manager.listTools()).map((t) => t.name);
    expect(names).toContain('sampler__trigger-sampling-request');
    expect(names).not.toContain('plain__trigger-sampling-request');
    const outcome = await manager.callTool('sampler__trigger-sampling-request', {
      prompt: 'hello',
      maxTokens: 10,
    });
    expect(text(outcome)).toContain('a sampled answer');
    expect(sampled).toEqual(['sampler']);

    const roots = async () => text(await manager.callTool('plain__get-roots-list', {}));
    expect(await roots()).toContain('file:///srv/first');
    await manager.setRoots([{ uri: 'file:///srv/second', name: 'second' }]);
    // The server asks for the new list when told; wait until it has it.
    let listed = await roots();
    for (let tries = 0; tries < 100 && !listed.includes('second'); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      listed = await roots();
    }
    expect(listed).toContain('file:///srv/second');
    expect(listed).not.toContain('file:///srv/first');
  }, 90_000);
});
