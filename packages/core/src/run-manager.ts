import type Anthropic from '@anthropic-ai/sdk';
import type { RunResult } from './agent-runner-types.js';
import { GatewayError, type ErrorPayload, type RunErrorCode, errorDetail } from './errors.js';
import type { EventLog } from './event-log-types.js';
import { emptyUsage } from './events.js';
import { consoleLogger } from './logger.js';
import { createMemorySessionStore } from './memory-session-store.js';
import { safeLogger } from './run-context.js';
import { createRunLogCleanup } from './run-log-cleanup.js';
import type {
  CancelAnswer,
  RunManager,
  RunManagerOptions,
  StartRunInput,
} from './run-manager-types.js';
import type { RunEnd, RunRecord } from './session-store.js';

/** Why `close()` cancels runs: their terminal `error { code: 'cancelled' }` says so. */
const SHUTTING_DOWN = new GatewayError('cancelled', 'the server is shutting down');

/** Default of `maxActiveRuns`. */
export const DEFAULT_MAX_ACTIVE_RUNS = 100;
/** Default of `sessionTtlMs`: a day. */
export const DEFAULT_SESSION_TTL_MS = 24 * 60 * 60_000;
/** Default of `maxSessions`. */
export const DEFAULT_MAX_SESSIONS = 10_000;
/** Default of `sessionEvictAfterMs`: an hour. */
export const DEFAULT_SESSION_EVICT_AFTER_MS = 60 * 60_000;
/** Default of `maxMessageChars`. */
export const DEFAULT_MAX_MESSAGE_CHARS = 100_000;

interface ActiveRun {
  controller: AbortController;
  done: Promise<void>;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new GatewayError('invalid_options', `${name} must be a positive integer`);
  }
  return value;
}

/**
 * The next run's messages: the history plus the user's message. When the
 * history already ends with a user turn (a run that failed before the model
 * answered, or one cancelled after its tool results), the message joins that
 * turn, so roles keep alternating as the Messages API expects.
 */
export function withUserMessage(
  history: Anthropic.MessageParam[],
  message: string,
): Anthropic.MessageParam[] {
  const last = history.at(-1);
  if (last?.role !== 'user') return [...history, { role: 'user', content: message }];
  const blocks: Anthropic.ContentBlockParam[] =
    typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : [...last.content];
  blocks.push({ type: 'text', text: message });
  return [...history.slice(0, -1), { role: 'user', content: blocks }];
}

/**
 * The record of a run's end. A run that failed or was cancelled before the
 * model completed a turn, or that the model refused, leaves the history as it
 * was: its message got no answer, and keeping it would make every later run
 * resend it (a prompt that is too long would never recover). The run record
 * still holds the message.
 */
function endOf(result: RunResult, endedAt: number, before: Anthropic.MessageParam[]): RunEnd {
  const error: ErrorPayload<RunErrorCode> | undefined = result.error;
  // A refusal resets the conversation to where it was before this run, as
  // Anthropic advises: neither the refused turn nor the message that led to
  // it is sent again.
  const unanswered = (error !== undefined && result.turns === 0) || result.stopReason === 'refusal';
  return {
    state: !error ? 'completed' : error.code === 'cancelled' ? 'cancelled' : 'failed',
    endedAt,
    ...(error ? { error: { code: error.code, message: error.message } } : {}),
    usage: result.usage,
    costUsd: result.costUsd,
    history: unanswered ? before : result.messages,
  };
}

/**
 * Creates the run manager: sessions that hold the conversation across runs,
 * runs started in the background (one at a time per session), cancel by run
 * id, bounded sessions. The HTTP API of `@claude-gateway/server` is a thin
 * layer over it.
 *
 * @throws GatewayError `invalid_options` for bad options.
 *
 * @example
 * ```ts
 * const runs = createRunManager({ runner, events: createMemoryEventStore() });
 * const { sessionId } = await runs.createSession();
 * const { runId, log } = await runs.startRun(sessionId, { message: 'Hello' });
 * for await (const entry of log.read()) console.log(entry.event.type);
 * await runs.close();
 * ```
 */
export function createRunManager(options: RunManagerOptions): RunManager {
  const { runner, events } = options;
  if (!runner || typeof runner.run !== 'function') {
    throw new GatewayError('invalid_options', 'runner must be an AgentRunner');
  }
  if (!events || typeof events.create !== 'function') {
    throw new GatewayError('invalid_options', 'events must be an EventStore');
  }
  const store = options.sessions ?? createMemorySessionStore();
  const maxActiveRuns = positiveInteger(
    'maxActiveRuns',
    options.maxActiveRuns ?? DEFAULT_MAX_ACTIVE_RUNS,
  );
  const sessionTtlMs = positiveInteger(
    'sessionTtlMs',
    options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
  );
  const maxSessions = positiveInteger('maxSessions', options.maxSessions ?? DEFAULT_MAX_SESSIONS);
  const sessionEvictAfterMs = positiveInteger(
    'sessionEvictAfterMs',
    options.sessionEvictAfterMs ?? Math.min(DEFAULT_SESSION_EVICT_AFTER_MS, sessionTtlMs),
  );
  const maxMessageChars = positiveInteger(
    'maxMessageChars',
    options.maxMessageChars ?? DEFAULT_MAX_MESSAGE_CHARS,
  );
  const logger = safeLogger(options.logger ?? consoleLogger);
  const now = options.now ?? Date.now;

  const active = new Map<string, ActiveRun>();
  // Runs counted against maxActiveRuns: a run leaves it just before its
  // terminal event, so a reader that sees the end can start the next one.
  const counted = new Set<string>();
  // Slots taken by starts still on their way (counted against maxActiveRuns).
  let starting = 0;
  const pendingStarts = new Set<Promise<unknown>>();
  let closing: Promise<void> | undefined;

  const cleanup = createRunLogCleanup(events, store, logger);

  const isExpired = (lastActiveAt: number, activeRunId: string | undefined): boolean =>
    activeRunId === undefined && lastActiveAt < now() - sessionTtlMs;

  // Makes room for one more session: expired ones go, and beyond the cap the
  // least recently active that have been idle for `sessionEvictAfterMs`.
  const prune = async (): Promise<void> => {
    const at = now();
    try {
      await store.prune({
        idleBefore: at - sessionTtlMs,
        maxSessions: maxSessions - 1,
        excessIdleBefore: at - sessionEvictAfterMs,
      });
    } catch (error) {
      logger.warn('claude-gateway: pruning sessions failed', { error: errorDetail(error) });
    }
  };

  const record = async (runId: string, end: RunEnd): Promise<void> => {
    try {
      await store.endRun(runId, end);
    } catch (error) {
      logger.error('claude-gateway: the session store could not record the end of a run', {
        runId,
        error: errorDetail(error),
      });
    }
  };

  /** Runs `messages` on `log` in the background; resolves when the run has ended and been recorded. */
  const launch = (
    runId: string,
    sessionId: string,
    log: EventLog,
    history: Anthropic.MessageParam[],
    message: string,
    system: StartRunInput['system'],
    controller: AbortController,
  ): Promise<void> => {
    let recorded: RunEnd | undefined;
    const messages = withUserMessage(history, message);
    return runner
      .run({
        messages,
        ...(system !== undefined ? { system } : {}),
        log,
        signal: controller.signal,
        sessionId,
        runId,
        beforeEnd: async (result) => {
          counted.delete(runId);
          recorded = endOf(result, now(), history);
          await record(runId, recorded);
        },
      })
      .then(async (result) => {
        // The terminal append itself can fail after beforeEnd: keep the record true.
        if (!recorded || recorded.error?.code !== result.error?.code) {
          await record(runId, endOf(result, recorded?.endedAt ?? now(), history));
        }
      })
      .catch(async (error: unknown) => {
        // Only misuse rejects run() (found before the run began): end it visibly.
        logger.error('claude-gateway: a run could not start', {
          runId,
          error: errorDetail(error),
        });
        const failure = { code: 'internal' as const, message: 'the run could not start' };
        // Recorded first, as on every path: a reader that sees the end finds it recorded.
        counted.delete(runId);
        await record(runId, {
          state: 'failed',
          endedAt: now(),
          error: failure,
          usage: emptyUsage(),
          costUsd: null,
          history,
        });
        await log.close(failure).catch(() => undefined);
      });
  };

  const startRun = async (
    sessionId: string,
    input: StartRunInput,
  ): Promise<{ runId: string; log: EventLog }> => {
    if (closing) throw new GatewayError('too_many_runs', 'the server is shutting down');
    const message: unknown = input?.message;
    if (typeof message !== 'string' || message.trim() === '') {
      throw new GatewayError('invalid_options', 'message must be a non-empty string');
    }
    if (message.length > maxMessageChars) {
      throw new GatewayError(
        'invalid_options',
        `message is longer than ${maxMessageChars} characters`,
      );
    }
    if (counted.size + starting >= maxActiveRuns) {
      throw new GatewayError(
        'too_many_runs',
        `the limit of active runs (${maxActiveRuns}) is reached; try again shortly`,
      );
    }
    starting += 1;
    const runId = crypto.randomUUID();
    const controller = new AbortController();
    let unsubscribe: (() => Promise<void>) | undefined;
    let began = false;
    try {
      // Listen before the run exists, so no cancel request can come too early.
      unsubscribe = await store.onCancel(runId, () => controller.abort());
      const session = await store.getSession(sessionId);
      if (!session || isExpired(session.lastActiveAt, session.activeRunId)) {
        throw new GatewayError('session_not_found', 'no such session');
      }
      const run: RunRecord = { runId, sessionId, message, state: 'running', startedAt: now() };
      const answer = await store.beginRun(run);
      if (answer === 'session_not_found')
        throw new GatewayError('session_not_found', 'no such session');
      if (answer === 'run_active') {
        throw new GatewayError('run_active', 'this session already has a running run');
      }
      began = true;
      const history = await store.getHistory(sessionId);
      const log = await events.create(runId, { sessionId });
      const stop = unsubscribe;
      const done = launch(
        runId,
        sessionId,
        log,
        history,
        message,
        input.system ?? options.system,
        controller,
      ).finally(async () => {
        active.delete(runId);
        counted.delete(runId);
        stop().catch((error: unknown) =>
          logger.warn('claude-gateway: could not stop listening for cancels', {
            runId,
            error: errorDetail(error),
          }),
        );
        await cleanup.deleteIfOrphaned(runId);
      });
      active.set(runId, { controller, done });
      counted.add(runId);
      unsubscribe = undefined;
      return { runId, log };
    } catch (error) {
      if (began) {
        await record(runId, {
          state: 'failed',
          endedAt: now(),
          error: { code: 'internal', message: 'the run could not start' },
          usage: emptyUsage(),
          costUsd: null,
          history: await store.getHistory(sessionId).catch(() => []),
        });
      }
      throw error;
    } finally {
      starting -= 1;
      await unsubscribe?.().catch(() => undefined);
    }
  };

  const manager: RunManager = {
    get activeRuns() {
      return counted.size + starting;
    },

    async createSession(meta) {
      await prune();
      // Everyone was active lately: refuse rather than push someone out.
      if ((await store.countSessions()) >= maxSessions) {
        throw new GatewayError(
          'too_many_sessions',
          `${maxSessions} sessions are in use; try again later`,
        );
      }
      const createdAt = now();
      const sessionId = crypto.randomUUID();
      await store.createSession({
        sessionId,
        createdAt,
        lastActiveAt: createdAt,
        ...(meta !== undefined ? { meta } : {}),
      });
      return { sessionId, createdAt };
    },

    async getSession(sessionId) {
      const session = await store.getSession(sessionId);
      if (!session) return undefined;
      if (isExpired(session.lastActiveAt, session.activeRunId)) {
        await store.deleteSession(sessionId);
        return undefined;
      }
      return { ...session, runs: await store.listRuns(sessionId) };
    },

    startRun(sessionId, input) {
      const start = startRun(sessionId, input);
      pendingStarts.add(start);
      const forget = (): void => void pendingStarts.delete(start);
      start.then(forget, forget);
      return start;
    },

    getRun(runId) {
      return store.getRun(runId);
    },

    async cancel(runId): Promise<CancelAnswer> {
      const run = await store.getRun(runId);
      if (!run) return 'not_found';
      if (run.state !== 'running') return 'already_ended';
      const local = active.get(runId);
      if (local) local.controller.abort();
      else await store.requestCancel(runId);
      return 'ok';
    },

    async openLog(runId) {
      const run = await store.getRun(runId);
      return run ? events.open(runId) : undefined;
    },

    listRuns(sessionId) {
      return store.listRuns(sessionId);
    },

    getHistory(sessionId) {
      return store.getHistory(sessionId);
    },

    async deleteSession(sessionId) {
      const session = await store.getSession(sessionId);
      if (!session) return false;
      if (session.activeRunId !== undefined) await manager.cancel(session.activeRunId);
      // The runs' logs hold the conversation too: they go with the session
      // (on a store that can delete; otherwise at the end of their TTL).
      const runIds = await cleanup.runsOf(sessionId);
      const deleted = await store.deleteSession(sessionId);
      if (deleted && runIds.length > 0) await cleanup.deleteLogs(runIds);
      return deleted;
    },

    close() {
      closing ??= (async () => {
        for (const run of active.values()) run.controller.abort(SHUTTING_DOWN);
        // Starts on their way finish registering, then get aborted too.
        await Promise.allSettled(pendingStarts);
        while (active.size > 0) {
          const runs = [...active.values()];
          for (const run of runs) run.controller.abort(SHUTTING_DOWN);
          await Promise.allSettled(runs.map((run) => run.done));
        }
      })();
      return closing;
    },
  };
  return manager;
}
