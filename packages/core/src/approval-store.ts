import type { ApprovalReason } from './events.js';

/** What the broker keeps about one pending approval. Never changes once created. */
export interface ApprovalRecord {
  /** The `tool_use` id of the gated call; the record's key. */
  toolUseId: string;
  /** The session the call belongs to. */
  sessionId: string;
  /**
   * The top-level run the call belongs to: for a sub-agent's call, the run
   * that started the sub-agent (whose log shows the request).
   */
  runId: string;
  /** The tool the person is asked about. */
  name: string;
  /** SHA-256 (base64url) of the call's name and canonical JSON input. */
  inputDigest: string;
  /** 32 random bytes, base64url; a decision must echo it. */
  nonce: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

/** How an approval ended. Stored once, by the first decision. */
export interface ApprovalDecision {
  approved: boolean;
  reason: ApprovalReason;
  /** Who decided, as the server reported it. */
  approver?: string;
  /** On an approval: add the tool to the session's approved set. */
  allowToolType?: boolean;
  /** Milliseconds since the epoch. */
  decidedAt: number;
}

/** A record and, once there is one, its decision. */
export interface ApprovalEntry {
  record: ApprovalRecord;
  decision?: ApprovalDecision;
}

/** Answer of {@link ApprovalStore.decide}. */
export type StoreDecideResult =
  | { status: 'ok' }
  | { status: 'not_found' }
  | { status: 'already_decided'; decision: ApprovalDecision };

/**
 * Where pending approvals live. Small and async so that a Redis
 * implementation fits: records are immutable except for one decision that is
 * set by an atomic compare-and-set, and expire by TTL (no delete).
 *
 * Contract:
 * - `create` stores a record; it rejects (a `GatewayError` `invalid_options`)
 *   when `toolUseId` is already taken. The store keeps the record (and its
 *   decision) at least until `expiresAt`, and should keep it a while longer
 *   so a late decision answers `expired` / `already_decided` rather than
 *   `not_found`.
 * - `decide` sets the decision only when there is none yet, atomically: of
 *   two racing calls exactly one gets `ok`; the other gets `already_decided`
 *   with the decision that won. When the winning decision is an approval with
 *   `allowToolType`, the same atomic step adds `record.name` to
 *   `record.sessionId`'s approved set (Redis: one Lua script or MULTI), so
 *   the waiting run sees the tool type approved as soon as it sees the
 *   decision. Winning wakes every `waitForDecision` on that id, on any
 *   instance (Redis: publish after the write).
 * - `waitForDecision` resolves with the decision as soon as one is stored —
 *   at once when there already is one — and with `undefined` when there is
 *   no such record. It rejects with `signal.reason` as soon as `signal`
 *   aborts, and leaves no listener behind. It must not poll busily
 *   (Redis: subscribe first, then read the record, so no decision is missed).
 *   It does not enforce expiry: the broker does, by aborting the wait.
 * - `allowToolType` / `isToolTypeAllowed` hold the per-session set of tool
 *   names a person approved for the rest of the session.
 */
export interface ApprovalStore {
  create(record: ApprovalRecord): Promise<void>;
  get(toolUseId: string): Promise<ApprovalEntry | undefined>;
  decide(toolUseId: string, decision: ApprovalDecision): Promise<StoreDecideResult>;
  waitForDecision(toolUseId: string, signal: AbortSignal): Promise<ApprovalDecision | undefined>;
  allowToolType(sessionId: string, name: string): Promise<void>;
  isToolTypeAllowed(sessionId: string, name: string): Promise<boolean>;
}
