import type { LogEntry } from '@claude-gateway/core';
import {
  createClientRun,
  openRunEvents,
  type ClientContext,
  type ClientRun,
  type RequestOptions,
} from './client-run.js';
import { streamLog, type EventsOptions, type StreamTarget } from './event-stream.js';
import { GatewayClientError } from './gateway-client-error.js';
import { apiUrl, authHeaders, pathOf, requestJson } from './http.js';
import type { SessionJson, StartedRunJson } from './wire-types.js';

/** Options of {@link ClientSession.chat}. */
export type ChatOptions = Omit<EventsOptions, 'afterSeq'>;

/**
 * A session: a conversation of runs, one at a time. Keep `id` and `token`
 * (in `sessionStorage`, say) to reattach after a reload with
 * `client.session(id, token)`.
 */
export interface ClientSession {
  /** The session id. */
  readonly id: string;
  /** The session's bearer token (`undefined` when the server runs without auth). */
  readonly token: string | undefined;
  /** `GET /sessions/:id`: the session with its runs, oldest first. */
  get(options?: RequestOptions): Promise<SessionJson>;
  /**
   * `POST /sessions/:id/runs`: starts a run from the session's history plus
   * `message`. @throws GatewayClientError `run_active` (409) while another run
   * of the session is running, `too_many_runs` (429).
   */
  send(message: string, options?: RequestOptions): Promise<ClientRun>;
  /** A run of this session, by id (reattach after a reload); sends nothing. */
  run(runId: string): ClientRun;
  /** `DELETE /sessions/:id`: cancels its run and forgets it; its token stops working. */
  delete(options?: RequestOptions): Promise<void>;
  /**
   * `POST /chat`: starts a run and streams it in the same response, one
   * request instead of two. The start is never retried (it is not
   * idempotent); once the run id is known (the `x-run-id` header, or the
   * `run_start` entry), a dropped stream resumes through the run's events
   * route like {@link ClientRun.events}. A drop before that throws
   * `stream_interrupted`.
   */
  chat(message: string, options?: ChatOptions): AsyncIterable<LogEntry>;
}

/** @internal */
export function createClientSession(
  context: ClientContext,
  sessionId: string,
  token: string | undefined,
): ClientSession {
  const path = pathOf('/sessions', sessionId);
  const run = (runId: string): ClientRun => createClientRun(context, sessionId, runId, token);

  return {
    id: sessionId,
    token,
    get: (options = {}) =>
      requestJson<SessionJson>(context.http, {
        method: 'GET',
        path,
        token,
        signal: options.signal,
      }),
    send: async (message, options = {}) => {
      const answer = await requestJson<StartedRunJson | undefined>(context.http, {
        method: 'POST',
        path: `${path}/runs`,
        token,
        body: { message },
        signal: options.signal,
      });
      if (typeof answer?.run_id !== 'string') {
        throw new GatewayClientError('invalid_response', 'the answer has no run_id');
      }
      return run(answer.run_id);
    },
    run,
    delete: async (options = {}) => {
      await requestJson(context.http, { method: 'DELETE', path, token, signal: options.signal });
    },
    chat: (message, options = {}) => {
      let runId: string | undefined;
      const target: StreamTarget = {
        open: (lastSeq, signal, resume) => {
          if (resume && runId !== undefined) {
            return openRunEvents(context, runId, token, lastSeq, signal);
          }
          return context.http
            .fetch(apiUrl(context.http.baseUrl, '/chat'), {
              method: 'POST',
              headers: {
                accept: 'text/event-stream',
                'content-type': 'application/json',
                ...authHeaders(token),
              },
              // `session_id` matters only when the credentials name no session.
              body: JSON.stringify({ message, session_id: sessionId }),
              signal,
            })
            .then((response) => {
              // Known before the first entry, so even an early drop can resume
              // (cross-origin, only when the server exposes the header).
              runId ??= response.headers.get('x-run-id') ?? undefined;
              return response;
            });
        },
        canResume: () => runId !== undefined,
        onEntry: (entry) => {
          if (entry.event.type === 'run_start') runId = entry.event.run_id;
        },
      };
      return streamLog(target, options, context.reconnect);
    },
  };
}
