import { describe, expect, it } from 'vitest';
import { bindSourceCallContext } from './source-call-context.js';
import { call, fakeSource, makeContext, objectSchema } from './test-helpers.js';
import { createToolDispatcher } from './tool-dispatcher.js';

describe('bindSourceCallContext', () => {
  it('gives each source call the context of the tool call it serves', async () => {
    const source = fakeSource('srv', [
      { name: 'lookup', description: 'looks up', input_schema: objectSchema('q') },
    ]);
    const bound = bindSourceCallContext(source);
    const dispatcher = createToolDispatcher({
      sources: [bound.source],
      interceptors: [bound.interceptor],
    });
    const ctx = makeContext({ sessionId: 's-9', callIndex: 3 });
    const outcome = await dispatcher.execute(call('lookup', { q: 'x' }, 'toolu_42'), ctx);
    expect(outcome).toMatchObject({ result: { name: 'lookup' }, source: 'mcp:srv' });
    expect(source.calls[0]?.options?.context).toEqual({
      toolUseId: 'toolu_42',
      sessionId: 's-9',
      runId: ctx.runId,
      callIndex: 3,
      log: ctx.log,
    });
  });

  it('keeps a context the call already carries, and none outside a dispatcher', async () => {
    const source = fakeSource('srv', []);
    const bound = bindSourceCallContext(source);
    const ctx = makeContext();
    const given = { toolUseId: 't', sessionId: 's', runId: 'r', callIndex: 0, log: ctx.log };
    await bound.source.callTool('x', {}, { context: given });
    await bound.source.callTool('y', {});
    expect(source.calls[0]?.options?.context).toBe(given);
    expect(source.calls[1]?.options?.context).toBeUndefined();
  });
});
