/** Restart policy for a server that exits unexpectedly. */
export interface RestartOptions {
  /**
   * Consecutive failed attempts (after a crash, or after a failed start)
   * before the server is marked `failed`; `0` turns restarts off, `Infinity`
   * never gives up. A server that crashes again before it has stayed ready
   * for `resetAfterMs` counts as another failed attempt. @default 5
   */
  maxAttempts?: number;
  /** Delay before the first attempt; doubles each time. ≥ 0 and ≤ 2147483647 ms. @default 500 */
  initialDelayMs?: number;
  /** Upper bound of the delay; ≥ 0 and ≤ 2147483647 ms. @default 30000 */
  maxDelayMs?: number;
  /**
   * How long a server must stay ready before its count of attempts starts
   * over, so a server that crashes soon after every start is not restarted
   * forever; ≥ 0 and ≤ 2147483647 ms. @default 60000
   */
  resetAfterMs?: number;
}

/** @internal The wait before restart attempt `attempt` (from 0): doubling from `initialDelayMs`, capped. */
export function restartDelay(
  attempt: number,
  { initialDelayMs, maxDelayMs }: Pick<Required<RestartOptions>, 'initialDelayMs' | 'maxDelayMs'>,
): number {
  return Math.min(initialDelayMs * 2 ** attempt, maxDelayMs);
}
