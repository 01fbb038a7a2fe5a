import type Anthropic from '@anthropic-ai/sdk';
import { AbortedError, sleep } from './abort.js';
import type { ErrorPayload, RunErrorCode } from './errors.js';
import { backoffDelay, classifyError } from './retry.js';
import { LogAppendError, type RunContext, type RunnerConfig } from './run-context.js';
import type { Usage } from './events.js';
import { streamTurn, type AttemptReport, type TurnOutput } from './stream-turn.js';
import type { RunnerSpan, SpanAttributes } from './telemetry.js';
import type { ToolDefinition } from './tools.js';

/** A run-ending failure, carried up to the run loop. Internal. */
export class RunFailure extends Error {
  readonly code: RunErrorCode;

  constructor(code: RunErrorCode, message: string) {
    super(message);
    this.name = 'RunFailure';
    this.code = code;
  }

  toPayload(): ErrorPayload<RunErrorCode> {
    return { code: this.code, message: this.message };
  }
}

const EPHEMERAL = { type: 'ephemeral' } as const;
const MAX_BREAKPOINTS = 4;

/** Blocks carrying `cache_control` anywhere in `value` (tool_result content included). */
function countBreakpoints(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  if (Array.isArray(value)) {
    let n = 0;
    for (const item of value as unknown[]) n += countBreakpoints(item);
    return n;
  }
  const record = value as { cache_control?: unknown; content?: unknown };
  return (record.cache_control ? 1 : 0) + countBreakpoints(record.content);
}

/**
 * The Messages API request of one turn. The last system block and the last
 * tool carry `cache_control` (the caller's own, else a 5-minute one), so a
 * long prompt is written to the cache once and read on every later turn.
 */
export function buildRequest(
  config: Pick<RunnerConfig, 'model' | 'maxTokens' | 'thinking'>,
  messages: Anthropic.MessageParam[],
  system: string | Anthropic.TextBlockParam[] | undefined,
  tools: ToolDefinition[],
): Anthropic.MessageCreateParamsStreaming {
  const request: Anthropic.MessageCreateParamsStreaming = {
    model: config.model,
    max_tokens: config.maxTokens,
    messages,
    stream: true,
  };
  const systemBlocks: Anthropic.TextBlockParam[] =
    typeof system === 'string'
      ? system
        ? [{ type: 'text', text: system }]
        : []
      : [...(system ?? [])];
  // The API takes at most four cache breakpoints; the caller's own come first.
  // The system breakpoint also caches the tools (they precede it), so when
  // only one slot is free it goes there.
  let free = MAX_BREAKPOINTS - countBreakpoints([systemBlocks, tools, messages]);
  if (systemBlocks.length > 0) {
    const last = systemBlocks.length - 1;
    const block = systemBlocks[last]!;
    // The caller's own breakpoint (a 1-hour ttl, say) stays as given.
    if (!block.cache_control && free > 0) {
      systemBlocks[last] = { ...block, cache_control: EPHEMERAL };
      free--;
    }
    request.system = systemBlocks;
  }
  if (tools.length > 0) {
    const defs = [...tools];
    const last = defs.length - 1;
    const def = defs[last]!;
    if (!def.cache_control && free > 0) defs[last] = { ...def, cache_control: EPHEMERAL };
    request.tools = defs;
  }
  if (config.thinking === 'adaptive') request.thinking = { type: 'adaptive' };
  else if (config.thinking) {
    request.thinking = { type: 'enabled', budget_tokens: config.thinking.budgetTokens };
  }
  return request;
}

const EXHAUSTED: Partial<Record<RunErrorCode, string>> = {
  rate_limited: 'rate limited by the API',
  overloaded: 'the API is overloaded',
  stalled: 'the model stream stalled',
  upstream_error: 'the API call failed',
};

/**
 * One model turn with retries: each retryable failure appends `stream_retry`
 * (with `discarded_from_seq` when the failed attempt had put deltas in the
 * log), waits (abortably), and streams the whole turn again. Each attempt is
 * a `chat` span; what a failed attempt was billed counts through
 * `ctx.spendFailedAttempt`. Throws {@link RunFailure} when it gives up,
 * `cancelled` when the run is cancelled.
 */
export async function runModelTurn(
  ctx: RunContext,
  request: Anthropic.MessageCreateParamsStreaming,
  turnNumber: number,
): Promise<TurnOutput> {
  const { maxRetries } = ctx.config.retry;
  for (let retries = 0; ; retries++) {
    let firstDeltaSeq: number | undefined;
    const report: AttemptReport = {
      onDelta(seq) {
        firstDeltaSeq ??= seq;
      },
    };
    const span = startAttemptSpan(ctx, request, turnNumber, retries + 1);
    try {
      const turn = await streamTurn(ctx, request, report, span);
      endAttemptSpan(span, turn.usage, turn.stopReason);
      return turn;
    } catch (error) {
      if (report.usage) ctx.spendFailedAttempt(report.usage);
      if (error instanceof LogAppendError) {
        endAttemptSpan(span, report.usage, null, 'internal', error.message);
        throw error;
      }
      if (ctx.signal.aborted) {
        endAttemptSpan(span, report.usage, null, 'cancelled', 'the run was cancelled');
        throw cancelled();
      }
      const failure = classifyError(error);
      endAttemptSpan(span, report.usage, null, failure.type, failure.message);
      if (!failure.retryable) throw new RunFailure(failure.code, failure.message);
      if (retries >= maxRetries) {
        const what = EXHAUSTED[failure.code] ?? 'the API call failed';
        throw new RunFailure(
          failure.code,
          `${what} after ${maxRetries} ${maxRetries === 1 ? 'retry' : 'retries'}: ${failure.message}`,
        );
      }
      const delay = backoffDelay(retries + 1, ctx.config.retry, failure.retryAfterMs);
      await ctx.emit({
        type: 'stream_retry',
        attempt: retries + 1,
        delay_ms: delay,
        error: { type: failure.type, message: failure.message },
        ...(firstDeltaSeq === undefined ? {} : { discarded_from_seq: firstDeltaSeq }),
      });
      try {
        await sleep(delay, ctx.signal);
      } catch (sleepError) {
        if (sleepError instanceof AbortedError) throw cancelled();
        throw sleepError;
      }
    }
  }
}

function startAttemptSpan(
  ctx: RunContext,
  request: Anthropic.MessageCreateParamsStreaming,
  turn: number,
  attempt: number,
): RunnerSpan {
  if (!ctx.span.recording) return ctx.span;
  return ctx.span.child(`chat ${request.model}`, {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'anthropic',
    'gen_ai.request.model': request.model,
    'gen_ai.request.max_tokens': request.max_tokens,
    'gen_ai.conversation.id': ctx.sessionId,
    'claude_gateway.run.id': ctx.runId,
    'claude_gateway.session.id': ctx.sessionId,
    'claude_gateway.turn': turn,
    'claude_gateway.attempt': attempt,
  });
}

function endAttemptSpan(
  span: RunnerSpan,
  usage: Usage | undefined,
  stopReason: string | null,
  errorType?: string,
  message?: string,
): void {
  if (!span.recording) return;
  span.set({
    ...(usage ? usageAttributes(usage) : {}),
    ...(stopReason ? { 'gen_ai.response.finish_reasons': [stopReason] } : {}),
  });
  if (errorType !== undefined) span.fail(errorType, message ?? errorType);
  span.end();
}

/**
 * GenAI usage attributes. `gen_ai.usage.input_tokens` counts every input
 * token, cached ones included, as the conventions ask (the API's
 * `input_tokens` counts only the uncached ones).
 */
export function usageAttributes(usage: Usage): SpanAttributes {
  return {
    'gen_ai.usage.input_tokens':
      usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens,
    'gen_ai.usage.output_tokens': usage.output_tokens,
    'gen_ai.usage.cache_creation.input_tokens': usage.cache_creation_input_tokens,
    'gen_ai.usage.cache_read.input_tokens': usage.cache_read_input_tokens,
  };
}

/** The failure of a cancelled run. */
export function cancelled(): RunFailure {
  return new RunFailure('cancelled', 'the run was cancelled');
}
