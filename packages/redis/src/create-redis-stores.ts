import {
  consoleLogger,
  DEFAULT_CLOSED_TTL_MS,
  DEFAULT_MAX_ENTRIES,
  GatewayError,
  type EventStore,
  type Logger,
  type SessionStore,
} from '@claude-gateway/core';
import type { ApprovalStore } from '@claude-gateway/core';
import { openConnections, type RedisConnectionInput } from './connections.js';
import { createKeys } from './keys.js';
import { OwnerLeases } from './owner-leases.js';
import { PubSubHub } from './pubsub-hub.js';
import { createRedisApprovalStore } from './redis-approval-store.js';
import { createRedisEventStore } from './redis-event-store.js';
import { createRedisSessionStore } from './redis-session-store.js';
import { StreamHub } from './stream-hub.js';

/** Default of `prefix`. */
export const DEFAULT_PREFIX = 'cg:';
/** Default of `leaseMs`: how long a run outlives its owner's last renewal. */
export const DEFAULT_LEASE_MS = 10_000;
/** Default of `retryBudgetMs`: how long an operation retries while Redis is unreachable. */
export const DEFAULT_RETRY_BUDGET_MS = 10_000;
/** Default of `idleLogTtlMs`: an open log with no append for this long expires. */
export const DEFAULT_IDLE_LOG_TTL_MS = 24 * 60 * 60_000;
/** Default of `approvalRetainMs`: how long an approval record outlives its expiry. */
export const DEFAULT_APPROVAL_RETAIN_MS = 10 * 60_000;
/** Default of `allowedToolTypesTtlMs`: how long a session's approved tool types are kept. */
export const DEFAULT_ALLOWED_TOOL_TYPES_TTL_MS = 24 * 60 * 60_000;

/** Options of {@link createRedisStores}. */
export interface RedisStoresOptions {
  /**
   * Where Redis is: a URL (`redis://host:6379/0`), ioredis options, or an
   * ioredis client whose settings are copied (`duplicate()`; the client
   * itself is never used or closed). The stores open three connections:
   * commands, one blocking reader shared by all readers, and pub/sub.
   */
  redis: RedisConnectionInput;
  /** Prefix of every key and channel, so several apps can share one Redis. @default 'cg:' */
  prefix?: string;
  /**
   * Owner lease of a run: renewed every `leaseMs / 3` while the run lives on
   * this instance; when it lapses, whoever notices first (the sweep every
   * `leaseMs / 2`, or a reader waiting on the run) ends the run with
   * `error { code: "owner_lost" }`.
   * @default 10_000
   */
  leaseMs?: number;
  /** Entries held per log (`XADD MAXLEN ~`); a reader behind them gets `events_dropped`. @default 50_000 */
  maxEntries?: number;
  /** How long a closed log stays readable. @default 600_000 (10 minutes) */
  closedTtlMs?: number;
  /** An open log with no append for this long expires (a safety net). @default 86_400_000 (a day) */
  idleLogTtlMs?: number;
  /**
   * How long an operation keeps retrying while Redis is unreachable before it
   * fails with a `GatewayError` (an append that fails makes the runner end
   * the run). Retried writes are never applied twice.
   * @default 10_000
   */
  retryBudgetMs?: number;
  /** How long an approval record outlives its expiry (late decisions answer `expired`). @default 600_000 */
  approvalRetainMs?: number;
  /** How long a session's approved tool types are kept after the last approval. @default 86_400_000 */
  allowedToolTypesTtlMs?: number;
  /** Run records kept per session; the oldest are forgotten beyond it. @default 1000 */
  maxRunsPerSession?: number;
  /** Clock (ms since the epoch) for timestamps, expiry and leases. @default Date.now */
  now?: () => number;
  /** Where connection trouble and lost leases are reported. @default consoleLogger */
  logger?: Logger;
}

/** The stores of {@link createRedisStores}. */
export interface RedisStores {
  /** For `createRunManager({ events })`; deletes logs (`deleteSession` uses it). */
  readonly events: EventStore & Required<Pick<EventStore, 'delete'>>;
  /** For `createApprovalBroker({ store })` (the `ApprovalStore` of `@claude-gateway/dispatch`). */
  readonly approvals: ApprovalStore;
  /** For `createRunManager({ sessions })`. */
  readonly sessions: SessionStore;
  /** This instance's id, written into the leases of the runs it owns. */
  readonly ownerId: string;
  /**
   * Stops the timers and closes the connections. Runs still owned here stop
   * being renewed, so other instances end them with `owner_lost`: close the
   * run manager first.
   */
  close(): Promise<void>;
}

function positive(name: string, value: number, integer = false): number {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new GatewayError(
      'invalid_options',
      `${name} must be a positive ${integer ? 'integer' : 'number'}`,
    );
  }
  return value;
}

/**
 * Creates the Redis stores that let many gateway instances behind a load
 * balancer share runs, approvals and sessions.
 *
 * @example
 * ```ts
 * const stores = createRedisStores({ redis: process.env.REDIS_URL! });
 * const runs = createRunManager({ runner, events: stores.events, sessions: stores.sessions });
 * const approvals = createApprovalBroker({ store: stores.approvals });
 * // on shutdown: await runs.close(); await stores.close();
 * ```
 */
export function createRedisStores(options: RedisStoresOptions): RedisStores {
  if (!options || options.redis === undefined || options.redis === null) {
    throw new GatewayError(
      'invalid_options',
      'redis (a URL, ioredis options or a client) is required',
    );
  }
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== 'string')
    throw new GatewayError('invalid_options', 'prefix must be a string');
  const leaseMs = positive('leaseMs', options.leaseMs ?? DEFAULT_LEASE_MS);
  const maxEntries = positive('maxEntries', options.maxEntries ?? DEFAULT_MAX_ENTRIES, true);
  const closedTtlMs = positive('closedTtlMs', options.closedTtlMs ?? DEFAULT_CLOSED_TTL_MS, true);
  const idleLogTtlMs = positive(
    'idleLogTtlMs',
    options.idleLogTtlMs ?? DEFAULT_IDLE_LOG_TTL_MS,
    true,
  );
  const retryBudgetMs = positive('retryBudgetMs', options.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS);
  const retainMs = positive(
    'approvalRetainMs',
    options.approvalRetainMs ?? DEFAULT_APPROVAL_RETAIN_MS,
  );
  const allowedTtlMs = positive(
    'allowedToolTypesTtlMs',
    options.allowedToolTypesTtlMs ?? DEFAULT_ALLOWED_TOOL_TYPES_TTL_MS,
    true,
  );
  const maxRunsPerSession = positive('maxRunsPerSession', options.maxRunsPerSession ?? 1000, true);
  const now = options.now ?? Date.now;
  const logger = options.logger ?? consoleLogger;

  const keys = createKeys(prefix);
  const connections = openConnections(options.redis, logger);
  const { command } = connections;
  let closed = false;
  const isClosed = (): boolean => closed;
  const ownerId = crypto.randomUUID();

  const pubsub = new PubSubHub(connections.subscriber, logger);
  const leases = new OwnerLeases({
    keys,
    command,
    ownerId,
    leaseMs,
    maxEntries,
    closedTtlMs,
    now,
    logger,
    // Another instance ended our run: stop it here too.
    onLost: (runId) => void sessions.requestCancel(runId).catch(() => undefined),
  });
  const hub = new StreamHub({
    keys,
    blocking: connections.blocking,
    command,
    checkEveryMs: Math.max(1, Math.floor(leaseMs / 2)),
    check: async (runIds) => void (await leases.check(runIds)),
    logger,
  });
  const sessions = createRedisSessionStore({
    keys,
    command,
    pubsub,
    leases,
    maxRunsPerSession,
    retryBudgetMs,
    isClosed,
  });
  const events = createRedisEventStore({
    keys,
    command,
    hub,
    maxEntries,
    closedTtlMs,
    idleTtlMs: idleLogTtlMs,
    retryBudgetMs,
    now,
    isClosed,
  });
  const approvals = createRedisApprovalStore({
    keys,
    command,
    pubsub,
    retainMs,
    allowedTtlMs,
    retryBudgetMs,
    now,
    isClosed,
  });
  leases.start();

  let closing: Promise<void> | undefined;
  return {
    events,
    approvals,
    sessions,
    ownerId,
    close() {
      closing ??= (async () => {
        closed = true;
        leases.stop();
        hub.close();
        await connections.close();
      })();
      return closing;
    },
  };
}
