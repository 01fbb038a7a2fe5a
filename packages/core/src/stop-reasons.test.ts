import type Anthropic from '@anthropic-ai/sdk';
import type { MockAnthropic, MockTurn } from '@claude-gateway/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunResult } from './agent-runner-types.js';
import { createEventLog } from './memory-event-log.js';
import {
  answersTool,
  bodyOf,
  closeMocks,
  eventsOf,
  localTools,
  runnerFor,
  startMock,
  typesOf,
  user,
} from './runner-test-helpers.js';

afterEach(closeMocks);

/**
 * Sends the returned history again, with one more user message, to the
 * scripted server (which validates tool_use / tool_result pairing like the
 * API). Returns the follow-up run's error, if any.
 */
async function followUpError(mock: MockAnthropic, result: RunResult): Promise<unknown> {
  mock.setScript([{ blocks: [{ type: 'text', text: 'Sure.' }] }]);
  const again = await runnerFor(mock).run({
    messages: [...result.messages, user('please go on')],
    log: createEventLog(),
  });
  return again.error;
}

const lookup = {
  type: 'tool_use',
  id: 'toolu_cut',
  name: 'lookup',
  input: { value: 'x' },
} as const;

describe('agent runner: stop reasons that end the run', () => {
  for (const stopReason of ['max_tokens', 'model_context_window_exceeded'] as const) {
    const ending =
      stopReason === 'max_tokens'
        ? { type: 'stream_complete', stop_reason: stopReason }
        : { type: 'error', code: 'context_window_exceeded' };
    it(`${stopReason} with an unanswered tool_use leaves a history that can be sent again`, async () => {
      const mock = await startMock([
        {
          blocks: [
            { type: 'thinking', thinking: 'Let me look.' },
            { type: 'text', text: 'Looking it up' },
            lookup,
          ],
          stopReason,
        },
      ]);
      const tools = localTools({ lookup: () => 'found' });
      const log = createEventLog();
      const result = await runnerFor(mock, { tools }).run({ messages: [user('find x')], log });

      // The context window is full: the run ends with a coded error (the next
      // run would fail); max_tokens is a normal end.
      expect(result.error?.code).toBe(
        stopReason === 'max_tokens' ? undefined : 'context_window_exceeded',
      );
      expect(result.stopReason).toBe(stopReason);
      expect(tools.calls).toEqual([]);
      const events = await eventsOf(log);
      expect(typesOf(events)).not.toContain('tool_use');
      expect(events.at(-1)).toMatchObject(ending);
      // The cut turn's text and thinking stay; the call that was never run does not.
      const last = result.messages.at(-1)!;
      expect(last.role).toBe('assistant');
      expect((last.content as Anthropic.ContentBlockParam[]).map((b) => b.type)).toEqual([
        'thinking',
        'text',
      ]);
      expect(await followUpError(mock, result)).toBeUndefined();
    });
  }

  it('max_tokens with only a cut tool_use (JSON incomplete) drops the turn from the history', async () => {
    const mock = await startMock([
      {
        blocks: [{ ...lookup, rawJson: '{"value": "unfinis' }],
        stopReason: 'max_tokens',
      },
    ]);
    const tools = localTools({ lookup: () => 'found' });
    const result = await runnerFor(mock, { tools }).run({
      messages: [user('find x')],
      log: createEventLog(),
    });
    expect(result.error).toBeUndefined();
    expect(result.stopReason).toBe('max_tokens');
    expect(tools.calls).toEqual([]);
    expect(result.messages).toEqual([user('find x')]);
    expect(await followUpError(mock, result)).toBeUndefined();
  });

  it('stop_sequence ends the run with its stop reason and the text kept', async () => {
    const mock = await startMock([
      { blocks: [{ type: 'text', text: 'No.' }], stopReason: 'stop_sequence' },
    ]);
    const log = createEventLog();
    const result = await runnerFor(mock).run({ messages: [user('hi')], log });
    expect(result.stopReason).toBe('stop_sequence');
    expect(result.messages.at(-1)).toEqual({
      role: 'assistant',
      content: [{ type: 'text', text: 'No.' }],
    });
    expect((await eventsOf(log)).at(-1)).toMatchObject({
      type: 'stream_complete',
      stop_reason: 'stop_sequence',
    });
    expect(await followUpError(mock, result)).toBeUndefined();
  });
});

describe('agent runner: the history after a failure can be sent again', () => {
  const toolTurn: MockTurn = {
    blocks: [{ type: 'tool_use', id: 'toolu_a', name: 'lookup', input: { value: 'a' } }],
  };

  it('after retries run out on the turn that follows a tool call', async () => {
    const mock = await startMock((request) =>
      answersTool(request)
        ? {
            fault: { type: 'stream_error', afterDeltas: 1 },
            blocks: [{ type: 'text', text: 'a b c' }],
          }
        : toolTurn,
    );
    const result = await runnerFor(mock, { tools: localTools({ lookup: () => 'A' }) }).run({
      messages: [user('go')],
      log: createEventLog(),
    });
    expect(result.error?.code).toBe('overloaded');
    expect(result.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(await followUpError(mock, result)).toBeUndefined();
  });

  it('after max_turns', async () => {
    const mock = await startMock(() => toolTurn);
    const result = await runnerFor(mock, {
      tools: localTools({ lookup: () => 'A' }),
      maxTurns: 1,
    }).run({ messages: [user('go')], log: createEventLog() });
    expect(result.error?.code).toBe('max_turns');
    expect(await followUpError(mock, result)).toBeUndefined();
  });

  it('after the log is closed under the run during a tool call', async () => {
    const mock = await startMock(() => toolTurn);
    const log = createEventLog();
    const tools = localTools({
      lookup: async () => {
        await log.close();
        return 'A';
      },
    });
    const result = await runnerFor(mock, { tools }).run({ messages: [user('go')], log });
    expect(result.error?.code).toBe('internal');
    expect(tools.calls).toHaveLength(1);
    expect(result.messages).toEqual([user('go')]);
    expect(await followUpError(mock, result)).toBeUndefined();
  });

  it('after a cancel during a tool call', async () => {
    const mock = await startMock(() => ({
      blocks: [
        { type: 'tool_use', id: 'toolu_1', name: 'slow', input: {} },
        { type: 'tool_use', id: 'toolu_2', name: 'slow', input: {} },
      ],
    }));
    const controller = new AbortController();
    const tools = localTools({
      slow: (_input, ctx) =>
        new Promise((resolve) => {
          controller.abort();
          ctx.signal.addEventListener('abort', () => resolve('stopped'), { once: true });
        }),
    });
    const result = await runnerFor(mock, { tools }).run({
      messages: [user('go')],
      log: createEventLog(),
      signal: controller.signal,
    });
    expect(result.error?.code).toBe('cancelled');
    expect(result.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(bodyOf(mock, 0).messages).toHaveLength(1);
    expect(await followUpError(mock, result)).toBeUndefined();
  });
});
