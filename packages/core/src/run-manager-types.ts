import type Anthropic from '@anthropic-ai/sdk';
import type { AgentRunner } from './agent-runner-types.js';
import type { EventLog, EventStore } from './event-log-types.js';
import type { Logger } from './logger.js';
import type { RunRecord, SessionRecord, SessionStore } from './session-store.js';

/** Options of {@link createRunManager}. */
export interface RunManagerOptions {
  /** Runs the agent loop of every run. */
  runner: AgentRunner;
  /** Where run logs live. */
  events: EventStore;
  /** Sessions, history, run records, locks, cancel delivery. @default createMemorySessionStore() */
  sessions?: SessionStore;
  /** System prompt of every run, unless `startRun` passes its own. @default none */
  system?: string | Anthropic.TextBlockParam[];
  /**
   * Runs this manager lets run at once; one more start is refused with
   * `too_many_runs`.
   * @default 100
   */
  maxActiveRuns?: number;
  /** A session idle this long (no run started or ended) is forgotten. @default 86_400_000 (24 h) */
  sessionTtlMs?: number;
  /**
   * Sessions kept at most. To make room for a new one, the least recently
   * active session idle for `sessionEvictAfterMs` goes; when every session
   * was active more recently, `createSession` throws `too_many_sessions`
   * (so a flood of new sessions cannot push out people who are talking).
   * @default 10_000
   */
  maxSessions?: number;
  /** See `maxSessions`. @default 3_600_000 (1 h), or `sessionTtlMs` when shorter */
  sessionEvictAfterMs?: number;
  /** Longest user message accepted, in characters (`invalid_options` beyond). @default 100_000 */
  maxMessageChars?: number;
  /** Where failures of the store or of a run's start are reported. @default consoleLogger */
  logger?: Logger;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

/** A session with its runs, oldest first. */
export interface SessionInfo extends SessionRecord {
  runs: RunRecord[];
}

/** Arguments of {@link RunManager.startRun}. */
export interface StartRunInput {
  /** The user message. */
  message: string;
  /** Replaces the manager's `system` for this run. */
  system?: string | Anthropic.TextBlockParam[];
}

/** Answer of {@link RunManager.cancel}. */
export type CancelAnswer = 'ok' | 'not_found' | 'already_ended';

/**
 * Owns the life of runs: sessions holding the conversation, runs started in
 * the background, one active run per session, cancel by run id. Transport
 * free; `@claude-gateway/server` is a thin HTTP layer over it.
 */
export interface RunManager {
  /**
   * Creates a session.
   * @throws GatewayError `too_many_sessions` when `maxSessions` are held and
   *   none has been idle for `sessionEvictAfterMs`.
   */
  createSession(meta?: Record<string, unknown>): Promise<{ sessionId: string; createdAt: number }>;
  /** The session with its runs; `undefined` when unknown (or expired). */
  getSession(sessionId: string): Promise<SessionInfo | undefined>;
  /**
   * Starts a run from the session's history plus `message`, once its log
   * exists; the run goes on in the background.
   * @throws GatewayError `session_not_found`, `run_active` (the session has a
   *   running run), `too_many_runs` (`maxActiveRuns` reached),
   *   `invalid_options` (empty or oversized message).
   */
  startRun(sessionId: string, input: StartRunInput): Promise<{ runId: string; log: EventLog }>;
  /** The run's record; `undefined` when unknown. */
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** Cancels a running run wherever it runs. */
  cancel(runId: string): Promise<CancelAnswer>;
  /** The run's event log; `undefined` when the run is unknown or its log is gone. */
  openLog(runId: string): Promise<EventLog | undefined>;
  /** The session's runs, oldest first. */
  listRuns(sessionId: string): Promise<RunRecord[]>;
  /** The session's conversation as the next run will send it. */
  getHistory(sessionId: string): Promise<Anthropic.MessageParam[]>;
  /** Cancels the session's run (if any) and forgets the session; `false` when unknown. */
  deleteSession(sessionId: string): Promise<boolean>;
  /** Runs started by this manager that have not ended yet. */
  readonly activeRuns: number;
  /** Refuses new runs, cancels every active one, and resolves when all have ended. */
  close(): Promise<void>;
}
