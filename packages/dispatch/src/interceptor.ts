import type { Logger, ToolCall, ToolContext, ToolOutcome } from '@claude-gateway/core';
import { thrownToOutcome } from './tool-errors.js';

/** Continues with the rest of the chain; pass a call to rewrite it (name or input). */
export type InterceptorNext = (call?: ToolCall) => Promise<ToolOutcome>;

/**
 * Middleware around every call, outermost first. An interceptor may
 * - observe: `const outcome = await next(); report(call, outcome); return outcome;`
 * - short-circuit: return an outcome without calling `next` (the call never
 *   reaches validation, the approval gate or the tool);
 * - rewrite: `return next({ ...call, input: withDefaults(call.input) })` — the
 *   rewritten call is what gets validated, approved and run;
 * - rewrite the outcome `next` returned.
 *
 * `next` may be called at most once (a second call rejects). A throw becomes
 * an outcome (`GatewayError` with a tool code keeps it, else `tool_error`).
 */
export type Interceptor = (
  call: ToolCall,
  ctx: ToolContext,
  next: InterceptorNext,
) => ToolOutcome | Promise<ToolOutcome>;

/** Runs `call` through `interceptors`, then `last`. Never rejects. */
export async function runInterceptors(
  interceptors: readonly Interceptor[],
  call: ToolCall,
  ctx: ToolContext,
  last: (call: ToolCall) => Promise<ToolOutcome>,
  logger?: Logger,
): Promise<ToolOutcome> {
  const step = async (index: number, current: ToolCall): Promise<ToolOutcome> => {
    const interceptor = interceptors[index];
    if (!interceptor) return last(current);
    let called = false;
    const next: InterceptorNext = (rewritten) => {
      if (called) return Promise.reject(new Error('interceptor called next() more than once'));
      called = true;
      return step(index + 1, rewritten ?? current);
    };
    try {
      return await interceptor(current, ctx, next);
    } catch (error) {
      return thrownToOutcome(error, undefined, logger);
    }
  };
  return step(0, call);
}
