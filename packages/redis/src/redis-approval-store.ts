import { GatewayError } from '@claude-gateway/core';
import type { Redis } from 'ioredis';
import { CREATE_APPROVAL, DECIDE } from './approval-scripts.js';
import type {
  ApprovalDecision,
  ApprovalEntry,
  ApprovalRecord,
  ApprovalStore,
  StoreDecideResult,
} from '@claude-gateway/core';
import type { Keys } from './keys.js';
import type { PubSubHub } from './pubsub-hub.js';
import { withRetry, type RetryPolicy } from './retry.js';

/** What the approval store shares with the rest of the store set. */
export interface ApprovalStoreContext {
  keys: Keys;
  command: Redis;
  pubsub: PubSubHub;
  /** How long a record outlives its expiry. */
  retainMs: number;
  /** How long a session's approved tool types are kept after the last approval. */
  allowedTtlMs: number;
  retryBudgetMs: number;
  now: () => number;
  isClosed: () => boolean;
}

const PERSON_REASONS = new Set(['approved', 'denied']);

/**
 * The Redis {@link ApprovalStore}: records with a TTL of `expiresAt +
 * retainMs`; `decide` is one Lua script (expiry check, compare-and-set and
 * the session's approved set together); waiters on any instance learn the
 * decision by pub/sub, subscribing before they read so none is missed.
 */
export function createRedisApprovalStore(ctx: ApprovalStoreContext): ApprovalStore {
  const { keys, command } = ctx;
  const policy: RetryPolicy = { budgetMs: ctx.retryBudgetMs, isClosed: ctx.isClosed };

  const get = async (toolUseId: string): Promise<ApprovalEntry | undefined> => {
    const [record, decision] = await withRetry('approval get', policy, () =>
      command.hmget(keys.approval(toolUseId), 'r', 'd'),
    );
    if (!record) return undefined;
    return {
      record: JSON.parse(record) as ApprovalRecord,
      ...(decision ? { decision: JSON.parse(decision) as ApprovalDecision } : {}),
    };
  };

  return {
    async create(record) {
      const json = JSON.stringify(record);
      const ttlMs = Math.max(1_000, Math.ceil(record.expiresAt + ctx.retainMs - ctx.now()));
      const created = await withRetry('approval create', policy, (attempt) =>
        CREATE_APPROVAL.run(
          command,
          [keys.approval(record.toolUseId)],
          [json, record.sessionId, record.name, record.expiresAt, ttlMs, attempt > 0 ? 1 : 0],
        ),
      );
      if (created !== 1) {
        throw new GatewayError(
          'invalid_options',
          `approval for ${record.toolUseId} already exists`,
        );
      }
    },

    get,

    async decide(toolUseId, decision): Promise<StoreDecideResult> {
      const now = ctx.now();
      const expired: ApprovalDecision = { approved: false, reason: 'expired', decidedAt: now };
      const token = crypto.randomUUID();
      const reply = (await withRetry('approval decide', policy, () =>
        DECIDE.run(
          command,
          [keys.approval(toolUseId)],
          [
            keys.prefix,
            JSON.stringify(decision),
            now,
            decision.approved ? 1 : 0,
            decision.allowToolType ? 1 : 0,
            PERSON_REASONS.has(decision.reason) ? 1 : 0,
            JSON.stringify(expired),
            keys.approvalChannel(toolUseId),
            ctx.allowedTtlMs,
            token,
          ],
        ),
      )) as [string, string?];
      if (reply[0] === 'ok') return { status: 'ok' };
      if (reply[0] === 'not_found') return { status: 'not_found' };
      return { status: 'already_decided', decision: JSON.parse(reply[1]!) as ApprovalDecision };
    },

    waitForDecision(toolUseId, signal) {
      if (signal.aborted) return Promise.reject(signal.reason as Error);
      return new Promise<ApprovalDecision | undefined>((resolve, reject) => {
        let done = false;
        let stop: (() => Promise<void>) | undefined;
        const finish = (settle: () => void): void => {
          if (done) return;
          done = true;
          signal.removeEventListener('abort', onAbort);
          void stop?.().catch(() => undefined);
          settle();
        };
        const onAbort = (): void => finish(() => reject(signal.reason as Error));
        const check = async (): Promise<void> => {
          const entry = await get(toolUseId);
          if (!entry) finish(() => resolve(undefined));
          else if (entry.decision) finish(() => resolve(entry.decision));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        // Subscribe first, then read: a decision lands either before the read
        // (the read sees it) or after the subscription (the message brings it).
        withRetry('approval wait', { ...policy, signal }, () =>
          ctx.pubsub.subscribe(keys.approvalChannel(toolUseId), {
            onMessage: (message) => finish(() => resolve(JSON.parse(message) as ApprovalDecision)),
            onReconnect: () => void check().catch(() => undefined),
          }),
        )
          .then(async (unsubscribe) => {
            if (done) return unsubscribe();
            stop = unsubscribe;
            await check();
          })
          .catch((error: unknown) => {
            if (signal.aborted) return;
            finish(() => reject(error instanceof Error ? error : new Error(String(error))));
          });
      });
    },

    async allowToolType(sessionId, name) {
      await withRetry('allowToolType', policy, async () => {
        await command
          .multi()
          .sadd(keys.allowed(sessionId), name)
          .pexpire(keys.allowed(sessionId), ctx.allowedTtlMs)
          .exec();
      });
    },

    async isToolTypeAllowed(sessionId, name) {
      const member = await withRetry('isToolTypeAllowed', policy, () =>
        command.sismember(keys.allowed(sessionId), name),
      );
      return member === 1;
    },
  };
}
