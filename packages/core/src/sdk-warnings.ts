import type { Logger } from './logger.js';

/**
 * Runs `call` — a synchronous call into `@anthropic-ai/sdk` — with
 * `console.warn` routed to `logger.warn`, each distinct message once per
 * `seen` set.
 *
 * Why: `client.messages.create()` itself writes `console.warn` (not through
 * the client's `logger` option) when a request names a model the SDK lists as
 * deprecated, or uses budget thinking where it prefers adaptive. Those checks
 * run synchronously before `create()` returns its promise, so swapping
 * `console.warn` for exactly that synchronous call catches them and nothing
 * else: no other code can run in between, and the original is restored before
 * this returns, even when `call` throws.
 */
export function routeSdkWarnings<T>(logger: Logger, seen: Set<string>, call: () => T): T {
  const original = console.warn;
  const caught: string[] = [];
  console.warn = (...args: unknown[]): void => {
    caught.push(args.map((arg) => (typeof arg === 'string' ? arg : String(arg))).join(' '));
  };
  try {
    return call();
  } finally {
    // Restored before the logger runs: the default logger writes to console.warn.
    console.warn = original;
    for (const message of caught) {
      if (seen.has(message)) continue;
      seen.add(message);
      logger.warn(`@anthropic-ai/sdk: ${message}`);
    }
  }
}
