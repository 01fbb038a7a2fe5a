import type { Logger, RunManager, RunRecord, SessionInfo } from '@claude-gateway/core';
import type { ApprovalBroker, DecideAnswer, ElicitationBroker } from '@claude-gateway/dispatch';
import { parseLastEventId, sseResponse } from '@claude-gateway/sse-adapters';
import { z } from 'zod';
import type { Authenticator } from './auth.js';
import type { AuthResult } from './gateway-handler-types.js';
import { HttpError } from './http-error.js';
import { runJson, sessionJson, type CreatedSessionJson } from './json-shapes.js';
import { readJsonBody } from './read-body.js';
import type { RouteName } from './routes.js';
import {
  approvalBody,
  chatBody,
  createSessionBody,
  elicitationBody,
  startRunBody,
} from './schemas.js';

/** What every route handler needs. @internal */
export interface RouteContext {
  runs: RunManager;
  approvals: ApprovalBroker | undefined;
  elicitations: ElicitationBroker | undefined;
  auth: Authenticator;
  maxBodyBytes: number;
  heartbeatMs: number | undefined;
  retryMs: number | undefined;
  logger: Logger;
  signal: AbortSignal | undefined;
}

/** One request on one route. @internal */
export interface RouteCall {
  request: Request;
  id: string;
  /** CORS headers every answer carries. */
  headers: Headers;
}

const emptyBody = z.object({});

const DECIDE_MESSAGE: Record<Exclude<DecideAnswer, 'ok'>, string> = {
  not_found: 'no pending tool call with this tool_use_id in this session',
  nonce_mismatch: 'the nonce does not match this tool call',
  expired: 'the approval request has expired',
  already_decided: 'this tool call was already decided',
};

/** A JSON answer (`cache-control: no-store`: it may carry a token). */
export function jsonResponse(status: number, body: unknown, base: Headers): Response {
  const headers = new Headers(base);
  headers.set('content-type', 'application/json');
  headers.set('cache-control', 'no-store');
  return new Response(JSON.stringify(body), { status, headers });
}

function noSession(): HttpError {
  return new HttpError('session_not_found', 'no such session');
}

function noRun(): HttpError {
  return new HttpError('run_not_found', 'no such run');
}

async function authenticate(
  ctx: RouteContext,
  call: RouteCall,
  route: RouteName,
): Promise<AuthResult> {
  const who = await ctx.auth.authenticate(call.request, route === 'events');
  if (who === null) {
    throw new HttpError('unauthorized', ctx.auth.refusal, {
      'www-authenticate': 'Bearer',
    });
  }
  return who;
}

/** The session `id` when `who` may see it; 404 otherwise, exactly as for a missing one. */
async function sessionFor(ctx: RouteContext, who: AuthResult, id: string): Promise<SessionInfo> {
  if (who.sessionId !== undefined && who.sessionId !== id) throw noSession();
  const session = await ctx.runs.getSession(id);
  if (!session) throw noSession();
  return session;
}

/** The run `id` when `who` may see it; 404 otherwise, exactly as for a missing one. */
async function runFor(ctx: RouteContext, who: AuthResult, id: string): Promise<RunRecord> {
  const run = await ctx.runs.getRun(id);
  if (!run || (who.sessionId !== undefined && run.sessionId !== who.sessionId)) throw noRun();
  return run;
}

function streamOptions(ctx: RouteContext, call: RouteCall, afterSeq: number, extra?: Headers) {
  const headers = new Headers(call.headers);
  extra?.forEach((value, key) => headers.set(key, value));
  return {
    request: call.request,
    afterSeq,
    heartbeatMs: ctx.heartbeatMs,
    retryMs: ctx.retryMs,
    signal: ctx.signal,
    logger: ctx.logger,
    headers,
  };
}

async function createSession(ctx: RouteContext, call: RouteCall): Promise<Response> {
  if (!ctx.auth.openSessionCreation) await authenticate(ctx, call, 'createSession');
  await readJsonBody(call.request, ctx.maxBodyBytes, createSessionBody);
  const { sessionId, createdAt } = await ctx.runs.createSession();
  const body: CreatedSessionJson = {
    session_id: sessionId,
    created_at: createdAt,
    token: await ctx.auth.issueToken(sessionId),
  };
  return jsonResponse(201, body, call.headers);
}

async function getSession(ctx: RouteContext, call: RouteCall): Promise<Response> {
  const who = await authenticate(ctx, call, 'getSession');
  const session = await sessionFor(ctx, who, call.id);
  return jsonResponse(200, sessionJson(session), call.headers);
}

async function deleteSession(ctx: RouteContext, call: RouteCall): Promise<Response> {
  const who = await authenticate(ctx, call, 'deleteSession');
  if (who.sessionId !== undefined && who.sessionId !== call.id) throw noSession();
  if (!(await ctx.runs.deleteSession(call.id))) throw noSession();
  return new Response(null, { status: 204, headers: call.headers });
}

async function startRun(ctx: RouteContext, call: RouteCall): Promise<Response> {
  const who = await authenticate(ctx, call, 'startRun');
  if (who.sessionId !== undefined && who.sessionId !== call.id) throw noSession();
  const { message } = await readJsonBody(call.request, ctx.maxBodyBytes, startRunBody);
  const { runId } = await ctx.runs.startRun(call.id, { message });
  return jsonResponse(202, { run_id: runId }, call.headers);
}

async function getRun(ctx: RouteContext, call: RouteCall): Promise<Response> {
  const who = await authenticate(ctx, call, 'getRun');
  return jsonResponse(200, runJson(await runFor(ctx, who, call.id)), call.headers);
}

async function events(ctx: RouteContext, call: RouteCall): Promise<Response> {
  const who = await authenticate(ctx, call, 'events');
  await runFor(ctx, who, call.id);
  // Throws `invalid_last_event_id` (400) for a value that is not a seq.
  const afterSeq = parseLastEventId(call.request) ?? 0;
  const log = await ctx.runs.openLog(call.id);
  if (!log) throw new HttpError('run_not_found', "the run's events are no longer held");
  // `closed` first: once it is true, `lastSeq()` is final. Read the other
  // way round, a run ending in between would look finished at a stale seq.
  const closed = log.closed;
  const last = await log.lastSeq();
  if (closed && afterSeq >= last) {
    // Nothing more will come: 204 tells an EventSource to stop reconnecting.
    return new Response(null, { status: 204, headers: call.headers });
  }
  if (afterSeq > last) {
    throw new HttpError(
      'invalid_last_event_id',
      `Last-Event-ID ${afterSeq} is past the end of this run's log (last seq ${last})`,
    );
  }
  return sseResponse(log, streamOptions(ctx, call, afterSeq));
}

async function cancel(ctx: RouteContext, call: RouteCall): Promise<Response> {
  const who = await authenticate(ctx, call, 'cancel');
  await runFor(ctx, who, call.id);
  await readJsonBody(call.request, ctx.maxBodyBytes, emptyBody);
  const answer = await ctx.runs.cancel(call.id);
  if (answer === 'not_found') throw noRun();
  if (answer === 'already_ended') throw new HttpError('run_ended', 'the run has already ended');
  return jsonResponse(202, { status: 'ok' }, call.headers);
}

async function approvals(ctx: RouteContext, call: RouteCall): Promise<Response> {
  const who = await authenticate(ctx, call, 'approvals');
  const run = await runFor(ctx, who, call.id);
  if (!ctx.approvals) throw new HttpError('not_found', 'approvals are not enabled on this server');
  const body = await readJsonBody(call.request, ctx.maxBodyBytes, approvalBody);
  const answer = await ctx.approvals.decide({
    toolUseId: body.tool_use_id,
    nonce: body.nonce,
    approved: body.approved,
    allowToolType: body.allow_tool_type ?? false,
    // A call of another session, or of another run of this one, answers
    // not_found: no existence leak.
    sessionId: run.sessionId,
    runId: run.runId,
  });
  if (answer === 'ok') return jsonResponse(200, { status: 'ok' }, call.headers);
  throw new HttpError(answer, DECIDE_MESSAGE[answer]);
}

const RESPOND_MESSAGE: Record<Exclude<DecideAnswer, 'ok'>, string> = {
  not_found: 'no pending elicitation with this elicitation_id in this session',
  nonce_mismatch: 'the nonce does not match this elicitation',
  expired: 'the elicitation has expired',
  already_decided: 'this elicitation was already answered',
};

async function elicitations(ctx: RouteContext, call: RouteCall): Promise<Response> {
  const who = await authenticate(ctx, call, 'elicitations');
  const run = await runFor(ctx, who, call.id);
  if (!ctx.elicitations) {
    throw new HttpError('not_found', 'elicitations are not enabled on this server');
  }
  const body = await readJsonBody(call.request, ctx.maxBodyBytes, elicitationBody);
  const answer = await ctx.elicitations.respond({
    elicitationId: body.elicitation_id,
    nonce: body.nonce,
    action: body.action,
    ...(body.content !== undefined && { content: body.content }),
    // A request of another session, or of another run of this one, answers
    // not_found: no existence leak.
    sessionId: run.sessionId,
    runId: run.runId,
  });
  if (answer.status === 'ok') return jsonResponse(200, { status: 'ok' }, call.headers);
  if (answer.status === 'invalid_content') {
    throw new HttpError('invalid_request', `\`content\`: ${answer.message}`);
  }
  throw new HttpError(answer.status, RESPOND_MESSAGE[answer.status]);
}

async function chat(ctx: RouteContext, call: RouteCall): Promise<Response> {
  const who = await authenticate(ctx, call, 'chat');
  const body = await readJsonBody(call.request, ctx.maxBodyBytes, chatBody);
  if (who.sessionId !== undefined && body.session_id !== undefined) {
    if (body.session_id !== who.sessionId) throw noSession();
  }
  const sessionId = who.sessionId ?? body.session_id;
  if (sessionId === undefined) {
    throw new HttpError(
      'invalid_request',
      '`session_id`: required when the credentials name no session',
    );
  }
  const { runId, log } = await ctx.runs.startRun(sessionId, { message: body.message });
  const extra = new Headers({ 'x-run-id': runId });
  return sseResponse(log, streamOptions(ctx, call, 0, extra));
}

/** The handler of each route. @internal */
export const ROUTE_HANDLERS: Readonly<
  Record<RouteName, (ctx: RouteContext, call: RouteCall) => Promise<Response>>
> = {
  createSession,
  getSession,
  deleteSession,
  startRun,
  getRun,
  events,
  cancel,
  approvals,
  elicitations,
  chat,
};
