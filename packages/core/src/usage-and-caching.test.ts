import type Anthropic from '@anthropic-ai/sdk';
import type { MockRequestInfo, MockTurn } from '@claude-gateway/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamCompleteEvent } from './events.js';
import { createEventLog } from './memory-event-log.js';
import {
  answersTool,
  bodyOf,
  closeMocks,
  eventsOf,
  localTools,
  runnerFor,
  startMock,
  user,
} from './runner-test-helpers.js';

afterEach(closeMocks);

describe('agent runner: prompt caching, usage and cost', () => {
  it('marks the last system block and the last tool with cache_control', async () => {
    const mock = await startMock([
      { blocks: [{ type: 'text', text: 'a' }] },
      { blocks: [{ type: 'text', text: 'b' }] },
    ]);
    const tools = localTools({ one: () => 1, two: () => 2 });
    const runner = runnerFor(mock, { tools });
    await runner.run({ messages: [user('x')], system: 'You are terse.', log: createEventLog() });
    const body = bodyOf(mock, 0);
    expect(body.system).toEqual([
      { type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } },
    ]);
    const sentTools = body.tools as Anthropic.Tool[];
    expect(sentTools.map((t) => [t.name, t.cache_control])).toEqual([
      ['one', undefined],
      ['two', { type: 'ephemeral' }],
    ]);
    expect(body).not.toHaveProperty('thinking');

    await runner.run({
      messages: [user('x')],
      system: [
        { type: 'text', text: 'Part one.' },
        { type: 'text', text: 'Part two.' },
      ],
      log: createEventLog(),
    });
    expect(bodyOf(mock, 1).system).toEqual([
      { type: 'text', text: 'Part one.' },
      { type: 'text', text: 'Part two.', cache_control: { type: 'ephemeral' } },
    ]);
  });

  it("keeps the caller's own cache_control (a 1-hour ttl) on the last system block and tool", async () => {
    const mock = await startMock([{ blocks: [{ type: 'text', text: 'a' }] }]);
    const hour = { type: 'ephemeral', ttl: '1h' } as const;
    const tool: Anthropic.Tool = {
      name: 'one',
      input_schema: { type: 'object' },
      cache_control: hour,
    };
    const tools = { definitions: () => [tool], execute: () => Promise.resolve({ result: 1 }) };
    await runnerFor(mock, { tools }).run({
      messages: [user('x')],
      system: [{ type: 'text', text: 'Long rules.', cache_control: hour }],
      log: createEventLog(),
    });
    const body = bodyOf(mock, 0);
    expect(body.system).toEqual([{ type: 'text', text: 'Long rules.', cache_control: hour }]);
    expect((body.tools as Anthropic.Tool[])[0]!.cache_control).toEqual(hour);
  });

  it("adds no breakpoint past the API limit of four, counting the caller's own", async () => {
    const mock = await startMock([{ blocks: [{ type: 'text', text: 'a' }] }]);
    const mark = { type: 'ephemeral' } as const;
    const tool: Anthropic.Tool = { name: 'one', input_schema: { type: 'object' } };
    const tools = { definitions: () => [tool], execute: () => Promise.resolve({ result: 1 }) };
    const result = await runnerFor(mock, { tools }).run({
      // Three breakpoints in the system prompt and one in the conversation.
      system: [
        { type: 'text', text: 'a', cache_control: mark },
        { type: 'text', text: 'b', cache_control: mark },
        { type: 'text', text: 'c', cache_control: mark },
        { type: 'text', text: 'd' },
      ],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x', cache_control: mark }] }],
      log: createEventLog(),
    });
    expect(result.error).toBeUndefined();
    const body = bodyOf(mock, 0);
    expect((body.system as Anthropic.TextBlockParam[])[3]!.cache_control).toBeUndefined();
    expect((body.tools as Anthropic.Tool[])[0]!.cache_control).toBeUndefined();
  });

  it('with one breakpoint free, puts it on the system prompt (which caches the tools too)', async () => {
    const mock = await startMock([{ blocks: [{ type: 'text', text: 'a' }] }]);
    const mark = { type: 'ephemeral' } as const;
    const tool: Anthropic.Tool = { name: 'one', input_schema: { type: 'object' } };
    const tools = { definitions: () => [tool], execute: () => Promise.resolve({ result: 1 }) };
    await runnerFor(mock, { tools }).run({
      system: 'Rules.',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'x', cache_control: mark },
            { type: 'text', text: 'y', cache_control: mark },
            { type: 'text', text: 'z', cache_control: mark },
          ],
        },
      ],
      log: createEventLog(),
    });
    const body = bodyOf(mock, 0);
    expect((body.system as Anthropic.TextBlockParam[])[0]!.cache_control).toEqual(mark);
    expect((body.tools as Anthropic.Tool[])[0]!.cache_control).toBeUndefined();
  });

  it('sums usage over turns, cache tokens included, and prices it', async () => {
    const script = (request: MockRequestInfo): MockTurn =>
      answersTool(request)
        ? {
            blocks: [{ type: 'text', text: 'Done.' }],
            usage: {
              input_tokens: 50,
              output_tokens: 100,
              cache_creation_input_tokens: 0,
              cache_read_input_tokens: 3000,
            },
          }
        : {
            blocks: [{ type: 'tool_use', id: 'toolu_u', name: 'one', input: {} }],
            usage: {
              input_tokens: 1000,
              output_tokens: 200,
              cache_creation_input_tokens: 3000,
              cache_read_input_tokens: 0,
            },
          };
    const mock = await startMock(script);
    const log = createEventLog();
    const result = await runnerFor(mock, {
      tools: localTools({ one: () => 1 }),
      model: 'claude-haiku-4-5',
    }).run({
      messages: [user('x')],
      log,
    });
    const events = await eventsOf(log);
    expect(events.filter((e) => e.type === 'usage')).toEqual([
      {
        type: 'usage',
        turn: 1,
        usage: {
          input_tokens: 1000,
          output_tokens: 200,
          cache_creation_input_tokens: 3000,
          cache_read_input_tokens: 0,
        },
      },
      {
        type: 'usage',
        turn: 2,
        usage: {
          input_tokens: 50,
          output_tokens: 100,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 3000,
        },
      },
    ]);
    const total = {
      input_tokens: 1050,
      output_tokens: 300,
      cache_creation_input_tokens: 3000,
      cache_read_input_tokens: 3000,
    };
    // Haiku 4.5: $1 in, $5 out, $1.25 cache write, $0.10 cache read per MTok.
    const cost = (1050 * 1 + 300 * 5 + 3000 * 1.25 + 3000 * 0.1) / 1e6;
    const complete = events.at(-1) as StreamCompleteEvent;
    expect(complete).toEqual({
      type: 'stream_complete',
      stop_reason: 'end_turn',
      usage: total,
      cost_usd: cost,
      turns: 2,
    });
    expect(result.usage).toEqual(total);
    expect(result.costUsd).toBe(cost);
  });

  it('reads the cache on the second turn (simulated by the scripted server)', async () => {
    const script = (request: MockRequestInfo): MockTurn =>
      answersTool(request)
        ? { blocks: [{ type: 'text', text: 'Done.' }] }
        : { blocks: [{ type: 'tool_use', id: 'toolu_c', name: 'one', input: {} }] };
    const mock = await startMock(script);
    const log = createEventLog();
    await runnerFor(mock, { tools: localTools({ one: () => 1 }) }).run({
      messages: [user('x')],
      system: 'A long and stable system prompt. '.repeat(50),
      log,
    });
    const usages = (await eventsOf(log)).filter((e) => e.type === 'usage').map((e) => e.usage);
    expect(usages[0]!.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(usages[1]!.cache_read_input_tokens).toBeGreaterThan(0);
  });

  it('reports cost_usd null for an unknown model, and prices it from the pricing option', async () => {
    const mock = await startMock([
      { blocks: [{ type: 'text', text: 'a' }], usage: { input_tokens: 10, output_tokens: 10 } },
      {
        blocks: [{ type: 'text', text: 'b' }],
        usage: {
          input_tokens: 1_000_000,
          output_tokens: 0,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        },
      },
    ]);
    const unknown = createEventLog();
    const result = await runnerFor(mock, { model: 'claude-unknown-9' }).run({
      messages: [user('x')],
      log: unknown,
    });
    expect(result.costUsd).toBeNull();
    expect((await eventsOf(unknown)).at(-1)).toMatchObject({
      type: 'stream_complete',
      cost_usd: null,
    });

    const priced = await runnerFor(mock, {
      model: 'claude-unknown-9',
      pricing: {
        'claude-unknown-9': {
          inputPerMTok: 2,
          outputPerMTok: 4,
          cacheWritePerMTok: 3,
          cacheReadPerMTok: 0.2,
        },
      },
    }).run({ messages: [user('x')], log: createEventLog() });
    expect(priced.costUsd).toBe(2);
  });
});

describe('agent runner: 1-hour cache writes and web searches', () => {
  it('prices 1-hour cache writes at 2× input and web searches at $10 per 1,000', async () => {
    const mock = await startMock([
      {
        blocks: [{ type: 'text', text: 'a' }],
        usage: {
          input_tokens: 1000,
          output_tokens: 200,
          cache_creation_input_tokens: 3000,
          cache_creation_1h_input_tokens: 2000,
          cache_read_input_tokens: 0,
          web_search_requests: 3,
        },
      },
    ]);
    const log = createEventLog();
    const result = await runnerFor(mock).run({ messages: [user('x')], log });
    const usage = {
      input_tokens: 1000,
      output_tokens: 200,
      cache_creation_input_tokens: 3000,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 },
      server_tool_use: { web_search_requests: 3 },
    };
    // Haiku 4.5: $1 in, $5 out, $1.25 5-minute write, $2 1-hour write per MTok; $0.01 a search.
    const cost = (1000 * 1 + 200 * 5 + 1000 * 1.25 + 2000 * 2) / 1e6 + 3 * 0.01;
    const events = await eventsOf(log);
    expect(events.find((e) => e.type === 'usage')).toEqual({ type: 'usage', turn: 1, usage });
    expect(events.at(-1)).toMatchObject({ type: 'stream_complete', usage, cost_usd: cost });
    expect(result.costUsd).toBe(cost);
  });

  it('falls back to 2× input for the 1-hour rate of a pricing entry without one', async () => {
    const mock = await startMock([
      {
        blocks: [{ type: 'text', text: 'a' }],
        usage: {
          input_tokens: 0,
          output_tokens: 0,
          cache_creation_input_tokens: 1_000_000,
          cache_creation_1h_input_tokens: 1_000_000,
          cache_read_input_tokens: 0,
        },
      },
      {
        blocks: [{ type: 'text', text: 'a' }],
        usage: {
          input_tokens: 0,
          output_tokens: 0,
          cache_creation_input_tokens: 1_000_000,
          cache_creation_1h_input_tokens: 1_000_000,
          cache_read_input_tokens: 0,
        },
      },
    ]);
    const pricing = {
      'claude-unknown-9': {
        inputPerMTok: 3,
        outputPerMTok: 15,
        cacheWritePerMTok: 3.75,
        cacheReadPerMTok: 0.3,
      },
    };
    const runner = runnerFor(mock, { model: 'claude-unknown-9', pricing });
    const result = await runner.run({ messages: [user('x')], log: createEventLog() });
    expect(result.costUsd).toBe(6);
    const priced = runnerFor(mock, {
      model: 'claude-unknown-9',
      pricing: { 'claude-unknown-9': { ...pricing['claude-unknown-9'], cacheWrite1hPerMTok: 7 } },
    });
    expect((await priced.run({ messages: [user('x')], log: createEventLog() })).costUsd).toBe(7);
  });
});
