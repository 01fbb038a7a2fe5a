import type Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayError } from './errors.js';
import { createEventLog } from './memory-event-log.js';
import {
  closeMocks,
  eventsOf,
  localTools,
  runnerFor,
  silentLogger,
  startMock,
  typesOf,
  user,
} from './runner-test-helpers.js';

afterEach(closeMocks);

describe('agent runner: streaming', () => {
  it('streams one text_delta per upstream delta and completes', async () => {
    const mock = await startMock([
      {
        blocks: [
          { type: 'text', text: 'Hello there, friend', chunks: ['Hello', ' there,', ' friend'] },
        ],
      },
    ]);
    const log = createEventLog();
    const result = await runnerFor(mock).run({ messages: [user('Hi')], log });
    const events = await eventsOf(log);
    expect(typesOf(events)).toEqual([
      'run_start',
      'text_delta',
      'text_delta',
      'text_delta',
      'usage',
      'stream_complete',
    ]);
    expect(events[0]).toEqual({
      type: 'run_start',
      run_id: log.id,
      session_id: log.id,
      model: 'claude-haiku-4-5',
    });
    expect(events.filter((e) => e.type === 'text_delta').map((e) => e.text)).toEqual([
      'Hello',
      ' there,',
      ' friend',
    ]);
    expect(result.error).toBeUndefined();
    expect(result.stopReason).toBe('end_turn');
    expect(result.turns).toBe(1);
    expect(result.messages).toEqual([
      user('Hi'),
      { role: 'assistant', content: [{ type: 'text', text: 'Hello there, friend' }] },
    ]);
    expect(log.closed).toBe(true);
  });

  it('uses the given runId and sessionId, else the log meta session', async () => {
    const mock = await startMock([
      { blocks: [{ type: 'text', text: 'a' }] },
      { blocks: [{ type: 'text', text: 'b' }] },
    ]);
    const runner = runnerFor(mock);
    const first = createEventLog();
    await runner.run({ messages: [user('x')], log: first, runId: 'run-1', sessionId: 'sess-1' });
    expect((await eventsOf(first))[0]).toMatchObject({ run_id: 'run-1', session_id: 'sess-1' });
    const second = createEventLog({ meta: { sessionId: 'from-meta' } });
    await runner.run({ messages: [user('x')], log: second });
    expect((await eventsOf(second))[0]).toMatchObject({
      run_id: second.id,
      session_id: 'from-meta',
    });
  });
});

describe('agent runner: misuse', () => {
  it('rejects run() on a closed log and on bad arguments, with GatewayError codes', async () => {
    const mock = await startMock([]);
    const runner = runnerFor(mock);
    const closed = createEventLog();
    await closed.close();
    await expect(runner.run({ messages: [user('x')], log: closed })).rejects.toMatchObject({
      code: 'log_closed',
    });
    await expect(
      runner.run({
        messages: 'nope' as unknown as Anthropic.MessageParam[],
        log: createEventLog(),
      }),
    ).rejects.toSatisfy((e) => GatewayError.isInstance(e) && e.code === 'invalid_options');
    await expect(
      runner.run({
        messages: [user('x')],
        log: createEventLog(),
        signal: { aborted: false } as AbortSignal,
      }),
    ).rejects.toMatchObject({ code: 'invalid_options' });
    expect(mock.requests).toHaveLength(0);
  });

  it('refuses bad options with invalid_options', () => {
    const bad = [
      { model: '' },
      { model: 'm', maxTurns: 0 },
      { model: 'm', thinking: { budgetTokens: 100 } },
      { model: 'm', maxTokens: 2000, thinking: { budgetTokens: 4000 } },
      { model: 'm', retry: { maxRetries: -1 } },
      { model: 'm', subAgents: [{ name: 'bad name', description: 'd', systemPrompt: 's' }] },
      // A sub-agent's maxTokens below the budget thinking it inherits (the API would answer 400).
      {
        model: 'm',
        maxTokens: 8000,
        thinking: { budgetTokens: 4000 },
        subAgents: [{ name: 'sub', description: 'd', systemPrompt: 's', maxTokens: 2000 }],
      },
      {
        model: 'm',
        subAgents: [{ name: 'sub', description: 'd', systemPrompt: 's', maxTokens: 0 }],
      },
      {
        model: 'm',
        subAgents: [{ name: 'sub', description: 'd', systemPrompt: 's', model: 7 as never }],
      },
      {
        model: 'm',
        pricing: {
          m: { inputPerMTok: -1, outputPerMTok: 1, cacheWritePerMTok: 1, cacheReadPerMTok: 1 },
        },
      },
    ];
    for (const options of bad) {
      expect(() => runnerFor({ url: 'http://127.0.0.1:1' } as never, options)).toThrow(
        expect.objectContaining({ code: 'invalid_options' }),
      );
    }
  });

  it('resolves with internal when someone else closes the log mid-run', async () => {
    const mock = await startMock([
      { blocks: [{ type: 'tool_use', id: 'toolu_c', name: 'closer', input: {} }] },
      { blocks: [{ type: 'text', text: 'unreachable' }] },
    ]);
    const logger = silentLogger();
    const tools = localTools({
      closer: (_input, ctx) =>
        ctx.log.close({ code: 'cancelled', message: 'closed by the server' }),
    });
    const log = createEventLog();
    const result = await runnerFor(mock, { tools, logger }).run({ messages: [user('x')], log });
    expect(result.error?.code).toBe('internal');
    expect(logger.errors).toHaveLength(1);
    expect((await eventsOf(log)).at(-1)).toEqual({
      type: 'error',
      code: 'cancelled',
      message: 'closed by the server',
    });
    expect(mock.requests).toHaveLength(1);
  });
});
