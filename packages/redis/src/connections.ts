import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '@claude-gateway/core';

/** Where the stores connect: a URL, ioredis options, or a client whose settings are copied. */
export type RedisConnectionInput = string | RedisOptions | Redis;

/** The three connections one store set holds: commands, the shared blocking read, pub/sub. */
export interface Connections {
  readonly command: Redis;
  readonly blocking: Redis;
  readonly subscriber: Redis;
  /** Closes all three (gracefully when connected). */
  close(): Promise<void>;
}

// Commands in flight when a connection drops are rejected at once (never
// re-sent behind our back: an append re-sent by the client could be stored
// twice); the stores retry them themselves, idempotently, within a budget.
const OWN_SETTINGS: RedisOptions = {
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
};

const DEFAULT_RETRY = (times: number): number => Math.min(50 * 2 ** Math.min(times, 5), 1000);

function open(input: RedisConnectionInput, name: string): Redis {
  if (input instanceof Redis) {
    return input.duplicate({
      ...OWN_SETTINGS,
      connectionName: name,
      retryStrategy: input.options.retryStrategy ?? DEFAULT_RETRY,
    });
  }
  if (typeof input === 'string') {
    return new Redis(input, {
      ...OWN_SETTINGS,
      connectionName: name,
      retryStrategy: DEFAULT_RETRY,
    });
  }
  return new Redis({
    retryStrategy: DEFAULT_RETRY,
    ...input,
    ...OWN_SETTINGS,
    connectionName: name,
  });
}

async function shut(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch {
      // fall through: the connection went away meanwhile
    }
  }
  redis.disconnect(false);
}

/** Opens the connections of one store set; connection errors are reported once per outage. */
export function openConnections(input: RedisConnectionInput, logger: Logger): Connections {
  const all = {
    command: open(input, 'claude-gateway'),
    blocking: open(input, 'claude-gateway:reader'),
    subscriber: open(input, 'claude-gateway:pubsub'),
  };
  let closing = false;
  for (const [role, redis] of Object.entries(all)) {
    let reported = false;
    // An 'error' event without a listener would crash the process.
    redis.on('error', (error: Error) => {
      if (closing || reported) return;
      reported = true;
      logger.warn('claude-gateway: Redis connection lost; retrying', {
        connection: role,
        error: error.message,
      });
    });
    redis.on('ready', () => {
      reported = false;
    });
  }
  return {
    ...all,
    async close() {
      closing = true;
      await Promise.all(Object.values(all).map(shut));
    },
  };
}
