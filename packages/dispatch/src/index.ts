export {
  defineTool,
  type LocalTool,
  type ToolHandlerContext,
  type ToolInputSchema,
  type ToolSpec,
} from './define-tool.js';
export {
  createToolDispatcher,
  DEFAULT_LIST_TIMEOUT_MS,
  DEFAULT_TOOL_TIMEOUT_MS,
  type ToolDispatcher,
  type ToolDispatcherOptions,
} from './tool-dispatcher.js';
export type { Interceptor, InterceptorNext } from './interceptor.js';
export {
  createSchemaValidator,
  DEFAULT_MAX_CACHED_SCHEMAS,
  DEFAULT_MAX_INPUT_BYTES,
  DEFAULT_MAX_VALIDATION_WORK,
  type InputCheck,
  type SchemaValidator,
  type SchemaValidatorOptions,
} from './schema-validator.js';
export type { NeedsApproval } from './approval-gate.js';
export {
  createApprovalBroker,
  DEFAULT_APPROVAL_TIMEOUT_MS,
  type ApprovalBroker,
  type ApprovalBrokerOptions,
  type ApprovalRequestInput,
  type DecideAnswer,
  type DecideInput,
} from './approval-broker.js';
export type {
  ApprovalDecision,
  ApprovalEntry,
  ApprovalRecord,
  ApprovalStore,
  StoreDecideResult,
} from './approval-store.js';
export {
  createMemoryApprovalStore,
  DEFAULT_APPROVAL_RETAIN_MS,
  DEFAULT_MAX_APPROVED_SESSIONS,
  type MemoryApprovalStore,
  type MemoryApprovalStoreOptions,
} from './memory-approval-store.js';
export { linearRegExp, type PatternEngine, type PatternTest } from './linear-regexp.js';
export { DEFAULT_MAX_SCHEMA_COST } from './schema-cost.js';
export { DEFAULT_MAX_MEDIA_BYTES, DEFAULT_MAX_RESULT_BYTES } from './result-limits.js';
export {
  createElicitationBroker,
  DEFAULT_ELICITATION_TIMEOUT_MS,
  type ElicitationAction,
  type ElicitationAnswer,
  type ElicitationBroker,
  type ElicitationBrokerOptions,
  type ElicitationCallContext,
  type ElicitationRequestInput,
  type RespondAnswer,
  type RespondInput,
} from './elicitation-broker.js';
export { applySchemaDefaults } from './elicitation-defaults.js';
