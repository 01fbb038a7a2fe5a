import type Anthropic from '@anthropic-ai/sdk';
import type { AgentRunnerHooks, ThinkingOption } from './agent-runner-types.js';
import { errorMessage, errorDetail } from './errors.js';
import type { EventLog, LogEntry } from './event-log-types.js';
import type { GatewayEvent, Usage } from './events.js';
import type { Logger } from './logger.js';
import type { PricingTable } from './pricing.js';
import type { ResolvedRetryOptions } from './retry.js';
import type { SubAgentConfig } from './sub-agents.js';
import type { RunnerSpan, TracingSetting } from './telemetry.js';
import type { ToolExecutor } from './tools.js';

/** A runner's settings after validation. Internal. */
export interface RunnerConfig {
  client: Anthropic;
  model: string;
  maxTokens: number;
  thinking: ThinkingOption;
  tools: ToolExecutor | undefined;
  maxTurns: number;
  /** Time limit of a run in ms; `undefined`: none. */
  timeoutMs: number | undefined;
  retry: ResolvedRetryOptions;
  hooks: AgentRunnerHooks;
  pricing: PricingTable;
  subAgents: SubAgentConfig[];
  logger: Logger;
  /** SDK console warnings already passed to `logger` (each once per runner). */
  sdkWarnings: Set<string>;
  /** Models already warned about for having no price (each once per runner). */
  priceWarnings: Set<string>;
  /** Calls of one turn that may run at once. */
  maxParallelTools: number;
  /** OpenTelemetry spans: off, or the provider to use (the global one when unset). */
  tracing: TracingSetting;
}

/** Thrown when the log refuses an append mid-run (closed by someone else). */
export class LogAppendError extends Error {
  constructor(cause: unknown) {
    super(`the event log refused an append: ${errorMessage(cause)}`, { cause });
    this.name = 'LogAppendError';
  }
}

/** Per-run state shared by the runner's parts. Internal. */
export interface RunContext {
  config: RunnerConfig;
  log: EventLog;
  runId: string;
  /** The top-level run (this one, unless this is a sub-agent's run). */
  rootRunId: string;
  sessionId: string;
  /** Aborted on cancel (and when the log fails). */
  signal: AbortSignal;
  /** Appends to the log; a refusal becomes {@link LogAppendError}. */
  emit(event: GatewayEvent): Promise<LogEntry>;
  /**
   * For a caller that appends to `log` itself (the per-delta hot path, one
   * promise less than {@link emit}): records the log's refusal as
   * {@link emit} would (aborting the run) and returns the error to throw.
   */
  appendFailed(error: unknown): LogAppendError;
  /** Next 0-based tool call index of the run. */
  nextCallIndex(): number;
  /** The run's span (one that records nothing when tracing is off). */
  span: RunnerSpan;
  /**
   * Counts tokens the API billed for a model attempt that failed (or was
   * cancelled) into the run's usage and cost, and apart as failed attempts.
   */
  spendFailedAttempt(usage: Usage): void;
}

/**
 * The caller's logger, made unable to throw: a logger is user code too, and a
 * run reports to it from places (a throwing hook, a failed log) where one
 * more throw would reject `run()` — which a background run must never do.
 */
export function safeLogger(logger: Logger): Logger {
  const guard =
    (level: 'warn' | 'error') =>
    (message: string, data?: object): void => {
      try {
        logger[level](message, data);
      } catch {
        // Nowhere left to report it.
      }
    };
  return { warn: guard('warn'), error: guard('error') };
}

/** Calls a hook; a throw or rejection is logged, never propagated. */
export async function callHook<T>(
  logger: Logger,
  name: string,
  fn: (() => T | Promise<T>) | undefined,
): Promise<T | undefined> {
  if (!fn) return undefined;
  try {
    return await fn();
  } catch (error) {
    logger.error(`claude-gateway: hook ${name} threw; ignored`, { error: errorDetail(error) });
    return undefined;
  }
}
