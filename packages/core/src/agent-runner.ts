import type Anthropic from '@anthropic-ai/sdk';
import { AbortedError, linkAbort, raceAbort } from './abort.js';
import type {
  AgentRunner,
  AgentRunnerOptions,
  FailedAttempts,
  RunParams,
  RunResult,
} from './agent-runner-types.js';
import {
  errorMessage,
  GatewayError,
  settle,
  type ErrorPayload,
  type RunErrorCode,
} from './errors.js';
import { emptyUsage, type Usage } from './events.js';
import {
  cancelled,
  buildRequest,
  runModelTurn,
  RunFailure,
  usageAttributes,
} from './model-turn.js';
import { addCost, costOf, findModelPrice } from './pricing.js';
import { LogAppendError, callHook, type RunContext, type RunnerConfig } from './run-context.js';
import { resolveConfig, validateRunParams } from './runner-options.js';
import {
  createSubAgentDispatchers,
  subAgentToolDefinition,
  type ParentLink,
  type Spend,
} from './sub-agents.js';
import { startRunSpan, type RunnerSpan } from './telemetry.js';
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
async function runAgent(
  config: RunnerConfig,
  params: RunParams,
  parent?: ParentLink,
): Promise<RunResult> {
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

  const agentName = parent?.agentName ?? 'claude-gateway';
  const span = await startRunSpan(
    config.tracing,
    `invoke_agent ${agentName}`,
    {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.agent.name': agentName,
      'gen_ai.request.model': config.model,
      'gen_ai.conversation.id': sessionId,
      'claude_gateway.run.id': runId,
      'claude_gateway.session.id': sessionId,
    },
    parent?.span,
  );

  const controller = new AbortController();
  const unlink = linkAbort(params.signal, controller);
  const { timeoutMs } = config;
  const deadline =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => controller.abort(new RunTimeout(timeoutMs)), timeoutMs);
  let logError: LogAppendError | undefined;
  let callIndex = 0;

  const price = findModelPrice(config.model, config.pricing);
  if (!price) warnUnpriced(config);
  let usage = emptyUsage();
  let costUsd: number | null = price ? 0 : null;
  let failed: FailedAttempts | undefined;
  // Every token billed — this run's and its sub-agents' — counts here as it
  // is spent, and reaches the parent at once, so a cancel loses none of it.
  const addSpend = (spend: Spend): void => {
    usage = addUsage(usage, spend.usage);
    costUsd = addCost(costUsd, spend.costUsd);
    if (spend.failed) {
      failed = {
        count: (failed?.count ?? 0) + 1,
        usage: addUsage(failed?.usage ?? emptyUsage(), spend.usage),
        costUsd: addCost(failed?.costUsd ?? 0, spend.costUsd),
      };
    }
    parent?.onSpend(spend);
  };

  const ctx: RunContext = {
    config,
    log,
    runId,
    rootRunId: parent?.rootRunId ?? runId,
    sessionId,
    signal: controller.signal,
    span,
    async emit(event) {
      try {
        return await log.append(event);
      } catch (error) {
        throw ctx.appendFailed(error);
      }
    },
    appendFailed(error) {
      logError ??= new LogAppendError(error);
      controller.abort(logError);
      return logError;
    },
    nextCallIndex: () => callIndex++,
    spendFailedAttempt(spent) {
      addSpend({ usage: spent, costUsd: costOf(spent, price), failed: true });
    },
  };

  const history: Anthropic.MessageParam[] = [...params.messages];
  let turns = 0;
  let stopReason: string | null = null;

  let error: ErrorPayload<RunErrorCode> | undefined;
  try {
    const tools = await loadTools(ctx);
    const subAgents = createSubAgentDispatchers(
      config,
      runAgent,
      (event) => ctx.emit(event),
      // The child's spend, failed attempts included, as it happens.
      (spend) => addSpend(spend),
    );
    for (;;) {
      if (ctx.signal.aborted) throw cancelled();
      if (turns >= config.maxTurns) {
        throw new RunFailure('max_turns', `stopped after ${config.maxTurns} model turns`);
      }
      const request = buildRequest(config, [...history], params.system, tools);
      const turn = await runModelTurn(ctx, request, turns + 1);
      turns += 1;
      stopReason = turn.stopReason;
      addSpend({ usage: turn.usage, costUsd: costOf(turn.usage, price), failed: false });
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
      // A server tool paused a long turn: send it back as it is to let the
      // model finish it (the API continues the same assistant turn).
      if (turn.stopReason === 'pause_turn' && turn.content.length > 0) {
        history.push({ role: 'assistant', content: turn.content });
        continue;
      }
      // Anthropic's guidance: a refused turn must not go back to the model,
      // or it keeps refusing. The run ends with stop_reason "refusal".
      if (turn.stopReason === 'refusal') break;
      // The run ends here (end_turn, max_tokens, ...): calls the turn was cut
      // in the middle of are never run, and would make the history unsendable.
      const content = withoutUnansweredCalls(turn.content);
      if (content.length > 0) history.push({ role: 'assistant', content });
      if (turn.stopReason === 'model_context_window_exceeded') {
        throw new RunFailure(
          'context_window_exceeded',
          "the conversation reached the model's context window; shorten or summarise the history to go on",
        );
      }
      break;
    }
  } catch (thrown) {
    error = toRunError(thrown, ctx.signal);
  } finally {
    clearTimeout(deadline);
    unlink();
  }
  // A paused turn the run did not get to finish (cancel, max_turns, a
  // failure) goes back without its unanswered server tool calls.
  settlePausedTurn(history, params.messages.length);

  const result = (): RunResult => ({
    messages: history,
    usage,
    costUsd,
    stopReason,
    turns,
    ...(error ? { error } : {}),
    ...(failed ? { failedAttempts: failed } : {}),
  });

  const beforeEnd = params.beforeEnd;
  if (beforeEnd && !logError) {
    const pending = result();
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
  endRunSpan(span, usage, costUsd, turns, stopReason, error, failed);

  const onUsage = config.hooks.onUsage;
  const finalCost = costUsd;
  const finalFailed = failed;
  if (onUsage) {
    await callHook(config.logger, 'onUsage', () =>
      onUsage(usage, finalCost, {
        sessionId,
        runId,
        model: config.model,
        turns,
        ...(error ? { error } : {}),
        ...(finalFailed ? { failedAttempts: finalFailed } : {}),
      }),
    );
  }
  return result();
}

function warnUnpriced(config: RunnerConfig): void {
  if (config.priceWarnings.has(config.model)) return;
  config.priceWarnings.add(config.model);
  config.logger.warn(
    `claude-gateway: no price for model ${config.model}; cost_usd is null (add it with the pricing option)`,
    { model: config.model },
  );
}

function endRunSpan(
  span: RunnerSpan,
  usage: Usage,
  costUsd: number | null,
  turns: number,
  stopReason: string | null,
  error: ErrorPayload<RunErrorCode> | undefined,
  failed: FailedAttempts | undefined,
): void {
  if (!span.recording) return;
  span.set({
    ...usageAttributes(usage),
    ...(stopReason ? { 'gen_ai.response.finish_reasons': [stopReason] } : {}),
    'claude_gateway.turns': turns,
    ...(costUsd === null ? {} : { 'claude_gateway.cost_usd': costUsd }),
    ...(failed ? { 'claude_gateway.failed_attempts': failed.count } : {}),
  });
  if (error) span.fail(error.code, error.message);
  span.end();
}

/**
 * When the history ends with a paused assistant turn (`pause_turn`) that the
 * run did not finish, drops its server tool calls that have no result, and
 * the turn itself when nothing else is left. Only the run's own turns
 * (from `from` on) are touched.
 */
function settlePausedTurn(history: Anthropic.MessageParam[], from: number): void {
  const last = history.at(-1);
  if (history.length <= from || last?.role !== 'assistant' || typeof last.content === 'string')
    return;
  const content = withoutUnansweredCalls(last.content);
  if (content.length === last.content.length) return;
  if (content.length > 0) history[history.length - 1] = { role: 'assistant', content };
  else history.pop();
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
  const error = runErrorOf(thrown, signal);
  // A cancel that says why (the run manager shutting down) keeps its words.
  const reason: unknown = signal.reason;
  if (error.code === 'cancelled' && GatewayError.isInstance(reason) && reason.code === 'cancelled')
    return { code: 'cancelled', message: reason.message };
  return error;
}

function runErrorOf(thrown: unknown, signal: AbortSignal): ErrorPayload<RunErrorCode> {
  // Whatever the abort made the run throw (cancelled, an aborted wait), a
  // time limit says so. The first abort wins: a cancel before it stays one.
  if (signal.aborted && signal.reason instanceof RunTimeout && !(thrown instanceof LogAppendError))
    return { code: 'timeout', message: signal.reason.message };
  if (thrown instanceof RunFailure) return thrown.toPayload();
  if (thrown instanceof LogAppendError) return { code: 'internal', message: thrown.message };
  if (thrown instanceof AbortedError || signal.aborted) return cancelled().toPayload();
  return { code: 'internal', message: errorMessage(thrown) };
}
