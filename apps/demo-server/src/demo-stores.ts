import {
  createMemoryEventStore,
  errorMessage,
  GatewayError,
  type EventStore,
  type Logger,
  type SessionStore,
} from '@claude-gateway/core';
import type { ApprovalStore } from '@claude-gateway/dispatch';
import { createRedisStores } from '@claude-gateway/redis';
import { redactRedisUrl, type DemoConfig } from './config.js';

/** Where the demo keeps sessions, runs, events and approvals. */
export type DemoStoreKind = 'memory' | 'redis';

/** The stores the demo's run manager and approval broker use. */
export interface DemoStores {
  /** `memory` (one process) or `redis` (shared by every instance on that Redis). */
  readonly kind: DemoStoreKind;
  /** Run logs. */
  readonly events: EventStore;
  /** Sessions and run records; `undefined`: the run manager's own memory store. */
  readonly sessions?: SessionStore;
  /** Approval records; `undefined`: the broker's own memory store. */
  readonly approvals?: ApprovalStore;
  /**
   * One line for a person: which store, and for Redis where (password
   * hidden) and with which key prefix.
   */
  readonly description: string;
  /** Closes the stores; call it after the run manager is closed. */
  close(): Promise<void>;
}

/**
 * Opens the demo's stores: in memory, or in Redis when `config.redisUrl` is
 * set. A finished run's events are kept as long as its conversation
 * (`sessionTtlMs`), so a reloaded page can always rebuild it. With Redis, one
 * command checks that it answers (within the stores' retry budget, 10 s) so a
 * wrong URL fails the start with a clear message.
 *
 * @throws GatewayError `internal` when Redis cannot be reached.
 */
export async function openDemoStores(config: DemoConfig, logger: Logger): Promise<DemoStores> {
  if (config.redisUrl === undefined) {
    const events = createMemoryEventStore({ closedTtlMs: config.sessionTtlMs });
    return {
      kind: 'memory',
      events,
      description: 'memory (this process only)',
      close: () => Promise.resolve(events.dispose()),
    };
  }
  const where = redactRedisUrl(config.redisUrl);
  const stores = createRedisStores({
    redis: config.redisUrl,
    prefix: config.redisPrefix,
    closedTtlMs: config.sessionTtlMs,
    logger,
  });
  try {
    await stores.sessions.countSessions();
  } catch (error) {
    await stores.close().catch(() => undefined);
    throw new GatewayError('internal', `cannot reach Redis at ${where}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  return {
    kind: 'redis',
    events: stores.events,
    sessions: stores.sessions,
    approvals: stores.approvals,
    description: `redis at ${where} (key prefix "${config.redisPrefix}")`,
    close: () => stores.close(),
  };
}
