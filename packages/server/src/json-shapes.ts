import type {
  ErrorPayload,
  RunErrorCode,
  RunRecord,
  RunState,
  SessionInfo,
  Usage,
} from '@claude-gateway/core';

/** A run as `GET /runs/:id` answers it (times in ms since the epoch). */
export interface RunJson {
  run_id: string;
  session_id: string;
  /** The user message that started the run. */
  message: string;
  state: RunState;
  started_at: number;
  ended_at?: number;
  error?: ErrorPayload<RunErrorCode>;
  usage?: Usage;
  cost_usd?: number | null;
}

/** A run as listed in a session. */
export interface SessionRunJson {
  run_id: string;
  message: string;
  state: RunState;
  started_at: number;
  ended_at?: number;
}

/** A session as `GET /sessions/:id` answers it; runs oldest first. */
export interface SessionJson {
  session_id: string;
  created_at: number;
  active_run_id: string | null;
  runs: SessionRunJson[];
}

/** `POST /sessions` → 201. `token` is `null` unless JWT auth is on. */
export interface CreatedSessionJson {
  session_id: string;
  created_at: number;
  token: string | null;
}

/** The run record on the wire. */
export function runJson(run: RunRecord): RunJson {
  const json: RunJson = {
    run_id: run.runId,
    session_id: run.sessionId,
    message: run.message,
    state: run.state,
    started_at: run.startedAt,
  };
  if (run.endedAt !== undefined) json.ended_at = run.endedAt;
  if (run.error !== undefined) json.error = { code: run.error.code, message: run.error.message };
  if (run.usage !== undefined) json.usage = run.usage;
  if (run.costUsd !== undefined) json.cost_usd = run.costUsd;
  return json;
}

/** The session on the wire. */
export function sessionJson(session: SessionInfo): SessionJson {
  return {
    session_id: session.sessionId,
    created_at: session.createdAt,
    active_run_id: session.activeRunId ?? null,
    runs: session.runs.map((run) => {
      const item: SessionRunJson = {
        run_id: run.runId,
        message: run.message,
        state: run.state,
        started_at: run.startedAt,
      };
      if (run.endedAt !== undefined) item.ended_at = run.endedAt;
      return item;
    }),
  };
}
