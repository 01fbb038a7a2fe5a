import { type GatewayEvent, type Logger, errorDetail } from '@claude-gateway/core';
import type { Redis } from 'ioredis';
import { deletedLogTtlMs } from './event-scripts.js';
import type { Keys } from './keys.js';
import { CHECK_OWNER, RENEW_LEASES } from './owner-scripts.js';

/** What {@link OwnerLeases} needs. */
export interface OwnerLeasesOptions {
  keys: Keys;
  command: Redis;
  /** This store set's id, written into the leases it holds. */
  ownerId: string;
  leaseMs: number;
  maxEntries: number;
  closedTtlMs: number;
  now: () => number;
  logger: Logger;
  /** Called for a run this instance owned whose lease was declared lost. */
  onLost: (runId: string) => void;
}

const OWNER_LOST_MESSAGE = 'the instance running this run stopped responding';
const OWNER_LOST: GatewayEvent = { type: 'error', code: 'owner_lost', message: OWNER_LOST_MESSAGE };
const ENDED_OPEN: GatewayEvent = {
  type: 'error',
  code: 'internal',
  message: 'run ended without a terminal event',
};

/**
 * The per-run owner leases: renewed every `leaseMs / 3` for the runs this
 * instance began and has not ended; checked for every run with a lease every
 * `leaseMs / 2` (the sweep), and by readers waiting on a run. Whoever finds a
 * lapsed lease closes the run with `owner_lost`, once (a Lua script).
 */
export class OwnerLeases {
  readonly #options: OwnerLeasesOptions;
  readonly #owned = new Set<string>();
  #renewTimer: ReturnType<typeof setInterval> | undefined;
  #sweepTimer: ReturnType<typeof setInterval> | undefined;
  #sweeping = false;

  constructor(options: OwnerLeasesOptions) {
    this.#options = options;
  }

  /** Starts the renew and sweep timers (they never keep the process alive). */
  start(): void {
    const { leaseMs } = this.#options;
    this.#renewTimer = setInterval(() => void this.renew(), Math.max(1, Math.floor(leaseMs / 3)));
    this.#sweepTimer = setInterval(() => void this.sweep(), Math.max(1, Math.floor(leaseMs / 2)));
    this.#renewTimer.unref?.();
    this.#sweepTimer.unref?.();
  }

  /** Stops renewing: the leases this instance holds lapse (as if it died). */
  stop(): void {
    clearInterval(this.#renewTimer);
    clearInterval(this.#sweepTimer);
    this.#renewTimer = undefined;
    this.#sweepTimer = undefined;
    this.#owned.clear();
  }

  /** A run this instance began: renew its lease until {@link release}. */
  hold(runId: string): void {
    this.#owned.add(runId);
  }

  /** A run this instance ended: stop renewing (the lease lapses on its own). */
  release(runId: string): void {
    this.#owned.delete(runId);
  }

  /** The lease fields beginRun writes. */
  leaseArgs(): [string, number, number] {
    const { ownerId, leaseMs, now } = this.#options;
    return [ownerId, leaseMs, now() + leaseMs];
  }

  async renew(): Promise<void> {
    if (this.#owned.size === 0) return;
    const { keys, command, ownerId, leaseMs, now } = this.#options;
    try {
      const lost = (await RENEW_LEASES.run(
        command,
        [],
        [keys.prefix, ownerId, leaseMs, now() + leaseMs, ...this.#owned],
      )) as string[];
      for (const runId of lost) {
        if (!this.#owned.delete(runId)) continue;
        this.#options.logger.warn(
          'claude-gateway: this instance lost the lease of a run it was running; cancelling it',
          { runId },
        );
        this.#options.onLost(runId);
      }
    } catch (error) {
      // Redis is away: the next tick tries again (a lapse meanwhile is taken back).
      this.#options.logger.warn('claude-gateway: renewing run leases failed', {
        error: errorDetail(error),
      });
    }
  }

  /** Runs the owner check on `runIds`; resolves with how many it settled. */
  async check(runIds: string[]): Promise<number> {
    const { keys, command, now, maxEntries, closedTtlMs } = this.#options;
    let settled = 0;
    for (const runId of runIds) {
      const at = now();
      const end = JSON.stringify({
        endedAt: at,
        error: { code: 'owner_lost', message: OWNER_LOST_MESSAGE },
      });
      const result = (await CHECK_OWNER.run(
        command,
        [],
        [
          keys.prefix,
          runId,
          at,
          JSON.stringify(OWNER_LOST),
          JSON.stringify(ENDED_OPEN),
          end,
          maxEntries,
          closedTtlMs,
          deletedLogTtlMs(closedTtlMs),
        ],
      )) as number;
      if (result > 0) settled++;
    }
    return settled;
  }

  /** Checks every run whose lease deadline has passed; resolves with how many it settled. */
  async sweep(): Promise<number> {
    if (this.#sweeping) return 0;
    this.#sweeping = true;
    try {
      const { keys, command, now } = this.#options;
      const due = await command.zrangebyscore(keys.leases, '-inf', now(), 'LIMIT', 0, 100);
      return await this.check(due);
    } catch {
      return 0; // Redis is away; the next sweep tries again
    } finally {
      this.#sweeping = false;
    }
  }
}
