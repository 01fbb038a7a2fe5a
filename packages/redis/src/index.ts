export {
  createRedisStores,
  DEFAULT_ALLOWED_TOOL_TYPES_TTL_MS,
  DEFAULT_APPROVAL_RETAIN_MS,
  DEFAULT_IDLE_LOG_TTL_MS,
  DEFAULT_LEASE_MS,
  DEFAULT_PREFIX,
  DEFAULT_RETRY_BUDGET_MS,
  type RedisStores,
  type RedisStoresOptions,
} from './create-redis-stores.js';
export type { RedisConnectionInput } from './connections.js';
export type {
  ApprovalDecision,
  ApprovalEntry,
  ApprovalRecord,
  ApprovalStore,
  StoreDecideResult,
} from '@claude-gateway/core';
