import type Anthropic from '@anthropic-ai/sdk';
import { describe, expect, test } from 'vitest';
import { createDemoModel } from './demo-model.js';
import { clientFor, MODEL, useMockAnthropic } from './test-helpers.js';
import type { MockRequestInfo, MockTurn } from './types.js';

const start = useMockAnthropic();

const TOOLS: Anthropic.Tool[] = [
  {
    name: 'get_weather',
    description: 'Current weather for a city',
    input_schema: {
      type: 'object',
      properties: {
        city: { type: 'string' },
        unit: { type: 'string', enum: ['fahrenheit', 'celsius'] },
        days: { type: 'integer', minimum: 2 },
        detailed: { type: 'boolean' },
      },
      required: ['city', 'unit', 'days', 'detailed'],
    },
  },
  {
    name: 'delete_file',
    description: 'Deletes a file (needs approval)',
    input_schema: {
      type: 'object',
      properties: { path: { type: 'string' }, reason: { type: 'string' } },
      required: ['path'],
    },
  },
];

async function turnFor(
  params: Partial<Anthropic.MessageCreateParamsNonStreaming>,
): Promise<MockTurn> {
  const script = createDemoModel();
  if (typeof script !== 'function') throw new Error('the demo model is a function script');
  const body = {
    model: MODEL,
    max_tokens: 4096,
    messages: [],
    ...params,
  } as Anthropic.MessageCreateParams;
  const request: MockRequestInfo = { body, headers: {}, index: 0 };
  return script(request);
}

function user(content: string): Anthropic.MessageParam[] {
  return [{ role: 'user', content }];
}

describe('createDemoModel', () => {
  test('the same conversation always gets the same turn; another conversation a different one', async () => {
    const a = await turnFor({ messages: user('Use get_weather please'), tools: TOOLS });
    const b = await turnFor({ messages: user('Use get_weather please'), tools: TOOLS });
    const c = await turnFor({ messages: user('Use get_weather now'), tools: TOOLS });
    expect(a).toEqual(b);
    const idOf = (t: MockTurn) => t.blocks?.find((x) => x.type === 'tool_use');
    expect(idOf(a)).toMatchObject({ id: expect.stringMatching(/^toolu_01[0-9A-Za-z]{22}$/) });
    expect(idOf(c)).not.toEqual(idOf(a));
  });

  test('a tool named in the latest user message is called with input built from its schema', async () => {
    const turn = await turnFor({ messages: user('What does get_weather say?'), tools: TOOLS });
    expect(turn.blocks?.map((b) => b.type)).toEqual(['text', 'tool_use']);
    expect(turn.blocks?.[1]).toMatchObject({
      type: 'tool_use',
      name: 'get_weather',
      input: { city: 'Paris', unit: 'fahrenheit', days: 2, detailed: true },
    });
  });

  test('the name with spaces for underscores counts; quoted phrases fill string inputs; several tools in order', async () => {
    const turn = await turnFor({
      messages: user('Please delete file "old.log", then get weather for "Lisbon".'),
      tools: TOOLS,
    });
    const calls = turn.blocks?.filter((b) => b.type === 'tool_use');
    expect(calls).toMatchObject([
      { name: 'delete_file', input: { path: 'old.log' } },
      { name: 'get_weather', input: { city: 'Lisbon' } },
    ]);
  });

  test('a tool is not called when only part of a word matches, and never when no tool is named', async () => {
    const turn = await turnFor({
      messages: user('what about get_weathers or weather in general?'),
      tools: TOOLS,
    });
    expect(turn.blocks?.some((b) => b.type === 'tool_use')).toBe(false);
    expect(turn.blocks?.[0]).toMatchObject({
      type: 'text',
      text: expect.stringContaining('get_weather'),
    });
  });

  test('tool_choice: none never calls, tool forces that tool, any forces one, no parallel use keeps the first', async () => {
    const names = (t: MockTurn) =>
      t.blocks?.filter((b) => b.type === 'tool_use').map((b) => b.name);
    const both = user('get_weather then delete_file');
    expect(
      names(await turnFor({ messages: both, tools: TOOLS, tool_choice: { type: 'none' } })),
    ).toEqual([]);
    expect(
      names(await turnFor({ messages: user('hi'), tools: TOOLS, tool_choice: { type: 'any' } })),
    ).toEqual(['get_weather']);
    expect(
      names(
        await turnFor({
          messages: user('hi'),
          tools: TOOLS,
          tool_choice: { type: 'tool', name: 'delete_file' },
        }),
      ),
    ).toEqual(['delete_file']);
    expect(
      names(
        await turnFor({
          messages: both,
          tools: TOOLS,
          tool_choice: { type: 'auto', disable_parallel_tool_use: true },
        }),
      ),
    ).toEqual(['get_weather']);
    expect(names(await turnFor({ messages: both, tools: TOOLS }))).toEqual([
      'get_weather',
      'delete_file',
    ]);
  });

  test('thinking comes first only when the request enables it', async () => {
    const plain = await turnFor({ messages: user('hi') });
    expect(plain.blocks?.map((b) => b.type)).toEqual(['text']);
    const adaptive = await turnFor({ messages: user('hi'), thinking: { type: 'adaptive' } });
    expect(adaptive.blocks?.map((b) => b.type)).toEqual(['thinking', 'text']);
    const budget = await turnFor({
      messages: user('Use get_weather'),
      tools: TOOLS,
      thinking: { type: 'enabled', budget_tokens: 1024 },
    });
    expect(budget.blocks?.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use']);
  });

  test('asked for length it writes a longer answer; max_tokens cuts it', async () => {
    const short = await turnFor({ messages: user('hello') });
    const long = await turnFor({ messages: user('tell me a long story') });
    const textOf = (t: MockTurn) =>
      (t.blocks?.find((b) => b.type === 'text') as { text: string }).text;
    expect(textOf(long).length).toBeGreaterThan(3 * textOf(short).length);
    expect(textOf(long).split('\n\n').length).toBeGreaterThanOrEqual(4);
    const cut = await turnFor({ messages: user('tell me a long story'), max_tokens: 20 });
    expect(cut.stopReason).toBe('max_tokens');
    expect(textOf(cut).length).toBeLessThanOrEqual(80);
  });

  test("results followed by the person's words (after a cancel): it answers the words", async () => {
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: 'delete_file please' },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_c', name: 'delete_file', input: {} }],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_c', content: 'cancelled', is_error: true },
          { type: 'text', text: 'never mind, use get_weather' },
        ],
      },
    ];
    const turn = await turnFor({ messages, tools: TOOLS });
    const call = turn.blocks?.find((b) => b.type === 'tool_use') as { name: string } | undefined;
    expect(call?.name).toBe('get_weather');
  });

  test('after tool results it quotes them; a failed tool is reported as failed', async () => {
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: 'get_weather and delete_file please' },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'toolu_a', name: 'get_weather', input: {} },
          { type: 'tool_use', id: 'toolu_b', name: 'delete_file', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 'toolu_a',
            content: [{ type: 'text', text: '{"temp_c":21}' }],
          },
          {
            type: 'tool_result',
            tool_use_id: 'toolu_b',
            content: 'user_denied: not approved',
            is_error: true,
          },
        ],
      },
    ];
    const turn = await turnFor({ messages, tools: TOOLS });
    expect(turn.blocks).toHaveLength(1);
    const text = (turn.blocks?.[0] as { text: string }).text;
    expect(text).toContain('The `get_weather` tool returned: "{"temp_c":21}".');
    expect(text).toContain('The `delete_file` tool failed: "user_denied: not approved".');
  });

  test('end to end through the SDK: call a named tool, send the result back, get a quoting answer', async () => {
    const mock = await start({ script: createDemoModel() });
    const client = clientFor(mock);
    const thinking = { type: 'enabled', budget_tokens: 1024 } as const;
    const messages: Anthropic.MessageParam[] = user('Check get_weather for "Oslo" please.');
    const first = await client.messages
      .stream({ model: MODEL, max_tokens: 2048, thinking, tools: TOOLS, messages })
      .finalMessage();
    expect(first.stop_reason).toBe('tool_use');
    expect(first.content[0]).toMatchObject({ type: 'thinking', signature: expect.any(String) });
    const call = first.content.find((b) => b.type === 'tool_use')!;
    expect(call).toMatchObject({ name: 'get_weather', input: { city: 'Oslo' } });
    messages.push({ role: 'assistant', content: first.content });
    messages.push({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: call.id, content: 'Sunny, 18°C' }],
    });
    const second = await client.messages
      .stream({ model: MODEL, max_tokens: 2048, thinking, tools: TOOLS, messages })
      .finalMessage();
    expect(second.stop_reason).toBe('end_turn');
    const answer = second.content.find((b) => b.type === 'text');
    expect(answer).toMatchObject({ text: expect.stringContaining('"Sunny, 18°C"') });
    // The same prompt again is another call: same content, a new id (approval
    // records key on tool ids, so a repeated id would clash as with the API).
    const ask = {
      model: MODEL,
      max_tokens: 2048,
      thinking,
      tools: TOOLS,
      messages: messages.slice(0, 1),
    };
    const again = await client.messages.create(ask);
    const againCall = again.content.find((b) => b.type === 'tool_use')!;
    expect(againCall).toMatchObject({ name: call.name, input: call.input });
    expect(againCall.id).not.toBe(call.id);
    // A fresh model fed the same requests repeats the same ids: deterministic.
    mock.setScript(createDemoModel());
    const fresh = await client.messages.create(ask);
    expect(fresh.content.find((b) => b.type === 'tool_use')).toMatchObject({ id: call.id });
  });
});
