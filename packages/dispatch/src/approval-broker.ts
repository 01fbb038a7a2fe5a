import { consoleLogger, errorDetail, GatewayError, type Logger } from '@claude-gateway/core';
import { callDigest, createNonce, nonceEquals } from './approval-crypto.js';
import type { ApprovalDecision, ApprovalRecord, ApprovalStore } from './approval-store.js';
import { ELICITATION_KEY_PREFIX } from './elicitation-key.js';
import { createMemoryApprovalStore } from './memory-approval-store.js';

/** Default of `timeoutMs`: how long a gated call waits for a person. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 5 * 60_000;

/** Options of {@link createApprovalBroker}. */
export interface ApprovalBrokerOptions {
  /** Where pending approvals live. @default createMemoryApprovalStore() */
  store?: ApprovalStore;
  /** How long a gated call waits before it is denied (`approval_timeout`). @default 300_000 */
  timeoutMs?: number;
  /** Where store failures are reported. @default consoleLogger */
  logger?: Logger;
}

/** What {@link ApprovalBroker.request} needs to know about a gated call. */
export interface ApprovalRequestInput {
  toolUseId: string;
  sessionId: string;
  /** The top-level run (`ToolContext.rootRunId`): decisions may be scoped to it. */
  runId: string;
  name: string;
  input: unknown;
}

/** What every decision carries. */
interface DecideFields {
  /** The gated call's `tool_use_id`. */
  toolUseId: string;
  /** The nonce from its `tool_approval_request` event. */
  nonce: string;
  /** Only `true` approves; anything else denies. */
  approved: boolean;
  /** With an approval: skip the gate for this tool for the rest of the session. @default false */
  allowToolType?: boolean;
  /** Who decided, for the audit trail. */
  approver?: string;
  /**
   * The run the decision comes from (a server passes the run of
   * `POST /runs/:id/approvals`): a call of another run answers `not_found`.
   * A sub-agent's call belongs to the top-level run that started it.
   * @default any run (of the session, or of any session with `anySession`)
   */
  runId?: string;
}

/**
 * @internal Whether a decision (or an elicitation's answer) may reach
 * `record`: it comes from the record's session (or says `anySession`), and
 * from its run when it names one. Out of scope reads as `not_found`.
 */
export function inScope(
  input: { sessionId?: string; anySession?: boolean; runId?: string },
  record: { sessionId: string; runId: string },
): boolean {
  if (input.sessionId !== record.sessionId && input.anySession !== true) return false;
  return input.runId === undefined || input.runId === record.runId;
}

/**
 * A decision posted by a person (through the server's approval endpoint).
 * It names the session it comes from: a call of another session answers
 * `not_found`, exactly as a missing one. A trusted back office that may
 * decide for any session says so with `anySession: true` instead; a decision
 * with neither is refused (`invalid_options`), so a forgotten session fails
 * closed.
 */
export type DecideInput =
  | (DecideFields & { sessionId: string; anySession?: never })
  | (DecideFields & { anySession: true; sessionId?: never });

/**
 * Answer of {@link ApprovalBroker.decide}:
 * - `ok` — this decision was recorded and the waiting call goes on with it;
 * - `not_found` — no such pending call (or it belongs to another session);
 * - `nonce_mismatch` — the nonce is not this call's;
 * - `expired` — the wait had ended by expiry; the call got `approval_timeout`;
 * - `already_decided` — another decision (or a cancel) came first.
 */
export type DecideAnswer = 'ok' | 'not_found' | 'nonce_mismatch' | 'expired' | 'already_decided';

/** Pairs gated tool calls with people's decisions, through an {@link ApprovalStore}. */
export interface ApprovalBroker {
  /** The store the broker uses. */
  readonly store: ApprovalStore;
  /** How long a call waits, in ms. */
  readonly timeoutMs: number;
  /** Records a pending call with a fresh nonce and expiry, and returns the record. */
  request(call: ApprovalRequestInput): Promise<ApprovalRecord>;
  /**
   * Waits for the decision on `record`. Resolves with the decision that won:
   * a person's, an `expired` denial at `expiresAt`, or a `cancelled` denial
   * as soon as `signal` aborts. Never fails open; rejects only when the store
   * fails.
   */
  wait(record: ApprovalRecord, signal: AbortSignal): Promise<ApprovalDecision>;
  /** Records a person's decision; first decision wins, atomically. */
  decide(decision: DecideInput): Promise<DecideAnswer>;
  /** Whether a person approved `name` for the rest of `sessionId`. */
  isToolTypeAllowed(sessionId: string, name: string): Promise<boolean>;
  /** Approves `name` for the rest of `sessionId` (as `allowToolType` does). */
  allowToolType(sessionId: string, name: string): Promise<void>;
}

// setTimeout fires at once for delays past 2^31 - 1 ms.
const MAX_TIMER_MS = 2 ** 31 - 1;

const EXPIRED = Symbol('expired');

/**
 * Creates the approval broker.
 *
 * @example
 * ```ts
 * const approvals = createApprovalBroker({ timeoutMs: 120_000 });
 * const dispatcher = createToolDispatcher({ tools, approvals, needsApproval: ['delete_file'] });
 * // in the approval endpoint:
 * const answer = await approvals.decide({ toolUseId, nonce, approved: true, sessionId });
 * ```
 */
export function createApprovalBroker(options: ApprovalBrokerOptions = {}): ApprovalBroker {
  const store = options.store ?? createMemoryApprovalStore();
  const timeoutMs = options.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
  const logger = options.logger ?? consoleLogger;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new GatewayError('invalid_options', 'timeoutMs must be a positive finite number');
  }

  // Ends a wait that no person decided: the CAS may lose to a decision that
  // arrived meanwhile, and then that decision stands.
  const closeWith = async (
    toolUseId: string,
    reason: 'expired' | 'cancelled',
  ): Promise<ApprovalDecision> => {
    const ours: ApprovalDecision = { approved: false, reason, decidedAt: Date.now() };
    const result = await store.decide(toolUseId, ours);
    return result.status === 'already_decided' ? result.decision : ours;
  };

  return {
    store,
    timeoutMs,

    async request(call) {
      const record: ApprovalRecord = {
        toolUseId: call.toolUseId,
        sessionId: call.sessionId,
        runId: call.runId,
        name: call.name,
        inputDigest: callDigest(call.name, call.input),
        nonce: createNonce(),
        expiresAt: Date.now() + timeoutMs,
      };
      await store.create(record);
      return record;
    },

    async wait(record, signal) {
      const stop = new AbortController();
      const timer = setTimeout(
        () => stop.abort(EXPIRED),
        Math.min(Math.max(0, record.expiresAt - Date.now()), MAX_TIMER_MS),
      );
      const onAbort = (): void => stop.abort(signal.reason);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      try {
        const decision = await store.waitForDecision(record.toolUseId, stop.signal);
        // The record vanished (evicted, or a store restart): deny, never fail open.
        return decision ?? (await closeWith(record.toolUseId, 'expired'));
      } catch (error) {
        if (!stop.signal.aborted) throw error;
      } finally {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      }
      const reason = stop.signal.reason === EXPIRED ? 'expired' : 'cancelled';
      try {
        return await closeWith(record.toolUseId, reason);
      } catch (error) {
        // The wait is over either way; a store that cannot record it must
        // not keep a cancelled run waiting.
        logger.warn('approval store failed to record the end of a wait', {
          toolUseId: record.toolUseId,
          reason,
          error: errorDetail(error),
        });
        return { approved: false, reason, decidedAt: Date.now() };
      }
    },

    async decide(input) {
      const scoped = typeof input.sessionId === 'string' && input.sessionId !== '';
      if (scoped === (input.anySession === true)) {
        throw new GatewayError(
          'invalid_options',
          'decide() needs the sessionId the decision comes from (or anySession: true for a trusted back office)',
        );
      }
      if (typeof input.toolUseId !== 'string') return 'not_found';
      // Elicitations share the store but are answered through respond() only.
      if (input.toolUseId.startsWith(ELICITATION_KEY_PREFIX)) return 'not_found';
      const entry = await store.get(input.toolUseId);
      if (!entry) return 'not_found';
      const { record } = entry;
      if (!inScope(input, record)) return 'not_found';
      if (!nonceEquals(input.nonce, record.nonce)) return 'nonce_mismatch';
      if (entry.decision)
        return entry.decision.reason === 'expired' ? 'expired' : 'already_decided';
      if (Date.now() >= record.expiresAt) {
        // The waiter's timer may not have fired yet (or the waiter is gone):
        // record the expiry so the call can never be approved late.
        const closed = await closeWith(record.toolUseId, 'expired');
        return closed.reason === 'expired' ? 'expired' : 'already_decided';
      }
      const approved = input.approved === true;
      const decision: ApprovalDecision = {
        approved,
        reason: approved ? 'approved' : 'denied',
        decidedAt: Date.now(),
        ...(input.approver !== undefined ? { approver: input.approver } : {}),
        ...(approved && input.allowToolType === true ? { allowToolType: true } : {}),
      };
      const result = await store.decide(record.toolUseId, decision);
      if (result.status === 'ok') return 'ok';
      if (result.status === 'not_found') return 'not_found';
      return result.decision.reason === 'expired' ? 'expired' : 'already_decided';
    },

    isToolTypeAllowed(sessionId, name) {
      return store.isToolTypeAllowed(sessionId, name);
    },

    allowToolType(sessionId, name) {
      return store.allowToolType(sessionId, name);
    },
  };
}
