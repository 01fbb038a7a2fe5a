import type Anthropic from '@anthropic-ai/sdk';
import type { MockRequestInfo, MockTurn } from '@claude-gateway/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventLog } from './memory-event-log.js';
import {
  answersTool,
  bodyOf,
  closeMocks,
  eventsOf,
  localTools,
  runnerFor,
  startMock,
  typesOf,
  waitFor,
} from './runner-test-helpers.js';
import type { SubAgentConfig } from './sub-agents.js';
import type { ToolContext } from './tools.js';

afterEach(closeMocks);

const researcher: SubAgentConfig = {
  name: 'researcher',
  description: 'Researches one question.',
  systemPrompt: 'You are a researcher.',
  excludedTools: ['delete'],
};

const isChild = (request: MockRequestInfo): boolean =>
  JSON.stringify(request.body.system ?? '').includes('researcher');
const taskOf = (request: MockRequestInfo): string => {
  const content = request.body.messages[0]!.content;
  return typeof content === 'string' ? content : '';
};
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function parentTurn(request: MockRequestInfo, tasks: string[]): MockTurn {
  if (answersTool(request))
    return {
      blocks: [{ type: 'text', text: 'Summary.' }],
      usage: {
        input_tokens: 10,
        output_tokens: 1,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    };
  return {
    blocks: tasks.map((task, i) => ({
      type: 'tool_use' as const,
      id: `toolu_${i}`,
      name: 'researcher',
      input: { task },
    })),
    usage: {
      input_tokens: 10,
      output_tokens: 1,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
  };
}

describe('agent runner: sub-agents', () => {
  it('runs parallel sub-agent calls of one turn concurrently and returns { response, tools_used, usage }', async () => {
    const order: string[] = [];
    let arrived = 0;
    let release!: () => void;
    const both = new Promise<void>((resolve) => (release = resolve));
    const mock = await startMock(async (request) => {
      if (!isChild(request)) return parentTurn(request, ['A', 'B']);
      order.push(`start:${taskOf(request)}`);
      if (++arrived === 2) release();
      // Sequential calls would answer the first child only after this wait.
      await Promise.race([both, delay(3000)]);
      order.push(`answer:${taskOf(request)}`);
      return {
        blocks: [{ type: 'text', text: `Findings on ${taskOf(request)}` }],
        usage: {
          input_tokens: 5,
          output_tokens: 2,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        },
      };
    });
    const log = createEventLog();
    const result = await runnerFor(mock, { subAgents: [researcher] }).run({
      messages: [{ role: 'user', content: 'Research A and B' }],
      system: 'You are the lead.',
      log,
    });
    expect(result.error).toBeUndefined();
    expect(order.slice(0, 2).sort()).toEqual(['start:A', 'start:B']);

    const parentTools = bodyOf(mock, 0).tools as Anthropic.Tool[];
    expect(parentTools.at(-1)).toMatchObject({
      name: 'researcher',
      description: 'Researches one question.',
      input_schema: { type: 'object', required: ['task'] },
      cache_control: { type: 'ephemeral' },
    });
    const last = mock.requests.at(-1)!.body as { messages: Anthropic.MessageParam[] };
    const toolResults = last.messages[2]!.content as Anthropic.ToolResultBlockParam[];
    const parsed = toolResults.map((block): unknown =>
      JSON.parse((block.content as Anthropic.TextBlockParam[])[0]!.text),
    );
    const usage = {
      input_tokens: 5,
      output_tokens: 2,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    };
    expect(parsed).toEqual([
      { response: 'Findings on A', tools_used: [], usage },
      { response: 'Findings on B', tools_used: [], usage },
    ]);
    // The parent's totals include the children's spend.
    expect(result.usage).toMatchObject({ input_tokens: 30, output_tokens: 6 });
    // The children's text is in the parent's log, each marked with its call.
    const textOf = (parentId: string | undefined): string =>
      events
        .filter((e) => e.type === 'text_delta' && e.parent_tool_use_id === parentId)
        .map((e) => (e.type === 'text_delta' ? e.text : ''))
        .join('');
    const events = await eventsOf(log);
    expect(textOf(undefined)).toBe('Summary.');
    expect(textOf('toolu_0')).toBe('Findings on A');
    expect(textOf('toolu_1')).toBe('Findings on B');
    // Their run_start, usage and terminal events are not mirrored.
    expect(typesOf(events).filter((t) => t === 'run_start' || t === 'usage')).toEqual([
      'run_start',
      'usage',
      'usage',
    ]);
  });

  it('runs 12 concurrent sub-agent calls without a MaxListenersExceededWarning', async () => {
    const tasks = Array.from({ length: 12 }, (_, i) => `T${i}`);
    let arrived = 0;
    let release!: () => void;
    const all = new Promise<void>((resolve) => (release = resolve));
    const mock = await startMock(async (request) => {
      if (!isChild(request)) return parentTurn(request, tasks);
      if (++arrived === tasks.length) release();
      // Every child holds its listeners until all twelve are running.
      await Promise.race([all, delay(5000)]);
      return { blocks: [{ type: 'text', text: `Done ${taskOf(request)}` }] };
    });
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      const result = await runnerFor(mock, { subAgents: [researcher], maxParallelTools: 12 }).run({
        messages: [{ role: 'user', content: 'Research twelve things' }],
        log: createEventLog(),
        signal: controller.signal,
      });
      expect(result.error).toBeUndefined();
      expect(arrived).toBe(12);
      // Node emits the warning on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
  });

  it("gives the child its system prompt and the parent's tools minus excluded ones", async () => {
    const mock = await startMock((request) => {
      if (!isChild(request)) return parentTurn(request, ['find it']);
      if (answersTool(request)) return { blocks: [{ type: 'text', text: 'Found it.' }] };
      return {
        blocks: [{ type: 'tool_use', id: 'toolu_s', name: 'search', input: { value: 'it' } }],
      };
    });
    const tools = localTools({ search: () => 'result', delete: () => 'gone' });
    const result = await runnerFor(mock, { tools, subAgents: [researcher] }).run({
      messages: [{ role: 'user', content: 'go' }],
      log: createEventLog(),
    });
    expect(result.error).toBeUndefined();
    const child = mock.requests
      .map((r) => r.body as Anthropic.MessageCreateParams)
      .find((b) => String(JSON.stringify(b.system)).includes('researcher'))!;
    expect(child.system).toEqual([
      { type: 'text', text: 'You are a researcher.', cache_control: { type: 'ephemeral' } },
    ]);
    expect(child.messages[0]).toEqual({ role: 'user', content: 'find it' });
    expect((child.tools as Anthropic.Tool[]).map((t) => t.name)).toEqual(['search']);
    expect(tools.calls.map((c) => c.name)).toEqual(['search']);
    const last = mock.requests.at(-1)!.body as { messages: Anthropic.MessageParam[] };
    const block = (last.messages[2]!.content as Anthropic.ToolResultBlockParam[])[0]!;
    expect(JSON.parse((block.content as Anthropic.TextBlockParam[])[0]!.text)).toMatchObject({
      response: 'Found it.',
      tools_used: ['search'],
    });
  });

  it('fails the call with tool_timeout when the child runs too long', async () => {
    const mock = await startMock((request) =>
      isChild(request)
        ? { blocks: [{ type: 'text', text: 'slow' }], fault: { type: 'stall' } }
        : parentTurn(request, ['slow task']),
    );
    const log = createEventLog();
    const result = await runnerFor(mock, {
      subAgents: [{ ...researcher, timeoutMs: 200 }],
      retry: { stallTimeoutMs: 60_000 },
    }).run({
      messages: [{ role: 'user', content: 'go' }],
      log,
    });
    expect(result.error).toBeUndefined();
    const toolResult = (await eventsOf(log)).find((e) => e.type === 'tool_result');
    expect(toolResult).toMatchObject({ name: 'researcher', error: { code: 'tool_timeout' } });
    const last = mock.requests.at(-1)!.body as { messages: Anthropic.MessageParam[] };
    expect((last.messages[2]!.content as Anthropic.ToolResultBlockParam[])[0]).toMatchObject({
      is_error: true,
    });
  });

  it("propagates the parent's cancel to the child's tool calls", async () => {
    let childToolSignal: AbortSignal | undefined;
    let childCall: ToolContext | undefined;
    const mock = await startMock((request) => {
      if (!isChild(request)) return parentTurn(request, ['wait']);
      return { blocks: [{ type: 'tool_use', id: 'toolu_w', name: 'wait', input: {} }] };
    });
    const tools = localTools({
      wait: (_input, ctx) => {
        childToolSignal = ctx.signal;
        childCall = ctx;
        return new Promise(() => {});
      },
    });
    const log = createEventLog();
    const controller = new AbortController();
    const running = runnerFor(mock, { tools, subAgents: [researcher] }).run({
      messages: [{ role: 'user', content: 'go' }],
      log,
      signal: controller.signal,
    });
    await waitFor(() => childToolSignal !== undefined);
    expect(childToolSignal!.aborted).toBe(false);
    // The child's call runs in the child's run, under the parent's (top-level) run.
    expect(childCall!.runId).not.toBe(log.id);
    expect(childCall!.rootRunId).toBe(log.id);
    controller.abort();
    const result = await running;
    expect(childToolSignal!.aborted).toBe(true);
    expect(result.error?.code).toBe('cancelled');
    expect(typesOf(await eventsOf(log)).slice(-2)).toEqual(['tool_result', 'error']);
  });

  it('refuses a call without a task', async () => {
    const mock = await startMock((request) =>
      answersTool(request)
        ? { blocks: [{ type: 'text', text: 'ok' }] }
        : { blocks: [{ type: 'tool_use', id: 'toolu_x', name: 'researcher', input: {} }] },
    );
    const log = createEventLog();
    await runnerFor(mock, { subAgents: [researcher] }).run({
      messages: [{ role: 'user', content: 'go' }],
      log,
    });
    expect((await eventsOf(log)).find((e) => e.type === 'tool_result')).toMatchObject({
      error: { code: 'invalid_input' },
    });
  });
});
