import type Anthropic from '@anthropic-ai/sdk';
import {
  APIConnectionError,
  APIError,
  APIUserAbortError,
  InternalServerError,
  OverloadedError,
  RateLimitError,
} from '@anthropic-ai/sdk';
import { describe, expect, test } from 'vitest';
import { clientFor, MODEL, postMessages, USER, useMockAnthropic } from './test-helpers.js';
import {
  dropTurn,
  errorTurn,
  midStreamErrorTurn,
  overloadedTurn,
  rateLimitTurn,
  stallTurn,
  textTurn,
} from './turns.js';

const start = useMockAnthropic();
const LONG_TEXT = 'one two three four five six seven eight';

function request(client: Anthropic, signal?: AbortSignal) {
  return client.messages.stream(
    { model: MODEL, max_tokens: 100, messages: USER },
    signal ? { signal } : {},
  );
}

describe('HTTP errors before streaming', () => {
  test('429 surfaces as RateLimitError with the retry-after header', async () => {
    const mock = await start({ script: [rateLimitTurn(7)] });
    const error = await request(clientFor(mock))
      .finalMessage()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    const rateLimit = error as RateLimitError;
    expect(rateLimit.status).toBe(429);
    expect(rateLimit.headers.get('retry-after')).toBe('7');
    expect(rateLimit.type).toBe('rate_limit_error');
    expect(rateLimit.requestID).toMatch(/^req_01/);
  });

  test('retryAfterMs is sent as retry-after-ms, beside retry-after', async () => {
    const mock = await start({ script: [errorTurn(429, { retryAfter: 2, retryAfterMs: 1500 })] });
    const error = await request(clientFor(mock))
      .finalMessage()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    const headers = (error as RateLimitError).headers;
    expect(headers.get('retry-after-ms')).toBe('1500');
    expect(headers.get('retry-after')).toBe('2');
  });

  test('headers adds response headers to an HTTP error', async () => {
    const mock = await start({
      script: [
        { fault: { type: 'http_error', status: 529, headers: { 'x-should-retry': 'false' } } },
      ],
    });
    const error = await request(clientFor(mock))
      .finalMessage()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OverloadedError);
    expect((error as OverloadedError).headers.get('x-should-retry')).toBe('false');
  });

  test('529 surfaces as OverloadedError with type overloaded_error', async () => {
    const mock = await start({ script: [overloadedTurn()] });
    const error = await request(clientFor(mock))
      .finalMessage()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OverloadedError);
    expect((error as OverloadedError).status).toBe(529);
    expect((error as OverloadedError).type).toBe('overloaded_error');
  });

  test('500 is an api_error; the body has the real error shape', async () => {
    const mock = await start({ script: [errorTurn(500, { message: 'boom' })] });
    const response = await postMessages(mock, {
      model: MODEL,
      max_tokens: 10,
      messages: USER,
      stream: true,
    });
    expect(response.status).toBe(500);
    const body = await response.json();
    expect(body).toEqual({
      type: 'error',
      error: { type: 'api_error', message: 'boom' },
      request_id: response.headers.get('request-id'),
    });
  });

  test('an explicit error type and status are sent as given', async () => {
    const mock = await start({
      script: [errorTurn(403, { errorType: 'permission_error', message: 'nope' })],
    });
    const error = await clientFor(mock)
      .messages.create({ model: MODEL, max_tokens: 10, messages: USER })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 403, type: 'permission_error', apiMessage: 'nope' });
  });
});

describe('errors in the middle of a stream', () => {
  test('an overloaded_error event after N deltas fails the SDK stream after exactly N text deltas', async () => {
    const mock = await start({ script: [midStreamErrorTurn(LONG_TEXT, 3)] });
    const texts: string[] = [];
    const stream = request(clientFor(mock));
    stream.on('text', (t) => texts.push(t));
    const error = await stream.finalMessage().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).type).toBe('overloaded_error');
    expect((error as APIError).status).toBeUndefined();
    expect(texts).toEqual(['one ', 'two ', 'three ']);
  });

  test('the error event is framed like the API and ends the response', async () => {
    const mock = await start({ script: [midStreamErrorTurn(LONG_TEXT, 1, 'api_error')] });
    const response = await postMessages(mock, {
      model: MODEL,
      max_tokens: 10,
      messages: USER,
      stream: true,
    });
    const body = await response.text();
    expect(
      body.endsWith(
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"one "}}\n\n' +
          'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"Internal server error"}}\n\n',
      ),
    ).toBe(true);
  });

  test('a threshold beyond the last delta fires before message_delta', async () => {
    const mock = await start({ script: [midStreamErrorTurn('a b', 99)] });
    const body = await (
      await postMessages(mock, { model: MODEL, max_tokens: 10, messages: USER, stream: true })
    ).text();
    expect(body).toContain('event: content_block_stop');
    expect(body).not.toContain('event: message_delta');
    expect(body.endsWith('"type":"overloaded_error","message":"Overloaded"}}\n\n')).toBe(true);
  });

  test('non-streaming requests get the matching HTTP error instead', async () => {
    const mock = await start({
      script: [midStreamErrorTurn('x', 1), midStreamErrorTurn('x', 1, 'api_error')],
    });
    const client = clientFor(mock);
    const ask = () =>
      client.messages
        .create({ model: MODEL, max_tokens: 10, messages: USER })
        .catch((e: unknown) => e);
    expect(await ask()).toBeInstanceOf(OverloadedError);
    expect(await ask()).toBeInstanceOf(InternalServerError);
  });
});

describe('stalls and dropped connections', () => {
  test('a stall after N deltas sends nothing more; the client aborts and close() still returns', async () => {
    const mock = await start({ script: [stallTurn(LONG_TEXT, 2)] });
    const controller = new AbortController();
    const texts: string[] = [];
    const stream = request(clientFor(mock), controller.signal);
    const secondDelta = new Promise<void>((resolve) =>
      stream.on('text', (t) => {
        texts.push(t);
        if (texts.length === 2) resolve();
      }),
    );
    const outcome = stream.finalMessage().catch((e: unknown) => e);
    await secondDelta;
    // Give a broken server ample time to send more; a stalled one sends nothing.
    await new Promise((resolve) => setTimeout(resolve, 200));
    controller.abort();
    expect(await outcome).toBeInstanceOf(APIUserAbortError);
    expect(texts).toEqual(['one ', 'two ']);
    await mock.close();
  });

  test('a stall with no deltas sends headers only, and close() ends it while the client still waits', async () => {
    const mock = await start({ script: [stallTurn()] });
    const response = await postMessages(mock, {
      model: MODEL,
      max_tokens: 10,
      messages: USER,
      stream: true,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const body = response.text().then(
      (text) => ({ text }),
      (error: unknown) => ({ error }),
    );
    await mock.close();
    const result = await body;
    // The body never got a byte: either the read failed or it ended empty.
    expect('error' in result || result.text === '').toBe(true);
  });

  test('a non-streaming stall sends headers and never the body; close() ends it', async () => {
    const mock = await start({ script: [stallTurn()] });
    const response = await clientFor(mock)
      .messages.create({ model: MODEL, max_tokens: 10, messages: USER })
      .asResponse();
    expect(response.status).toBe(200);
    let settled = false;
    const body = response.text().then(
      (text) => ({ text }),
      (error: unknown) => ({ error }),
    );
    void body.then(() => (settled = true));
    // Give a broken server ample time to send the body; a stalled one sends nothing.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(settled).toBe(false);
    await mock.close();
    const result = await body;
    expect('error' in result || result.text === '').toBe(true);
  });

  test('a drop before the response is a connection error', async () => {
    const mock = await start({ script: [dropTurn()] });
    const error = await clientFor(mock)
      .messages.create({ model: MODEL, max_tokens: 10, messages: USER })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIConnectionError);
  });

  test('a drop after N deltas cuts the stream after exactly N deltas', async () => {
    const mock = await start({ script: [dropTurn(LONG_TEXT, 4), textTurn('after the drop')] });
    const client = clientFor(mock);
    const texts: string[] = [];
    const stream = request(client);
    stream.on('text', (t) => texts.push(t));
    const error = await stream.finalMessage().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(texts).toEqual(['one ', 'two ', 'three ', 'four ']);
    // The server keeps serving other connections.
    const next = await request(client).finalMessage();
    expect(next.content).toEqual([{ type: 'text', text: 'after the drop' }]);
  });
});

describe('delays', () => {
  test('delayMs spaces the events: nothing after message_start arrives before the delay, and close() cuts the wait', async () => {
    const mock = await start({ script: [textTurn('slow text', { delayMs: 60_000 })] });
    const controller = new AbortController();
    const events: string[] = [];
    const stream = request(clientFor(mock), controller.signal);
    const started = new Promise<void>((resolve) =>
      stream.on('streamEvent', (event) => {
        events.push(event.type);
        resolve();
      }),
    );
    const outcome = stream.finalMessage().catch((e: unknown) => e);
    await started;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(events).toEqual(['message_start']);
    await mock.close();
    expect(await outcome).toBeInstanceOf(Error);
  });

  test('a small delay still delivers the whole message', async () => {
    const mock = await start({ script: [textTurn('a b c', { delayMs: 5 })] });
    const message = await request(clientFor(mock)).finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: 'a b c' }]);
  });
});
