import { GatewayClientError } from './gateway-client-error.js';

/** How `run.events()` reconnects after a dropped stream. */
export interface ReconnectOptions {
  /**
   * Delay before the first reconnect when the server has not sent `retry:`
   * (the connection failed before the stream opened). The server's `retry:`
   * value, once seen, replaces it.
   * @default 1000
   */
  initialDelayMs?: number;
  /** Cap of the exponential backoff. @default 30000 */
  maxDelayMs?: number;
  /**
   * Reconnects in a row without a successful open before giving up and
   * throwing the last error. A successful open resets the count.
   * @default Infinity (retry until the run ends or `signal` aborts, as `EventSource` does)
   */
  maxAttempts?: number;
  /** A number in [0, 1) for the jitter; tests pass a seeded one. @default Math.random */
  random?: () => number;
}

/** {@link ReconnectOptions} with every default filled in. */
export type ResolvedReconnectOptions = Required<ReconnectOptions>;

/** Fills in the defaults of {@link ReconnectOptions}. */
export function resolveReconnect(options: ReconnectOptions = {}): ResolvedReconnectOptions {
  const resolved = {
    initialDelayMs: options.initialDelayMs ?? 1000,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    maxAttempts: options.maxAttempts ?? Number.POSITIVE_INFINITY,
    random: options.random ?? Math.random,
  };
  for (const name of ['initialDelayMs', 'maxDelayMs'] as const) {
    const value = resolved[name];
    if (!Number.isFinite(value) || value < 0) {
      throw new GatewayClientError(
        'invalid_options',
        `retry.${name} must be a non-negative number`,
      );
    }
  }
  if (!(resolved.maxAttempts >= 0)) {
    throw new GatewayClientError(
      'invalid_options',
      'retry.maxAttempts must be a non-negative number',
    );
  }
  return resolved;
}

/**
 * The wait before reconnect number `attempt` (1-based, counted since the last
 * successful open): the first waits exactly `baseMs` (the server's `retry:`),
 * later ones double it, capped at `maxDelayMs`, with "equal jitter" (a random
 * point in the upper half) so many clients dropped together do not come back
 * together. `minMs` (a `retry-after`) raises the wait, within the cap.
 */
export function reconnectDelay(
  attempt: number,
  baseMs: number,
  options: ResolvedReconnectOptions,
  minMs = 0,
): number {
  let delay: number;
  if (attempt <= 1) {
    delay = Math.min(baseMs, options.maxDelayMs);
  } else {
    // A `retry: 0` must not turn the backoff into a busy loop.
    const exponential = Math.max(baseMs, 1) * 2 ** Math.min(attempt - 1, 30);
    const capped = Math.min(exponential, options.maxDelayMs);
    delay = capped / 2 + (options.random() * capped) / 2;
  }
  return Math.min(Math.max(delay, minMs), options.maxDelayMs);
}

/**
 * Resolves after `ms`, or early (without throwing) when `signal` aborts;
 * leaves no timer or listener behind either way.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Milliseconds of a `retry-after` header (seconds or an HTTP date); `0` when absent or unreadable. */
export function retryAfterMs(response: Response, now = Date.now()): number {
  const value = response.headers.get('retry-after');
  if (value === null || value.trim() === '') return 0;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? 0 : Math.max(0, date - now);
}
