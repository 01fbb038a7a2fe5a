import type Anthropic from '@anthropic-ai/sdk';
import type { ErrorPayload, RunErrorCode } from './errors.js';
import type { Usage } from './events.js';

/** Where a run is in its life. Only `running` is not final. */
export type RunState = 'running' | 'completed' | 'failed' | 'cancelled';

/** A session as a {@link SessionStore} holds it. */
export interface SessionRecord {
  sessionId: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** Last time the session was created, or a run of it started or ended. */
  lastActiveAt: number;
  /** The run holding the session's one-active-run lock, if any. */
  activeRunId?: string;
  /** What the server created the session with (a user id, a label...). */
  meta?: Record<string, unknown>;
}

/** A run as a {@link SessionStore} holds it. */
export interface RunRecord {
  runId: string;
  sessionId: string;
  /** The user message that started the run. */
  message: string;
  state: RunState;
  /** Milliseconds since the epoch. */
  startedAt: number;
  endedAt?: number;
  /** The terminal `error` event of a failed or cancelled run. */
  error?: ErrorPayload<RunErrorCode>;
  /** Summed token counts, once the run has ended. */
  usage?: Usage;
  /** `null` when the model's price is unknown; set once the run has ended. */
  costUsd?: number | null;
}

/** How a run ended: written by {@link SessionStore.endRun}. */
export interface RunEnd {
  state: Exclude<RunState, 'running'>;
  endedAt: number;
  error?: ErrorPayload<RunErrorCode>;
  usage: Usage;
  costUsd: number | null;
  /** The session's conversation after the run: it replaces the stored history. */
  history: Anthropic.MessageParam[];
}

/** Answer of {@link SessionStore.beginRun}. */
export type BeginRunAnswer = 'ok' | 'run_active' | 'session_not_found';

/** What {@link SessionStore.prune} removes. */
export interface PruneOptions {
  /** Sessions last active before this time (ms since the epoch) are removed. */
  idleBefore: number;
  /** Beyond this many sessions, the least recently active idle ones are removed. */
  maxSessions: number;
  /**
   * For the excess over `maxSessions`, only sessions last active before this
   * time are removed, so a burst of new sessions cannot push out people who
   * were just talking. @default no limit
   */
  excessIdleBefore?: number;
}

/**
 * Sessions, their conversation history, run records, the
 * one-active-run-per-session lock and cancel delivery: the state a
 * {@link RunManager} shares with other instances. Memory is the default
 * ({@link createMemorySessionStore}); a Redis store implements the same port.
 *
 * Contract (the suite in `@claude-gateway/core/contract-tests` checks it):
 * - Every method is async; records come back as copies (mutating one never
 *   changes the store).
 * - `beginRun` is atomic: of two racing calls on one session exactly one
 *   answers `ok`. It stores the run record (state `running`), sets the
 *   session's `activeRunId` and `lastActiveAt`.
 * - `endRun` is atomic: it writes the run's final fields, replaces the
 *   session's history, clears `activeRunId` (only when it is this run) and
 *   touches `lastActiveAt`. Ending a run of a deleted session, or ending a
 *   run twice, is harmless (the last end wins, the history too).
 * - `deleteSession` removes the session, its history and its run records.
 * - `requestCancel(runId)` reaches every `onCancel(runId)` listener, on any
 *   instance sharing the store; a listener added later is not called for an
 *   earlier request (the manager subscribes before it starts the run).
 * - `prune` never removes a session with an active run, nor, for the excess
 *   over `maxSessions`, one active since `excessIdleBefore`.
 */
export interface SessionStore {
  /** Stores a new session. @throws GatewayError `invalid_options` when the id is taken. */
  createSession(session: SessionRecord): Promise<void>;
  getSession(sessionId: string): Promise<SessionRecord | undefined>;
  /** Removes the session, its history and its run records; `false` when unknown. */
  deleteSession(sessionId: string): Promise<boolean>;
  /** The session's conversation; `[]` for a new (or unknown) session. */
  getHistory(sessionId: string): Promise<Anthropic.MessageParam[]>;
  /** Takes the session's one-active-run lock for `run` and stores its record. */
  beginRun(run: RunRecord): Promise<BeginRunAnswer>;
  /** Records the end of a run, its history, and releases the session's lock. */
  endRun(runId: string, end: RunEnd): Promise<void>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** The session's runs, oldest first; `[]` when unknown. */
  listRuns(sessionId: string): Promise<RunRecord[]>;
  /** Delivers a cancel request to whoever listens on `runId` (see `onCancel`). */
  requestCancel(runId: string): Promise<void>;
  /** Listens for cancel requests of `runId`; resolves (subscribed) with the function that stops listening. */
  onCancel(runId: string, listener: () => void): Promise<() => Promise<void>>;
  /** Removes idle sessions and the excess over `maxSessions`; resolves with the removed ids. */
  prune(options: PruneOptions): Promise<string[]>;
  /** How many sessions the store holds. */
  countSessions(): Promise<number>;
}
