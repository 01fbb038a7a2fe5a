import { errorMessage, GatewayError } from '@claude-gateway/core';

// Server answers that mean "try again shortly" rather than "this is wrong".
const TRANSIENT_REPLIES = ['LOADING', 'BUSY', 'TRYAGAIN', 'MASTERDOWN', 'READONLY'];

/** True for a lost connection or a transient server state; false for a real answer. */
export function isTransient(error: unknown): boolean {
  if (GatewayError.isInstance(error)) return false;
  // ioredis types its ReplyError as `any`; its name is stable.
  if (error instanceof Error && error.name === 'ReplyError') {
    return TRANSIENT_REPLIES.some((prefix) => error.message.startsWith(prefix));
  }
  return true;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** How {@link withRetry} retries. */
export interface RetryPolicy {
  /** Give up after this long (ms). */
  budgetMs: number;
  /** Stops retrying at once (the operation's last error is thrown). */
  signal?: AbortSignal;
  /** Refuses further attempts (the store set was closed). */
  isClosed?: () => boolean;
}

/**
 * Runs `operation` (told its attempt number, 0 first) until it succeeds, a
 * non-transient error comes back, or the budget is spent; then throws a
 * `GatewayError` `internal` that says what failed. Operations must be safe to
 * repeat: the stores pass the attempt number to their scripts, which then
 * recognise a write that was applied before its answer was lost.
 */
export async function withRetry<T>(
  what: string,
  policy: RetryPolicy,
  operation: (attempt: number) => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + policy.budgetMs;
  for (let attempt = 0; ; attempt++) {
    if (policy.isClosed?.()) {
      throw new GatewayError('internal', `redis: ${what}: the Redis stores are closed`);
    }
    try {
      return await operation(attempt);
    } catch (error) {
      if (!isTransient(error) || policy.signal?.aborted) throw error;
      if (Date.now() >= deadline || policy.isClosed?.()) {
        throw new GatewayError(
          'internal',
          `redis: ${what} failed: Redis unreachable for ${policy.budgetMs} ms (${errorMessage(error)})`,
          { cause: error },
        );
      }
      await sleep(Math.min(25 * 2 ** Math.min(attempt, 5), 500), policy.signal);
    }
  }
}
