import type { GatewayEvent, LogEntry, ToolApprovalRequestEvent } from '@claude-gateway/core';
import { describe, expect, it } from 'vitest';
import { conversationReducer, EMPTY_CONVERSATION, activeRun } from './conversation.js';
import {
  applyEntry,
  createRunView,
  partText,
  pendingApprovals,
  runText,
  type RunView,
  type ToolPart,
} from './state.js';

function entries(...events: GatewayEvent[]): LogEntry[] {
  return events.map((event, i) => ({ seq: i + 1, timestamp: 1_700_000_000_000 + i, event }));
}

function replay(list: LogEntry[], run: RunView = createRunView('run_1', 'hi')): RunView {
  return list.reduce(applyEntry, run);
}

const usage = {
  input_tokens: 10,
  output_tokens: 5,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
};

const request: ToolApprovalRequestEvent = {
  type: 'tool_approval_request',
  tool_use_id: 'toolu_1',
  name: 'write_file',
  input: { name: 'a.txt', content: 'x' },
  nonce: 'n0nce',
  expires_at: 1_700_000_060_000,
};

describe('applyEntry', () => {
  it('joins text deltas in order into one part and keeps thinking apart', () => {
    const run = replay(
      entries(
        { type: 'run_start', run_id: 'run_1', session_id: 's', model: 'demo' },
        { type: 'thinking_delta', text: 'Let me ' },
        { type: 'thinking_delta', text: 'think.' },
        { type: 'text_delta', text: 'Hello' },
        { type: 'text_delta', text: ', world' },
      ),
    );
    expect(run.model).toBe('demo');
    expect(run.parts.map((p) => p.kind)).toEqual(['thinking', 'text']);
    const [thinking, text] = run.parts;
    expect(thinking && thinking.kind === 'thinking' && partText(thinking)).toBe('Let me think.');
    expect(text && text.kind === 'text' && partText(text)).toBe('Hello, world');
    expect(run.lastSeq).toBe(5);
    expect(run.status).toBe('running');
  });

  it('ignores an entry it has already applied, so a replay after a reconnect duplicates nothing', () => {
    const list = entries({ type: 'text_delta', text: 'one ' }, { type: 'text_delta', text: 'two' });
    const once = replay(list);
    const again = replay([...list, ...list], createRunView('run_1', 'hi'));
    expect(runText(again)).toBe('one two');
    expect(applyEntry(once, list[0]!)).toBe(once);
    expect(runText(once)).toBe('one two');
  });

  it('drops the deltas a retry discards (seq ≥ discarded_from_seq) and shows a notice', () => {
    const run = replay(
      entries(
        { type: 'text_delta', text: 'Kept. ' }, // 1, an earlier turn's text
        { type: 'tool_use', id: 't', name: 'get_time', input: {}, turn: 1 }, // 2
        {
          type: 'tool_result',
          tool_use_id: 't',
          name: 'get_time',
          result: '09:30',
          duration_ms: 3,
          source: 'local',
        }, // 3
        { type: 'thinking_delta', text: 'hmm' }, // 4
        { type: 'text_delta', text: 'Partial ' }, // 5
        { type: 'text_delta', text: 'answer' }, // 6
        {
          type: 'stream_retry',
          attempt: 1,
          delay_ms: 500,
          error: { type: 'overloaded_error', message: 'Overloaded' },
          discarded_from_seq: 4,
        }, // 7
        { type: 'text_delta', text: 'Full answer.' }, // 8
      ),
    );
    expect(runText(run)).toBe('Kept. Full answer.');
    expect(run.parts.some((p) => p.kind === 'thinking')).toBe(false);
    const retry = run.parts.find((p) => p.kind === 'retry');
    expect(retry).toMatchObject({ attempt: 1, discarded: 3, error: { type: 'overloaded_error' } });
    expect(run.parts.map((p) => p.kind)).toEqual(['text', 'tool', 'retry', 'text']);
  });

  it('keeps a text part when the discard starts in the middle of it', () => {
    const run = replay(
      entries(
        { type: 'text_delta', text: 'a' },
        { type: 'text_delta', text: 'b' },
        {
          type: 'stream_retry',
          attempt: 1,
          delay_ms: 1,
          error: { type: 'stall', message: 'stalled' },
          discarded_from_seq: 2,
        },
      ),
    );
    expect(runText(run)).toBe('a');
  });

  it('a retry without discarded_from_seq removes nothing', () => {
    const run = replay(
      entries(
        { type: 'text_delta', text: 'a' },
        {
          type: 'stream_retry',
          attempt: 2,
          delay_ms: 1,
          error: { type: 'connection_error', message: 'reset' },
        },
      ),
    );
    expect(runText(run)).toBe('a');
    expect(run.parts.find((p) => p.kind === 'retry')).toMatchObject({ discarded: 0 });
  });

  it("a sub-agent's retry discards only that sub-agent's deltas, not a sibling's or the run's", () => {
    const run = replay(
      entries(
        { type: 'text_delta', text: 'Main. ' },
        { type: 'text_delta', text: 'a1 ', parent_tool_use_id: 'task_a' },
        { type: 'text_delta', text: 'b1 ', parent_tool_use_id: 'task_b' },
        { type: 'text_delta', text: 'a2 ', parent_tool_use_id: 'task_a' },
        { type: 'text_delta', text: 'b2', parent_tool_use_id: 'task_b' },
        {
          type: 'stream_retry',
          attempt: 1,
          delay_ms: 1,
          error: { type: 'overloaded_error', message: 'busy' },
          discarded_from_seq: 2,
          parent_tool_use_id: 'task_a',
        },
      ),
    );
    const textOf = (parent: string | undefined) =>
      run.parts
        .filter((p) => p.kind === 'text' && p.parent === parent)
        .map((p) => partText(p as Parameters<typeof partText>[0]))
        .join('');
    expect(textOf('task_a')).toBe('');
    expect(textOf('task_b')).toBe('b1 b2');
    expect(runText(run)).toBe('Main. ');
    expect(run.parts.find((p) => p.kind === 'retry')).toMatchObject({ discarded: 2 });
  });

  it('tracks an approval from request to decision to result', () => {
    const start = entries(
      { type: 'tool_use', id: 'toolu_1', name: 'write_file', input: request.input, turn: 1 },
      request,
    );
    const waiting = replay(start);
    expect(pendingApprovals(waiting).map((t) => t.id)).toEqual(['toolu_1']);
    const decided = applyEntry(waiting, {
      seq: 3,
      timestamp: 0,
      event: {
        type: 'tool_approval_decision',
        tool_use_id: 'toolu_1',
        approved: true,
        reason: 'approved',
        approver: 'user',
      },
    });
    expect(pendingApprovals(decided)).toEqual([]);
    const done = applyEntry(decided, {
      seq: 4,
      timestamp: 0,
      event: {
        type: 'tool_result',
        tool_use_id: 'toolu_1',
        name: 'write_file',
        result: { path: 'a.txt', bytes: 1 },
        duration_ms: 12,
        source: 'local',
      },
    });
    const tool = done.parts[0] as ToolPart;
    expect(tool).toMatchObject({
      done: true,
      result: { path: 'a.txt', bytes: 1 },
      durationMs: 12,
      source: 'local',
      approval: { state: 'approved', approver: 'user', request: { nonce: 'n0nce' } },
    });
    expect(done.parts).toHaveLength(1);
  });

  it('records a denied call with its tool error and an MCP source', () => {
    const run = replay(
      entries(
        { type: 'tool_use', id: 'toolu_1', name: 'write_file', input: {}, turn: 1 },
        request,
        {
          type: 'tool_approval_decision',
          tool_use_id: 'toolu_1',
          approved: false,
          reason: 'denied',
        },
        {
          type: 'tool_result',
          tool_use_id: 'toolu_1',
          name: 'write_file',
          error: { code: 'user_denied', message: 'The user denied this call' },
          duration_ms: 40,
          source: 'mcp:files',
        },
      ),
    );
    const tool = run.parts[0] as ToolPart;
    expect(tool.approval?.state).toBe('denied');
    expect(tool.error).toEqual({ code: 'user_denied', message: 'The user denied this call' });
    expect(tool.result).toBeUndefined();
    expect(tool.source).toBe('mcp:files');
  });

  it('ends with usage and cost, or with an error (cancelled is its own state)', () => {
    const done = replay(
      entries(
        { type: 'text_delta', text: 'ok' },
        { type: 'stream_complete', stop_reason: 'end_turn', usage, cost_usd: 0.0012, turns: 1 },
      ),
    );
    expect(done).toMatchObject({ status: 'completed', usage, costUsd: 0.0012, turns: 1 });
    const cancelled = replay(
      entries({ type: 'error', code: 'cancelled', message: 'Run cancelled' }),
    );
    expect(cancelled.status).toBe('cancelled');
    const failed = replay(entries({ type: 'error', code: 'overloaded', message: 'busy' }));
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'overloaded' } });
  });

  it('keeps sub-agent text apart from the run’s own answer', () => {
    const run = replay(
      entries(
        { type: 'text_delta', text: 'Main. ' },
        { type: 'text_delta', text: 'sub', parent_tool_use_id: 'task_1' },
        { type: 'text_delta', text: 'More.' },
      ),
    );
    expect(runText(run)).toBe('Main. More.');
    expect(run.parts).toHaveLength(3);
  });
});

describe('conversationReducer', () => {
  it('adds runs once, routes entries to their run, and knows the active one', () => {
    let state = conversationReducer(EMPTY_CONVERSATION, {
      type: 'run',
      runId: 'a',
      message: 'first',
    });
    state = conversationReducer(state, { type: 'run', runId: 'a', message: 'first' });
    state = conversationReducer(state, {
      type: 'entry',
      runId: 'a',
      entry: {
        seq: 1,
        timestamp: 0,
        event: {
          type: 'stream_complete',
          stop_reason: 'end_turn',
          usage,
          cost_usd: null,
          turns: 1,
        },
      },
    });
    state = conversationReducer(state, { type: 'run', runId: 'b', message: 'second' });
    state = conversationReducer(state, {
      type: 'entry',
      runId: 'b',
      entry: { seq: 1, timestamp: 0, event: { type: 'text_delta', text: 'x' } },
    });
    expect(state.runs.map((r) => [r.message, r.status])).toEqual([
      ['first', 'completed'],
      ['second', 'running'],
    ]);
    expect(activeRun(state)?.runId).toBe('b');
    const same = conversationReducer(state, {
      type: 'entry',
      runId: 'b',
      entry: { seq: 1, timestamp: 0, event: { type: 'text_delta', text: 'x' } },
    });
    expect(same).toBe(state);
    expect(conversationReducer(state, { type: 'reset' }).runs).toEqual([]);
  });

  it('settles a run whose stream ended without a terminal entry, and never overrides one that has it', () => {
    let state = conversationReducer(EMPTY_CONVERSATION, { type: 'run', runId: 'a', message: 'm' });
    state = conversationReducer(state, {
      type: 'settle',
      runId: 'a',
      status: 'failed',
      error: { code: 'owner_lost', message: 'gone' },
    });
    expect(state.runs[0]).toMatchObject({ status: 'failed', error: { code: 'owner_lost' } });
    const again = conversationReducer(state, { type: 'settle', runId: 'a', status: 'completed' });
    expect(again.runs[0]?.status).toBe('failed');
  });
});
