import type {
  ElicitationRequestEvent,
  ErrorPayload,
  GatewayEvent,
  LogEntry,
  ToolApprovalRequestEvent,
  Usage,
} from '@claude-gateway/core';

// The page's view of a conversation, built only from the API's LogEntries so
// that a reload (replaying every run's log) and a live stream give the same
// picture. Everything here is pure: the browser test and the unit test see
// the same reducer.

/** A piece of streamed text or thinking, kept per delta so a retry can drop it by seq. */
export interface Chunk {
  seq: number;
  text: string;
}

/** Streamed answer text (Markdown). */
export interface TextPart {
  kind: 'text';
  /** Seq of the first delta. */
  seq: number;
  chunks: Chunk[];
  /** Set for a sub-agent's text: the parent's tool call id. */
  parent?: string;
}

/** Streamed thinking, shown collapsed. */
export interface ThinkingPart {
  kind: 'thinking';
  seq: number;
  chunks: Chunk[];
  parent?: string;
}

/** Where an approval stands. `pending` until a decision event arrives. */
export type ApprovalState = 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled';

/** A gated call's approval: the request (needed to decide) and its outcome. */
export interface ApprovalView {
  request: ToolApprovalRequestEvent;
  state: ApprovalState;
  approver?: string;
}

/** Where an MCP server's question stands: `pending` until its `elicitation_response`. */
export type ElicitationState = 'pending' | 'accept' | 'decline' | 'cancel';

/** A question an MCP server asked the person during a tool call. */
export interface ElicitationView {
  request: ElicitationRequestEvent;
  state: ElicitationState;
  /** Why it ended: a person answered, it expired, or the run was cancelled. */
  reason?: 'answered' | 'expired' | 'cancelled';
}

/** One tool call with everything known about it so far. */
export interface ToolPart {
  kind: 'tool';
  seq: number;
  id: string;
  name: string;
  input: unknown;
  approval?: ApprovalView;
  /** Questions the tool's MCP server asked, in order. */
  elicitations?: ElicitationView[];
  /** Set once `tool_result` arrived. */
  done: boolean;
  result?: unknown;
  error?: ErrorPayload;
  durationMs?: number;
  /** `local` or `mcp:<server>`, from the result. */
  source?: string;
  parent?: string;
}

/** A `stream_retry` notice. */
export interface RetryPart {
  kind: 'retry';
  seq: number;
  attempt: number;
  delayMs: number;
  error: { type: string; message: string };
  /** How many streamed deltas the retry removed. */
  discarded: number;
}

/** An `events_dropped` marker: older events fell out of retention. */
export interface GapPart {
  kind: 'gap';
  seq: number;
  dropped: number;
}

/** Everything a run shows, in log order. */
export type Part = TextPart | ThinkingPart | ToolPart | RetryPart | GapPart;

/** How a run stands. */
export type RunStatus = 'running' | 'completed' | 'cancelled' | 'failed';

/** One run: the user's message and what the run streamed back. */
export interface RunView {
  runId: string;
  /** The user message that started the run. */
  message: string;
  /** The highest seq applied; entries at or below it are duplicates. */
  lastSeq: number;
  status: RunStatus;
  model?: string;
  parts: Part[];
  usage?: Usage;
  /** `null` when the price is unknown. */
  costUsd?: number | null;
  turns?: number;
  stopReason?: string | null;
  error?: { code: string; message: string };
}

/** A new, empty run. */
export function createRunView(runId: string, message: string): RunView {
  return { runId, message, lastSeq: 0, status: 'running', parts: [] };
}

/** The text of a text or thinking part. */
export function partText(part: TextPart | ThinkingPart): string {
  return part.chunks.map((c) => c.text).join('');
}

/** All answer text of a run (not sub-agents'), as the model finally sent it. */
export function runText(run: RunView): string {
  return run.parts
    .filter((p): p is TextPart => p.kind === 'text' && p.parent === undefined)
    .map(partText)
    .join('');
}

/** Pending approvals of a run, oldest first. */
export function pendingApprovals(run: RunView): ToolPart[] {
  return run.parts.filter(
    (p): p is ToolPart => p.kind === 'tool' && p.approval?.state === 'pending',
  );
}

function parentOf(event: GatewayEvent): string | undefined {
  const parent = (event as { parent_tool_use_id?: unknown }).parent_tool_use_id;
  return typeof parent === 'string' ? parent : undefined;
}

function appendDelta(
  parts: Part[],
  kind: 'text' | 'thinking',
  seq: number,
  text: string,
  parent: string | undefined,
): Part[] {
  const last = parts[parts.length - 1];
  if (last && last.kind === kind && last.parent === parent) {
    return [...parts.slice(0, -1), { ...last, chunks: [...last.chunks, { seq, text }] }];
  }
  const part: TextPart | ThinkingPart = { kind, seq, chunks: [{ seq, text }] };
  if (parent !== undefined) part.parent = parent;
  return [...parts, part];
}

function updateTool(parts: Part[], id: string, update: (tool: ToolPart) => ToolPart): Part[] {
  return parts.map((p) => (p.kind === 'tool' && p.id === id ? update(p) : p));
}

function ensureTool(
  parts: Part[],
  seq: number,
  id: string,
  name: string,
  input: unknown,
  parent: string | undefined,
): Part[] {
  if (parts.some((p) => p.kind === 'tool' && p.id === id)) return parts;
  const tool: ToolPart = { kind: 'tool', seq, id, name, input, done: false };
  if (parent !== undefined) tool.parent = parent;
  return [...parts, tool];
}

/**
 * Drops the streamed deltas with seq ≥ `fromSeq` of the model call that
 * retried: the run's own (`parent` undefined) or one sub-agent's. Deltas of
 * other sub-agents interleave in the same log and are kept.
 */
function discardFrom(
  parts: Part[],
  fromSeq: number,
  parent: string | undefined,
): { parts: Part[]; discarded: number } {
  let discarded = 0;
  const kept: Part[] = [];
  for (const part of parts) {
    if ((part.kind !== 'text' && part.kind !== 'thinking') || part.parent !== parent) {
      kept.push(part);
      continue;
    }
    const chunks = part.chunks.filter((c) => c.seq < fromSeq);
    discarded += part.chunks.length - chunks.length;
    if (chunks.length === part.chunks.length) kept.push(part);
    else if (chunks.length > 0) kept.push({ ...part, chunks });
  }
  return { parts: kept, discarded };
}

/**
 * Applies one log entry to a run and returns the new run (the input is not
 * changed). Entries at or below `lastSeq` are ignored, so replaying a log
 * after a reload or a reconnect never duplicates anything.
 */
export function applyEntry(run: RunView, entry: LogEntry): RunView {
  if (entry.seq <= run.lastSeq) return run;
  const next: RunView = { ...run, lastSeq: entry.seq };
  const event = entry.event;
  const parent = parentOf(event);
  switch (event.type) {
    case 'run_start':
      next.model = event.model;
      break;
    case 'text_delta':
      next.parts = appendDelta(run.parts, 'text', entry.seq, event.text, parent);
      break;
    case 'thinking_delta':
      next.parts = appendDelta(run.parts, 'thinking', entry.seq, event.text, parent);
      break;
    case 'tool_use':
      next.parts = ensureTool(run.parts, entry.seq, event.id, event.name, event.input, parent);
      break;
    case 'tool_approval_request': {
      const parts = ensureTool(
        run.parts,
        entry.seq,
        event.tool_use_id,
        event.name,
        event.input,
        parent,
      );
      next.parts = updateTool(parts, event.tool_use_id, (t) => ({
        ...t,
        approval: { request: event, state: 'pending' },
      }));
      break;
    }
    case 'tool_approval_decision':
      next.parts = updateTool(run.parts, event.tool_use_id, (t) => {
        if (!t.approval) return t;
        const approval: ApprovalView = { ...t.approval, state: event.reason };
        if (event.approver !== undefined) approval.approver = event.approver;
        return { ...t, approval };
      });
      break;
    case 'elicitation_request': {
      const parts = ensureTool(run.parts, entry.seq, event.tool_use_id, '', undefined, parent);
      next.parts = updateTool(parts, event.tool_use_id, (t) => ({
        ...t,
        elicitations: [...(t.elicitations ?? []), { request: event, state: 'pending' }],
      }));
      break;
    }
    case 'elicitation_response':
      next.parts = run.parts.map((p) =>
        p.kind === 'tool' &&
        p.elicitations?.some((e) => e.request.elicitation_id === event.elicitation_id)
          ? {
              ...p,
              elicitations: p.elicitations.map((e) =>
                e.request.elicitation_id === event.elicitation_id
                  ? { ...e, state: event.action, reason: event.reason }
                  : e,
              ),
            }
          : p,
      );
      break;
    case 'tool_result': {
      const parts = ensureTool(
        run.parts,
        entry.seq,
        event.tool_use_id,
        event.name,
        undefined,
        parent,
      );
      next.parts = updateTool(parts, event.tool_use_id, (t) => {
        const done: ToolPart = {
          ...t,
          done: true,
          durationMs: event.duration_ms,
          source: event.source,
        };
        if (event.error !== undefined) done.error = event.error;
        else done.result = event.result;
        // A result settles any approval still shown as pending (e.g. a missed decision).
        if (done.approval?.state === 'pending') {
          done.approval = { ...done.approval, state: event.error ? 'denied' : 'approved' };
        }
        // And any question still shown as open: the call is over.
        if (done.elicitations?.some((e) => e.state === 'pending')) {
          done.elicitations = done.elicitations.map((e) =>
            e.state === 'pending' ? { ...e, state: 'cancel' } : e,
          );
        }
        return done;
      });
      break;
    }
    case 'stream_retry': {
      const { parts, discarded } =
        event.discarded_from_seq !== undefined
          ? discardFrom(run.parts, event.discarded_from_seq, parent)
          : { parts: run.parts, discarded: 0 };
      next.parts = [
        ...parts,
        {
          kind: 'retry',
          seq: entry.seq,
          attempt: event.attempt,
          delayMs: event.delay_ms,
          error: event.error,
          discarded,
        },
      ];
      break;
    }
    case 'usage':
      break;
    case 'stream_complete':
      next.status = 'completed';
      next.usage = event.usage;
      next.costUsd = event.cost_usd;
      next.turns = event.turns;
      next.stopReason = event.stop_reason;
      break;
    case 'error':
      next.status = event.code === 'cancelled' ? 'cancelled' : 'failed';
      next.error = { code: event.code, message: event.message };
      break;
    case 'events_dropped':
      next.parts = [...run.parts, { kind: 'gap', seq: entry.seq, dropped: event.dropped }];
      break;
    default:
      // An event type this page does not know yet: keep the position, show nothing.
      break;
  }
  return next;
}
