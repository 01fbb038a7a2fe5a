import type { AgentRunnerOptions, RunParams } from './agent-runner-types.js';
import { resolveClient } from './anthropic-client.js';
import { GatewayError } from './errors.js';
import { consoleLogger } from './logger.js';
import type { PricingTable } from './pricing.js';
import { DEFAULT_RETRY } from './retry.js';
import { safeLogger, type RunnerConfig } from './run-context.js';
import type { TracerProviderLike, TracingSetting } from './telemetry.js';

/** Default `maxTokens` of each model turn. */
export const DEFAULT_MAX_TOKENS = 16_000;
/** Default `maxTurns` of a run. */
export const DEFAULT_MAX_TURNS = 20;
/** Default `maxParallelTools`: calls of one turn that run at once. */
export const DEFAULT_MAX_PARALLEL_TOOLS = 8;

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

function invalid(message: string): never {
  throw new GatewayError('invalid_options', message);
}

// setTimeout fires at once (with a console warning) past this.
const MAX_TIMER_MS = 2 ** 31 - 1;

function intOption(
  value: unknown,
  name: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalid(
      max === Number.MAX_SAFE_INTEGER
        ? `${name} must be an integer ≥ ${min}`
        : `${name} must be an integer from ${min} to ${max}`,
    );
  }
  return value;
}

/** A delay option: a timer length, so at most {@link MAX_TIMER_MS}. */
function msOption(value: unknown, name: string, fallback: number, min: number): number {
  return intOption(value, name, fallback, min, MAX_TIMER_MS);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/** `thinking` is false, 'adaptive' or a budget below `maxTokens` (the API's rule). */
function checkThinking(thinking: unknown, maxTokens: number, prefix: string): void {
  if (thinking === false || thinking === 'adaptive') return;
  if (!isObject(thinking))
    invalid(`${prefix}thinking must be 'adaptive', { budgetTokens } or false`);
  const budget = thinking.budgetTokens;
  if (
    typeof budget !== 'number' ||
    !Number.isInteger(budget) ||
    budget < 1024 ||
    budget >= maxTokens
  ) {
    invalid(`${prefix}thinking.budgetTokens must be an integer ≥ 1024 and below maxTokens`);
  }
}

/**
 * Validates the runner's options and fills in defaults.
 * @throws GatewayError `invalid_options`, `missing_credentials`
 */
export function resolveConfig(options: AgentRunnerOptions): RunnerConfig {
  if (!isObject(options)) invalid('createAgentRunner needs an options object');
  const logger = safeLogger(options.logger ?? consoleLogger);
  if (typeof options.model !== 'string' || options.model.trim() === '')
    invalid('model must be a non-empty string');
  const maxTokens = intOption(options.maxTokens, 'maxTokens', DEFAULT_MAX_TOKENS, 1);
  const maxTurns = intOption(options.maxTurns, 'maxTurns', DEFAULT_MAX_TURNS, 1);
  const maxParallelTools = intOption(
    options.maxParallelTools,
    'maxParallelTools',
    DEFAULT_MAX_PARALLEL_TOOLS,
    1,
  );
  const tracing = resolveTracing(options.tracing);
  const timeoutMs =
    options.timeoutMs === undefined ? undefined : msOption(options.timeoutMs, 'timeoutMs', 0, 1);

  const thinking = options.thinking ?? false;
  checkThinking(thinking, maxTokens, '');

  const retryIn: unknown = options.retry ?? {};
  if (!isObject(retryIn)) invalid('retry must be an object');
  const retry = {
    maxRetries: intOption(retryIn.maxRetries, 'retry.maxRetries', DEFAULT_RETRY.maxRetries, 0),
    baseDelayMs: msOption(retryIn.baseDelayMs, 'retry.baseDelayMs', DEFAULT_RETRY.baseDelayMs, 0),
    maxDelayMs: msOption(retryIn.maxDelayMs, 'retry.maxDelayMs', DEFAULT_RETRY.maxDelayMs, 0),
    stallTimeoutMs: msOption(
      retryIn.stallTimeoutMs,
      'retry.stallTimeoutMs',
      DEFAULT_RETRY.stallTimeoutMs,
      1,
    ),
  };

  const tools = options.tools;
  if (
    tools !== undefined &&
    (!isObject(tools) ||
      typeof tools.definitions !== 'function' ||
      typeof tools.execute !== 'function')
  ) {
    invalid('tools must be a ToolExecutor ({ definitions(), execute() })');
  }

  const hooks = options.hooks ?? {};
  if (!isObject(hooks)) invalid('hooks must be an object');
  for (const name of ['onToolResult', 'onToolTiming', 'onUsage'] as const) {
    if (hooks[name] !== undefined && typeof hooks[name] !== 'function')
      invalid(`hooks.${name} must be a function`);
  }

  const pricing = validatePricing(options.pricing ?? {});

  const subAgents = options.subAgents ?? [];
  if (!Array.isArray(subAgents)) invalid('subAgents must be an array');
  const names = new Set<string>();
  for (const sub of subAgents) {
    if (!isObject(sub) || typeof sub.name !== 'string' || !TOOL_NAME.test(sub.name)) {
      invalid('each sub-agent needs a name matching ^[a-zA-Z0-9_-]{1,64}$');
    }
    if (names.has(sub.name)) invalid(`two sub-agents are named ${sub.name}`);
    names.add(sub.name);
    if (typeof sub.description !== 'string' || typeof sub.systemPrompt !== 'string') {
      invalid(`sub-agent ${sub.name} needs a description and a systemPrompt`);
    }
    const at = `subAgents[${sub.name}].`;
    if (sub.model !== undefined && (typeof sub.model !== 'string' || sub.model.trim() === ''))
      invalid(`${at}model must be a non-empty string`);
    // The child's own maxTokens and thinking, or the parent's: checked together.
    const subMaxTokens = intOption(sub.maxTokens, `${at}maxTokens`, maxTokens, 1);
    checkThinking(sub.thinking ?? thinking, subMaxTokens, at);
    intOption(sub.maxTurns, `subAgents[${sub.name}].maxTurns`, 1, 1);
    msOption(sub.timeoutMs, `subAgents[${sub.name}].timeoutMs`, 1, 1);
    if (sub.excludedTools !== undefined && !Array.isArray(sub.excludedTools)) {
      invalid(`subAgents[${sub.name}].excludedTools must be an array`);
    }
  }

  const client = resolveClient(options, logger);
  return {
    client,
    model: options.model,
    maxTokens,
    thinking,
    tools,
    maxTurns,
    timeoutMs,
    retry,
    hooks,
    pricing,
    subAgents: subAgents.map((sub) => ({ ...sub })),
    logger,
    sdkWarnings: new Set(),
    priceWarnings: new Set(),
    maxParallelTools,
    tracing,
  };
}

function resolveTracing(tracing: unknown): TracingSetting {
  if (tracing === undefined || tracing === true) return {};
  if (tracing === false) return false;
  if (!isObject(tracing)) invalid('tracing must be a boolean or { tracerProvider }');
  const provider = tracing.tracerProvider;
  if (provider === undefined) return {};
  if (!isObject(provider) || typeof provider.getTracer !== 'function')
    invalid('tracing.tracerProvider must be an OpenTelemetry TracerProvider');
  return { tracerProvider: provider as unknown as TracerProviderLike };
}

const PRICE_FIELDS = [
  'inputPerMTok',
  'outputPerMTok',
  'cacheWritePerMTok',
  'cacheReadPerMTok',
] as const;

const isRate = (value: unknown): boolean =>
  typeof value === 'number' && value >= 0 && Number.isFinite(value);

function checkRates(price: unknown, at: string): void {
  if (!isObject(price) || PRICE_FIELDS.some((f) => !isRate(price[f])))
    invalid(`${at} needs non-negative ${PRICE_FIELDS.join(', ')}`);
  if (price.cacheWrite1hPerMTok !== undefined && !isRate(price.cacheWrite1hPerMTok))
    invalid(`${at}.cacheWrite1hPerMTok must be a non-negative number`);
}

function validatePricing(pricing: unknown): PricingTable {
  if (!isObject(pricing)) invalid('pricing must be an object of model → prices');
  for (const [model, price] of Object.entries(pricing)) {
    checkRates(price, `pricing[${model}]`);
    const long = (price as Record<string, unknown>).longContext;
    if (long === undefined) continue;
    checkRates(long, `pricing[${model}].longContext`);
    const threshold = (long as Record<string, unknown>).aboveInputTokens;
    if (typeof threshold !== 'number' || !Number.isInteger(threshold) || threshold < 0)
      invalid(`pricing[${model}].longContext.aboveInputTokens must be a non-negative integer`);
  }
  return pricing as PricingTable;
}

/**
 * Checks `run()`'s arguments before the run starts.
 * @throws GatewayError `invalid_options`, `log_closed`
 */
export function validateRunParams(params: RunParams): void {
  if (!isObject(params)) invalid('run() needs { messages, log }');
  if (!Array.isArray(params.messages)) invalid('messages must be an array of MessageParam');
  const log: unknown = params.log;
  if (!isObject(log) || typeof log.append !== 'function') invalid('log must be an EventLog');
  if (params.log.closed)
    throw new GatewayError('log_closed', `event log ${params.log.id} is already closed`);
  const system: unknown = params.system;
  if (system !== undefined && typeof system !== 'string' && !Array.isArray(system)) {
    invalid('system must be a string or an array of text blocks');
  }
  for (const key of ['sessionId', 'runId'] as const) {
    if (params[key] !== undefined && typeof params[key] !== 'string')
      invalid(`${key} must be a string`);
  }
  if (params.beforeEnd !== undefined && typeof params.beforeEnd !== 'function')
    invalid('beforeEnd must be a function');
  const signal: unknown = params.signal;
  if (
    signal !== undefined &&
    !(
      isObject(signal) &&
      typeof signal.aborted === 'boolean' &&
      typeof signal.addEventListener === 'function'
    )
  ) {
    invalid('signal must be an AbortSignal');
  }
}
