import type { ElicitationRequestEvent, ToolApprovalRequestEvent } from '@claude-gateway/core';
import { ElicitationForm, type ElicitationReply } from './elicitation-form.js';
import type { Decision } from './use-gateway.js';
import type { ToolPart } from './state.js';

const MAX_SHOWN = 4000;

/** Pretty JSON (or the string itself), cut to a readable size. */
export function showValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else {
    try {
      text = JSON.stringify(value, null, 2) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > MAX_SHOWN
    ? `${text.slice(0, MAX_SHOWN)}\n… (${text.length} characters)`
    : text;
}

const APPROVAL_WORDS = {
  pending: 'Waiting for your approval',
  approved: 'Approved',
  denied: 'Denied',
  expired: 'Approval expired',
  cancelled: 'Approval cancelled',
} as const;

interface ToolCallProps {
  tool: ToolPart;
  /** Only the active run offers decisions. */
  canDecide: boolean;
  deciding: boolean;
  onDecide: (request: ToolApprovalRequestEvent, decision: Decision) => void;
  /** Elicitation ids with an answer on its way. */
  answering: ReadonlySet<string>;
  onRespond: (request: ElicitationRequestEvent, reply: ElicitationReply) => void;
}

/** What the header says of a call (one that waits says for what). */
const STATUS_WORDS = {
  done: 'done',
  failed: 'error',
  cancelled: 'cancelled',
  running: 'running…',
} as const;

/** One tool call: name, source, duration, input, result or error, and its approval prompt. */
export function ToolCall({
  tool,
  canDecide,
  deciding,
  onDecide,
  answering,
  onRespond,
}: ToolCallProps) {
  const approval = tool.approval;
  const asking = tool.elicitations?.some((e) => e.state === 'pending') === true;
  // A call the run's cancel ended did not fail: it is shown as cancelled.
  const status = tool.done
    ? tool.error
      ? tool.error.code === 'cancelled'
        ? 'cancelled'
        : 'failed'
      : 'done'
    : approval?.state === 'pending' || asking
      ? 'waiting'
      : 'running';
  return (
    <section
      class={`tool tool-${status}`}
      aria-label={`Tool call ${tool.name}`}
      data-tool-id={tool.id}
    >
      <header class="tool-head">
        <span class="tool-icon" aria-hidden="true">
          ⚙
        </span>
        <code class="tool-name">{tool.name}</code>
        {tool.source !== undefined && <span class="badge">{tool.source}</span>}
        {tool.durationMs !== undefined && <span class="muted">{tool.durationMs} ms</span>}
        <span class={`tool-status status-${status}`}>
          {status === 'waiting' ? (asking ? 'asks you' : 'needs approval') : STATUS_WORDS[status]}
        </span>
      </header>
      {tool.parent !== undefined && <p class="muted small">inside sub-agent call {tool.parent}</p>}
      <details class="tool-io" open={!tool.done}>
        <summary>Input</summary>
        <pre>{showValue(tool.input)}</pre>
      </details>
      {approval && approval.state === 'pending' && canDecide && (
        <div class="approval" role="group" aria-label={`Approve ${tool.name}?`}>
          <p>
            <strong>{tool.name}</strong> needs your approval to run with the input above.
          </p>
          <div class="approval-buttons">
            <button
              type="button"
              class="primary"
              disabled={deciding}
              onClick={() => onDecide(approval.request, 'approve')}
            >
              Approve
            </button>
            <button
              type="button"
              disabled={deciding}
              onClick={() => onDecide(approval.request, 'deny')}
            >
              Deny
            </button>
            <button
              type="button"
              disabled={deciding}
              title={`Approve, and run ${tool.name} without asking for the rest of this session`}
              onClick={() => onDecide(approval.request, 'always')}
            >
              Always allow
            </button>
          </div>
        </div>
      )}
      {approval && (approval.state !== 'pending' || !canDecide) && (
        <p class={`approval-outcome approval-${approval.state}`}>
          {APPROVAL_WORDS[approval.state]}
          {approval.approver !== undefined ? ` by ${approval.approver}` : ''}
        </p>
      )}
      {tool.elicitations?.map((elicitation) => (
        <ElicitationForm
          key={elicitation.request.elicitation_id}
          elicitation={elicitation}
          canAnswer={canDecide}
          answering={answering.has(elicitation.request.elicitation_id)}
          onRespond={onRespond}
        />
      ))}
      {tool.done && tool.error && status === 'cancelled' && (
        <p class="muted" role="note">
          Stopped: {tool.error.message}.
        </p>
      )}
      {tool.done && tool.error && status === 'failed' && (
        <div class="tool-error" role="note">
          <strong>Error {tool.error.code}:</strong> {tool.error.message}
        </div>
      )}
      {tool.done && !tool.error && (
        <details class="tool-io" open>
          <summary>Result</summary>
          <pre>{showValue(tool.result)}</pre>
        </details>
      )}
    </section>
  );
}
