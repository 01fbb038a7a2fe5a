import type {
  ElicitationRequestEvent,
  LogEntry,
  ToolApprovalRequestEvent,
} from '@claude-gateway/core';
import { streamLog, type EventsOptions } from './event-stream.js';
import { apiUrl, authHeaders, pathOf, requestJson, type HttpContext } from './http.js';
import type { ResolvedReconnectOptions } from './reconnect.js';
import type { ApprovalDecisionJson, ElicitationResponseJson, RunJson } from './wire-types.js';

/** What every request of one client shares. @internal */
export interface ClientContext {
  http: HttpContext;
  reconnect: ResolvedReconnectOptions;
}

/** Options of a single request. */
export interface RequestOptions {
  /** Aborts the request; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Options of {@link ClientRun.approve}. */
export interface ApproveOptions extends RequestOptions {
  /**
   * Also approve every later call of this tool in the session, without asking.
   * @default false
   */
  allowToolType?: boolean;
}

/**
 * The call a decision is about: the `tool_approval_request` event itself
 * (or anything carrying its `tool_use_id` and `nonce`).
 */
export type ApprovalTarget = Pick<ToolApprovalRequestEvent, 'tool_use_id' | 'nonce'>;

/**
 * The question an answer is about: the `elicitation_request` event itself
 * (or anything carrying its `elicitation_id` and `nonce`).
 */
export type ElicitationTarget = Pick<ElicitationRequestEvent, 'elicitation_id' | 'nonce'>;

/** What the person answers to an MCP server's question. */
export interface ElicitationReply {
  /** `accept` sends `content`; `decline` says no; `cancel` dismisses the question. */
  action: 'accept' | 'decline' | 'cancel';
  /** With `accept`: the answer, matching the request's `requested_schema` (defaults are filled in by the server). */
  content?: Record<string, unknown>;
}

/** One run of a session. Creating it sends nothing; each method is one request. */
export interface ClientRun {
  /** The run id. */
  readonly id: string;
  /** The session the run belongs to. */
  readonly sessionId: string;
  /** `GET /runs/:id`: the run record. */
  get(options?: RequestOptions): Promise<RunJson>;
  /**
   * `GET /runs/:id/events`: the run's log entries, replayed then live.
   * Resumable: after a drop it reconnects with `Last-Event-ID` (the server's
   * `retry:` first, then exponential backoff with jitter), never yields a seq
   * twice, skips heartbeats, and ends after the terminal entry
   * (`stream_complete` or `error`) or on a 204. An error answer other than
   * 5xx, 408 and 429 is thrown as {@link GatewayClientError}. Aborting
   * `signal`, or leaving the loop, closes the connection.
   */
  events(options?: EventsOptions): AsyncIterable<LogEntry>;
  /** `POST /runs/:id/cancel`. @throws GatewayClientError `run_ended` (409) when it had already ended. */
  cancel(options?: RequestOptions): Promise<void>;
  /**
   * `POST /runs/:id/approvals` with `approved: true`.
   * @throws GatewayClientError `nonce_mismatch` (403), `not_found` (404),
   *   `already_decided` (409), `expired` (410).
   */
  approve(request: ApprovalTarget, options?: ApproveOptions): Promise<void>;
  /** `POST /runs/:id/approvals` with `approved: false`; errors as {@link ClientRun.approve}. */
  deny(request: ApprovalTarget, options?: RequestOptions): Promise<void>;
  /**
   * `POST /runs/:id/elicitations`: answers an MCP server's question
   * (`elicitation_request`). First answer wins.
   * @throws GatewayClientError `invalid_request` (400) when `content` does
   *   not match the requested schema (the question stays open),
   *   `nonce_mismatch` (403), `not_found` (404), `already_decided` (409),
   *   `expired` (410).
   */
  respond(
    request: ElicitationTarget,
    reply: ElicitationReply,
    options?: RequestOptions,
  ): Promise<void>;
  /** The same as {@link ClientRun.respond}. */
  respondToElicitation(
    request: ElicitationTarget,
    reply: ElicitationReply,
    options?: RequestOptions,
  ): Promise<void>;
}

/**
 * Opens one SSE connection to a run's events after `lastSeq`.
 * @internal
 */
export function openRunEvents(
  context: ClientContext,
  runId: string,
  token: string | undefined,
  lastSeq: number,
  signal: AbortSignal,
): Promise<Response> {
  const headers: Record<string, string> = {
    accept: 'text/event-stream',
    ...authHeaders(token),
  };
  if (lastSeq > 0) headers['last-event-id'] = String(lastSeq);
  return context.http.fetch(apiUrl(context.http.baseUrl, pathOf('/runs', runId, 'events')), {
    method: 'GET',
    headers,
    signal,
  });
}

/** @internal */
export function createClientRun(
  context: ClientContext,
  sessionId: string,
  runId: string,
  token: string | undefined,
): ClientRun {
  const decide = async (
    request: ApprovalTarget,
    approved: boolean,
    options: ApproveOptions,
  ): Promise<void> => {
    const body: ApprovalDecisionJson = {
      tool_use_id: request.tool_use_id,
      nonce: request.nonce,
      approved,
    };
    if (options.allowToolType !== undefined) body.allow_tool_type = options.allowToolType;
    await requestJson(context.http, {
      method: 'POST',
      path: pathOf('/runs', runId, 'approvals'),
      token,
      body,
      signal: options.signal,
    });
  };

  const respond = async (
    request: ElicitationTarget,
    reply: ElicitationReply,
    options: RequestOptions = {},
  ): Promise<void> => {
    const body: ElicitationResponseJson = {
      elicitation_id: request.elicitation_id,
      nonce: request.nonce,
      action: reply.action,
    };
    if (reply.content !== undefined) body.content = reply.content;
    await requestJson(context.http, {
      method: 'POST',
      path: pathOf('/runs', runId, 'elicitations'),
      token,
      body,
      signal: options.signal,
    });
  };

  return {
    id: runId,
    sessionId,
    get: (options = {}) =>
      requestJson<RunJson>(context.http, {
        method: 'GET',
        path: pathOf('/runs', runId),
        token,
        signal: options.signal,
      }),
    events: (options = {}) =>
      streamLog(
        {
          open: (lastSeq, signal) => openRunEvents(context, runId, token, lastSeq, signal),
          canResume: () => true,
        },
        options,
        context.reconnect,
      ),
    cancel: async (options = {}) => {
      await requestJson(context.http, {
        method: 'POST',
        path: pathOf('/runs', runId, 'cancel'),
        token,
        signal: options.signal,
      });
    },
    approve: (request, options = {}) => decide(request, true, options),
    deny: (request, options = {}) => decide(request, false, { signal: options.signal }),
    respond,
    respondToElicitation: respond,
  };
}
