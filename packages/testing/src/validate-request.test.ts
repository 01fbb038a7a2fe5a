import type Anthropic from '@anthropic-ai/sdk';
import { BadRequestError } from '@anthropic-ai/sdk';
import { describe, expect, test } from 'vitest';
import { thinkingSignature } from './ids.js';
import { clientFor, MODEL, postMessages, useMockAnthropic } from './test-helpers.js';
import { textTurn } from './turns.js';
import { validateMessagesRequest } from './validate-request.js';

const start = useMockAnthropic();

const TOOL: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

const SIGNED = 'I should look up the weather.';

/** A valid conversation: question, thinking + tool call, tool result. */
function toolLoop(): Anthropic.MessageParam[] {
  return [
    { role: 'user', content: 'Weather in Paris?' },
    {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: SIGNED, signature: thinkingSignature(SIGNED) },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
      ],
    },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '21°C' }] },
  ];
}

function body(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: MODEL, max_tokens: 4096, messages: toolLoop(), tools: [TOOL], ...overrides };
}

describe('validateMessagesRequest', () => {
  test('a well-formed tool loop with thinking passes', () => {
    expect(
      validateMessagesRequest(body({ thinking: { type: 'enabled', budget_tokens: 2048 } })),
    ).toBeUndefined();
    expect(validateMessagesRequest(body({ thinking: { type: 'adaptive' } }))).toBeUndefined();
  });

  test('required fields', () => {
    expect(validateMessagesRequest(body({ model: undefined }))).toBe('model: Field required');
    expect(validateMessagesRequest(body({ max_tokens: undefined }))).toBe(
      'max_tokens: Field required',
    );
    expect(validateMessagesRequest(body({ max_tokens: 0 }))).toMatch(/max_tokens/);
    expect(validateMessagesRequest(body({ messages: undefined }))).toBe('messages: Field required');
    expect(validateMessagesRequest(body({ messages: [] }))).toBe(
      'messages: at least one message is required',
    );
    expect(
      validateMessagesRequest(body({ max_tokens: undefined }), { requireMaxTokens: false }),
    ).toBeUndefined();
    expect(validateMessagesRequest('nope')).toMatch(/dictionary/);
  });

  test('system is a string or a list of non-empty text blocks', () => {
    expect(validateMessagesRequest(body({ system: 'Be brief.' }))).toBeUndefined();
    expect(
      validateMessagesRequest(body({ system: [{ type: 'text', text: 'Be brief.' }] })),
    ).toBeUndefined();
    expect(validateMessagesRequest(body({ system: 42 }))).toMatch(/^system:/);
    expect(validateMessagesRequest(body({ system: [{ type: 'text', text: '' }] }))).toMatch(
      /^system\.0:/,
    );
  });

  test('roles: the first turn is the user; consecutive same-role messages are merged like the API does', () => {
    expect(
      validateMessagesRequest(body({ messages: [{ role: 'assistant', content: 'Hi' }] })),
    ).toBe('messages: first message must use the "user" role');
    expect(validateMessagesRequest(body({ messages: [{ role: 'robot', content: 'Hi' }] }))).toMatch(
      /messages\.0\.role/,
    );
    const merged = [
      { role: 'user', content: 'One' },
      { role: 'user', content: 'Two' },
      ...toolLoop().slice(1),
    ];
    merged.splice(2, 0, { role: 'assistant', content: 'thinking out loud' });
    expect(validateMessagesRequest(body({ messages: merged }))).toBeUndefined();
  });

  test('empty content and empty text blocks are refused; a final assistant prefill may not end in whitespace', () => {
    expect(validateMessagesRequest(body({ messages: [{ role: 'user', content: '' }] }))).toMatch(
      /non-empty content/,
    );
    expect(
      validateMessagesRequest(
        body({ messages: [{ role: 'user', content: [{ type: 'text', text: '' }] }] }),
      ),
    ).toBe('messages: text content blocks must be non-empty');
    const prefill = [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Sure, ' },
    ];
    expect(validateMessagesRequest(body({ messages: prefill }))).toMatch(/trailing whitespace/);
  });

  test('a tool_result must answer a tool_use of the previous assistant turn', () => {
    const messages = toolLoop();
    messages[2] = {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'toolu_other', content: 'x' }],
    };
    expect(validateMessagesRequest(body({ messages }))).toMatch(
      /^messages\.2\.content\.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_other/,
    );
  });

  test('every tool_use of an assistant turn must be answered in the next turn', () => {
    const messages = toolLoop();
    messages[2] = { role: 'user', content: 'never mind' };
    expect(validateMessagesRequest(body({ messages }))).toMatch(
      /^messages\.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1/,
    );
  });

  test('tool_result blocks come first in their message', () => {
    const messages = toolLoop();
    messages[2] = {
      role: 'user',
      content: [
        { type: 'text', text: 'here:' },
        { type: 'tool_result', tool_use_id: 'toolu_1', content: 'x' },
      ],
    };
    expect(validateMessagesRequest(body({ messages }))).toMatch(/must come first/);
  });

  test('duplicate tool_use ids are refused', () => {
    const messages: Anthropic.MessageParam[] = [
      ...toolLoop(),
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'x' }] },
    ];
    expect(validateMessagesRequest(body({ messages }))).toMatch(/ids must be unique/);
  });

  test('thinking: budget at least 1024 and below max_tokens; temperature 1 only; no forced tool choice', () => {
    expect(
      validateMessagesRequest(body({ thinking: { type: 'enabled', budget_tokens: 4096 } })),
    ).toMatch(/`max_tokens` must be greater than `thinking.budget_tokens`/);
    expect(
      validateMessagesRequest(body({ thinking: { type: 'enabled', budget_tokens: 100 } })),
    ).toMatch(/1024/);
    expect(validateMessagesRequest(body({ thinking: { type: 'sometimes' } }))).toMatch(/thinking/);
    expect(
      validateMessagesRequest(body({ thinking: { type: 'adaptive' }, temperature: 0.2 })),
    ).toMatch(/temperature/);
    expect(
      validateMessagesRequest(
        body({
          thinking: { type: 'adaptive' },
          tool_choice: { type: 'tool', name: 'get_weather' },
        }),
      ),
    ).toMatch(/tool_choice forces tool use/);
    expect(
      validateMessagesRequest(body({ thinking: { type: 'disabled' }, temperature: 0.2 })),
    ).toBeUndefined();
  });

  test('with thinking on, the assistant turn answered by tool results must start with thinking', () => {
    const messages = toolLoop();
    messages[1] = {
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }],
    };
    expect(validateMessagesRequest(body({ messages }))).toBeUndefined();
    expect(validateMessagesRequest(body({ messages, thinking: { type: 'adaptive' } }))).toMatch(
      /^messages\.1\.content\.0\.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`/,
    );
  });

  test('a thinking block altered after the server signed it is refused; foreign signatures pass', () => {
    const messages = toolLoop();
    messages[1] = {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: `${SIGNED} (edited)`, signature: thinkingSignature(SIGNED) },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
      ],
    };
    expect(validateMessagesRequest(body({ messages }))).toMatch(
      /Invalid `signature` in `thinking` block/,
    );
    (messages[1].content as Anthropic.ContentBlockParam[])[0] = {
      type: 'thinking',
      thinking: 'anything',
      signature: 'c2lnbmF0dXJlIGZyb20gc29tZXdoZXJlIGVsc2U=',
    };
    expect(validateMessagesRequest(body({ messages }))).toBeUndefined();
  });

  test('tools: valid unique names, an object input schema; tool_choice among the known kinds and tools', () => {
    expect(validateMessagesRequest(body({ tools: [TOOL, TOOL] }))).toBe(
      'tools: Tool names must be unique.',
    );
    expect(validateMessagesRequest(body({ tools: [{ ...TOOL, name: 'has space' }] }))).toMatch(
      /should match pattern/,
    );
    expect(validateMessagesRequest(body({ tools: [{ name: 'x' }] }))).toMatch(/input_schema/);
    expect(validateMessagesRequest(body({ tool_choice: { type: 'sometimes' } }))).toMatch(
      /tool_choice/,
    );
    expect(validateMessagesRequest(body({ tool_choice: { type: 'tool', name: 'nope' } }))).toMatch(
      /nope/,
    );
    expect(
      validateMessagesRequest(body({ tool_choice: { type: 'tool', name: 'get_weather' } })),
    ).toBeUndefined();
  });

  test('at most four cache_control breakpoints', () => {
    const cached = { type: 'ephemeral' };
    const system = [1, 2, 3].map((n) => ({
      type: 'text',
      text: `part ${n}`,
      cache_control: cached,
    }));
    expect(validateMessagesRequest(body({ system }))).toBeUndefined();
    expect(
      validateMessagesRequest(body({ system, tools: [{ ...TOOL, cache_control: cached }] })),
    ).toBeUndefined();
    const messages = toolLoop();
    messages[0] = {
      role: 'user',
      content: [{ type: 'text', text: 'Weather in Paris?', cache_control: { type: 'ephemeral' } }],
    };
    expect(
      validateMessagesRequest(
        body({ system, messages, tools: [{ ...TOOL, cache_control: cached }] }),
      ),
    ).toBe('A maximum of 4 blocks with cache_control may be provided. Found 5.');
  });
});

describe('validation over HTTP', () => {
  test('a tool_result without its tool_use is a 400 invalid_request_error, and no turn is used', async () => {
    const mock = await start({ script: [textTurn('fine')] });
    const client = clientFor(mock);
    const messages = toolLoop();
    messages[2] = {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'toolu_missing', content: 'x' }],
    };
    const error = await client.messages
      .create({ model: MODEL, max_tokens: 100, messages, tools: [TOOL] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).type).toBe('invalid_request_error');
    expect((error as BadRequestError).apiMessage).toMatch(/toolu_missing/);
    const ok = await client.messages.create({
      model: MODEL,
      max_tokens: 100,
      messages: toolLoop(),
      tools: [TOOL],
    });
    expect(ok.content).toEqual([{ type: 'text', text: 'fine' }]);
  });

  test('bad JSON, a missing anthropic-version header and missing fields are 400s', async () => {
    const mock = await start({ script: [] });
    const badJson = await fetch(`${mock.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      body: '{"model":',
    });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
    const noVersion = await postMessages(mock, body(), { 'anthropic-version': '' });
    expect(noVersion.status).toBe(400);
    expect(await noVersion.json()).toMatchObject({
      error: { message: 'anthropic-version: header is required' },
    });
    const noModel = await postMessages(mock, body({ model: undefined }));
    expect(await noModel.json()).toMatchObject({
      error: { type: 'invalid_request_error', message: 'model: Field required' },
    });
  });
});
