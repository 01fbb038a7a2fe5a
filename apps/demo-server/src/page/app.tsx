import type { Ref } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { Composer } from './composer.js';
import { activeRun } from './conversation.js';
import { RunCard } from './run-card.js';
import { Sidebar } from './sidebar.js';
import { useGateway, type StreamState } from './use-gateway.js';

const CONNECTION_WORDS: Record<StreamState, string> = {
  idle: 'Ready',
  connecting: 'Connecting…',
  open: 'Live',
  reconnecting: 'Reconnecting…',
  closed: 'Ready',
};

/**
 * Keeps the newest message and the message box in view while the reader is
 * there (on a phone the sidebar follows the chat, so "the bottom of the page"
 * would be the wrong place).
 */
function useStickToEnd(change: unknown): Ref<HTMLDivElement> {
  const end = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  useEffect(() => {
    const onScroll = (): void => {
      const top = end.current?.getBoundingClientRect().top;
      stick.current = top !== undefined && top <= window.innerHeight + 160;
    };
    window.addEventListener('scroll', onScroll, { passive: true });
    return () => window.removeEventListener('scroll', onScroll);
  }, []);
  useEffect(() => {
    if (stick.current) end.current?.scrollIntoView({ block: 'end' });
  }, [change]);
  return end;
}

/** The demo chat page. */
export function App() {
  const gateway = useGateway();
  const { conversation, info } = gateway;
  const active = activeRun(conversation);
  const canSend = gateway.ready && !active && !gateway.sending;
  const end = useStickToEnd(conversation);

  const connection = gateway.ready ? CONNECTION_WORDS[gateway.streamState] : 'Starting…';

  return (
    <div class="layout">
      <header class="top">
        <h1>claude-gateway demo</h1>
        <p class="model">
          {info ? (
            <>
              Model <code>{info.model}</code>
              {info.offline ? ' (offline demo model)' : ''}
            </>
          ) : (
            ' '
          )}
        </p>
        <p class={`connection conn-${gateway.streamState}`} role="status" aria-live="polite">
          <span class="dot" aria-hidden="true" />
          {connection}
        </p>
        <button
          type="button"
          class="new-chat"
          disabled={!gateway.ready}
          onClick={() => void gateway.newConversation()}
        >
          New conversation
        </button>
      </header>

      <main class="chat">
        {gateway.error !== undefined && (
          <div class="banner" role="alert">
            <span>{gateway.error}</span>
            <button type="button" class="link" onClick={gateway.dismissError}>
              Dismiss
            </button>
          </div>
        )}
        {conversation.runs.length === 0 ? (
          <p class="empty muted">
            Say hello, ask for a long story, or pick a prompt: one of them needs your approval
            before it writes a file.
          </p>
        ) : (
          <ol class="conversation" aria-label="Conversation">
            {conversation.runs.map((run, index) => (
              <RunCard
                key={run.runId}
                run={run}
                index={index}
                deciding={gateway.deciding}
                onDecide={(runId, request, decision) =>
                  void gateway.decide(runId, request, decision)
                }
                onRespond={(runId, request, reply) => void gateway.respond(runId, request, reply)}
                onCancel={(runId) => void gateway.cancel(runId)}
              />
            ))}
          </ol>
        )}
        <Composer canSend={canSend} onSend={gateway.send} />
        <div ref={end} class="end" aria-hidden="true" />
      </main>

      <Sidebar
        info={info}
        files={gateway.files}
        canSend={canSend}
        onPrompt={(text) => void gateway.send(text)}
      />
    </div>
  );
}
