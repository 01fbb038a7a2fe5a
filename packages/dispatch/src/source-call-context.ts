import { AsyncLocalStorage } from 'node:async_hooks';
import type { ToolSource, ToolSourceCallOptions } from '@claude-gateway/core';
import type { Interceptor } from './interceptor.js';

type CallContext = NonNullable<ToolSourceCallOptions['context']>;

/** What {@link bindSourceCallContext} returns. */
export interface BoundToolSource {
  /** The source to give the dispatcher: each call carries its tool call's `context`. */
  source: ToolSource;
  /** The interceptor to give the same dispatcher: it records the context of each call. */
  interceptor: Interceptor;
}

/**
 * Makes every call the dispatcher sends to `source` carry the tool call it
 * serves (`options.context`: tool_use id, session, run, log), so an MCP
 * server that asks the person for input mid-call reaches that run. A call
 * that already carries a `context` keeps it.
 *
 * @example
 * ```ts
 * const bound = bindSourceCallContext(mcp);
 * const dispatcher = createToolDispatcher({
 *   sources: [bound.source],
 *   interceptors: [bound.interceptor],
 * });
 * ```
 */
export function bindSourceCallContext(source: ToolSource): BoundToolSource {
  const current = new AsyncLocalStorage<CallContext>();
  const interceptor: Interceptor = (call, ctx, next) =>
    current.run(
      {
        toolUseId: call.id,
        sessionId: ctx.sessionId,
        runId: ctx.runId,
        callIndex: ctx.callIndex,
        log: ctx.log,
      },
      () => next(),
    );
  const bound: ToolSource = {
    listTools: () => source.listTools(),
    callTool(name, input, options = {}) {
      const context = options.context ?? current.getStore();
      return source.callTool(name, input, context ? { ...options, context } : options);
    },
  };
  if (source.sourceLabel) {
    const label = source.sourceLabel.bind(source);
    bound.sourceLabel = (name) => label(name);
  }
  return { source: bound, interceptor };
}
