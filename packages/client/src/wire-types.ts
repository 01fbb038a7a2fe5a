import type { ErrorPayload, RunErrorCode, Usage } from '@claude-gateway/core';

/** Where a run is in its life. Only `running` is not final. */
export type RunStateJson = 'running' | 'completed' | 'failed' | 'cancelled';

/** Answer of `POST /sessions` (201). */
export interface CreatedSessionJson {
  session_id: string;
  /** Milliseconds since the epoch. */
  created_at: number;
  /** The session's bearer token; `null` unless the server signs JWTs. */
  token: string | null;
}

/** One run in a {@link SessionJson}, oldest first. */
export interface RunSummaryJson {
  run_id: string;
  /** The user message that started the run. */
  message: string;
  state: RunStateJson;
  /** Milliseconds since the epoch. */
  started_at: number;
  /** Milliseconds since the epoch; set once the run has ended. */
  ended_at?: number;
}

/** Answer of `GET /sessions/:id`. */
export interface SessionJson {
  session_id: string;
  /** Milliseconds since the epoch. */
  created_at: number;
  /** The running run, if any. */
  active_run_id: string | null;
  /** Every run of the session, oldest first. */
  runs: RunSummaryJson[];
}

/** Answer of `GET /runs/:id`: the run record. */
export interface RunJson {
  run_id: string;
  session_id: string;
  /** The user message that started the run. */
  message: string;
  state: RunStateJson;
  /** Milliseconds since the epoch. */
  started_at: number;
  /** Milliseconds since the epoch; set once the run has ended. */
  ended_at?: number;
  /** The terminal `error` of a failed or cancelled run. */
  error?: ErrorPayload<RunErrorCode>;
  /** Summed token counts, once the run has ended. */
  usage?: Usage;
  /** `null` when the model's price is unknown; set once the run has ended. */
  cost_usd?: number | null;
}

/** Answer of `POST /sessions/:id/runs` (202). */
export interface StartedRunJson {
  run_id: string;
}

/** Body of `POST /runs/:id/approvals`. */
export interface ApprovalDecisionJson {
  tool_use_id: string;
  nonce: string;
  approved: boolean;
  allow_tool_type?: boolean;
}

/** Body of `POST /runs/:id/elicitations`. */
export interface ElicitationResponseJson {
  elicitation_id: string;
  nonce: string;
  action: 'accept' | 'decline' | 'cancel';
  /** With `accept`: the answer, matching the request's `requested_schema`. */
  content?: Record<string, unknown>;
}

/** Every error answer of the API. */
export interface ErrorJson {
  error: { code: string; message: string };
}
