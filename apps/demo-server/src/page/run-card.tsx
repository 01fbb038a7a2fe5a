import type {
  ElicitationRequestEvent,
  ToolApprovalRequestEvent,
  Usage,
} from '@claude-gateway/core';
import type { ElicitationReply } from './elicitation-form.js';
import { renderMarkdown } from './markdown.js';
import { partText, type Part, type RunView } from './state.js';
import { ToolCall } from './tool-call.js';
import type { Decision } from './use-gateway.js';

interface RunCardProps {
  run: RunView;
  index: number;
  deciding: ReadonlySet<string>;
  onDecide: (runId: string, request: ToolApprovalRequestEvent, decision: Decision) => void;
  /** Answers an MCP server's question. */
  onRespond: (runId: string, request: ElicitationRequestEvent, reply: ElicitationReply) => void;
  onCancel: (runId: string) => void;
}

function formatUsage(usage: Usage): string {
  const parts = [`${usage.input_tokens} in`, `${usage.output_tokens} out`];
  if (usage.cache_read_input_tokens > 0) parts.push(`${usage.cache_read_input_tokens} cache read`);
  if (usage.cache_creation_input_tokens > 0)
    parts.push(`${usage.cache_creation_input_tokens} cache write`);
  return `${parts.join(' · ')} tokens`;
}

function formatCost(cost: number | null | undefined): string {
  if (cost === null || cost === undefined) return 'cost unknown';
  return `$${cost < 0.01 ? cost.toFixed(5) : cost.toFixed(4)}`;
}

function PartView({
  part,
  run,
  deciding,
  onDecide,
  onRespond,
}: { part: Part; run: RunView } & Pick<RunCardProps, 'deciding' | 'onDecide' | 'onRespond'>) {
  switch (part.kind) {
    case 'text':
      return (
        <div
          class={part.parent === undefined ? 'answer md' : 'answer md sub'}
          // Safe: markdown-it with html off and links filtered (see markdown.ts).
          dangerouslySetInnerHTML={{ __html: renderMarkdown(partText(part)) }}
        />
      );
    case 'thinking':
      return (
        <details class="thinking">
          <summary>Thinking</summary>
          <p>{partText(part)}</p>
        </details>
      );
    case 'tool':
      return (
        <ToolCall
          tool={part}
          canDecide={run.status === 'running'}
          deciding={deciding.has(part.id)}
          onDecide={(request, decision) => onDecide(run.runId, request, decision)}
          answering={deciding}
          onRespond={(request, reply) => onRespond(run.runId, request, reply)}
        />
      );
    case 'retry':
      return (
        <p class="notice retry" role="status">
          Retrying (attempt {part.attempt}) after {part.error.type}: {part.error.message}
          {part.discarded > 0 ? ' — the partial answer was discarded.' : ''}
        </p>
      );
    case 'gap':
      return (
        <p class="notice">
          {part.dropped} older events are no longer kept; what follows is the rest of the run.
        </p>
      );
  }
}

/** The message of a run cancelled by a person (core's `cancelled()`). */
const PLAIN_CANCEL = 'the run was cancelled';

const STATUS_WORDS = {
  running: 'Running…',
  completed: 'Done',
  cancelled: 'Cancelled',
  failed: 'Failed',
} as const;

/** One exchange: the user's message, then everything the run streamed back. */
export function RunCard({ run, index, deciding, onDecide, onRespond, onCancel }: RunCardProps) {
  return (
    <li
      class={`run run-${run.status}`}
      data-run-id={run.runId}
      aria-label={`Exchange ${index + 1}`}
    >
      <div class="bubble user">
        <span class="sr-only">You said: </span>
        <p class="user-text">{run.message}</p>
      </div>
      <div class="bubble assistant" aria-busy={run.status === 'running'}>
        <span class="sr-only">Assistant: </span>
        {run.parts.map((part) => (
          <PartView
            key={`${part.kind}-${part.seq}`}
            part={part}
            run={run}
            deciding={deciding}
            onDecide={onDecide}
            onRespond={onRespond}
          />
        ))}
        {run.status === 'running' && run.parts.length === 0 && (
          <p class="muted">Waiting for the model…</p>
        )}
        {run.error && (
          <p class={run.status === 'cancelled' ? 'notice' : 'notice error'}>
            {run.status !== 'cancelled'
              ? `Error ${run.error.code}: ${run.error.message}`
              : run.error.message === PLAIN_CANCEL
                ? 'Cancelled.'
                : // Not a person's cancel: say why (the server shutting down, say).
                  `Cancelled: ${run.error.message}.`}
          </p>
        )}
        <footer class="run-meta">
          <span class={`run-status status-${run.status}`}>{STATUS_WORDS[run.status]}</span>
          {run.model !== undefined && <span class="muted">{run.model}</span>}
          {run.usage && <span class="usage">{formatUsage(run.usage)}</span>}
          {run.status === 'completed' && <span class="cost">{formatCost(run.costUsd)}</span>}
          {run.status === 'running' && (
            <button type="button" class="cancel" onClick={() => onCancel(run.runId)}>
              Cancel
            </button>
          )}
        </footer>
      </div>
    </li>
  );
}
