import type { MockRequestInfo, MockTurn } from '@claude-gateway/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayEvent } from './events.js';
import { createEventLog } from './memory-event-log.js';
import {
  answersTool,
  closeMocks,
  eventsOf,
  localTools,
  runnerFor,
  snapshot,
  startMock,
  typesOf,
  user,
  waitFor,
} from './runner-test-helpers.js';
import type { SubAgentConfig } from './sub-agents.js';

afterEach(closeMocks);

const helper: SubAgentConfig = {
  name: 'helper',
  description: 'Does one step.',
  systemPrompt: 'You are a helper.',
};

const usageOf = (input: number, output = 1) => ({
  input_tokens: input,
  output_tokens: output,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
});

const isChild = (request: MockRequestInfo): boolean =>
  JSON.stringify(request.body.system ?? '').includes('helper');
const taskOf = (request: MockRequestInfo): string => {
  const content = request.body.messages[0]!.content;
  return typeof content === 'string' ? content : '';
};

/** The parent calls the helper once per task (ids call_A, call_B...), then sums up. */
function parentTurn(request: MockRequestInfo, tasks: string[]): MockTurn {
  if (answersTool(request))
    return { blocks: [{ type: 'text', text: 'All done.' }], usage: usageOf(10) };
  return {
    blocks: tasks.map((task) => ({
      type: 'tool_use' as const,
      id: `call_${task}`,
      name: 'helper',
      input: { task },
    })),
    usage: usageOf(10),
  };
}

const of = (events: GatewayEvent[], parent: string | undefined) =>
  events.filter((e) => (e as { parent_tool_use_id?: string }).parent_tool_use_id === parent);

describe('agent runner: sub-agents stream into the parent’s log', () => {
  it('mirrors two parallel sub-agents’ events, interleaved, each marked with its call', async () => {
    const mock = await startMock((request) => {
      if (!isChild(request)) return parentTurn(request, ['A', 'B']);
      const task = taskOf(request);
      if (answersTool(request))
        return { blocks: [{ type: 'text', text: `Result ${task}` }], usage: usageOf(3) };
      return {
        blocks: [
          { type: 'text', text: `Working on ${task}` },
          { type: 'tool_use', id: `step_${task}`, name: 'step', input: { value: task } },
        ],
        usage: usageOf(3),
      };
    });
    // A's step finishes only once B's step has started: both children run at
    // once, so B's events land between A's in the parent's log.
    let bStarted!: () => void;
    const bRunning = new Promise<void>((resolve) => (bStarted = resolve));
    const tools = localTools({
      step: async (input) => {
        const task = (input as { value: string }).value;
        if (task === 'B') bStarted();
        else await bRunning;
        return `stepped ${task}`;
      },
    });
    const log = createEventLog();
    const result = await runnerFor(mock, { tools, subAgents: [helper] }).run({
      messages: [user('do A and B')],
      log,
    });
    expect(result.error).toBeUndefined();
    const events = await eventsOf(log);

    for (const task of ['A', 'B']) {
      const mine = of(events, `call_${task}`);
      expect(typesOf(mine).filter((t) => t !== 'text_delta')).toEqual(['tool_use', 'tool_result']);
      expect(mine.find((e) => e.type === 'tool_use')).toMatchObject({
        id: `step_${task}`,
        name: 'step',
      });
      expect(mine.find((e) => e.type === 'tool_result')).toMatchObject({
        tool_use_id: `step_${task}`,
        result: `stepped ${task}`,
      });
      const text = mine.flatMap((e) => (e.type === 'text_delta' ? [e.text] : [])).join('');
      expect(text).toBe(`Working on ${task}Result ${task}`);
    }
    // Interleaved: one of B's events comes between A's step call and its result.
    const seqA = events.findIndex((e) => e.type === 'tool_use' && e.id === 'step_A');
    const endA = events.findIndex((e) => e.type === 'tool_result' && e.tool_use_id === 'step_A');
    expect(
      events
        .slice(seqA, endA)
        .some((e) => (e as { parent_tool_use_id?: string }).parent_tool_use_id === 'call_B'),
    ).toBe(true);
    // The parent's own events carry no parent id; a child's run_start,
    // usage and terminal event never reach the parent's log.
    expect(typesOf(of(events, undefined))).toEqual([
      'run_start',
      'usage',
      'tool_use',
      'tool_use',
      'tool_result',
      'tool_result',
      'text_delta',
      'text_delta',
      'usage',
      'stream_complete',
    ]);
    // Each call's tool_result comes after everything its sub-agent did.
    for (const task of ['A', 'B']) {
      const end = events.findIndex(
        (e) => e.type === 'tool_result' && e.tool_use_id === `call_${task}`,
      );
      const lastChild = events.findLastIndex(
        (e) => (e as { parent_tool_use_id?: string }).parent_tool_use_id === `call_${task}`,
      );
      expect(lastChild).toBeLessThan(end);
    }
    // Parent 2 turns × 10 + two children × 2 turns × 3.
    expect(result.usage.input_tokens).toBe(32);
  });

  it('lists in tools_used only the tools that ran', async () => {
    const mock = await startMock((request) => {
      if (!isChild(request)) return parentTurn(request, ['X']);
      if (answersTool(request)) return { blocks: [{ type: 'text', text: 'ok' }] };
      return {
        blocks: [
          { type: 'tool_use', id: 'c1', name: 'denied', input: {} },
          { type: 'tool_use', id: 'c2', name: 'nowhere', input: {} },
          { type: 'tool_use', id: 'c3', name: 'broken', input: {} },
          { type: 'tool_use', id: 'c4', name: 'fine', input: {} },
        ],
      };
    });
    const base = localTools({
      fine: () => 'fine',
      broken: () => {
        throw new Error('it ran, then failed');
      },
    });
    const tools = {
      ...base,
      execute: (
        call: { id: string; name: string; input: unknown },
        ctx: Parameters<typeof base.execute>[1],
      ) =>
        call.name === 'denied'
          ? Promise.resolve({ error: { code: 'user_denied' as const, message: 'no' } })
          : base.execute(call, ctx),
    };
    const log = createEventLog();
    const result = await runnerFor(mock, { tools, subAgents: [helper] }).run({
      messages: [user('go')],
      log,
    });
    expect(result.error).toBeUndefined();
    const parentResult = (await eventsOf(log)).find(
      (e) => e.type === 'tool_result' && e.tool_use_id === 'call_X',
    );
    expect(parentResult).toMatchObject({ result: { tools_used: ['broken', 'fine'] } });
  });

  it('a cancel in the middle of a sub-agent ends both, and the parent keeps the child’s spend', async () => {
    const mock = await startMock((request) => {
      if (!isChild(request)) return parentTurn(request, ['C']);
      return {
        blocks: [{ type: 'tool_use', id: 'child_call', name: 'hang', input: {} }],
        usage: usageOf(7, 2),
      };
    });
    let hangSignal: AbortSignal | undefined;
    const tools = localTools({
      hang: (_input, ctx) =>
        new Promise((resolve) => {
          hangSignal = ctx.signal;
          ctx.signal.addEventListener('abort', () => resolve('stopped'), { once: true });
        }),
    });
    const controller = new AbortController();
    const log = createEventLog();
    const running = runnerFor(mock, { tools, subAgents: [helper] }).run({
      messages: [user('go')],
      log,
      signal: controller.signal,
    });
    // The child's tool call is visible in the parent's log while it runs.
    await waitFor(() => hangSignal !== undefined);
    expect((await snapshot(log)).some((e) => e.type === 'tool_use' && e.id === 'child_call')).toBe(
      true,
    );
    controller.abort();
    const result = await running;
    expect(result.error?.code).toBe('cancelled');
    expect(hangSignal!.aborted).toBe(true);
    // The parent's turn (10 in, 1 out) and the child's (7 in, 2 out).
    expect(result.usage).toMatchObject({ input_tokens: 17, output_tokens: 3 });
    const events = await eventsOf(log);
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'cancelled' });
    expect(
      events.find((e) => e.type === 'tool_result' && e.tool_use_id === 'call_C'),
    ).toMatchObject({
      error: { code: 'cancelled' },
    });
    const childResult = events.findIndex(
      (e) => e.type === 'tool_result' && e.tool_use_id === 'child_call',
    );
    const parentResult = events.findIndex(
      (e) => e.type === 'tool_result' && e.tool_use_id === 'call_C',
    );
    expect(childResult).toBeGreaterThan(-1);
    expect(childResult).toBeLessThan(parentResult);
    expect(events[childResult]).toMatchObject({ parent_tool_use_id: 'call_C' });
  });
});
