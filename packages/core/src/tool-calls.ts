import type Anthropic from '@anthropic-ai/sdk';
import { AbortFanOut } from './abort.js';
import { errorMessage } from './errors.js';
import type { RunContext } from './run-context.js';
import { runToolCall, type CallPlan } from './run-tool-call.js';
import type { TurnToolCall } from './stream-turn.js';
import type { RunnerSpan } from './telemetry.js';
import type { ToolContext, ToolOutcome } from './tools.js';

export { CANCEL_GRACE_MS } from './run-tool-call.js';

/** Runs a sub-agent call; provided by the runner when sub-agents are configured. */
export type SubAgentDispatch = (
  call: TurnToolCall,
  ctx: ToolContext,
  span: RunnerSpan,
) => Promise<ToolOutcome>;

/**
 * Executes the tool calls of one turn and returns their `tool_result` blocks
 * in the model's order. Appends every `tool_use` first, then a `tool_result`
 * per call as each finishes (every `tool_use` gets one, cancelled calls
 * included). Calls start in the model's order and run concurrently, at most
 * `maxParallelTools` at once; a call whose tool `isSequential` waits for the
 * calls before it and runs alone. On cancel the runner stops waiting at once
 * — even for a tool that ignores its signal — and unfinished calls come back
 * as `cancelled` errors (a sub-agent is waited for: it ends promptly and its
 * spend is counted).
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
  const limit = ctx.config.maxParallelTools;
  const results: Promise<Anthropic.ToolResultBlockParam>[] = [];
  // Settles (never rejects) when its call is done: what the scheduler waits on.
  const running = new Set<Promise<void>>();
  // Each call gets its own child signal, so the run's signal keeps one
  // listener however many calls run at once, and listeners a tool forgets
  // to remove stay on its own signal.
  const fanOut = new AbortFanOut(ctx.signal);
  try {
    for (const call of calls) {
      const callIndex = ctx.nextCallIndex();
      const dispatch = subAgents.get(call.name);
      const alone = !dispatch && isSequential(ctx, call.name);
      if (alone) await Promise.all(running);
      else while (running.size >= limit) await Promise.race(running);
      const plan: CallPlan = dispatch
        ? { execute: (toolCtx, span) => dispatch(call, toolCtx, span), awaitOnCancel: true }
        : { execute: (toolCtx) => executeLocal(ctx, call, toolCtx) };
      const { signal, release } = fanOut.child();
      const promise = runToolCall(ctx, signal, call, callIndex, plan);
      const done: Promise<void> = promise.then(
        () => {},
        () => {},
      );
      running.add(done);
      void done.then(() => {
        release();
        running.delete(done);
      });
      results.push(promise);
      if (alone) await done;
    }
    return await Promise.all(results);
  } finally {
    fanOut.close();
  }
}

/** The executor's `isSequential`; a throw counts as sequential (the safe side). */
function isSequential(ctx: RunContext, name: string): boolean {
  const tools = ctx.config.tools;
  if (!tools?.isSequential) return false;
  try {
    return tools.isSequential(name) === true;
  } catch (error) {
    ctx.config.logger.warn('claude-gateway: isSequential threw; the call runs alone', {
      tool: name,
      error: errorMessage(error),
    });
    return true;
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
