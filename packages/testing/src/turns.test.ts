import { describe, expect, test } from 'vitest';
import { clientFor, MODEL, useMockAnthropic } from './test-helpers.js';
import {
  contextWindowExceededTurn,
  errorTurn,
  maxTokensInToolUseTurn,
  pauseTurn,
  promptTooLongTurn,
  refusalTurn,
  requestTooLargeTurn,
  thinkingTurn,
  toolUseTurn,
} from './turns.js';
import { validateMessagesRequest } from './validate-request.js';

const start = useMockAnthropic();

describe('turn helpers', () => {
  test('toolUseTurn builds thinking, text and the call in that order, with the given id', () => {
    expect(
      toolUseTurn('f', { a: 1 }, { id: 'toolu_x', text: 'Calling.', thinking: 'Hmm.', delayMs: 3 }),
    ).toEqual({
      delayMs: 3,
      blocks: [
        { type: 'thinking', thinking: 'Hmm.' },
        { type: 'text', text: 'Calling.' },
        { type: 'tool_use', id: 'toolu_x', name: 'f', input: { a: 1 } },
      ],
    });
  });

  test('thinkingTurn and errorTurn work against the server', async () => {
    const mock = await start({
      script: [thinkingTurn('Considering.', 'Done.'), errorTurn(429, { retryAfter: 2 })],
    });
    const client = clientFor(mock);
    const message = await client.messages.create({
      model: MODEL,
      max_tokens: 2000,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(message.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    await expect(
      client.messages.create({
        model: MODEL,
        max_tokens: 10,
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    ).rejects.toMatchObject({ status: 429 });
  });

  test('the stop-reason and upstream-error turns stream what the API sends', async () => {
    const mock = await start({
      script: [
        refusalTurn('No'),
        pauseTurn('Looking', { searchId: 'srvtoolu_1' }),
        maxTokensInToolUseTurn('write'),
        contextWindowExceededTurn(),
        promptTooLongTurn(),
        requestTooLargeTurn(),
      ],
    });
    const client = clientFor(mock);
    const ask = () =>
      client.messages
        .stream({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] })
        .finalMessage();
    expect((await ask()).stop_reason).toBe('refusal');
    const paused = await ask();
    expect(paused.stop_reason).toBe('pause_turn');
    expect(paused.content.map((b) => b.type)).toEqual([
      'text',
      'server_tool_use',
      'web_search_tool_result',
    ]);
    expect(paused.content[1]).toMatchObject({ id: 'srvtoolu_1', input: { query: 'claude' } });
    const cut = await ask();
    expect(cut.stop_reason).toBe('max_tokens');
    expect(cut.content.map((b) => b.type)).toEqual(['text', 'tool_use']);
    expect((await ask()).stop_reason).toBe('model_context_window_exceeded');
    await expect(ask()).rejects.toMatchObject({ status: 400, message: /prompt is too long/ });
    await expect(ask()).rejects.toMatchObject({ status: 413 });
  });

  test('the validator refuses a server tool call without its result', () => {
    const body = (content: unknown[]) => ({
      model: MODEL,
      max_tokens: 10,
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content },
        { role: 'user', content: 'go on' },
      ],
    });
    const call = { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} };
    expect(validateMessagesRequest(body([call]))).toMatch(/server_tool_use/);
    expect(
      validateMessagesRequest(
        body([call, { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] }]),
      ),
    ).toBeUndefined();
  });
});
