import {
  GatewayError,
  type Logger,
  type ToolContext,
  type ToolOutcome,
  type ToolSource,
  type ToolSourceCallContext,
} from '@claude-gateway/core';
import type { LocalTool } from './define-tool.js';
import { thrownToOutcome, toolError } from './tool-errors.js';

// setTimeout fires at once for delays past 2^31 - 1 ms.
const MAX_TIMER_MS = 2 ** 31 - 1;

// A source gets this long past its own time limit before the dispatcher
// stops waiting for it (the source's own timeout error is more precise).
const SOURCE_GRACE_MS = 1_000;

/**
 * Races `work` against the run's signal and an optional time limit, so a
 * handler or source that ignores its signal still ends promptly. `abort` is
 * called with the reason when either wins.
 */
function raceWithLimits(
  work: Promise<ToolOutcome>,
  ctx: ToolContext,
  limitMs: number | undefined,
  ended: (kind: 'cancelled' | 'timeout') => ToolOutcome,
  abort: (reason: unknown) => void,
): Promise<ToolOutcome> {
  let cleanup = (): void => {};
  const stopped = new Promise<ToolOutcome>((resolve) => {
    // Resolve before aborting: a handler that rejects on abort must not win.
    const onAbort = (): void => {
      resolve(ended('cancelled'));
      abort(ctx.signal.reason);
    };
    const timer =
      limitMs !== undefined && Number.isFinite(limitMs)
        ? setTimeout(
            () => {
              const outcome = ended('timeout');
              resolve(outcome);
              abort(new GatewayError('tool_timeout', outcome.error?.message ?? 'tool timed out'));
            },
            Math.min(limitMs, MAX_TIMER_MS),
          )
        : undefined;
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    cleanup = () => {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
    };
  });
  return Promise.race([work, stopped]).finally(cleanup);
}

/**
 * An `AbortController` made on first use: a handler that never reads its
 * `signal` (most synchronous ones) costs no signal, the most expensive part
 * of a call. An abort before the signal exists is kept and applied when it
 * is made.
 */
class LazyAbort {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    if (this.#controller) this.#controller.abort(reason);
    else if (!this.#aborted) {
      this.#aborted = true;
      this.#reason = reason;
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Runs a local tool's handler with its time limit and the run's signal. A
 * handler that returns a plain value (not a promise) is done when it
 * returns: its outcome comes back without a timer, a listener or a race.
 */
export function runLocalTool(
  tool: LocalTool,
  input: unknown,
  call: { id: string },
  ctx: ToolContext,
  timeoutMs: number,
  logger?: Logger,
): Promise<ToolOutcome> {
  if (ctx.signal.aborted) {
    return Promise.resolve(toolError('cancelled', `tool ${tool.name} was cancelled`, 'local'));
  }
  const controller = new LazyAbort();
  let returned: unknown;
  try {
    returned = tool.handler(input, {
      get signal() {
        return controller.signal;
      },
      toolUseId: call.id,
      callIndex: ctx.callIndex,
      sessionId: ctx.sessionId,
      runId: ctx.runId,
      log: ctx.log,
    });
  } catch (error) {
    return Promise.resolve(thrownToOutcome(error, 'local', logger));
  }
  if (!isThenable(returned)) return Promise.resolve({ result: returned, source: 'local' });
  const work = Promise.resolve(returned).then(
    (result): ToolOutcome => ({ result, source: 'local' }),
    (error: unknown) => thrownToOutcome(error, 'local', logger),
  );
  return raceWithLimits(
    work,
    ctx,
    timeoutMs,
    (kind) =>
      kind === 'cancelled'
        ? toolError('cancelled', `tool ${tool.name} was cancelled`, 'local')
        : toolError('tool_timeout', `tool ${tool.name} timed out after ${timeoutMs} ms`, 'local'),
    (reason) => controller.abort(reason),
  );
}

/**
 * Calls a tool on a source, ending promptly on cancel even if the source does
 * not. The source gets the tool call it serves as `options.context`
 * (`toolUseId`, `sessionId`, `runId`, `callIndex`, `log`), so a source that
 * must reach the person behind the run (an MCP server's elicitation) can.
 */
export function callSourceTool(
  source: ToolSource,
  name: string,
  input: unknown,
  call: { id: string },
  ctx: ToolContext,
  timeoutMs: number | undefined,
  logger?: Logger,
): Promise<ToolOutcome> {
  if (ctx.signal.aborted) {
    return Promise.resolve(toolError('cancelled', `tool ${name} was cancelled`));
  }
  const controller = new AbortController();
  const context: ToolSourceCallContext = {
    toolUseId: call.id,
    sessionId: ctx.sessionId,
    runId: ctx.runId,
    ...(ctx.rootRunId !== undefined && { rootRunId: ctx.rootRunId }),
    callIndex: ctx.callIndex,
    log: ctx.log,
  };
  const work = new Promise<ToolOutcome>((resolve) =>
    resolve(
      source.callTool(name, input, {
        signal: controller.signal,
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        context,
      }),
    ),
  ).catch((error: unknown) => thrownToOutcome(error, undefined, logger));
  return raceWithLimits(
    work,
    ctx,
    timeoutMs === undefined ? undefined : timeoutMs + SOURCE_GRACE_MS,
    (kind) =>
      kind === 'cancelled'
        ? toolError('cancelled', `tool ${name} was cancelled`)
        : toolError('tool_timeout', `tool ${name} timed out after ${timeoutMs} ms`),
    (reason) => controller.abort(reason),
  );
}
