import type Anthropic from '@anthropic-ai/sdk';
import type { MockRequestInfo, MockTurn } from '@claude-gateway/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { ToolResultHookContext, ToolTiming, UsageHookInfo } from './agent-runner-types.js';
import type { Usage } from './events.js';
import { createEventLog } from './memory-event-log.js';
import {
  bodyOf,
  closeMocks,
  localTools,
  runnerFor,
  silentLogger,
  startMock,
} from './runner-test-helpers.js';

afterEach(closeMocks);

const script = (request: MockRequestInfo): MockTurn =>
  request.index === 0
    ? {
        blocks: [{ type: 'tool_use', id: 'toolu_h', name: 'echo', input: { value: 'hé' } }],
        usage: { input_tokens: 10, output_tokens: 5 },
      }
    : { blocks: [{ type: 'text', text: 'done' }], usage: { input_tokens: 20, output_tokens: 7 } };

describe('agent runner: hooks', () => {
  it('onToolResult may add content blocks; onToolTiming and onUsage report the run', async () => {
    const mock = await startMock(script);
    const seen: ToolResultHookContext[] = [];
    const timings: ToolTiming[] = [];
    const usages: [Usage, number | null, UsageHookInfo][] = [];
    const result = await runnerFor(mock, {
      tools: localTools({ echo: (input) => input }),
      hooks: {
        onToolResult: (ctx) => {
          seen.push(ctx);
          return [{ type: 'text', text: 'Reminder: be brief.' }];
        },
        onToolTiming: (timing) => void timings.push(timing),
        onUsage: (usage, cost, info) => void usages.push([usage, cost, info]),
      },
    }).run({
      messages: [{ role: 'user', content: 'go' }],
      log: createEventLog({ id: 'run-h' }),
      sessionId: 's1',
    });

    expect(result.error).toBeUndefined();
    expect(seen).toEqual([
      expect.objectContaining({
        sessionId: 's1',
        runId: 'run-h',
        toolUseId: 'toolu_h',
        name: 'echo',
        input: { value: 'hé' },
        result: { value: 'hé' },
        source: 'local',
        callIndex: 0,
      }),
    ]);
    const sent = (bodyOf(mock, 1).messages as Anthropic.MessageParam[])[2]!.content;
    expect(sent).toEqual([
      {
        type: 'tool_result',
        tool_use_id: 'toolu_h',
        content: [
          { type: 'text', text: '{"value":"hé"}' },
          { type: 'text', text: 'Reminder: be brief.' },
        ],
      },
    ]);
    const bytes = new TextEncoder().encode(
      JSON.stringify((sent as Anthropic.ToolResultBlockParam[])[0]!.content),
    ).length;
    expect(timings).toEqual([
      {
        sessionId: 's1',
        tool: 'echo',
        source: 'local',
        durationMs: expect.any(Number),
        isError: false,
        resultBytes: bytes,
      },
    ]);
    expect(usages).toHaveLength(1);
    expect(usages[0]![0]).toMatchObject({ input_tokens: 30, output_tokens: 12 });
    expect(usages[0]![1]).toBe(result.costUsd);
    expect(usages[0]![2]).toEqual({
      sessionId: 's1',
      runId: 'run-h',
      model: 'claude-haiku-4-5',
      turns: 2,
    });
  });

  it('a throwing hook is logged and never fails the run', async () => {
    const mock = await startMock(script);
    const logger = silentLogger();
    const boom = (): never => {
      throw new Error('hook exploded');
    };
    const result = await runnerFor(mock, {
      logger,
      tools: localTools({ echo: (input) => input }),
      hooks: {
        onToolResult: boom,
        onToolTiming: () => Promise.reject(new Error('async boom')),
        onUsage: boom,
      },
    }).run({ messages: [{ role: 'user', content: 'go' }], log: createEventLog() });
    expect(result.error).toBeUndefined();
    expect(result.stopReason).toBe('end_turn');
    expect(logger.errors.map((e) => e.message)).toEqual([
      expect.stringContaining('onToolResult'),
      expect.stringContaining('onToolTiming'),
      expect.stringContaining('onUsage'),
    ]);
    expect(logger.errors[2]!.data).toEqual({ error: 'hook exploded' });
  });

  it('onUsage runs once for a failed run too, with its error', async () => {
    const mock = await startMock([{ fault: { type: 'http_error', status: 400 } }]);
    const calls: UsageHookInfo[] = [];
    const result = await runnerFor(mock, {
      hooks: { onUsage: (_u, _c, info) => void calls.push(info) },
    }).run({
      messages: [{ role: 'user', content: 'go' }],
      log: createEventLog(),
    });
    expect(result.error?.code).toBe('invalid_request');
    expect(calls).toEqual([expect.objectContaining({ turns: 0, error: result.error })]);
  });
});
