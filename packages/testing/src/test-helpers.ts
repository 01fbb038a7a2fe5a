import Anthropic from '@anthropic-ai/sdk';
import { afterEach } from 'vitest';
import { startMockAnthropic } from './mock-server.js';
import type { MockAnthropic, MockAnthropicOptions, MockTurn } from './types.js';

/** The model name the tests send (one the SDK does not warn about). */
export const MODEL = 'claude-sonnet-4-6';

/** A one-message conversation. */
export const USER: Anthropic.MessageParam[] = [{ role: 'user', content: 'Hello' }];

/** A turn with every kind of block: thinking, redacted thinking, text and a tool call. */
export const RICH_TURN: MockTurn = {
  blocks: [
    { type: 'thinking', thinking: 'The user greets me. I should check the weather.' },
    {
      type: 'redacted_thinking',
      data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP',
    },
    { type: 'text', text: 'Let me look that up for you.' },
    {
      type: 'tool_use',
      id: 'toolu_01A09q90qw90lq917835lq9',
      name: 'get_weather',
      input: { city: 'Paris', days: 3 },
    },
  ],
};

/** Starts mock servers that are closed after each test. */
export function useMockAnthropic(): (options?: MockAnthropicOptions) => Promise<MockAnthropic> {
  const started: MockAnthropic[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((m) => m.close()));
  });
  return async (options) => {
    const mock = await startMockAnthropic({ logger: { warn() {}, error() {} }, ...options });
    started.push(mock);
    return mock;
  };
}

/** A real SDK client pointed at a mock, without SDK retries. */
export function clientFor(
  mock: MockAnthropic,
  credential: { authToken: string } | { apiKey: string } = { apiKey: 'test-key' },
): Anthropic {
  return new Anthropic({ baseURL: mock.url, maxRetries: 0, ...credential });
}

/** A raw `POST /v1/messages` with the headers the SDK would send. */
export function postMessages(
  mock: MockAnthropic,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${mock.url}/v1/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': 'test-key',
      'anthropic-version': '2023-06-01',
      ...headers,
    },
    body: JSON.stringify(body),
  });
}
