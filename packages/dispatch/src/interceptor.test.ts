import { GatewayError, type ToolOutcome } from '@claude-gateway/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineTool } from './define-tool.js';
import type { Interceptor } from './interceptor.js';
import { call, echo, makeContext, objectSchema } from './test-helpers.js';
import { createToolDispatcher } from './tool-dispatcher.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('createToolDispatcher: interceptors', () => {
  it('run outermost first, before validation, and see the outcome', async () => {
    const order: string[] = [];
    const trace =
      (label: string): Interceptor =>
      async (c, _ctx, next) => {
        order.push(`${label}:in:${c.name}`);
        const outcome = await next();
        order.push(`${label}:out:${outcome.error?.code ?? 'ok'}`);
        return outcome;
      };
    const dispatcher = createToolDispatcher({
      tools: [echo],
      interceptors: [trace('a'), trace('b')],
    });
    await dispatcher.execute(call('echo', {}), makeContext());
    expect(order).toEqual(['a:in:echo', 'b:in:echo', 'b:out:invalid_input', 'a:out:invalid_input']);
  });

  it('can short-circuit a call', async () => {
    const handler = vi.fn();
    const tool = defineTool({ name: 't', description: '', inputSchema: objectSchema(), handler });
    const blocked: ToolOutcome = { error: { code: 'user_denied', message: 'policy says no' } };
    const dispatcher = createToolDispatcher({
      tools: [tool],
      interceptors: [() => blocked],
    });
    expect(await dispatcher.execute(call('t', {}), makeContext())).toBe(blocked);
    expect(handler).not.toHaveBeenCalled();
  });

  it('can rewrite the call: the rewritten input is what is validated and run', async () => {
    const dispatcher = createToolDispatcher({
      tools: [echo],
      interceptors: [(c, _ctx, next) => next({ ...c, input: { text: 'default' } })],
    });
    expect(await dispatcher.execute(call('echo', {}), makeContext())).toEqual({
      result: { echoed: 'default' },
      source: 'local',
    });
  });

  it('turn a throw into an outcome, and refuse a second next()', async () => {
    const dispatcher = createToolDispatcher({
      tools: [echo],
      interceptors: [
        () => {
          throw new GatewayError('user_denied', 'nope');
        },
      ],
    });
    expect(await dispatcher.execute(call('echo', { text: 'x' }), makeContext())).toEqual({
      error: { code: 'user_denied', message: 'nope' },
    });
    const twice = createToolDispatcher({
      tools: [echo],
      interceptors: [
        async (_c, _ctx, next) => {
          await next();
          return next();
        },
      ],
    });
    expect(await twice.execute(call('echo', { text: 'x' }), makeContext())).toEqual({
      error: { code: 'tool_error', message: 'interceptor called next() more than once' },
    });
  });
});
