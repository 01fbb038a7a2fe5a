import type Anthropic from '@anthropic-ai/sdk';
import type { AgentRunnerHooks, ThinkingOption } from './agent-runner-types.js';
import { errorMessage } from './errors.js';
import type { EventLog, LogEntry } from './event-log-types.js';
import type { GatewayEvent } from './events.js';
import type { Logger } from './logger.js';
import type { PricingTable } from './pricing.js';
import type { ResolvedRetryOptions } from './retry.js';
import type { SubAgentConfig } from './sub-agents.js';
import type { ToolExecutor } from './tools.js';

/** A runner's settings after validation. Internal. */
export interface RunnerConfig {
  client: Anthropic;
  model: string;
  maxTokens: number;
  thinking: ThinkingOption;
  tools: ToolExecutor | undefined;
  maxTurns: number;
  retry: ResolvedRetryOptions;
  hooks: AgentRunnerHooks;
  pricing: PricingTable;
  subAgents: SubAgentConfig[];
  logger: Logger;
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
  sessionId: string;
  /** Aborted on cancel (and when the log fails). */
  signal: AbortSignal;
  /** Appends to the log; a refusal becomes {@link LogAppendError}. */
  emit(event: GatewayEvent): Promise<LogEntry>;
  /** Next 0-based tool call index of the run. */
  nextCallIndex(): number;
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
    logger.error(`claude-gateway: hook ${name} threw; ignored`, { error: errorMessage(error) });
    return undefined;
  }
}
