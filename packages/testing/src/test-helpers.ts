import Anthropic from '@anthropic-ai/sdk';
import { afterEach } from 'vitest';
import { startMockAnthropic } from './mock-server.js';
import type { MockAnthropic, MockAnthropicOptions } from './types.js';

/** The model name the tests send (one the SDK does not warn about). */
export const MODEL = 'claude-sonnet-4-6';

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
