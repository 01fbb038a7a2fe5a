export {
  GatewayError,
  MISUSE_ERROR_CODES,
  RUN_ERROR_CODES,
  RUN_MANAGER_ERROR_CODES,
  TOOL_ERROR_CODES,
  errorDetail,
  errorMessage,
  settle,
  isRunErrorCode,
  isToolErrorCode,
  type ErrorPayload,
  type GatewayErrorCode,
  type MisuseErrorCode,
  type RunErrorCode,
  type RunManagerErrorCode,
  type ToolErrorCode,
} from './errors.js';
export {
  EVENT_TYPES,
  emptyUsage,
  isEventType,
  isTerminalEvent,
  type ApprovalReason,
  type ElicitationRequestEvent,
  type ElicitationResponseEvent,
  type ErrorEvent,
  type EventOfType,
  type EventsDroppedEvent,
  type GatewayEvent,
  type GatewayEventType,
  type RetryErrorType,
  type RunStartEvent,
  type StreamCompleteEvent,
  type StreamRetryEvent,
  type TerminalEvent,
  type TextDeltaEvent,
  type ThinkingDeltaEvent,
  type ToolApprovalDecisionEvent,
  type ToolApprovalRequestEvent,
  type ToolResultEvent,
  type ToolUseEvent,
  type Usage,
  type UsageEvent,
} from './events.js';
export type {
  EventLog,
  EventStore,
  LogEntry,
  ReadBatchesOptions,
  ReadOptions,
  RunMeta,
} from './event-log-types.js';
export {
  createEventLog,
  DEFAULT_MAX_ENTRIES,
  type EventLogOptions,
  type MemoryEventLog,
} from './memory-event-log.js';
export {
  createMemoryEventStore,
  DEFAULT_CLOSED_TTL_MS,
  DEFAULT_MAX_CLOSED_LOGS,
  DEFAULT_OPEN_IDLE_TTL_MS,
  IDLE_CLOSE_MESSAGE,
  type MemoryEventStore,
  type MemoryEventStoreOptions,
} from './memory-event-store.js';
export { consoleLogger, type Logger } from './logger.js';
export type {
  ToolCall,
  ToolContext,
  ToolDefinition,
  ToolExecutor,
  ToolOutcome,
  ToolResultContentBlock,
  ToolSource,
  ToolSourceCallContext,
  ToolSourceCallOptions,
} from './tools.js';

// Agent runner
export { createAgentRunner } from './agent-runner.js';
export type {
  AgentRunner,
  AgentRunnerHooks,
  AgentRunnerOptions,
  FailedAttempts,
  RunParams,
  RunResult,
  ThinkingOption,
  ToolResultHookContext,
  ToolTiming,
  UsageHookInfo,
} from './agent-runner-types.js';
export {
  DEFAULT_MAX_PARALLEL_TOOLS,
  DEFAULT_MAX_TOKENS,
  DEFAULT_MAX_TURNS,
} from './runner-options.js';
export { toolResultText } from './run-tool-call.js';
export {
  definedAttributes,
  GuardedSpan,
  guardTelemetry,
  loadOpenTelemetry,
  type OpenTelemetryApiLike,
  type OpenTelemetrySpanLike,
  type OpenTelemetryTracerLike,
  type SpanAttributeValue,
  type SpanAttributes,
  type TracerProviderLike,
} from './telemetry.js';
export { DEFAULT_RETRY, type RetryOptions } from './retry.js';
export {
  DEFAULT_PRICING,
  LONG_CONTEXT_THRESHOLD,
  WEB_SEARCH_PRICE_USD,
  costOf,
  findModelPrice,
  type LongContextPrice,
  type ModelPrice,
  type PricingTable,
} from './pricing.js';
export {
  DEFAULT_SUB_AGENT_MAX_TURNS,
  DEFAULT_SUB_AGENT_TIMEOUT_MS,
  type SubAgentConfig,
  type SubAgentResult,
} from './sub-agents.js';

// Runs and sessions
export { createRunManager, DEFAULT_MAX_ACTIVE_RUNS } from './run-manager.js';
export type {
  CancelAnswer,
  RunManager,
  RunManagerOptions,
  SessionInfo,
  StartRunInput,
} from './run-manager-types.js';
export type {
  BeginRunAnswer,
  PruneOptions,
  RunEnd,
  RunRecord,
  RunState,
  SessionRecord,
  SessionStore,
} from './session-store.js';
export {
  createMemorySessionStore,
  type MemorySessionStore,
  type MemorySessionStoreOptions,
} from './memory-session-store.js';
export type {
  ApprovalDecision,
  ApprovalEntry,
  ApprovalRecord,
  ApprovalStore,
  StoreDecideResult,
} from './approval-store.js';
export { onSharedAbort } from './shared-abort.js';
