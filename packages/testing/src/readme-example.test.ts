import Anthropic, { RateLimitError } from '@anthropic-ai/sdk';
import { expect, test } from 'vitest';
import { rateLimitTurn, startMockAnthropic, textTurn } from './index.js';

test('the README example works as written', async () => {
  const mock = await startMockAnthropic({ script: [rateLimitTurn(2), textTurn('Hello!')] });
  try {
    const client = new Anthropic({ baseURL: mock.url, apiKey: 'test', maxRetries: 0 });
    const params = {
      model: 'claude-sonnet-4-6',
      max_tokens: 1024,
      messages: [{ role: 'user' as const, content: 'Hi' }],
    };
    const error = await client.messages.create(params).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).headers.get('retry-after')).toBe('2');
    const message = await client.messages.stream(params).finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: 'Hello!' }]);
    expect(mock.requests).toHaveLength(2);
  } finally {
    await mock.close();
  }
});
