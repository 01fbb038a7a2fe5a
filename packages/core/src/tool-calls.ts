import type Anthropic from '@anthropic-ai/sdk';
import { AbortFanOut, AbortedError, raceAbort } from './abort.js';
import {
  GatewayError,
  errorMessage,
  isToolErrorCode,
  type ErrorPayload,
  type ToolErrorCode,
} from './errors.js';
import { callHook, type RunContext } from './run-context.js';
import type { TurnToolCall } from './stream-turn.js';
import type { ToolContext, ToolOutcome, ToolResultContentBlock } from './tools.js';

/** Runs a sub-agent call; provided by the runner when sub-agents are configured. */
export type SubAgentDispatch = (call: TurnToolCall, ctx: ToolContext) => Promise<ToolOutcome>;

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

/** `pending`'s outcome if it settles within {@link CANCEL_GRACE_MS}, else `cancelled`. */
async function outcomeAfterCancel(pending: Promise<ToolOutcome>): Promise<Settled> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<Settled>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, error: CANCELLED, source: 'local' }),
      CANCEL_GRACE_MS,
    );
  });
  const own = pending.then(normalize, (error: unknown): Settled => ({
    ok: false,
    error: thrownToToolError(error),
    source: 'local',
  }));
  try {
    return await Promise.race([own, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Executes the tool calls of one turn and returns their `tool_result` blocks,
 * in call order. Appends every `tool_use` first, then a `tool_result` per call
 * (every `tool_use` gets one, cancelled calls included). Calls run one after
 * another, except sub-agent calls, which all start at once. On cancel the
 * runner stops waiting at once — even for a tool that ignores its signal — and
 * unfinished calls come back as `cancelled` errors.
 */
export async function runToolCalls(
  ctx: RunContext,
  calls: TurnToolCall[],
  turn: number,
  subAgents: ReadonlyMap<string, SubAgentDispatch>,
): Promise<Anthropic.ToolResultBlockParam[]> {
  for (const call of calls) {
    await ctx.emit({ type: 'tool_use', id: call.id, name: call.name, input: call.input, turn });
  }
  const indexed = calls.map((call) => ({ call, callIndex: ctx.nextCallIndex() }));
  const results = new Array<Promise<Anthropic.ToolResultBlockParam>>(calls.length);
  // Each call gets its own child signal, so the run's signal keeps one
  // listener however many calls run at once. Sub-agents are parallel-safe:
  // start them all now.
  const fanOut = new AbortFanOut(ctx.signal);
  try {
    indexed.forEach(({ call, callIndex }, i) => {
      const dispatch = subAgents.get(call.name);
      if (!dispatch) return;
      const { signal, release } = fanOut.child();
      const promise = runOne(ctx, signal, call, callIndex, (toolCtx) => dispatch(call, toolCtx));
      // Handled by Promise.all below; this keeps an early rejection from counting as unhandled.
      promise.catch(() => {}).finally(release);
      results[i] = promise;
    });
    for (const [i, { call, callIndex }] of indexed.entries()) {
      if (results[i]) continue;
      // A child signal per call too: listeners a tool forgets to remove
      // stay on it, not on the run's signal.
      const { signal, release } = fanOut.child();
      const promise = runOne(ctx, signal, call, callIndex, (toolCtx) =>
        executeLocal(ctx, call, toolCtx),
      );
      results[i] = promise;
      await promise.catch(() => {});
      release();
    }
    return await Promise.all(results);
  } finally {
    fanOut.close();
  }
}

function executeLocal(
  ctx: RunContext,
  call: TurnToolCall,
  toolCtx: ToolContext,
): Promise<ToolOutcome> {
  const tools = ctx.config.tools;
  if (!tools) {
    return Promise.resolve({
      error: { code: 'unknown_tool', message: `no tool named ${call.name}` },
    });
  }
  try {
    return Promise.resolve(
      tools.execute({ id: call.id, name: call.name, input: call.input }, toolCtx),
    );
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(errorMessage(error)));
  }
}

async function runOne(
  ctx: RunContext,
  signal: AbortSignal,
  call: TurnToolCall,
  callIndex: number,
  execute: (toolCtx: ToolContext) => Promise<ToolOutcome>,
): Promise<Anthropic.ToolResultBlockParam> {
  const started = performance.now();
  const toolCtx: ToolContext = {
    signal,
    sessionId: ctx.sessionId,
    runId: ctx.runId,
    callIndex,
    log: ctx.log,
  };
  let settled: Settled;
  if (signal.aborted) settled = { ok: false, error: CANCELLED, source: 'local' };
  else if (call.inputError) {
    settled = {
      ok: false,
      error: { code: 'invalid_input', message: call.inputError },
      source: 'local',
    };
  } else {
    const pending = execute(toolCtx);
    try {
      settled = normalize(await raceAbort(pending, signal));
    } catch (error) {
      settled =
        error instanceof AbortedError
          ? await outcomeAfterCancel(pending)
          : { ok: false, error: thrownToToolError(error), source: 'local' };
    }
  }
  const durationMs = Math.round(performance.now() - started);

  await ctx.emit({
    type: 'tool_result',
    tool_use_id: call.id,
    name: call.name,
    ...(settled.ok ? { result: settled.result } : { error: settled.error }),
    duration_ms: durationMs,
    source: settled.source,
  });

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
  const resultBytes = new TextEncoder().encode(JSON.stringify(block.content ?? '')).length;
  const onToolTiming = hooks.onToolTiming;
  if (onToolTiming) {
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

function resultText(result: unknown): string {
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
    ? resultText(settled.result)
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
