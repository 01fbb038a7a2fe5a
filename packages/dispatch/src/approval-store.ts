// The ApprovalStore port lives in core (as every port does), so stores in
// other packages (Redis) implement it without depending on dispatch.
export type {
  ApprovalDecision,
  ApprovalEntry,
  ApprovalRecord,
  ApprovalStore,
  StoreDecideResult,
} from '@claude-gateway/core';
