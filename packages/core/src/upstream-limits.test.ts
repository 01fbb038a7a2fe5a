import type Anthropic from '@anthropic-ai/sdk';
import {
  midStreamErrorTurn,
  pauseTurn,
  promptTooLongTurn,
  refusalTurn,
  requestTooLargeTurn,
  textTurn,
  type MockAnthropic,
} from '@claude-gateway/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunResult } from './agent-runner-types.js';
import { createEventLog } from './memory-event-log.js';
import { costOf, findModelPrice } from './pricing.js';
import {
  bodyOf,
  closeMocks,
  eventsOf,
  runnerFor,
  silentLogger,
  startMock,
  user,
} from './runner-test-helpers.js';

afterEach(closeMocks);

/** Sends the returned history again with one more user message; the follow-up run's error. */
async function followUpError(mock: MockAnthropic, result: RunResult): Promise<unknown> {
  mock.setScript([textTurn('Sure.')]);
  const again = await runnerFor(mock).run({
    messages: [...result.messages, user('please go on')],
    log: createEventLog(),
  });
  return again.error;
}

const usage = (input: number, output: number) => ({
  input_tokens: input,
  output_tokens: output,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
});

describe('agent runner: refusal', () => {
  it('keeps the refused turn out of the history and says refusal in stream_complete', async () => {
    const mock = await startMock([refusalTurn('I will not')]);
    const log = createEventLog();
    const history = [user('hello'), { role: 'assistant' as const, content: 'Hi!' }, user('do it')];
    const result = await runnerFor(mock).run({ messages: history, log });
    expect(result.error).toBeUndefined();
    expect(result.stopReason).toBe('refusal');
    // The partial refused text is not kept: the next run does not send it.
    expect(result.messages).toEqual(history);
    expect((await eventsOf(log)).at(-1)).toMatchObject({
      type: 'stream_complete',
      stop_reason: 'refusal',
    });
    expect(await followUpError(mock, result)).toBeUndefined();
    expect(JSON.stringify(bodyOf(mock, 1).messages)).not.toContain('I will not');
  });
});

describe('agent runner: pause_turn', () => {
  it('sends a paused server-tool turn back as it is and lets the model finish', async () => {
    const mock = await startMock([
      pauseTurn('Searching', { searchId: 'srvtoolu_1' }),
      textTurn('Found.'),
    ]);
    const result = await runnerFor(mock).run({ messages: [user('find')], log: createEventLog() });
    expect(result.error).toBeUndefined();
    expect(result.turns).toBe(2);
    const paused = (bodyOf(mock, 1).messages as Anthropic.MessageParam[]).at(-1)!;
    expect(paused.role).toBe('assistant');
    expect((paused.content as Anthropic.ContentBlockParam[]).map((b) => b.type)).toEqual([
      'text',
      'server_tool_use',
      'web_search_tool_result',
    ]);
    expect(await followUpError(mock, result)).toBeUndefined();
  });

  it('after max_turns on a pause, the history has no server call without its result', async () => {
    const mock = await startMock([
      {
        blocks: [
          { type: 'text', text: 'Searching' },
          { type: 'server_tool_use', id: 'srvtoolu_open', input: { query: 'x' } },
        ],
        stopReason: 'pause_turn',
      },
    ]);
    const result = await runnerFor(mock, { maxTurns: 1 }).run({
      messages: [user('find')],
      log: createEventLog(),
    });
    expect(result.error?.code).toBe('max_turns');
    expect(result.messages.at(-1)).toEqual({
      role: 'assistant',
      content: [{ type: 'text', text: 'Searching' }],
    });
    // The scripted server refuses an unanswered server_tool_use, as the API does.
    expect(await followUpError(mock, result)).toBeUndefined();
  });

  it('after a cancel on a pause, likewise', async () => {
    const controller = new AbortController();
    const mock = await startMock((request) => {
      if (request.index === 0)
        return {
          blocks: [{ type: 'server_tool_use', id: 'srvtoolu_open', input: { query: 'x' } }],
          stopReason: 'pause_turn',
        };
      controller.abort();
      return { blocks: [{ type: 'text', text: 'late' }], delayMs: 50 };
    });
    const result = await runnerFor(mock).run({
      messages: [user('find')],
      log: createEventLog(),
      signal: controller.signal,
    });
    expect(result.error?.code).toBe('cancelled');
    // Nothing but the unanswered call was in the paused turn: it is dropped whole.
    expect(result.messages).toEqual([user('find')]);
    expect(await followUpError(mock, result)).toBeUndefined();
  });
});

describe('agent runner: requests the API finds too big', () => {
  it('a prompt above the context window ends with context_window_exceeded, not retried', async () => {
    const mock = await startMock([promptTooLongTurn()]);
    const log = createEventLog();
    const result = await runnerFor(mock).run({ messages: [user('long')], log });
    expect(result.error).toMatchObject({
      code: 'context_window_exceeded',
      message: expect.stringMatching(/prompt is too long/) as string,
    });
    expect(mock.requests).toHaveLength(1);
    expect((await eventsOf(log)).at(-1)).toMatchObject({
      type: 'error',
      code: 'context_window_exceeded',
    });
  });

  it('a request above the size limit ends with request_too_large, not retried', async () => {
    const mock = await startMock([requestTooLargeTurn()]);
    const result = await runnerFor(mock).run({ messages: [user('huge')], log: createEventLog() });
    expect(result.error?.code).toBe('request_too_large');
    expect(mock.requests).toHaveLength(1);
  });
});

describe('agent runner: what failed attempts cost', () => {
  it('counts the usage of a failed attempt in the run and reports it apart', async () => {
    const mock = await startMock([
      { ...midStreamErrorTurn('one two three four', 2), usage: usage(1000, 50) },
      { ...textTurn('Done.'), usage: usage(1000, 20) },
    ]);
    const seen: unknown[] = [];
    const log = createEventLog();
    const result = await runnerFor(mock, {
      model: 'claude-sonnet-4-6',
      hooks: { onUsage: (_usage, _cost, info) => void seen.push(info.failedAttempts) },
    }).run({ messages: [user('go')], log });
    expect(result.error).toBeUndefined();
    // message_start of the failed attempt: its input and one output token.
    const failedUsage = usage(1000, 1);
    expect(result.failedAttempts).toEqual({
      count: 1,
      usage: failedUsage,
      costUsd: costOf(failedUsage, findModelPrice('claude-sonnet-4-6')),
    });
    expect(result.usage).toMatchObject({ input_tokens: 2000, output_tokens: 21 });
    expect(result.costUsd).toBe(costOf(usage(2000, 21), findModelPrice('claude-sonnet-4-6')));
    expect(seen).toEqual([result.failedAttempts]);
    // The log's total says so too; its per-turn usage events count the turn only.
    const events = await eventsOf(log);
    expect(events.at(-1)).toMatchObject({ type: 'stream_complete', usage: { input_tokens: 2000 } });
    expect(events.filter((e) => e.type === 'usage')).toHaveLength(1);
  });

  it('counts every attempt of a turn that ran out of retries', async () => {
    const failing = { ...midStreamErrorTurn('a b c', 1), usage: usage(10, 5) };
    const mock = await startMock([failing, failing]);
    const result = await runnerFor(mock, { retry: { maxRetries: 1, baseDelayMs: 1 } }).run({
      messages: [user('go')],
      log: createEventLog(),
    });
    expect(result.error?.code).toBe('overloaded');
    expect(result.usage).toMatchObject({ input_tokens: 20, output_tokens: 2 });
    expect(result.failedAttempts?.count).toBe(2);
  });
});

describe('agent runner: unknown models', () => {
  it('cost null and one warning per runner, however many runs', async () => {
    const mock = await startMock(() => textTurn('Hi.'));
    const logger = silentLogger();
    const runner = runnerFor(mock, { model: 'claude-future-9', logger });
    for (let i = 0; i < 2; i++) {
      const result = await runner.run({ messages: [user('hi')], log: createEventLog() });
      expect(result.costUsd).toBeNull();
    }
    expect(logger.warnings.map((w) => w.message)).toEqual([
      expect.stringContaining('no price for model claude-future-9') as string,
    ]);
  });

  it('a price added with the pricing option is used', async () => {
    const mock = await startMock(() => ({ ...textTurn('Hi.'), usage: usage(1_000_000, 0) }));
    const logger = silentLogger();
    const result = await runnerFor(mock, {
      model: 'claude-future-9',
      logger,
      pricing: {
        'claude-future-9': {
          inputPerMTok: 2,
          outputPerMTok: 4,
          cacheWritePerMTok: 2.5,
          cacheReadPerMTok: 0.2,
        },
      },
    }).run({ messages: [user('hi')], log: createEventLog() });
    expect(result.costUsd).toBe(2);
    expect(logger.warnings).toEqual([]);
  });
});
