import type Anthropic from '@anthropic-ai/sdk';
import type { ErrorPayload, RunErrorCode, ToolErrorCode } from './errors.js';
import type { EventLog } from './event-log-types.js';
import type { Usage } from './events.js';
import type { Logger } from './logger.js';
import type { PricingTable } from './pricing.js';
import type { RetryOptions } from './retry.js';
import type { SubAgentConfig } from './sub-agents.js';
import type { TracerProviderLike } from './telemetry.js';
import type { ToolExecutor, ToolResultContentBlock } from './tools.js';

/** Extended thinking: adaptive, a fixed token budget, or off. */
export type ThinkingOption = 'adaptive' | { budgetTokens: number } | false;

/** What `onToolResult` sees of a finished tool call. */
export interface ToolResultHookContext {
  sessionId: string;
  runId: string;
  toolUseId: string;
  /** The tool's name. */
  name: string;
  input: unknown;
  /** The result, when the call succeeded. */
  result?: unknown;
  /** The error, when it failed. */
  error?: ErrorPayload<ToolErrorCode>;
  /** `local` or `mcp:<server>`. */
  source: string;
  durationMs: number;
  callIndex: number;
}

/** What `onToolTiming` gets for every tool call. */
export interface ToolTiming {
  sessionId: string;
  /** The tool's name. */
  tool: string;
  source: string;
  durationMs: number;
  isError: boolean;
  /** Size of the `tool_result` content sent to the model, as UTF-8 JSON. */
  resultBytes: number;
}

/** Extra facts given to `onUsage`. */
export interface UsageHookInfo {
  sessionId: string;
  runId: string;
  model: string;
  turns: number;
  /** Set when the run failed or was cancelled. */
  error?: ErrorPayload<RunErrorCode>;
  /** Set when model attempts failed: what they cost (already counted in the usage). */
  failedAttempts?: FailedAttempts;
}

/**
 * Model attempts that failed (retried, given up on, or cancelled) and what
 * the API billed for them: the input of `message_start` and any output
 * reported before the failure. Already included in the run's usage and cost;
 * reported apart so the price of retries can be seen.
 */
export interface FailedAttempts {
  /** Failed attempts, sub-agents' included. */
  count: number;
  usage: Usage;
  /** `null` when a model's price is unknown. */
  costUsd: number | null;
}

/**
 * Observability hooks. Each is awaited; a hook that throws (or rejects) is
 * reported to the logger and otherwise ignored — it never fails the run.
 */
export interface AgentRunnerHooks {
  /** After each tool call; may return content blocks appended to its `tool_result`. */
  onToolResult?: (
    ctx: ToolResultHookContext,
  ) => ToolResultContentBlock[] | void | Promise<ToolResultContentBlock[] | void>;
  /** After each tool call, with its timing and size. */
  onToolTiming?: (timing: ToolTiming) => void | Promise<void>;
  /**
   * Exactly once per started run — failed and cancelled runs included —
   * after the terminal event, with the run's summed usage and cost.
   */
  onUsage?: (usage: Usage, costUsd: number | null, info: UsageHookInfo) => void | Promise<void>;
}

/** Options of {@link createAgentRunner}. */
export interface AgentRunnerOptions {
  /** A ready client (e.g. pointed at the scripted server). Exclusive with `apiKey` / `authToken`. */
  client?: Anthropic;
  /** API key for a client the runner creates. */
  apiKey?: string;
  /** OAuth bearer token for a client the runner creates (`authorization: Bearer`). */
  authToken?: string;
  /**
   * Base URL of the client the runner creates. The `ANTHROPIC_BASE_URL`
   * environment variable is not read.
   * @default 'https://api.anthropic.com'
   */
  baseURL?: string;
  /** Model id, e.g. `claude-sonnet-4-6`. */
  model: string;
  /** `max_tokens` of each model turn. @default 16000 */
  maxTokens?: number;
  /**
   * Extended thinking: `'adaptive'` sends `{ type: 'adaptive' }` (for models
   * that support it), `{ budgetTokens }` sends `{ type: 'enabled',
   * budget_tokens }` (≥ 1024 and below `maxTokens`), `false` sends nothing.
   * @default false
   */
  thinking?: ThinkingOption;
  /** Tools offered to the model. @default none */
  tools?: ToolExecutor;
  /** Model turns per run before it ends with `error { code: 'max_turns' }`. @default 20 */
  maxTurns?: number;
  /**
   * Time limit of each run, in ms, from `run_start` to the terminal event.
   * When it passes, the model request, the backoff wait and the tool calls
   * are aborted (their `signal`), unfinished tool calls get a `cancelled`
   * `tool_result`, and the run ends with `error { code: 'timeout' }`.
   * Sub-agents are limited by their own `timeoutMs` instead.
   * @default undefined (no limit)
   */
  timeoutMs?: number;
  /** Retries of the model call. See {@link RetryOptions}. */
  retry?: RetryOptions;
  /** Observability hooks; never fatal. */
  hooks?: AgentRunnerHooks;
  /** Prices added to (or replacing entries of) {@link DEFAULT_PRICING}. @default {} */
  pricing?: PricingTable;
  /** Sub-agents exposed to the model as tools taking `{ task }`. @default [] */
  subAgents?: SubAgentConfig[];
  /**
   * Tool calls of one model turn that run at once. Results go back to the
   * model in its order whatever order they finish in; a tool whose executor
   * says `isSequential(name)` runs alone.
   * @default 8
   */
  maxParallelTools?: number;
  /**
   * OpenTelemetry spans (run, model attempts, tool calls, approval waits),
   * with `@opentelemetry/api` installed: `true` uses the global tracer
   * provider (spans are recorded only once the application registers one),
   * `{ tracerProvider }` a given one, `false` none at all.
   * @default true
   */
  tracing?: boolean | { tracerProvider?: TracerProviderLike };
  /**
   * Where throwing hooks, name clashes, a failed log and the SDK's own
   * warnings (deprecated models) are reported. A logger that throws is ignored.
   * @default consoleLogger
   */
  logger?: Logger;
}

/** Arguments of {@link AgentRunner.run}. */
export interface RunParams {
  /** The conversation so far, ending with the new user message. Not mutated. */
  messages: Anthropic.MessageParam[];
  /** System prompt; its last block is sent with `cache_control`. */
  system?: string | Anthropic.TextBlockParam[];
  /** The run's log: the runner appends every event, ending with a terminal one. */
  log: EventLog;
  /** Cancels the run: the model call, tool calls and sub-agents. */
  signal?: AbortSignal;
  /** @default log.meta.sessionId, else the run id */
  sessionId?: string;
  /** @default log.id */
  runId?: string;
  /**
   * Called with the run's result just before its terminal event is
   * appended, so that whatever it records (a run's final state, the
   * conversation) is in place by the time any reader sees the end. Awaited;
   * a throw is logged and ignored. (The run manager uses it.)
   */
  beforeEnd?: (result: RunResult) => void | Promise<void>;
}

/** How a run ended. `error` equals the terminal `error` event when present. */
export interface RunResult {
  /** The history after the run (complete turns only): persist it and send it again. */
  messages: Anthropic.MessageParam[];
  /** Summed over every model turn of the run and its sub-agents. */
  usage: Usage;
  /** `null` when a model's price is unknown. */
  costUsd: number | null;
  /** `stop_reason` of the last model turn; `null` when none completed. */
  stopReason: string | null;
  /** Model turns completed. */
  turns: number;
  error?: ErrorPayload<RunErrorCode>;
  /** Set when model attempts failed: what they cost (already in `usage` and `costUsd`). */
  failedAttempts?: FailedAttempts;
}

/** Runs agent loops. Create one with {@link createAgentRunner}; it is reusable and stateless. */
export interface AgentRunner {
  /** The model this runner calls. */
  readonly model: string;
  /**
   * Runs the agent loop, writing every event to `params.log`, and resolves
   * once the terminal event is written — failed and cancelled runs included.
   * Rejects only for misuse found before the run starts: `log_closed`,
   * `invalid_options`.
   */
  run(params: RunParams): Promise<RunResult>;
}
