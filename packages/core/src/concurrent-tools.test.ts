import type Anthropic from '@anthropic-ai/sdk';
import type { MockRequestInfo, MockTurn } from '@claude-gateway/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayEvent } from './events.js';
import { createEventLog } from './memory-event-log.js';
import {
  answersTool,
  bodyOf,
  closeMocks,
  eventsOf,
  localTools,
  runnerFor,
  snapshot,
  startMock,
  user,
  waitFor,
} from './runner-test-helpers.js';
import type { ToolExecutor } from './tools.js';

afterEach(closeMocks);

/** A turn calling `names` in order (ids toolu_0, toolu_1, ...), then a text answer. */
function callsThenText(names: string[]): (request: MockRequestInfo) => MockTurn {
  return (request) =>
    answersTool(request)
      ? { blocks: [{ type: 'text', text: 'Done.' }] }
      : {
          blocks: names.map((name, i) => ({
            type: 'tool_use' as const,
            id: `toolu_${i}`,
            name,
            input: { value: String(i) },
          })),
        };
}

/** A promise with its resolver. */
function latch(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const resultIds = (events: GatewayEvent[]): string[] =>
  events.flatMap((e) => (e.type === 'tool_result' ? [e.tool_use_id] : []));

function toolResultsSent(body: Record<string, unknown>): Anthropic.ToolResultBlockParam[] {
  const messages = body.messages as Anthropic.MessageParam[];
  return messages.at(-1)!.content as Anthropic.ToolResultBlockParam[];
}

describe('agent runner: concurrent tool calls', () => {
  it('runs the calls of one turn at once and returns the results in the model’s order', async () => {
    const mock = await startMock(callsThenText(['slow', 'quick']));
    const quickStarted = latch();
    const tools = localTools({
      // Finishes only once `quick` has started: run one after the other, this
      // call would wait forever (the run would end by its time limit).
      slow: async () => {
        await quickStarted.promise;
        return 'slow result';
      },
      quick: () => {
        quickStarted.open();
        return 'quick result';
      },
    });
    const log = createEventLog();
    const result = await runnerFor(mock, { tools, timeoutMs: 20_000 }).run({
      messages: [user('go')],
      log,
    });
    expect(result.error).toBeUndefined();
    // The log tells the order they finished in; the model gets its own order.
    expect(resultIds(await eventsOf(log))).toEqual(['toolu_1', 'toolu_0']);
    expect(toolResultsSent(bodyOf(mock, 1)).map((block) => block.tool_use_id)).toEqual([
      'toolu_0',
      'toolu_1',
    ]);
    expect(toolResultsSent(bodyOf(mock, 1))[0]!.content).toEqual([
      { type: 'text', text: 'slow result' },
    ]);
  });

  it('runs at most maxParallelTools calls at once', async () => {
    const mock = await startMock(callsThenText(['work', 'work', 'work', 'work', 'work']));
    let active = 0;
    let peak = 0;
    const started: string[] = [];
    const finishers = new Map<string, () => void>();
    const tools = localTools({
      work: async (input) => {
        const id = (input as { value: string }).value;
        started.push(id);
        active++;
        peak = Math.max(peak, active);
        await new Promise<void>((resolve) => finishers.set(id, resolve));
        active--;
        return id;
      },
    });
    const log = createEventLog();
    const running = runnerFor(mock, { tools, maxParallelTools: 2 }).run({
      messages: [user('go')],
      log,
    });
    // Two start; the third waits for a free slot.
    await waitFor(() => started.length === 2);
    expect(started).toEqual(['0', '1']);
    finishers.get('1')!();
    await waitFor(() => started.length === 3);
    expect(started).toEqual(['0', '1', '2']);
    // Let the rest finish one by one, in any order.
    for (const id of ['0', '2', '3', '4']) {
      await waitFor(() => finishers.has(id));
      finishers.get(id)!();
    }
    const result = await running;
    expect(result.error).toBeUndefined();
    expect(peak).toBe(2);
    expect(toolResultsSent(bodyOf(mock, 1)).map((block) => block.tool_use_id)).toEqual([
      'toolu_0',
      'toolu_1',
      'toolu_2',
      'toolu_3',
      'toolu_4',
    ]);
  });

  it('runs a sequential tool alone: after the calls before it, before the calls after it', async () => {
    const mock = await startMock(callsThenText(['free', 'alone', 'free']));
    const trace: string[] = [];
    let active = 0;
    const base = localTools({
      free: async (input) => {
        const id = (input as { value: string }).value;
        trace.push(`start ${id}`);
        active++;
        // Yield a few times so that overlapping calls would show.
        for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
        active--;
        trace.push(`end ${id}`);
        return id;
      },
      alone: async () => {
        trace.push(`alone with ${active} running`);
        for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
        trace.push(`alone done`);
        return 'alone';
      },
    });
    const tools: ToolExecutor = { ...base, isSequential: (name) => name === 'alone' };
    const result = await runnerFor(mock, { tools }).run({
      messages: [user('go')],
      log: createEventLog(),
    });
    expect(result.error).toBeUndefined();
    expect(trace).toEqual([
      'start 0',
      'end 0',
      'alone with 0 running',
      'alone done',
      'start 2',
      'end 2',
    ]);
  });

  it('a cancel reaches every running call; each gets a cancelled tool_result', async () => {
    const mock = await startMock(callsThenText(['wait', 'wait', 'wait']));
    const signals: AbortSignal[] = [];
    const tools = localTools({
      // Never settles: the runner stops waiting for it on cancel.
      wait: (_input, ctx) =>
        new Promise(() => {
          signals.push(ctx.signal);
        }),
    });
    const controller = new AbortController();
    const log = createEventLog();
    const running = runnerFor(mock, { tools }).run({
      messages: [user('go')],
      log,
      signal: controller.signal,
    });
    await waitFor(() => signals.length === 3);
    // All three are running at once before the cancel.
    expect((await snapshot(log)).filter((e) => e.type === 'tool_result')).toEqual([]);
    controller.abort();
    const result = await running;
    expect(result.error?.code).toBe('cancelled');
    expect(signals.every((signal) => signal.aborted)).toBe(true);
    const results = (await eventsOf(log)).filter((e) => e.type === 'tool_result');
    expect(results.map((e) => e.tool_use_id).sort()).toEqual(['toolu_0', 'toolu_1', 'toolu_2']);
    expect(results.map((e) => e.error?.code)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(result.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
  });

  it('rejects a maxParallelTools below 1', () => {
    expect(() =>
      runnerFor({ url: 'http://127.0.0.1:1' } as never, { maxParallelTools: 0 }),
    ).toThrow(/maxParallelTools/);
  });
});
