export {
  createGatewayClient,
  type GatewayClient,
  type GatewayClientOptions,
} from './gateway-client.js';
export type { ChatOptions, ClientSession } from './client-session.js';
export type {
  ApprovalTarget,
  ApproveOptions,
  ClientRun,
  ElicitationReply,
  ElicitationTarget,
  RequestOptions,
} from './client-run.js';
export type { EventsOptions, StreamState } from './event-stream.js';
export type { ReconnectOptions } from './reconnect.js';
export type { FetchLike } from './http.js';
export {
  CLIENT_ERROR_CODES,
  GatewayClientError,
  type ClientErrorCode,
  type GatewayClientErrorOptions,
} from './gateway-client-error.js';
export type {
  ApprovalDecisionJson,
  CreatedSessionJson,
  ElicitationResponseJson,
  ErrorJson,
  RunJson,
  RunStateJson,
  RunSummaryJson,
  SessionJson,
  StartedRunJson,
} from './wire-types.js';
// The entries and events a stream yields, re-exported so a browser app needs
// only this package.
export type {
  ElicitationRequestEvent,
  ElicitationResponseEvent,
  ErrorEvent,
  EventsDroppedEvent,
  GatewayEvent,
  GatewayEventType,
  LogEntry,
  RunStartEvent,
  StreamCompleteEvent,
  StreamRetryEvent,
  TextDeltaEvent,
  ThinkingDeltaEvent,
  ToolApprovalDecisionEvent,
  ToolApprovalRequestEvent,
  ToolResultEvent,
  ToolUseEvent,
  Usage,
  UsageEvent,
} from '@claude-gateway/core';
