import { GatewayError, type ToolOutcome } from '@claude-gateway/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApprovalBroker } from './approval-broker.js';
import { defineTool } from './define-tool.js';
import {
  call,
  echo,
  eventsOf,
  fakeSource,
  latch,
  makeContext,
  objectSchema,
  recordingLogger,
} from './test-helpers.js';
import { createToolDispatcher } from './tool-dispatcher.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A tool with a 500 ms limit whose handler never settles and ignores its signal; `seen` gets its context. */
function slowTool(seen: (ctx: { signal: AbortSignal }) => void) {
  return defineTool({
    name: 'slow',
    description: '',
    inputSchema: objectSchema(),
    timeoutMs: 500,
    handler: (_input, ctx) => {
      seen(ctx);
      return new Promise(() => {});
    },
  });
}

describe('createToolDispatcher: handler failures, timeouts and cancel', () => {
  const throwing = (error: unknown) =>
    defineTool({
      name: 'boom',
      description: '',
      inputSchema: objectSchema(),
      handler: () => {
        throw error;
      },
    });

  it('turns a throw into tool_error with the message and no stack', async () => {
    const outcome = await createToolDispatcher({
      tools: [throwing(new Error('disk full'))],
    }).execute(call('boom', {}), makeContext());
    expect(outcome).toEqual({
      error: { code: 'tool_error', message: 'disk full' },
      source: 'local',
    });
    expect(JSON.stringify(outcome)).not.toMatch(/at .*\.ts/);
  });

  it('never echoes a thrown non-Error value: a generic message out, the detail to the logger', async () => {
    const secret = { request: { headers: { authorization: 'Bearer sk-secret' } } };
    const logger = recordingLogger();
    const source = fakeSource('thrower', [
      { name: 'remote', description: '', input_schema: objectSchema() },
    ]);
    source.callTool = () => Promise.reject(secret); // eslint-disable-line @typescript-eslint/prefer-promise-reject-errors
    const dispatcher = createToolDispatcher({
      tools: [throwing(secret)],
      sources: [source],
      logger,
    });
    for (const name of ['boom', 'remote']) {
      const outcome = await dispatcher.execute(call(name, {}), makeContext());
      expect(outcome.error).toEqual({
        code: 'tool_error',
        message: 'a non-Error value was thrown (object)',
      });
      expect(JSON.stringify(outcome)).not.toContain('sk-secret');
    }
    expect(logger.errors).toEqual([
      'a tool threw a value that is not an Error',
      'a tool threw a value that is not an Error',
    ]);
    expect(logger.data[0]).toEqual({ source: 'local', error: JSON.stringify(secret) });
    expect(logger.data[1]).toEqual({ error: JSON.stringify(secret) });
    // A thrown string is meant as a message: it is kept.
    const text = await createToolDispatcher({ tools: [throwing('disk full')] }).execute(
      call('boom', {}),
      makeContext(),
    );
    expect(text.error).toEqual({ code: 'tool_error', message: 'disk full' });
  });

  it('keeps the code of a thrown GatewayError with a tool code, and only then', async () => {
    const keep = await createToolDispatcher({
      tools: [throwing(new GatewayError('user_denied', 'not you'))],
    }).execute(call('boom', {}), makeContext());
    expect(keep).toMatchObject({ error: { code: 'user_denied', message: 'not you' } });
    const other = await createToolDispatcher({
      tools: [throwing(new GatewayError('invalid_options', 'misuse'))],
    }).execute(call('boom', {}), makeContext());
    expect(other).toMatchObject({ error: { code: 'tool_error', message: 'misuse' } });
    const rejected = await createToolDispatcher({
      tools: [
        defineTool({
          name: 'boom',
          description: '',
          inputSchema: objectSchema(),
          handler: () => Promise.reject(new Error('async failure')),
        }),
      ],
    }).execute(call('boom', {}), makeContext());
    expect(rejected).toMatchObject({ error: { code: 'tool_error', message: 'async failure' } });
  });

  it('answers tool_timeout at the per-tool limit and aborts the handler signal', async () => {
    vi.useFakeTimers();
    let signal: AbortSignal | undefined;
    const slow = slowTool((ctx) => (signal = ctx.signal));
    const pending = createToolDispatcher({ tools: [slow], timeoutMs: 60_000 }).execute(
      call('slow', {}),
      makeContext(),
    );
    await vi.advanceTimersByTimeAsync(499);
    expect(signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(pending).resolves.toEqual({
      error: { code: 'tool_timeout', message: 'tool slow timed out after 500 ms' },
      source: 'local',
    });
    expect(signal?.aborted).toBe(true);
  });

  it('gives a handler that reads its signal late the abort that already happened', async () => {
    vi.useFakeTimers();
    let context: { signal: AbortSignal } | undefined;
    const slow = slowTool((ctx) => (context = ctx)); // the signal is read only after the time limit
    const pending = createToolDispatcher({ tools: [slow] }).execute(
      call('slow', {}),
      makeContext(),
    );
    await vi.advanceTimersByTimeAsync(500);
    await expect(pending).resolves.toMatchObject({ error: { code: 'tool_timeout' } });
    const signal = context!.signal;
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toMatchObject({ code: 'tool_timeout' });
    expect(context!.signal).toBe(signal);
  });

  it('finishes a synchronous handler without a timer or a listener on the run signal', async () => {
    vi.useFakeTimers();
    const ctx = makeContext();
    const add = vi.spyOn(ctx.signal, 'addEventListener');
    const sync = defineTool({
      name: 'sync',
      description: '',
      inputSchema: objectSchema(),
      handler: (input) => ({ got: input }),
    });
    const pending = createToolDispatcher({ tools: [sync] }).execute(call('sync', {}), ctx);
    // Nothing scheduled: a 60 s limit timer would show up here.
    expect(vi.getTimerCount()).toBe(0);
    expect(add).not.toHaveBeenCalled();
    await expect(pending).resolves.toEqual({ result: { got: {} }, source: 'local' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('uses the dispatcher timeoutMs for tools without their own', async () => {
    vi.useFakeTimers();
    const slow = defineTool({
      name: 'slow',
      description: '',
      inputSchema: objectSchema(),
      handler: () => new Promise(() => {}),
    });
    const pending = createToolDispatcher({ tools: [slow], timeoutMs: 2_000 }).execute(
      call('slow', {}),
      makeContext(),
    );
    await vi.advanceTimersByTimeAsync(2_000);
    await expect(pending).resolves.toMatchObject({ error: { code: 'tool_timeout' } });
  });

  it('answers cancelled promptly when the run aborts, even if the handler ignores its signal', async () => {
    let signal: AbortSignal | undefined;
    const { reached: running, reach: started } = latch();
    const stubborn = defineTool({
      name: 'stubborn',
      description: '',
      inputSchema: objectSchema(),
      handler: (_input, ctx) => {
        signal = ctx.signal;
        started();
        return new Promise(() => {});
      },
    });
    const ctx = makeContext();
    const pending = createToolDispatcher({ tools: [stubborn] }).execute(call('stubborn', {}), ctx);
    await running;
    ctx.controller.abort();
    await expect(pending).resolves.toEqual({
      error: { code: 'cancelled', message: 'tool stubborn was cancelled' },
      source: 'local',
    });
    expect(signal?.aborted).toBe(true);
  });

  it('a handler that rejects on abort still answers cancelled', async () => {
    const { reached: running, reach: started } = latch();
    const polite = defineTool({
      name: 'polite',
      description: '',
      inputSchema: objectSchema(),
      handler: (_input, { signal }) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => reject(new Error('aborted')));
          started();
        }),
    });
    const ctx = makeContext();
    const pending = createToolDispatcher({ tools: [polite] }).execute(call('polite', {}), ctx);
    await running;
    ctx.controller.abort();
    await expect(pending).resolves.toMatchObject({ error: { code: 'cancelled' } });
  });

  it('answers cancelled when the run aborts during a source call that ignores its signal', async () => {
    const { reached: running, reach: started } = latch();
    const source = fakeSource(
      'one',
      [{ name: 'hang', description: '', input_schema: objectSchema() }],
      () => {
        started();
        return new Promise<ToolOutcome>(() => {});
      },
    );
    const ctx = makeContext();
    const pending = createToolDispatcher({ sources: [source] }).execute(call('hang', {}), ctx);
    await running;
    ctx.controller.abort();
    await expect(pending).resolves.toMatchObject({ error: { code: 'cancelled' } });
    expect(source.calls[0]?.options?.signal?.aborted).toBe(true);
  });

  it('stops waiting for a source one second past sourceTimeoutMs', async () => {
    vi.useFakeTimers();
    const source = fakeSource(
      'one',
      [{ name: 'hang', description: '', input_schema: objectSchema() }],
      () => new Promise<ToolOutcome>(() => {}),
    );
    const pending = createToolDispatcher({ sources: [source], sourceTimeoutMs: 1_000 }).execute(
      call('hang', {}),
      makeContext(),
    );
    await vi.advanceTimersByTimeAsync(1_999);
    const early = await Promise.race([pending, Promise.resolve('pending')]);
    expect(early).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    await expect(pending).resolves.toMatchObject({ error: { code: 'tool_timeout' } });
  });

  it('answers cancelled when the run aborts while a source hangs listing its tools', async () => {
    const { reached: listed, reach: listing } = latch();
    const source = fakeSource('one', []);
    source.listTools = () => {
      listing();
      return new Promise(() => {});
    };
    const ctx = makeContext();
    const pending = createToolDispatcher({ sources: [source] }).execute(call('any', {}), ctx);
    await listed;
    ctx.controller.abort();
    await expect(pending).resolves.toMatchObject({ error: { code: 'cancelled' } });
  });

  it('answers cancelled when the run aborts while a needsApproval rule hangs', async () => {
    const { reached: asking, reach: asked } = latch();
    const ctx = makeContext();
    const pending = createToolDispatcher({
      tools: [echo],
      needsApproval: () => {
        asked();
        return new Promise<boolean>(() => {});
      },
    }).execute(call('echo', { text: 'x' }), ctx);
    await asking;
    ctx.controller.abort();
    await expect(pending).resolves.toMatchObject({ error: { code: 'cancelled' } });
  });

  it('turns a source that throws into an outcome', async () => {
    const source = fakeSource(
      'one',
      [{ name: 'bad', description: '', input_schema: objectSchema() }],
      () => {
        throw new GatewayError('server_unavailable', 'server one is restarting');
      },
    );
    expect(
      await createToolDispatcher({ sources: [source] }).execute(call('bad', {}), makeContext()),
    ).toEqual({ error: { code: 'server_unavailable', message: 'server one is restarting' } });
  });

  it('leaves approval events to the gate only: no events for ungated calls', async () => {
    const ctx = makeContext();
    await createToolDispatcher({ tools: [echo], approvals: createApprovalBroker() }).execute(
      call('echo', { text: 'x' }),
      ctx,
    );
    expect(await eventsOf(ctx.log)).toEqual([]);
  });
});
