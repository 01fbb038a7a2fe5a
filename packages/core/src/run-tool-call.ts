import type Anthropic from '@anthropic-ai/sdk';
import { AbortedError, raceAbort } from './abort.js';
import {
  GatewayError,
  errorMessage,
  isToolErrorCode,
  type ErrorPayload,
  type ToolErrorCode,
} from './errors.js';
import type { EventLog } from './event-log-types.js';
import { callHook, type RunContext } from './run-context.js';
import type { TurnToolCall } from './stream-turn.js';
import { tapLog } from './tap-log.js';
import type { RunnerSpan } from './telemetry.js';
import type { ToolContext, ToolOutcome, ToolResultContentBlock } from './tools.js';

type Settled =
  | { ok: true; result: unknown; content: ToolResultContentBlock[]; source: string }
  | { ok: false; error: ErrorPayload<ToolErrorCode>; source: string };

const CANCELLED: ErrorPayload<ToolErrorCode> = {
  code: 'cancelled',
  message: 'the run was cancelled',
};

/**
 * After a cancel, how long the runner still waits for a tool's own outcome.
 * A tool that honours its signal answers within it, so what it appended on
 * the way out (a dispatcher's `tool_approval_decision { reason: "cancelled" }`)
 * comes before the `tool_result`; a tool that ignores its signal costs the run
 * no more than this.
 */
export const CANCEL_GRACE_MS = 25;

/**
 * `pending`'s outcome if it settles within {@link CANCEL_GRACE_MS} (or at
 * all, with `waitFully`), else `cancelled`.
 */
async function outcomeAfterCancel(
  pending: Promise<ToolOutcome>,
  waitFully: boolean,
): Promise<Settled> {
  const own = pending.then(normalize, (error: unknown): Settled => ({
    ok: false,
    error: thrownToToolError(error),
    source: 'local',
  }));
  if (waitFully) return own;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<Settled>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, error: CANCELLED, source: 'local' }),
      CANCEL_GRACE_MS,
    );
  });
  try {
    return await Promise.race([own, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** How the runner executes one call. */
export interface CallPlan {
  /** Runs the call (the executor or a sub-agent) with the call's context and span. */
  execute: (toolCtx: ToolContext, span: RunnerSpan) => Promise<ToolOutcome>;
  /**
   * On cancel, wait for the call's own outcome however long it takes,
   * instead of {@link CANCEL_GRACE_MS}: for sub-agents, which honour the
   * signal and whose spend must be counted before the run ends.
   */
  awaitOnCancel?: boolean;
}

/**
 * Runs one call (its signal aborts on cancel) and appends its `tool_result`;
 * returns the block for the model. An `execute_tool` span covers it, with an
 * approval-wait span for the time it waited for a person.
 */
export async function runToolCall(
  ctx: RunContext,
  signal: AbortSignal,
  call: TurnToolCall,
  callIndex: number,
  plan: CallPlan,
): Promise<Anthropic.ToolResultBlockParam> {
  const started = performance.now();
  const span = ctx.span.recording
    ? ctx.span.child(`execute_tool ${call.name}`, {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': call.name,
        'gen_ai.tool.call.id': call.id,
        'gen_ai.tool.type': 'function',
        'claude_gateway.run.id': ctx.runId,
        'claude_gateway.session.id': ctx.sessionId,
      })
    : ctx.span;
  const toolCtx: ToolContext = {
    signal,
    sessionId: ctx.sessionId,
    runId: ctx.runId,
    rootRunId: ctx.rootRunId,
    callIndex,
    log: ctx.log,
  };
  const approvals = span.recording ? timedApprovals(ctx, call, span) : undefined;
  if (approvals) toolCtx.log = approvals.log;
  let settled: Settled;
  if (signal.aborted) settled = { ok: false, error: CANCELLED, source: 'local' };
  else if (call.inputError) {
    settled = {
      ok: false,
      error: { code: 'invalid_input', message: call.inputError },
      source: 'local',
    };
  } else {
    const pending = span.activate(() => plan.execute(toolCtx, span));
    try {
      settled = normalize(await raceAbort(pending, signal));
    } catch (error) {
      settled =
        error instanceof AbortedError
          ? await outcomeAfterCancel(pending, plan.awaitOnCancel === true)
          : { ok: false, error: thrownToToolError(error), source: 'local' };
    }
  }
  const durationMs = Math.round(performance.now() - started);
  approvals?.close();
  if (span.recording) {
    span.set({ 'claude_gateway.tool.source': settled.source });
    if (!settled.ok) span.fail(settled.error.code, settled.error.message);
  }

  try {
    await ctx.emit({
      type: 'tool_result',
      tool_use_id: call.id,
      name: call.name,
      ...(settled.ok ? { result: settled.result } : { error: settled.error }),
      duration_ms: durationMs,
      source: settled.source,
    });
  } finally {
    span.end();
  }

  const { hooks, logger } = ctx.config;
  let extra: ToolResultContentBlock[] = [];
  if (!signal.aborted && hooks.onToolResult) {
    const onToolResult = hooks.onToolResult;
    const returned = await raceAbort(
      callHook(logger, 'onToolResult', () =>
        onToolResult({
          sessionId: ctx.sessionId,
          runId: ctx.runId,
          toolUseId: call.id,
          name: call.name,
          input: call.input,
          ...(settled.ok ? { result: settled.result } : { error: settled.error }),
          source: settled.source,
          durationMs,
          callIndex,
        }),
      ),
      signal,
    ).catch(() => undefined);
    if (Array.isArray(returned)) extra = returned.filter(isContentBlock);
    else if (returned !== undefined)
      logger.warn('claude-gateway: onToolResult returned a non-array; ignored');
  }

  const block = toolResultBlock(call.id, settled, extra);
  const onToolTiming = hooks.onToolTiming;
  if (onToolTiming) {
    const resultBytes = new TextEncoder().encode(JSON.stringify(block.content ?? '')).length;
    const timing = callHook(logger, 'onToolTiming', () =>
      onToolTiming({
        sessionId: ctx.sessionId,
        tool: call.name,
        source: settled.source,
        durationMs,
        isError: !settled.ok,
        resultBytes,
      }),
    );
    await raceAbort(timing, signal).catch(() => {});
  }
  return block;
}

/**
 * The call's view of the run's log: the dispatcher's approval events go to
 * the log as usual and time an approval-wait span, from the request to the
 * decision.
 */
function timedApprovals(
  ctx: RunContext,
  call: TurnToolCall,
  callSpan: RunnerSpan,
): { log: EventLog; close(): void } {
  let wait: RunnerSpan | undefined;
  const log = tapLog(ctx.log, async (event) => {
    const entry = await ctx.log.append(event);
    if (event.type === 'tool_approval_request' && event.tool_use_id === call.id) {
      wait?.end();
      wait = callSpan.child(`await_approval ${call.name}`, {
        'gen_ai.tool.name': call.name,
        'gen_ai.tool.call.id': call.id,
        'claude_gateway.run.id': ctx.runId,
        'claude_gateway.session.id': ctx.sessionId,
        'claude_gateway.approval.expires_at': event.expires_at,
      });
    } else if (event.type === 'tool_approval_decision' && event.tool_use_id === call.id) {
      wait?.set({
        'claude_gateway.approval.approved': event.approved,
        'claude_gateway.approval.reason': event.reason,
      });
      wait?.end();
      wait = undefined;
    }
    return entry;
  });
  // A wait the decision never ended (the log refused it) ends with the call.
  return { log, close: () => wait?.end() };
}

function normalize(outcome: unknown): Settled {
  if (typeof outcome !== 'object' || outcome === null) {
    return {
      ok: false,
      error: { code: 'tool_error', message: 'the tool executor returned no outcome' },
      source: 'local',
    };
  }
  const o = outcome as Partial<Record<'result' | 'error' | 'content' | 'source', unknown>>;
  const source = typeof o.source === 'string' && o.source ? o.source : 'local';
  if (o.error !== undefined) {
    const e = o.error as Partial<ErrorPayload>;
    const code = isToolErrorCode(e?.code) ? e.code : 'tool_error';
    const message = typeof e?.message === 'string' ? e.message : errorMessage(o.error);
    return { ok: false, error: { code, message }, source };
  }
  const content = Array.isArray(o.content) ? o.content.filter(isContentBlock) : [];
  return { ok: true, result: o.result, content, source };
}

function thrownToToolError(error: unknown): ErrorPayload<ToolErrorCode> {
  if (error instanceof AbortedError) return CANCELLED;
  if (GatewayError.isInstance(error) && isToolErrorCode(error.code)) {
    return { code: error.code, message: error.message };
  }
  return { code: 'tool_error', message: errorMessage(error) };
}

function isContentBlock(value: unknown): value is ToolResultContentBlock {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string'
  );
}

/**
 * The text the model gets for a tool's result: a string as it is, anything
 * else as JSON (`String(result)` when it cannot be). Low-level: for
 * executors that must measure or cut what the model will read.
 */
export function toolResultText(result: unknown): string {
  if (typeof result === 'string') return result;
  try {
    return JSON.stringify(result) ?? 'null';
  } catch {
    return String(result);
  }
}

/** The block sent to the model: result (or `code: message`) as text, then any content blocks. */
function toolResultBlock(
  toolUseId: string,
  settled: Settled,
  extra: ToolResultContentBlock[],
): Anthropic.ToolResultBlockParam {
  const text = settled.ok
    ? toolResultText(settled.result)
    : `${settled.error.code}: ${settled.error.message}`;
  const content: ToolResultContentBlock[] = [
    ...(text ? [{ type: 'text' as const, text }] : []),
    ...(settled.ok ? settled.content : []),
    ...extra,
  ];
  return {
    type: 'tool_result',
    tool_use_id: toolUseId,
    ...(content.length > 0 ? { content } : {}),
    ...(settled.ok ? {} : { is_error: true }),
  };
}
