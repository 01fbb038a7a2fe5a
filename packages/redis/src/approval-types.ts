// The ApprovalStore port, as `@claude-gateway/dispatch` defines it. The
// dependency rule keeps this package off dispatch, so the shape is repeated
// here; a type test (approval-types.test-d.ts) fails the build if the two
// ever differ. (Proposed: move the port into core, as SessionStore is.)
import type { ApprovalReason } from '@claude-gateway/core';

/** What the broker keeps about one pending approval. Never changes once created. */
export interface ApprovalRecord {
  /** The `tool_use` id of the gated call; the record's key. */
  toolUseId: string;
  /** The session the call belongs to. */
  sessionId: string;
  /** The run the call belongs to. */
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

/** Where pending approvals live (see `@claude-gateway/dispatch` for the contract). */
export interface ApprovalStore {
  create(record: ApprovalRecord): Promise<void>;
  get(toolUseId: string): Promise<ApprovalEntry | undefined>;
  decide(toolUseId: string, decision: ApprovalDecision): Promise<StoreDecideResult>;
  waitForDecision(toolUseId: string, signal: AbortSignal): Promise<ApprovalDecision | undefined>;
  allowToolType(sessionId: string, name: string): Promise<void>;
  isToolTypeAllowed(sessionId: string, name: string): Promise<boolean>;
}
