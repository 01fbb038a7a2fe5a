import type Anthropic from '@anthropic-ai/sdk';
import { AuthenticationError, NotFoundError } from '@anthropic-ai/sdk';
import { describe, expect, test } from 'vitest';
import { startMockAnthropic } from './mock-server.js';
import {
  clientFor,
  MODEL,
  postMessages,
  RICH_TURN,
  USER,
  useMockAnthropic,
} from './test-helpers.js';
import { stallTurn, textTurn, toolUseTurn } from './turns.js';

const start = useMockAnthropic();

describe('non-streaming', () => {
  test('create() returns the complete message', async () => {
    const mock = await start({ script: [RICH_TURN] });
    const message = await clientFor(mock).messages.create({
      model: MODEL,
      max_tokens: 4096,
      messages: USER,
    });
    expect(message.type).toBe('message');
    expect(message.role).toBe('assistant');
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content.map((b) => b.type)).toEqual([
      'thinking',
      'redacted_thinking',
      'text',
      'tool_use',
    ]);
    expect(message.content[3]).toMatchObject({
      name: 'get_weather',
      input: { city: 'Paris', days: 3 },
    });
    expect(message.usage).toMatchObject({
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    });
  });

  test('the stop reason and usage given by the turn are reported', async () => {
    const mock = await start({
      script: [
        textTurn('cut', {
          stopReason: 'max_tokens',
          usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 90 },
        }),
      ],
    });
    const message = await clientFor(mock).messages.create({
      model: MODEL,
      max_tokens: 5,
      messages: USER,
    });
    expect(message.stop_reason).toBe('max_tokens');
    expect(message.usage).toMatchObject({
      input_tokens: 10,
      output_tokens: 5,
      cache_read_input_tokens: 90,
    });
  });
});

describe('scripts', () => {
  test('a list is answered in order, then the server says the script is exhausted', async () => {
    const mock = await start({ script: [textTurn('one'), textTurn('two')] });
    const client = clientFor(mock);
    const ask = () => client.messages.create({ model: MODEL, max_tokens: 10, messages: USER });
    expect((await ask()).content).toEqual([{ type: 'text', text: 'one' }]);
    expect((await ask()).content).toEqual([{ type: 'text', text: 'two' }]);
    await expect(ask()).rejects.toMatchObject({
      status: 500,
      error: { error: { type: 'api_error' } },
    });
    await expect(ask()).rejects.toThrow(/script exhausted/);
  });

  test('setScript replaces the script and restarts the list', async () => {
    const mock = await start({ script: [textTurn('first')] });
    const client = clientFor(mock);
    const ask = () => client.messages.create({ model: MODEL, max_tokens: 10, messages: USER });
    await ask();
    mock.setScript([textTurn('again')]);
    expect((await ask()).content).toEqual([{ type: 'text', text: 'again' }]);
  });

  test('a function script drives a two-turn tool loop and sees each request', async () => {
    const seen: { index: number; lastRole: string }[] = [];
    const mock = await start({
      script: ({ body, index }) => {
        const last = body.messages.at(-1)!;
        seen.push({ index, lastRole: last.role });
        const result = Array.isArray(last.content)
          ? (last.content as Anthropic.ContentBlockParam[]).find(
              (b): b is Anthropic.ToolResultBlockParam => b.type === 'tool_result',
            )
          : undefined;
        if (!result) return toolUseTurn('add', { a: 2, b: 3 }, { text: 'Adding.' });
        return textTurn(`The sum is ${JSON.stringify(result.content)}.`);
      },
    });
    const client = clientFor(mock);
    const tools: Anthropic.Tool[] = [
      {
        name: 'add',
        description: 'Adds two numbers',
        input_schema: {
          type: 'object',
          properties: { a: { type: 'number' }, b: { type: 'number' } },
        },
      },
    ];
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'What is 2 + 3?' }];
    const first = await client.messages
      .stream({ model: MODEL, max_tokens: 100, messages, tools })
      .finalMessage();
    expect(first.stop_reason).toBe('tool_use');
    const call = first.content.find((b) => b.type === 'tool_use')!;
    const input = call.input as { a: number; b: number };
    messages.push({ role: 'assistant', content: first.content });
    messages.push({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: call.id, content: String(input.a + input.b) }],
    });
    const second = await client.messages
      .stream({ model: MODEL, max_tokens: 100, messages, tools })
      .finalMessage();
    expect(second.stop_reason).toBe('end_turn');
    expect(second.content).toEqual([{ type: 'text', text: 'The sum is "5".' }]);
    expect(seen).toEqual([
      { index: 0, lastRole: 'user' },
      { index: 1, lastRole: 'user' },
    ]);
  });

  test('a script function that throws is answered with a 500 api_error naming the problem', async () => {
    const warnings: string[] = [];
    const mock = await start({
      script: () => {
        throw new Error('no turn for this');
      },
      logger: { warn: (m) => warnings.push(m), error() {} },
    });
    await expect(
      clientFor(mock).messages.create({ model: MODEL, max_tokens: 10, messages: USER }),
    ).rejects.toThrow(/no turn for this/);
    expect(warnings).toHaveLength(1);
  });

  test('without a script the demo model answers', async () => {
    const mock = await start();
    const message = await clientFor(mock).messages.create({
      model: MODEL,
      max_tokens: 500,
      messages: USER,
    });
    expect(message.content[0]).toMatchObject({
      type: 'text',
      text: expect.stringContaining('Hello'),
    });
  });
});

describe('requests and credentials', () => {
  test('every request is recorded with lowercased headers and the parsed body', async () => {
    const mock = await start({ script: [textTurn('ok')] });
    const before = Date.now();
    await clientFor(mock).messages.create({
      model: MODEL,
      max_tokens: 10,
      messages: USER,
      system: 'Be brief.',
    });
    await fetch(`${mock.url}/v1/nothing`);
    expect(mock.requests).toHaveLength(2);
    const [first, second] = mock.requests;
    expect(first).toMatchObject({
      method: 'POST',
      path: '/v1/messages',
      body: { model: MODEL, max_tokens: 10, messages: USER, system: 'Be brief.' },
    });
    // This SDK version sends an API key as a bearer token.
    expect(first!.headers.authorization).toBe('Bearer test-key');
    expect(first!.headers['anthropic-version']).toBeDefined();
    expect(Object.keys(first!.headers).every((h) => h === h.toLowerCase())).toBe(true);
    expect(first!.receivedAt).toBeGreaterThanOrEqual(before);
    expect(second).toMatchObject({ method: 'GET', path: '/v1/nothing' });
  });

  test('recordRequests: a number keeps only the last N requests, so memory stays bounded', async () => {
    const mock = await start({ recordRequests: 5 });
    for (let i = 0; i < 50; i++) {
      const response = await fetch(`${mock.url}/v1/probe-${i}`);
      await response.body?.cancel();
      expect(mock.requests.length).toBeLessThanOrEqual(5);
    }
    expect(mock.requests.map((r) => r.path)).toEqual(
      [45, 46, 47, 48, 49].map((i) => `/v1/probe-${i}`),
    );
  });

  test('recordRequests: false keeps none, and requests are still answered', async () => {
    const mock = await start({ script: [textTurn('one'), textTurn('two')], recordRequests: false });
    const client = clientFor(mock);
    for (const text of ['one', 'two']) {
      const message = await client.messages
        .stream({ model: MODEL, max_tokens: 10, messages: USER })
        .finalMessage();
      expect(message.content).toEqual([{ type: 'text', text }]);
    }
    expect(mock.requests).toEqual([]);
  });

  test('recordRequests: a negative or fractional count is refused', async () => {
    await expect(startMockAnthropic({ recordRequests: -1 })).rejects.toThrow(RangeError);
    await expect(startMockAnthropic({ recordRequests: 2.5 })).rejects.toThrow(/recordRequests/);
  });

  test('a bearer token and an x-api-key are accepted; no credential is a 401 authentication_error', async () => {
    const mock = await start({ script: [textTurn('ok')] });
    const message = await clientFor(mock, { authToken: 'oauth-token' }).messages.create({
      model: MODEL,
      max_tokens: 10,
      messages: USER,
    });
    expect(message.content).toEqual([{ type: 'text', text: 'ok' }]);
    expect(mock.requests[0]!.headers.authorization).toBe('Bearer oauth-token');
    mock.setScript([textTurn('ok')]);
    expect(
      (await postMessages(mock, { model: MODEL, max_tokens: 10, messages: USER })).status,
    ).toBe(200);
    const response = await postMessages(
      mock,
      { model: MODEL, max_tokens: 10, messages: USER },
      { 'x-api-key': '' },
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error', message: 'x-api-key header is required' },
      request_id: expect.stringMatching(/^req_/),
    });
  });

  test('with `credentials`, another key is refused without using a turn', async () => {
    const mock = await start({ script: [textTurn('ok')], credentials: ['good'] });
    await expect(
      clientFor(mock, { apiKey: 'bad' }).messages.create({
        model: MODEL,
        max_tokens: 10,
        messages: USER,
      }),
    ).rejects.toBeInstanceOf(AuthenticationError);
    const message = await clientFor(mock, { apiKey: 'good' }).messages.create({
      model: MODEL,
      max_tokens: 10,
      messages: USER,
    });
    expect(message.content).toEqual([{ type: 'text', text: 'ok' }]);
  });

  test('unknown paths answer 404 not_found_error; count_tokens counts', async () => {
    const mock = await start({ script: [] });
    const client = clientFor(mock);
    await expect(client.models.list()).rejects.toBeInstanceOf(NotFoundError);
    const counted = await client.messages.countTokens({ model: MODEL, messages: USER });
    expect(counted.input_tokens).toBeGreaterThan(0);
  });

  test('a port in use is refused; parallel requests each get their own turn', async () => {
    const mock = await start({
      script: [textTurn('a', { delayMs: 20 }), textTurn('b', { delayMs: 20 })],
    });
    await expect(startMockAnthropic({ port: mock.port })).rejects.toThrow(/EADDRINUSE/);
    const client = clientFor(mock);
    const ask = () =>
      client.messages.stream({ model: MODEL, max_tokens: 10, messages: USER }).finalMessage();
    const answers = await Promise.all([ask(), ask()]);
    expect(answers.map((m) => (m.content[0] as Anthropic.TextBlock).text).sort()).toEqual([
      'a',
      'b',
    ]);
  });

  test('close() is idempotent and refuses later connections', async () => {
    const mock = await start({ script: [textTurn('ok')] });
    await Promise.all([mock.close(), mock.close()]);
    await expect(fetch(`${mock.url}/v1/messages`, { method: 'POST' })).rejects.toThrow();
  });
});

describe('prompt cache simulation', () => {
  test('a prefix ending at cache_control is written once, then read', async () => {
    const mock = await start({ script: [textTurn('one'), textTurn('two'), textTurn('three')] });
    const client = clientFor(mock);
    const system: Anthropic.TextBlockParam[] = [
      {
        type: 'text',
        text: 'You are a careful assistant. '.repeat(40),
        cache_control: { type: 'ephemeral' },
      },
    ];
    const first = await client.messages.create({
      model: MODEL,
      max_tokens: 10,
      system,
      messages: USER,
    });
    const second = await client.messages.create({
      model: MODEL,
      max_tokens: 10,
      system,
      messages: USER,
    });
    const other = await client.messages.create({
      model: MODEL,
      max_tokens: 10,
      system: [{ ...system[0]!, text: 'Something else entirely. '.repeat(40) }],
      messages: USER,
    });
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(200);
    expect(first.usage.cache_read_input_tokens).toBe(0);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.input_tokens).toBe(first.usage.input_tokens);
    expect(other.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(other.usage.cache_read_input_tokens).toBe(0);
  });

  test('cacheMinTokens leaves short prefixes uncached', async () => {
    const mock = await start({ script: [textTurn('one'), textTurn('two')], cacheMinTokens: 1024 });
    const client = clientFor(mock);
    const system: Anthropic.TextBlockParam[] = [
      { type: 'text', text: 'Short.', cache_control: { type: 'ephemeral' } },
    ];
    await client.messages.create({ model: MODEL, max_tokens: 10, system, messages: USER });
    const second = await client.messages.create({
      model: MODEL,
      max_tokens: 10,
      system,
      messages: USER,
    });
    expect(second.usage.cache_read_input_tokens).toBe(0);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
  });
});

describe('many concurrent streams', () => {
  test('12 streams open at once raise no MaxListenersExceededWarning', async () => {
    const mock = await start({ script: () => stallTurn('waiting', 1) });
    const client = clientFor(mock);
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    const controllers = Array.from({ length: 12 }, () => new AbortController());
    try {
      // Each create() resolves once its headers arrive: then all twelve streams are open.
      const streams = await Promise.all(
        controllers.map((controller) =>
          client.messages.create(
            { model: MODEL, max_tokens: 10, messages: USER, stream: true },
            { signal: controller.signal },
          ),
        ),
      );
      expect(streams).toHaveLength(12);
      expect(mock.requests).toHaveLength(12);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      for (const controller of controllers) controller.abort();
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
  });
});
