import type Anthropic from '@anthropic-ai/sdk';
import { AbortedError, linkAbort, raceAbort } from './abort.js';
import type {
  AgentRunner,
  AgentRunnerOptions,
  RunParams,
  RunResult,
} from './agent-runner-types.js';
import { errorMessage, settle, type ErrorPayload, type RunErrorCode } from './errors.js';
import { emptyUsage, type Usage } from './events.js';
import { cancelled, buildRequest, runModelTurn, RunFailure } from './model-turn.js';
import { addCost, costOf, findModelPrice } from './pricing.js';
import { LogAppendError, callHook, type RunContext, type RunnerConfig } from './run-context.js';
import { resolveConfig, validateRunParams } from './runner-options.js';
import { createSubAgentDispatchers, subAgentToolDefinition } from './sub-agents.js';
import { runToolCalls } from './tool-calls.js';
import type { ToolDefinition } from './tools.js';

/**
 * Creates an agent runner: a streaming Messages API loop with tools, retries,
 * cancellation, prompt caching, extended thinking, cost accounting and
 * sub-agents, writing every event to the run's log.
 *
 * @throws GatewayError `missing_credentials` without `client`, `apiKey` or
 *   `authToken`; `invalid_options` for bad options.
 *
 * @example
 * ```ts
 * const runner = createAgentRunner({ apiKey, model: 'claude-sonnet-4-6', tools });
 * const result = await runner.run({ messages, system: 'Be brief.', log, signal });
 * ```
 */
export function createAgentRunner(options: AgentRunnerOptions): AgentRunner {
  const config = resolveConfig(options);
  return {
    model: config.model,
    run(params: RunParams): Promise<RunResult> {
      try {
        validateRunParams(params);
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(errorMessage(error)));
      }
      return runAgent(config, params);
    },
  };
}

function addUsage(a: Usage, b: Usage): Usage {
  const sum: Usage = {
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    cache_creation_input_tokens: a.cache_creation_input_tokens + b.cache_creation_input_tokens,
    cache_read_input_tokens: a.cache_read_input_tokens + b.cache_read_input_tokens,
  };
  // Optional parts appear only when nonzero, so plain payloads stay identical.
  if (a.cache_creation || b.cache_creation)
    sum.cache_creation = {
      ephemeral_5m_input_tokens:
        (a.cache_creation?.ephemeral_5m_input_tokens ?? 0) +
        (b.cache_creation?.ephemeral_5m_input_tokens ?? 0),
      ephemeral_1h_input_tokens:
        (a.cache_creation?.ephemeral_1h_input_tokens ?? 0) +
        (b.cache_creation?.ephemeral_1h_input_tokens ?? 0),
    };
  if (a.server_tool_use || b.server_tool_use)
    sum.server_tool_use = {
      web_search_requests:
        (a.server_tool_use?.web_search_requests ?? 0) +
        (b.server_tool_use?.web_search_requests ?? 0),
    };
  return sum;
}

/** The run loop (also used for sub-agents' child runs). Rejects only if `run_start` is refused. */
async function runAgent(config: RunnerConfig, params: RunParams): Promise<RunResult> {
  const { log } = params;
  const runId = params.runId ?? log.id;
  const metaSession = log.meta?.sessionId;
  const sessionId = params.sessionId ?? (typeof metaSession === 'string' ? metaSession : runId);

  // Misuse surfaces here: a log closed between the check and now rejects run().
  await log.append({
    type: 'run_start',
    run_id: runId,
    session_id: sessionId,
    model: config.model,
  });

  const controller = new AbortController();
  const unlink = linkAbort(params.signal, controller);
  const { timeoutMs } = config;
  const deadline =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => controller.abort(new RunTimeout(timeoutMs)), timeoutMs);
  let logError: LogAppendError | undefined;
  let callIndex = 0;
  const ctx: RunContext = {
    config,
    log,
    runId,
    sessionId,
    signal: controller.signal,
    async emit(event) {
      try {
        return await log.append(event);
      } catch (error) {
        logError ??= new LogAppendError(error);
        controller.abort(logError);
        throw logError;
      }
    },
    nextCallIndex: () => callIndex++,
  };

  const history: Anthropic.MessageParam[] = [...params.messages];
  const price = findModelPrice(config.model, config.pricing);
  let usage = emptyUsage();
  let costUsd: number | null = price ? 0 : null;
  let turns = 0;
  let stopReason: string | null = null;
  const addSpend = (spent: Usage, cost: number | null): void => {
    usage = addUsage(usage, spent);
    costUsd = addCost(costUsd, cost);
  };

  let error: ErrorPayload<RunErrorCode> | undefined;
  try {
    const tools = await loadTools(ctx);
    const subAgents = createSubAgentDispatchers(config, runAgent, addSpend);
    for (;;) {
      if (ctx.signal.aborted) throw cancelled();
      if (turns >= config.maxTurns) {
        throw new RunFailure('max_turns', `stopped after ${config.maxTurns} model turns`);
      }
      const request = buildRequest(config, [...history], params.system, tools);
      const turn = await runModelTurn(ctx, request);
      turns += 1;
      stopReason = turn.stopReason;
      addSpend(turn.usage, costOf(turn.usage, price));
      await ctx.emit({ type: 'usage', turn: turns, usage: turn.usage });
      if (turn.stopReason === 'tool_use' && turn.toolCalls.length > 0) {
        const results = await runToolCalls(ctx, turn.toolCalls, turns, subAgents);
        // Both or neither: a tool_use without its tool_result makes the history unsendable.
        history.push(
          { role: 'assistant', content: turn.content },
          { role: 'user', content: results },
        );
        continue;
      }
      // A server tool paused a long turn: send the history back to let it finish.
      if (turn.stopReason === 'pause_turn' && turn.content.length > 0) {
        history.push({ role: 'assistant', content: turn.content });
        continue;
      }
      // The run ends here (end_turn, max_tokens, refusal...): calls the turn was
      // cut in the middle of are never run, and would make the history unsendable.
      const content = withoutUnansweredCalls(turn.content);
      if (content.length > 0) history.push({ role: 'assistant', content });
      break;
    }
  } catch (thrown) {
    error = toRunError(thrown, ctx.signal);
  } finally {
    clearTimeout(deadline);
    unlink();
  }

  const beforeEnd = params.beforeEnd;
  if (beforeEnd && !logError) {
    const pending: RunResult = {
      messages: history,
      usage,
      costUsd,
      stopReason,
      turns,
      ...(error ? { error } : {}),
    };
    await callHook(config.logger, 'beforeEnd', () => beforeEnd(pending));
  }

  if (!logError) {
    try {
      await log.append(
        error
          ? { type: 'error', ...error }
          : { type: 'stream_complete', stop_reason: stopReason, usage, cost_usd: costUsd, turns },
      );
    } catch (appendError) {
      logError = new LogAppendError(appendError);
    }
  }
  if (logError) {
    config.logger.error('claude-gateway: the run could not write to its event log', {
      runId,
      error: logError.message,
    });
    error = { code: 'internal', message: logError.message };
  }

  const onUsage = config.hooks.onUsage;
  const finalCost = costUsd;
  if (onUsage) {
    await callHook(config.logger, 'onUsage', () =>
      onUsage(usage, finalCost, {
        sessionId,
        runId,
        model: config.model,
        turns,
        ...(error ? { error } : {}),
      }),
    );
  }
  return { messages: history, usage, costUsd, stopReason, turns, ...(error ? { error } : {}) };
}

/** The executor's tool definitions plus one per sub-agent (a sub-agent wins a name clash). */
async function loadTools(ctx: RunContext): Promise<ToolDefinition[]> {
  const { tools, subAgents, logger } = ctx.config;
  const local = tools
    ? await raceAbort(
        settle(() => tools.definitions()),
        ctx.signal,
      )
    : [];
  const subNames = new Set(subAgents.map((sub) => sub.name));
  const kept = local.filter((def) => {
    if (!subNames.has(def.name)) return true;
    logger.warn(`claude-gateway: sub-agent ${def.name} hides the tool of the same name`);
    return false;
  });
  return [...kept, ...subAgents.map(subAgentToolDefinition)];
}

/**
 * The content of a final turn without the calls no result answers: `tool_use`
 * blocks (the runner runs them only on `stop_reason: "tool_use"`) and server
 * tool calls without their result block, as a `max_tokens` stop in the middle
 * of a call leaves them. A turn left with thinking only is dropped whole.
 */
function withoutUnansweredCalls(
  content: Anthropic.ContentBlockParam[],
): Anthropic.ContentBlockParam[] {
  const answered = new Set(
    content.flatMap((block) => {
      const id = (block as { tool_use_id?: unknown }).tool_use_id;
      return typeof id === 'string' ? [id] : [];
    }),
  );
  const kept = content.filter((block) => {
    const type: string = block.type;
    if (type === 'tool_use') return false;
    if (type === 'server_tool_use' || type === 'mcp_tool_use')
      return answered.has(String((block as { id?: unknown }).id));
    return true;
  });
  const said = kept.some(
    (block) => block.type !== 'thinking' && block.type !== 'redacted_thinking',
  );
  return said ? kept : [];
}

/** The abort reason of a run that reached its `timeoutMs`. */
class RunTimeout extends Error {
  constructor(ms: number) {
    super(`the run exceeded its time limit of ${ms} ms`);
    this.name = 'RunTimeout';
  }
}

function toRunError(thrown: unknown, signal: AbortSignal): ErrorPayload<RunErrorCode> {
  // Whatever the abort made the run throw (cancelled, an aborted wait), a
  // time limit says so. The first abort wins: a cancel before it stays one.
  if (signal.aborted && signal.reason instanceof RunTimeout && !(thrown instanceof LogAppendError))
    return { code: 'timeout', message: signal.reason.message };
  if (thrown instanceof RunFailure) return thrown.toPayload();
  if (thrown instanceof LogAppendError) return { code: 'internal', message: thrown.message };
  if (thrown instanceof AbortedError || signal.aborted) return cancelled().toPayload();
  return { code: 'internal', message: errorMessage(thrown) };
}
