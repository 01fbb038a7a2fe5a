import { describe, expect, test } from 'vitest';
import { clientFor, MODEL, useMockAnthropic } from './test-helpers.js';
import { errorTurn, thinkingTurn, toolUseTurn } from './turns.js';

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
});
