import { type Logger, errorDetail } from '@claude-gateway/core';
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import { sleep } from './retry.js';

interface Waiter {
  position: number;
  wake: () => void;
}

/** Options of {@link StreamHub}. */
export interface StreamHubOptions {
  keys: Keys;
  /** The connection that only ever runs the blocking XREAD. */
  blocking: Redis;
  /** Used to interrupt the blocking read when a new stream joins. */
  command: Redis;
  /**
   * How long one XREAD blocks, and how often the runs being waited on are
   * handed to `check` (a reader waiting on a run notices a lapsed lease).
   */
  checkEveryMs: number;
  /** Checks the runs readers are waiting on (the owner-lease check). */
  check: (runIds: string[]) => Promise<void>;
  logger: Logger;
}

/**
 * The one blocking connection of a store set, shared by all its readers.
 *
 * A reader that has caught up registers its run and position and sleeps; the
 * hub's single `XREAD BLOCK` covers every such run (plus a private wake
 * stream, written to interrupt the block when a new run joins) and wakes the
 * readers of a run as soon as an entry past their position lands. Readers
 * then fetch for themselves, from their own seq, so a reconnect never loses
 * or repeats anything.
 */
export class StreamHub {
  readonly #options: StreamHubOptions;
  readonly #wakeKey: string;
  readonly #waiters = new Map<string, Set<Waiter>>();
  #wakeId = '0-0';
  #running = false;
  #closed = false;
  #idle: (() => void) | undefined;
  // What the XREAD in flight covers: run id → stream id it reads after.
  #inFlight: Map<string, number> | undefined;
  #interrupting = false;
  #lastCheck = Date.now();

  constructor(options: StreamHubOptions) {
    this.#options = options;
    this.#wakeKey = options.keys.wake(crypto.randomUUID());
  }

  /** Readers currently waiting (for leak checks). */
  get waiting(): number {
    let count = 0;
    for (const set of this.#waiters.values()) count += set.size;
    return count;
  }

  /** Resolves once `runId`'s stream may hold an entry after `position`, or when `signal` aborts. */
  wait(runId: string, position: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.#closed || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let set = this.#waiters.get(runId);
      if (!set) this.#waiters.set(runId, (set = new Set()));
      const waiter: Waiter = {
        position,
        wake: () => {
          set.delete(waiter);
          if (set.size === 0 && this.#waiters.get(runId) === set) this.#waiters.delete(runId);
          signal?.removeEventListener('abort', waiter.wake);
          resolve();
        },
      };
      set.add(waiter);
      signal?.addEventListener('abort', waiter.wake, { once: true });
      this.#kick(runId, position);
    });
  }

  /** Wakes every reader and stops the loop. */
  close(): void {
    this.#closed = true;
    for (const set of [...this.#waiters.values()]) for (const waiter of [...set]) waiter.wake();
    this.#idle?.();
  }

  #kick(runId: string, position: number): void {
    if (!this.#running) {
      this.#running = true;
      void this.#loop();
      return;
    }
    if (this.#idle) {
      this.#idle();
      return;
    }
    const covered = this.#inFlight?.get(runId);
    if (covered !== undefined && covered <= position) return;
    this.#interrupt();
  }

  /** Writes to the hub's wake stream so the XREAD in flight returns and is rebuilt. */
  #interrupt(): void {
    if (this.#interrupting) return;
    this.#interrupting = true;
    this.#options.command
      .multi()
      .xadd(this.#wakeKey, 'MAXLEN', '1', '*', 'w', '1')
      .pexpire(this.#wakeKey, 60_000)
      .exec()
      .catch(() => undefined) // the loop comes round after checkEveryMs anyway
      .finally(() => (this.#interrupting = false));
  }

  async #loop(): Promise<void> {
    let failures = 0;
    while (!this.#closed) {
      if (this.#waiters.size === 0) {
        await new Promise<void>((resolve) => (this.#idle = resolve));
        this.#idle = undefined;
        continue;
      }
      const positions = new Map<string, number>();
      for (const [runId, set] of this.#waiters) {
        positions.set(runId, Math.min(...[...set].map((w) => w.position)));
      }
      const runIds = [...positions.keys()];
      this.#inFlight = positions;
      try {
        const reply = await this.#options.blocking.xread(
          'COUNT',
          1,
          'BLOCK',
          this.#options.checkEveryMs,
          'STREAMS',
          this.#wakeKey,
          ...runIds.map((id) => this.#options.keys.logStream(id)),
          this.#wakeId,
          ...runIds.map((id) => `0-${positions.get(id)}`),
        );
        this.#inFlight = undefined;
        failures = 0;
        for (const [key, entries] of reply ?? []) {
          if (key === this.#wakeKey) {
            this.#wakeId = entries.at(-1)?.[0] ?? this.#wakeId;
            continue;
          }
          const runId = runIds.find((id) => this.#options.keys.logStream(id) === key);
          const set = runId === undefined ? undefined : this.#waiters.get(runId);
          for (const waiter of [...(set ?? [])]) waiter.wake();
        }
      } catch (error) {
        this.#inFlight = undefined;
        if (this.#closed) break;
        // The connection dropped (or is reconnecting): readers keep their
        // positions, and the next XREAD picks up where they are.
        if (failures++ === 0) {
          this.#options.logger.warn('claude-gateway: Redis blocking read failed; retrying', {
            error: errorDetail(error),
          });
        }
        await sleep(Math.min(50 * 2 ** Math.min(failures, 5), 1000));
      }
      await this.#maybeCheck();
    }
    this.#running = false;
  }

  async #maybeCheck(): Promise<void> {
    if (Date.now() - this.#lastCheck < this.#options.checkEveryMs || this.#waiters.size === 0) {
      return;
    }
    this.#lastCheck = Date.now();
    const runIds = [...this.#waiters.keys()];
    // Each tried on its own; the next round tries again.
    await this.#options.check(runIds).catch(() => undefined);
    await this.#wakeVanished(runIds).catch(() => undefined);
  }

  /**
   * Wakes the readers of runs whose log is gone (expired, or deleted and
   * expired): the XREAD would wait on such a stream for ever; woken, a
   * reader finds the log gone and ends.
   */
  async #wakeVanished(runIds: string[]): Promise<void> {
    const { command, keys } = this.#options;
    const pipeline = command.pipeline();
    for (const runId of runIds) pipeline.exists(keys.logMeta(runId));
    const replies = (await pipeline.exec()) ?? [];
    replies.forEach(([error, exists], i) => {
      if (error || exists !== 0) return;
      for (const waiter of [...(this.#waiters.get(runIds[i]!) ?? [])]) waiter.wake();
    });
  }
}
