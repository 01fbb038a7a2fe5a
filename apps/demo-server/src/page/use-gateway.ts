import {
  createGatewayClient,
  GatewayClientError,
  type ClientRun,
  type ClientSession,
  type ElicitationReply,
  type ElicitationRequestEvent,
  type LogEntry,
  type StreamState as ClientStreamState,
  type ToolApprovalRequestEvent,
} from '@claude-gateway/client';
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'preact/hooks';
import { conversationReducer, EMPTY_CONVERSATION, type Conversation } from './conversation.js';
import { fetchDemoFiles, fetchDemoInfo, type DemoFile, type DemoInfo } from './demo-api.js';
import { loadSavedSession, saveSession } from './saved-session.js';

/** The live stream's state as the client reports it, or `idle` with no run streaming. */
export type StreamState = 'idle' | ClientStreamState;

/** A decision a person can take on a gated call. */
export type Decision = 'approve' | 'deny' | 'always';

/** Everything the page needs from the API, as state plus actions. */
export interface Gateway {
  /** True once the session exists (fresh or reattached) and the history is loaded. */
  ready: boolean;
  conversation: Conversation;
  streamState: StreamState;
  /** The last failure worth showing, in words. */
  error: string | undefined;
  /** True while a message is being posted. */
  sending: boolean;
  /** Tool call ids with a decision on its way, and elicitation ids with an answer on its way. */
  deciding: ReadonlySet<string>;
  info: DemoInfo | undefined;
  files: DemoFile[];
  send: (text: string) => Promise<boolean>;
  decide: (runId: string, request: ToolApprovalRequestEvent, decision: Decision) => Promise<void>;
  /** Answers an MCP server's question; a refused answer (400) leaves it open and says why. */
  respond: (
    runId: string,
    request: ElicitationRequestEvent,
    reply: ElicitationReply,
  ) => Promise<void>;
  cancel: (runId: string) => Promise<void>;
  newConversation: () => Promise<void>;
  dismissError: () => void;
}

/** Session-level answers that mean "this saved session is gone; start a new one". */
const SESSION_GONE = new Set(['session_not_found', 'unauthorized', 'forbidden']);

function describe(error: unknown): string {
  if (GatewayClientError.isInstance(error)) return `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function writesFiles(entry: LogEntry): boolean {
  return entry.event.type === 'tool_result' && /file/i.test(entry.event.name);
}

/**
 * The page's controller: creates or reattaches the session (kept in
 * sessionStorage), rebuilds the conversation from the API after a reload,
 * follows the active run (the client resumes after drops), and exposes send,
 * approve/deny and cancel.
 */
export function useGateway(): Gateway {
  const client = useMemo(() => createGatewayClient({ baseUrl: '/api' }), []);
  const [conversation, dispatch] = useReducer(conversationReducer, EMPTY_CONVERSATION);
  const [ready, setReady] = useState(false);
  const [streamState, setStreamState] = useState<StreamState>('idle');
  const [error, setError] = useState<string | undefined>();
  const [sending, setSending] = useState(false);
  const [deciding, setDeciding] = useState<ReadonlySet<string>>(new Set());
  const [info, setInfo] = useState<DemoInfo | undefined>();
  const [files, setFiles] = useState<DemoFile[]>([]);

  const session = useRef<ClientSession | undefined>(undefined);
  const life = useRef(new AbortController());
  const followers = useRef(new Map<string, AbortController>());
  const lastSeq = useRef(new Map<string, number>());

  const refreshFiles = useCallback(() => {
    fetchDemoFiles(life.current.signal).then(setFiles, () => undefined);
  }, []);

  /** A stream that ended without its terminal entry (a 204, say): ask the run record how it ended. */
  const settle = useCallback(async (run: ClientRun, signal: AbortSignal): Promise<void> => {
    const record = await run.get({ signal }).catch(() => undefined);
    if (!record || record.state === 'running') return;
    dispatch({
      type: 'settle',
      runId: run.id,
      status: record.state,
      ...(record.error ? { error: record.error } : {}),
    });
  }, []);

  /** Reads a run's log into the conversation; `live` runs drive the stream state. */
  const follow = useCallback(
    async (run: ClientRun, live: boolean): Promise<void> => {
      const runId = run.id;
      if (followers.current.has(runId)) return;
      const controller = new AbortController();
      followers.current.set(runId, controller);
      const stop = (): void => controller.abort();
      life.current.signal.addEventListener('abort', stop, { once: true });
      const signal = controller.signal;
      try {
        while (!signal.aborted) {
          try {
            const options = {
              signal,
              afterSeq: lastSeq.current.get(runId) ?? 0,
              ...(live
                ? { onStateChange: (state: ClientStreamState) => setStreamState(state) }
                : {}),
            };
            let ended = false;
            for await (const entry of run.events(options)) {
              lastSeq.current.set(runId, entry.seq);
              dispatch({ type: 'entry', runId, entry });
              if (writesFiles(entry)) refreshFiles();
              ended ||= entry.event.type === 'stream_complete' || entry.event.type === 'error';
            }
            if (!ended && !signal.aborted) await settle(run, signal);
            return;
          } catch (cause) {
            if (signal.aborted) return;
            if (
              GatewayClientError.isInstance(cause) &&
              (cause.code === 'run_not_found' || SESSION_GONE.has(cause.code))
            ) {
              dispatch({ type: 'unavailable', runId, message: describe(cause) });
              return;
            }
            // The client already retries dropped connections; anything else gets a pause and another go.
            if (live) setStreamState('reconnecting');
            await sleep(2000, signal);
          }
        }
      } finally {
        followers.current.delete(runId);
        life.current.signal.removeEventListener('abort', stop);
        if (live) setStreamState('idle');
        refreshFiles();
      }
    },
    [refreshFiles, settle],
  );

  const startSession = useCallback(async (): Promise<ClientSession> => {
    const created = await client.createSession();
    saveSession(created.token ? { id: created.id, token: created.token } : { id: created.id });
    session.current = created;
    return created;
  }, [client]);

  /** Rebuilds the conversation of a saved session: every run's message, then its events. */
  const restore = useCallback(
    async (saved: ClientSession): Promise<void> => {
      const record = await saved.get();
      session.current = saved;
      for (const run of record.runs) {
        dispatch({ type: 'run', runId: run.run_id, message: run.message });
      }
      const active = record.active_run_id;
      const live = active ? follow(saved.run(active), true) : Promise.resolve();
      // Finished runs replay one after another: each ends at its terminal event.
      for (const run of record.runs) {
        if (run.run_id !== active) await follow(saved.run(run.run_id), false);
      }
      void live;
    },
    [follow],
  );

  useEffect(() => {
    const signal = life.current.signal;
    fetchDemoInfo(signal).then(setInfo, (cause: unknown) => {
      if (!signal.aborted) setError(`Could not load the demo's tools: ${describe(cause)}`);
    });
    refreshFiles();
    const boot = async (): Promise<void> => {
      const saved = loadSavedSession();
      if (saved) {
        try {
          await restore(client.session(saved.id, saved.token));
          return;
        } catch (cause) {
          if (!GatewayClientError.isInstance(cause) || !SESSION_GONE.has(cause.code)) throw cause;
          saveSession(undefined);
          dispatch({ type: 'reset' });
        }
      }
      await startSession();
    };
    boot().then(
      () => setReady(true),
      (cause: unknown) => {
        if (!signal.aborted) setError(`Could not start a session: ${describe(cause)}`);
      },
    );
    const lifetime = life.current;
    return () => lifetime.abort();
  }, [client, refreshFiles, restore, startSession]);

  /** Stops following the shown conversation's runs and clears it from the page. */
  const forgetConversation = useCallback((): void => {
    for (const controller of followers.current.values()) controller.abort();
    lastSeq.current.clear();
    dispatch({ type: 'reset' });
    setDeciding(new Set());
  }, []);

  const send = useCallback(
    async (text: string): Promise<boolean> => {
      const message = text.trim();
      const current = session.current;
      if (message === '' || !current) return false;
      setSending(true);
      setError(undefined);
      const start = async (on: ClientSession): Promise<void> => {
        const run = await on.send(message);
        dispatch({ type: 'run', runId: run.id, message });
        void follow(run, true);
      };
      try {
        try {
          await start(current);
        } catch (cause) {
          if (!GatewayClientError.isInstance(cause) || !SESSION_GONE.has(cause.code)) throw cause;
          // The server no longer knows this conversation (it restarted with a
          // new token secret, or another tab closed it): start a new one with
          // this message, and say so, rather than failing every send.
          saveSession(undefined);
          forgetConversation();
          await start(await startSession());
          setError(
            'The server no longer had the previous conversation (it restarted, or the conversation was closed in another tab), so this message started a new one.',
          );
        }
        return true;
      } catch (cause) {
        setError(
          GatewayClientError.isInstance(cause) && cause.code === 'run_active'
            ? 'A run is still going: wait for it to finish or cancel it.'
            : `Could not send: ${describe(cause)}`,
        );
        return false;
      } finally {
        setSending(false);
      }
    },
    [follow, forgetConversation, startSession],
  );

  const decide = useCallback(
    async (runId: string, request: ToolApprovalRequestEvent, decision: Decision) => {
      const current = session.current;
      if (!current) return;
      const id = request.tool_use_id;
      setDeciding((s) => new Set(s).add(id));
      try {
        const run = current.run(runId);
        if (decision === 'deny') await run.deny(request);
        else await run.approve(request, { allowToolType: decision === 'always' });
      } catch (cause) {
        setError(`Could not record the decision: ${describe(cause)}`);
        setDeciding((s) => {
          const next = new Set(s);
          next.delete(id);
          return next;
        });
      }
    },
    [],
  );

  const respond = useCallback(
    async (runId: string, request: ElicitationRequestEvent, reply: ElicitationReply) => {
      const current = session.current;
      if (!current) return;
      const id = request.elicitation_id;
      setDeciding((s) => new Set(s).add(id));
      try {
        await current.run(runId).respond(request, reply);
      } catch (cause) {
        setError(`Could not send the answer: ${describe(cause)}`);
        setDeciding((s) => {
          const next = new Set(s);
          next.delete(id);
          return next;
        });
      }
    },
    [],
  );

  const cancel = useCallback(async (runId: string) => {
    const current = session.current;
    if (!current) return;
    try {
      await current.run(runId).cancel();
    } catch (cause) {
      // Already over: the terminal event is on its way, nothing to tell.
      if (GatewayClientError.isInstance(cause) && cause.code === 'run_ended') return;
      setError(`Could not cancel: ${describe(cause)}`);
    }
  }, []);

  const newConversation = useCallback(async () => {
    const previous = session.current;
    session.current = undefined;
    forgetConversation();
    // The old session's run (if any) is cancelled and its memory freed on the server.
    previous?.delete().catch(() => undefined);
    setError(undefined);
    try {
      await startSession();
    } catch (cause) {
      setError(`Could not start a session: ${describe(cause)}`);
    }
  }, [forgetConversation, startSession]);

  const dismissError = useCallback(() => setError(undefined), []);

  return {
    ready,
    conversation,
    streamState,
    error,
    sending,
    deciding,
    info,
    files,
    send,
    decide,
    respond,
    cancel,
    newConversation,
    dismissError,
  };
}
