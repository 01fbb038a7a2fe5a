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
  typesOf,
  user,
} from './runner-test-helpers.js';

afterEach(closeMocks);

describe('agent runner: tool loop with thinking', () => {
  it('sends the thinking block with its signature and the tool_result back on the next turn', async () => {
    const script = (request: MockRequestInfo): MockTurn =>
      answersTool(request)
        ? {
            blocks: [
              { type: 'thinking', thinking: 'The tool said 42.' },
              { type: 'text', text: 'It is 42.' },
            ],
          }
        : {
            blocks: [
              {
                type: 'thinking',
                thinking: 'I should look it up.',
                signature: 'sig-abc-123',
                chunks: ['I should ', 'look it up.'],
              },
              { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { value: 'answer' } },
            ],
          };
    const mock = await startMock(script);
    let seenAtExecute: GatewayEvent[] = [];
    const tools = localTools({
      lookup: async (_input, ctx) => {
        seenAtExecute = await snapshot(ctx.log);
        return { answer: 42 };
      },
    });
    const log = createEventLog();
    const result = await runnerFor(mock, { tools, thinking: { budgetTokens: 2048 } }).run({
      messages: [user('What is the answer?')],
      log,
    });

    expect(result.error).toBeUndefined();
    expect(tools.calls).toEqual([{ id: 'toolu_1', name: 'lookup', input: { value: 'answer' } }]);
    // tool_use is in the log, with the complete input, before execute runs.
    expect(seenAtExecute.at(-1)).toEqual({
      type: 'tool_use',
      id: 'toolu_1',
      name: 'lookup',
      input: { value: 'answer' },
      turn: 1,
    });

    const events = await eventsOf(log);
    expect(typesOf(events)).toEqual([
      'run_start',
      'thinking_delta',
      'thinking_delta',
      'usage',
      'tool_use',
      'tool_result',
      ...Array<string>(events.filter((e) => e.type === 'thinking_delta').length - 2).fill(
        'thinking_delta',
      ),
      ...Array<string>(events.filter((e) => e.type === 'text_delta').length).fill('text_delta'),
      'usage',
      'stream_complete',
    ]);
    const toolResult = events.find((e) => e.type === 'tool_result');
    expect(toolResult).toMatchObject({
      tool_use_id: 'toolu_1',
      name: 'lookup',
      result: { answer: 42 },
      source: 'local',
    });
    expect(toolResult).toHaveProperty('duration_ms', expect.any(Number));
    expect(events.at(-1)).toMatchObject({
      type: 'stream_complete',
      stop_reason: 'end_turn',
      turns: 2,
    });

    expect(mock.requests).toHaveLength(2);
    expect(bodyOf(mock, 0).thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(bodyOf(mock, 1).messages).toEqual([
      { role: 'user', content: 'What is the answer?' },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'I should look it up.', signature: 'sig-abc-123' },
          { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { value: 'answer' } },
        ],
      },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 'toolu_1',
            content: [{ type: 'text', text: '{"answer":42}' }],
          },
        ],
      },
    ]);
    // The history is the second request plus the final answer, ready to persist.
    expect(result.messages.slice(0, 3)).toEqual(bodyOf(mock, 1).messages);
    expect(result.messages[3]).toMatchObject({
      role: 'assistant',
      content: [{ type: 'thinking' }, { type: 'text', text: 'It is 42.' }],
    });
  });

  it('keeps redacted_thinking blocks verbatim in the history sent back', async () => {
    const script = (request: MockRequestInfo): MockTurn =>
      answersTool(request)
        ? { blocks: [{ type: 'text', text: 'Done.' }] }
        : {
            blocks: [
              { type: 'redacted_thinking', data: 'EnCrYpTeD==' },
              { type: 'tool_use', id: 'toolu_r', name: 'lookup', input: {} },
            ],
          };
    const mock = await startMock(script);
    const result = await runnerFor(mock, {
      tools: localTools({ lookup: () => 'ok' }),
      thinking: 'adaptive',
    }).run({
      messages: [user('go')],
      log: createEventLog(),
    });
    expect(result.error).toBeUndefined();
    expect(bodyOf(mock, 0).thinking).toEqual({ type: 'adaptive' });
    expect((bodyOf(mock, 1).messages as Anthropic.MessageParam[])[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'redacted_thinking', data: 'EnCrYpTeD==' },
        { type: 'tool_use', id: 'toolu_r', name: 'lookup', input: {} },
      ],
    });
  });

  it('runs the calls of one turn concurrently, returns results in order, and sends tool errors back with is_error', async () => {
    const script = (request: MockRequestInfo): MockTurn =>
      answersTool(request)
        ? { blocks: [{ type: 'text', text: 'Handled.' }] }
        : {
            blocks: [
              { type: 'tool_use', id: 'toolu_a', name: 'first', input: { value: '1' } },
              { type: 'tool_use', id: 'toolu_b', name: 'broken', input: {} },
              { type: 'tool_use', id: 'toolu_c', name: 'missing', input: {} },
              { type: 'tool_use', id: 'toolu_d', name: 'rich', input: {} },
            ],
          };
    const mock = await startMock(script);
    const order: string[] = [];
    const base = localTools({
      first: async () => {
        order.push('first:start');
        await new Promise((resolve) => setTimeout(resolve, 20));
        order.push('first:end');
        return 'one';
      },
      broken: () => {
        order.push('broken');
        throw new Error('disk full');
      },
    });
    const tools = {
      definitions: () => base.definitions(),
      execute: async (
        call: { id: string; name: string; input: unknown },
        ctx: Parameters<typeof base.execute>[1],
      ) => {
        if (call.name === 'rich') {
          order.push('rich');
          return {
            result: { ok: true },
            content: [{ type: 'text' as const, text: 'see attachment' }],
            source: 'mcp:files',
          };
        }
        return base.execute(call, ctx);
      },
    };
    const log = createEventLog();
    const result = await runnerFor(mock, { tools }).run({ messages: [user('go')], log });
    expect(result.error).toBeUndefined();
    // The calls run concurrently (`first` is still waiting when the others
    // finish); the results still go back in the model's order.
    expect(order).toEqual(['first:start', 'broken', 'rich', 'first:end']);

    const results = (bodyOf(mock, 1).messages as Anthropic.MessageParam[])[2]!.content;
    expect(results).toEqual([
      { type: 'tool_result', tool_use_id: 'toolu_a', content: [{ type: 'text', text: 'one' }] },
      {
        type: 'tool_result',
        tool_use_id: 'toolu_b',
        is_error: true,
        content: [{ type: 'text', text: 'tool_error: disk full' }],
      },
      {
        type: 'tool_result',
        tool_use_id: 'toolu_c',
        is_error: true,
        content: [{ type: 'text', text: 'unknown_tool: no tool missing' }],
      },
      {
        type: 'tool_result',
        tool_use_id: 'toolu_d',
        content: [
          { type: 'text', text: '{"ok":true}' },
          { type: 'text', text: 'see attachment' },
        ],
      },
    ]);
    const events = await eventsOf(log);
    const toolResults = events.filter((e) => e.type === 'tool_result');
    // In the log, in the order they finished: `first`, still waiting while
    // the others finished, comes last.
    const logged = toolResults.map((e) => [e.tool_use_id, e.error?.code, e.source]);
    expect(logged.at(-1)).toEqual(['toolu_a', undefined, 'local']);
    expect(logged.slice(0, 3).sort()).toEqual([
      ['toolu_b', 'tool_error', 'local'],
      ['toolu_c', 'unknown_tool', 'local'],
      ['toolu_d', undefined, 'mcp:files'],
    ]);
    // Every tool_use is announced before the first call runs.
    expect(typesOf(events).slice(1, 7)).toEqual([
      'usage',
      'tool_use',
      'tool_use',
      'tool_use',
      'tool_use',
      'tool_result',
    ]);
  });

  it('ends with max_turns and a history that can be sent again', async () => {
    let n = 0;
    const mock = await startMock(() => ({
      blocks: [{ type: 'tool_use', id: `toolu_${++n}`, name: 'again', input: {} }],
    }));
    const log = createEventLog();
    const result = await runnerFor(mock, {
      tools: localTools({ again: () => 'more' }),
      maxTurns: 2,
    }).run({
      messages: [user('loop')],
      log,
    });
    expect(result.error).toEqual({ code: 'max_turns', message: 'stopped after 2 model turns' });
    expect(result.turns).toBe(2);
    expect(mock.requests).toHaveLength(2);
    const events = await eventsOf(log);
    expect(events.at(-1)).toEqual({
      type: 'error',
      code: 'max_turns',
      message: 'stopped after 2 model turns',
    });
    // assistant tool_use / user tool_result pairs: valid to send again.
    expect(result.messages.map((m) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
    ]);

    mock.setScript([{ blocks: [{ type: 'text', text: 'Stopping.' }] }]);
    const again = await runnerFor(mock).run({ messages: result.messages, log: createEventLog() });
    expect(again.error).toBeUndefined();
  });

  it('sends a pause_turn back to let the model finish its turn', async () => {
    const mock = await startMock([
      { blocks: [{ type: 'text', text: 'Searching…' }], stopReason: 'pause_turn' },
      { blocks: [{ type: 'text', text: 'Found it.' }] },
    ]);
    const result = await runnerFor(mock).run({ messages: [user('find')], log: createEventLog() });
    expect(result.error).toBeUndefined();
    expect(result.turns).toBe(2);
    expect(bodyOf(mock, 1).messages).toEqual([
      user('find'),
      { role: 'assistant', content: [{ type: 'text', text: 'Searching…' }] },
    ]);
  });

  it("a tool that leaves listeners on its signal never makes the run's signal warn", async () => {
    const calls = Array.from({ length: 12 }, (_, i) => ({
      type: 'tool_use' as const,
      id: `toolu_${i}`,
      name: 'leaky',
      input: {},
    }));
    const mock = await startMock((request) =>
      answersTool(request) ? { blocks: [{ type: 'text', text: 'done' }] } : { blocks: calls },
    );
    const tools = localTools({
      leaky: (_input, ctx) => {
        ctx.signal.addEventListener('abort', () => {}); // never removed
        return 'ok';
      },
    });
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const result = await runnerFor(mock, { tools }).run({
        messages: [user('go')],
        log: createEventLog(),
        signal: new AbortController().signal,
      });
      expect(result.error).toBeUndefined();
      expect(tools.calls).toHaveLength(12);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
  });
});
