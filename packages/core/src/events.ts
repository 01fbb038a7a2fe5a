import type { RunErrorCode, ToolErrorCode, ErrorPayload } from './errors.js';

/**
 * Token counts, named as the Messages API names them. Summed over turns in
 * `stream_complete`.
 */
export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  /**
   * Split of `cache_creation_input_tokens` by cache lifetime, present only
   * when the API reported a nonzero split (1-hour writes cost more).
   */
  cache_creation?: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  /** Server tool requests, present only when nonzero (web searches are billed). */
  server_tool_use?: { web_search_requests: number };
}

/** First event of every run. */
export interface RunStartEvent {
  type: 'run_start';
  run_id: string;
  session_id: string;
  model: string;
}

/** One thinking delta from the model, forwarded as it arrives. */
export interface ThinkingDeltaEvent {
  type: 'thinking_delta';
  text: string;
  /** Set when a sub-agent produced it: the parent's tool call the sub-agent runs for. */
  parent_tool_use_id?: string;
}

/** One text delta from the model, forwarded as it arrives (never batched). */
export interface TextDeltaEvent {
  type: 'text_delta';
  text: string;
  /** Set when a sub-agent produced it: the parent's tool call the sub-agent runs for. */
  parent_tool_use_id?: string;
}

/** A complete tool call, appended before it is dispatched. */
export interface ToolUseEvent {
  type: 'tool_use';
  id: string;
  name: string;
  input: unknown;
  /** 1-based model turn that produced the call. */
  turn: number;
  /** Set when a sub-agent produced it: the parent's tool call the sub-agent runs for. */
  parent_tool_use_id?: string;
}

/** A gated tool call waits for a person. */
export interface ToolApprovalRequestEvent {
  type: 'tool_approval_request';
  tool_use_id: string;
  name: string;
  input: unknown;
  /** 32 random bytes, base64url; a decision must echo it. */
  nonce: string;
  /** Milliseconds since the epoch. */
  expires_at: number;
  /** Set when a sub-agent produced it: the parent's tool call the sub-agent runs for. */
  parent_tool_use_id?: string;
}

/** Why an approval ended the way it did. */
export type ApprovalReason = 'approved' | 'denied' | 'expired' | 'cancelled';

/** The decision on a gated call (or its expiry), for the audit trail. */
export interface ToolApprovalDecisionEvent {
  type: 'tool_approval_decision';
  tool_use_id: string;
  approved: boolean;
  reason: ApprovalReason;
  approver?: string;
  /** Set when a sub-agent produced it: the parent's tool call the sub-agent runs for. */
  parent_tool_use_id?: string;
}

/** A tool call finished, successfully or not. */
export interface ToolResultEvent {
  type: 'tool_result';
  tool_use_id: string;
  name: string;
  result?: unknown;
  error?: ErrorPayload<ToolErrorCode>;
  duration_ms: number;
  /** `local` or `mcp:<server>`. */
  source: string;
  /** Set when a sub-agent produced it: the parent's tool call the sub-agent runs for. */
  parent_tool_use_id?: string;
}

/** Kinds of retryable upstream failure. */
export type RetryErrorType =
  'connection_error' | 'rate_limit_error' | 'overloaded_error' | 'api_error' | 'stall';

/** The model call failed retryably and will be retried after `delay_ms`. */
export interface StreamRetryEvent {
  type: 'stream_retry';
  attempt: number;
  delay_ms: number;
  error: { type: RetryErrorType; message: string };
  /**
   * Present when the failed attempt had already put deltas in the log: the
   * seq of its first delta. Clients drop what they rendered from events with
   * seq ≥ this value; the next attempt streams the turn again.
   */
  discarded_from_seq?: number;
  /** Set when a sub-agent produced it: the parent's tool call the sub-agent runs for. */
  parent_tool_use_id?: string;
}

/** An MCP server asks the person for input during a tool call. */
export interface ElicitationRequestEvent {
  type: 'elicitation_request';
  elicitation_id: string;
  /** The tool call during which the server asked. */
  tool_use_id: string;
  /** The MCP server's name. */
  server: string;
  message: string;
  /** JSON Schema of the answer's `content`. */
  requested_schema: unknown;
  /** 32 random bytes, base64url; an answer must echo it. */
  nonce: string;
  /** Milliseconds since the epoch. */
  expires_at: number;
  parent_tool_use_id?: string;
}

/** How an elicitation ended: the answer (or expiry / cancel), for the audit trail; the content itself is not logged. */
export interface ElicitationResponseEvent {
  type: 'elicitation_response';
  elicitation_id: string;
  action: 'accept' | 'decline' | 'cancel';
  /** Why: a person answered, the wait expired, or the run was cancelled. */
  reason: 'answered' | 'expired' | 'cancelled';
  parent_tool_use_id?: string;
}

/** Token counts of one model turn. */
export interface UsageEvent {
  type: 'usage';
  turn: number;
  usage: Usage;
}

/** Terminal: the run finished. */
export interface StreamCompleteEvent {
  type: 'stream_complete';
  stop_reason: string | null;
  usage: Usage;
  /** `null` when the model's price is unknown — never a guess. */
  cost_usd: number | null;
  turns: number;
}

/** Terminal: the run failed or was cancelled. */
export interface ErrorEvent {
  type: 'error';
  code: RunErrorCode;
  message: string;
}

/**
 * Synthetic, never stored: `read()` yields it when the requested position
 * has fallen out of retention. Its entry's seq is `first_available_seq - 1`.
 */
export interface EventsDroppedEvent {
  type: 'events_dropped';
  first_available_seq: number;
  /** How many entries the reader missed. */
  dropped: number;
}

/** Every event of the protocol, discriminated on `type`. */
export type GatewayEvent =
  | RunStartEvent
  | ThinkingDeltaEvent
  | TextDeltaEvent
  | ToolUseEvent
  | ToolApprovalRequestEvent
  | ToolApprovalDecisionEvent
  | ToolResultEvent
  | ElicitationRequestEvent
  | ElicitationResponseEvent
  | StreamRetryEvent
  | UsageEvent
  | StreamCompleteEvent
  | ErrorEvent
  | EventsDroppedEvent;

/** The `type` of any event. */
export type GatewayEventType = GatewayEvent['type'];

/**
 * Every event type, in protocol order. SSE sends each as a named event, so an
 * `EventSource` client adds one listener per type (`onmessage` sees none):
 *
 * ```ts
 * for (const type of EVENT_TYPES) source.addEventListener(type, onEvent);
 * ```
 */
export const EVENT_TYPES = [
  'run_start',
  'thinking_delta',
  'text_delta',
  'tool_use',
  'tool_approval_request',
  'tool_approval_decision',
  'tool_result',
  'elicitation_request',
  'elicitation_response',
  'stream_retry',
  'usage',
  'stream_complete',
  'error',
  'events_dropped',
] as const satisfies readonly GatewayEventType[];

// Fails to compile when a type is added to the union but not to EVENT_TYPES.
type MissingEventType = Exclude<GatewayEventType, (typeof EVENT_TYPES)[number]>;
const everyEventTypeListed: MissingEventType extends never ? true : false = true;
void everyEventTypeListed;

/** The event whose `type` is `T`. */
export type EventOfType<T extends GatewayEventType> = Extract<GatewayEvent, { type: T }>;

/** A terminal event: exactly one of them ends every log. */
export type TerminalEvent = StreamCompleteEvent | ErrorEvent;

/** True for `stream_complete` and `error`, the events that end a log. */
export function isTerminalEvent(event: { type: string }): event is TerminalEvent {
  return event.type === 'stream_complete' || event.type === 'error';
}

/** Narrows an event to one `type`. */
export function isEventType<T extends GatewayEventType>(
  event: { type: string },
  type: T,
): event is EventOfType<T> {
  return event.type === type;
}

/** A usage record with every count at zero. */
export function emptyUsage(): Usage {
  return {
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
}
