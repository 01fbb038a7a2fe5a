import {
  GatewayError,
  isRunErrorCode,
  isTerminalEvent,
  type ErrorPayload,
  type EventLog,
  type EventStore,
  type GatewayEvent,
  type LogEntry,
  type ReadOptions,
  type RunMeta,
} from '@claude-gateway/core';
import type { Redis } from 'ioredis';
import { APPEND, CREATE_LOG, DELETE_LOG, deletedLogTtlMs, READ_PAGE } from './event-scripts.js';
import type { Keys } from './keys.js';
import { withRetry, type RetryPolicy } from './retry.js';
import type { StreamHub } from './stream-hub.js';

/** Entries fetched per round trip by a reader. */
const PAGE = 100;

const INTERNAL_END: ErrorPayload = {
  code: 'internal',
  message: 'run ended without a terminal event',
};

/** What the event store shares with its logs. */
export interface EventStoreContext {
  keys: Keys;
  command: Redis;
  hub: StreamHub;
  maxEntries: number;
  closedTtlMs: number;
  idleTtlMs: number;
  retryBudgetMs: number;
  now: () => number;
  isClosed: () => boolean;
}

type RawEntry = [string, string[]];

function parseEntry([id, fields]: RawEntry): LogEntry {
  let timestamp = 0;
  let event: GatewayEvent | undefined;
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] === 't') timestamp = Number(fields[i + 1]);
    else if (fields[i] === 'e') event = JSON.parse(fields[i + 1]!) as GatewayEvent;
  }
  return { seq: Number(id.slice(2)), timestamp, event: event! };
}

/**
 * One run's log on Redis: a stream `…log:<runId>:stream` whose entry ids are
 * `0-<seq>`, and a hash `…log:<runId>:meta` with the last seq and the closed
 * flag. Any number of handles, on any instance, read and write the same log.
 * `closed` is what this handle has seen (its own appends, its reads, the
 * state when it was opened).
 */
class RedisEventLog implements EventLog {
  readonly id: string;
  readonly meta: RunMeta | undefined;
  readonly #ctx: EventStoreContext;
  readonly #metaKey: string;
  readonly #streamKey: string;
  // Tokens of this handle's appends: a retried append finds its first try.
  readonly #writer = crypto.randomUUID().slice(0, 8);
  #appends = 0;
  #closed: boolean;

  constructor(ctx: EventStoreContext, id: string, meta: RunMeta | undefined, closed: boolean) {
    this.#ctx = ctx;
    this.id = id;
    this.meta = meta;
    this.#closed = closed;
    this.#metaKey = ctx.keys.logMeta(id);
    this.#streamKey = ctx.keys.logStream(id);
  }

  get closed(): boolean {
    return this.#closed;
  }

  #policy(signal?: AbortSignal): RetryPolicy {
    return {
      budgetMs: this.#ctx.retryBudgetMs,
      isClosed: this.#ctx.isClosed,
      ...(signal ? { signal } : {}),
    };
  }

  async lastSeq(): Promise<number> {
    const seq = await withRetry('lastSeq', this.#policy(), () =>
      this.#ctx.command.hget(this.#metaKey, 'seq'),
    );
    return Number(seq ?? 0);
  }

  async append(event: GatewayEvent): Promise<LogEntry> {
    if (event.type === 'events_dropped') {
      throw new GatewayError('invalid_options', 'events_dropped is synthetic and never stored');
    }
    const entry = await this.#write(event);
    if (!entry) throw new GatewayError('log_closed', `log ${this.id} is closed`);
    return entry;
  }

  /** Stores `event`; `undefined` when the log was already closed. */
  async #write(event: GatewayEvent): Promise<LogEntry | undefined> {
    const terminal = isTerminalEvent(event);
    const json = JSON.stringify(event);
    const timestamp = this.#ctx.now();
    const token = `${this.#writer}:${++this.#appends}`;
    const reply = (await withRetry(`append to log ${this.id}`, this.#policy(), (attempt) =>
      APPEND.run(
        this.#ctx.command,
        [this.#metaKey, this.#streamKey],
        [
          json,
          timestamp,
          terminal ? 1 : 0,
          this.#ctx.maxEntries,
          this.#ctx.closedTtlMs,
          this.#ctx.idleTtlMs,
          token,
          attempt > 0 ? 1 : 0,
          deletedLogTtlMs(this.#ctx.closedTtlMs),
        ],
      ),
    )) as [string, (string | number)?, string?];
    switch (reply[0]) {
      case 'ok':
        if (terminal) this.#closed = true;
        return { seq: Number(reply[1]), timestamp, event };
      case 'dup':
        if (terminal) this.#closed = true;
        return { seq: Number(reply[1]), timestamp: Number(reply[2]), event };
      case 'closed':
        this.#closed = true;
        return undefined;
      default:
        throw new GatewayError('log_not_found', `log ${this.id} no longer exists`);
    }
  }

  read(options: ReadOptions = {}): AsyncIterable<LogEntry> {
    const afterSeq = options.afterSeq ?? 0;
    if (!Number.isInteger(afterSeq) || afterSeq < 0) {
      throw new GatewayError('invalid_options', 'afterSeq must be a non-negative integer');
    }
    return this.#read(afterSeq, options.signal);
  }

  async *#read(afterSeq: number, signal: AbortSignal | undefined): AsyncGenerator<LogEntry> {
    let position = afterSeq;
    for (;;) {
      if (signal?.aborted || this.#ctx.isClosed()) return;
      let page: [number, number, RawEntry[]];
      try {
        page = (await withRetry(`read log ${this.id}`, this.#policy(signal), () =>
          READ_PAGE.run(
            this.#ctx.command,
            [this.#metaKey, this.#streamKey],
            [`0-${position + 1}`, PAGE],
          ),
        )) as [number, number, RawEntry[]];
      } catch (error) {
        if (signal?.aborted || this.#ctx.isClosed()) return;
        throw error;
      }
      const [exists, closed, raw] = page;
      if (!exists) return; // expired, or never created
      if (closed) this.#closed = true;
      if (raw.length > 0) {
        const first = Number(raw[0]![0].slice(2));
        if (first > position + 1) {
          // The position fell out of retention: say so once, then continue.
          yield {
            seq: first - 1,
            timestamp: this.#ctx.now(),
            event: {
              type: 'events_dropped',
              first_available_seq: first,
              dropped: first - 1 - position,
            },
          };
          position = first - 1;
          if (signal?.aborted) return;
        }
        for (const item of raw) {
          const entry = parseEntry(item);
          position = entry.seq;
          yield entry;
          if (isTerminalEvent(entry.event)) {
            this.#closed = true;
            return;
          }
          if (signal?.aborted) return;
        }
        continue;
      }
      if (closed) return;
      await this.#ctx.hub.wait(this.id, position, signal);
    }
  }

  async close(error?: ErrorPayload): Promise<void> {
    if (this.#closed) return;
    const end = error ?? INTERNAL_END;
    // The code set of `error` events is closed; anything else becomes `internal`.
    const written = await this.#write({
      type: 'error',
      code: isRunErrorCode(end.code) ? end.code : 'internal',
      message: end.message,
    }).catch((thrown: unknown) => {
      if (GatewayError.isInstance(thrown) && thrown.code === 'log_not_found') return undefined;
      throw thrown;
    });
    if (!written) this.#closed = true;
  }
}

/**
 * The Redis {@link EventStore}: logs created on one instance are opened,
 * read, resumed and closed on any other.
 */
export function createRedisEventStore(
  ctx: EventStoreContext,
): EventStore & Required<Pick<EventStore, 'delete'>> {
  const policy = (): RetryPolicy => ({ budgetMs: ctx.retryBudgetMs, isClosed: ctx.isClosed });
  return {
    async create(runId, meta) {
      if (typeof runId !== 'string' || runId.length === 0) {
        throw new GatewayError('invalid_options', 'runId must be a non-empty string');
      }
      const metaJson = JSON.stringify(meta ?? null);
      const created = await withRetry(`create log ${runId}`, policy(), async (attempt) => {
        const answer = await CREATE_LOG.run(
          ctx.command,
          [ctx.keys.logMeta(runId)],
          [metaJson, ctx.idleTtlMs],
        );
        // A retried create whose first try was stored finds an empty log with its meta.
        if (answer === 0 && attempt > 0) {
          const [seq, stored] = await ctx.command.hmget(ctx.keys.logMeta(runId), 'seq', 'meta');
          return seq === '0' && stored === metaJson ? 1 : 0;
        }
        return answer;
      });
      if (created !== 1) throw new GatewayError('invalid_options', `run ${runId} already exists`);
      return new RedisEventLog(ctx, runId, meta, false);
    },

    async open(runId) {
      if (typeof runId !== 'string' || runId.length === 0) return undefined;
      const [seq, closed, meta, deleted] = await withRetry(`open log ${runId}`, policy(), () =>
        ctx.command.hmget(ctx.keys.logMeta(runId), 'seq', 'closed', 'meta', 'deleted'),
      );
      if (seq === null || deleted === '1') return undefined;
      const parsed = meta ? (JSON.parse(meta) as RunMeta | null) : null;
      return new RedisEventLog(ctx, runId, parsed ?? undefined, closed === '1');
    },

    async delete(runId) {
      if (typeof runId !== 'string' || runId.length === 0) return;
      await withRetry(`delete log ${runId}`, policy(), () =>
        DELETE_LOG.run(
          ctx.command,
          [ctx.keys.logMeta(runId), ctx.keys.logStream(runId)],
          [deletedLogTtlMs(ctx.closedTtlMs)],
        ),
      );
    },
  };
}
