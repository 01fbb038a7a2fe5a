import type { ToolOutcome } from '@claude-gateway/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { call, fakeSource, latch, makeContext, objectSchema } from './test-helpers.js';
import { createToolDispatcher } from './tool-dispatcher.js';

afterEach(() => {
  vi.useRealTimers();
});

const hangTool = { name: 'hang', description: '', input_schema: objectSchema() };

/** A source whose `hang` tool answers the first call and hangs on later ones. */
function hangsAfterFirst(label: string) {
  const started = latch();
  let calls = 0;
  const source = fakeSource(label, [hangTool], (name) => {
    calls += 1;
    if (calls === 1) return { result: name, source: `mcp:${label}` };
    started.reach();
    return new Promise<ToolOutcome>(() => {});
  });
  return { source, started: started.reached };
}

describe('createToolDispatcher: source labels on outcomes the dispatcher makes', () => {
  it('labels a cancelled source call with the source of the tool’s last outcome', async () => {
    const { source, started } = hangsAfterFirst('files');
    const dispatcher = createToolDispatcher({ sources: [source] });
    expect(await dispatcher.execute(call('hang', {}), makeContext())).toEqual({
      result: 'hang',
      source: 'mcp:files',
    });
    const ctx = makeContext();
    const pending = dispatcher.execute(call('hang', {}, 'toolu_2'), ctx);
    await started;
    ctx.controller.abort();
    expect(await pending).toEqual({
      error: { code: 'cancelled', message: 'tool hang was cancelled' },
      source: 'mcp:files',
    });
  });

  it('labels a timed-out source call with what sourceLabel says, even on its first call', async () => {
    vi.useFakeTimers();
    const source = fakeSource('x', [hangTool], () => new Promise<ToolOutcome>(() => {}));
    source.sourceLabel = (name) => (name === 'hang' ? 'mcp:slow' : undefined);
    const pending = createToolDispatcher({ sources: [source], sourceTimeoutMs: 1_000 }).execute(
      call('hang', {}),
      makeContext(),
    );
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await pending).toEqual({
      error: { code: 'tool_timeout', message: 'tool hang timed out after 1000 ms' },
      source: 'mcp:slow',
    });
  });

  it('labels invalid_input, a denial and a throw of a source tool; a source’s own label wins', async () => {
    const source = fakeSource(
      'x',
      [{ name: 'search', description: '', input_schema: objectSchema('q') }],
      (_name, input) => {
        if ((input as { q: string }).q === 'throw') throw new Error('boom');
        return { result: 'own', source: 'mcp:own' };
      },
    );
    source.sourceLabel = () => 'mcp:declared';
    const dispatcher = createToolDispatcher({
      sources: [source],
      needsApproval: (_name, input) => (input as { q: string }).q === 'gated',
    });
    expect(await dispatcher.execute(call('search', {}), makeContext())).toMatchObject({
      error: { code: 'invalid_input' },
      source: 'mcp:declared',
    });
    expect(await dispatcher.execute(call('search', { q: 'gated' }), makeContext())).toMatchObject({
      error: { code: 'approval_required' },
      source: 'mcp:declared',
    });
    expect(await dispatcher.execute(call('search', { q: 'throw' }), makeContext())).toEqual({
      error: { code: 'tool_error', message: 'boom' },
      source: 'mcp:declared',
    });
    expect(await dispatcher.execute(call('search', { q: 'ok' }), makeContext())).toEqual({
      result: 'own',
      source: 'mcp:own',
    });
  });

  it('leaves source unset when nothing is known about the tool yet', async () => {
    const started = latch();
    const source = fakeSource('x', [hangTool], () => {
      started.reach();
      return new Promise<ToolOutcome>(() => {});
    });
    const ctx = makeContext();
    const pending = createToolDispatcher({ sources: [source] }).execute(call('hang', {}), ctx);
    await started.reached;
    ctx.controller.abort();
    expect(await pending).toEqual({
      error: { code: 'cancelled', message: 'tool hang was cancelled' },
    });
  });
});
