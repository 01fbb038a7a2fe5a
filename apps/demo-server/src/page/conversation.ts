import type { LogEntry } from '@claude-gateway/core';
import { applyEntry, createRunView, type RunView } from './state.js';

/** The whole conversation: every run of the session, oldest first. */
export interface Conversation {
  runs: RunView[];
}

/** What changes a conversation. */
export type ConversationAction =
  | { type: 'reset' }
  /** A run is known (sent now, or listed by `session.get()` after a reload). Idempotent. */
  | { type: 'run'; runId: string; message: string }
  | { type: 'entry'; runId: string; entry: LogEntry }
  /** The log ended without a terminal entry the page saw: take the run record's final state. */
  | {
      type: 'settle';
      runId: string;
      status: Exclude<RunView['status'], 'running'>;
      error?: { code: string; message: string };
    }
  /** The run's log could not be read (e.g. evicted); keep the message, mark it. */
  | { type: 'unavailable'; runId: string; message: string };

/** An empty conversation. */
export const EMPTY_CONVERSATION: Conversation = { runs: [] };

/** Pure reducer over {@link ConversationAction}s; entries go through {@link applyEntry}. */
export function conversationReducer(state: Conversation, action: ConversationAction): Conversation {
  switch (action.type) {
    case 'reset':
      return EMPTY_CONVERSATION;
    case 'run':
      if (state.runs.some((r) => r.runId === action.runId)) return state;
      return { runs: [...state.runs, createRunView(action.runId, action.message)] };
    case 'entry': {
      let changed = false;
      const runs = state.runs.map((run) => {
        if (run.runId !== action.runId) return run;
        const next = applyEntry(run, action.entry);
        if (next !== run) changed = true;
        return next;
      });
      return changed ? { runs } : state;
    }
    case 'settle':
      return {
        runs: state.runs.map((run) =>
          run.runId === action.runId && run.status === 'running'
            ? {
                ...run,
                status: action.status,
                ...(action.error ? { error: action.error } : {}),
              }
            : run,
        ),
      };
    case 'unavailable':
      return {
        runs: state.runs.map((run) =>
          run.runId === action.runId && run.status === 'running'
            ? { ...run, status: 'failed', error: { code: 'unavailable', message: action.message } }
            : run,
        ),
      };
  }
}

/** The run still streaming, if any (a session has at most one). */
export function activeRun(state: Conversation): RunView | undefined {
  return state.runs.find((r) => r.status === 'running');
}
