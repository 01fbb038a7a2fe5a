import { GatewayError } from '@claude-gateway/core';
import type { McpClientManagerOptions } from './manager-types.js';

// setTimeout fires at once for delays past 2^31 - 1 ms.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What a value must be, as a test and as the words of the error. */
type Rule = readonly [test: (value: number) => boolean, words: string];

const positiveInteger: Rule = [(v) => Number.isInteger(v) && v > 0, 'a positive integer'];
// Call limits go through our own clock, which takes Infinity (no limit).
const callLimit: Rule = [(v) => v > 0, '> 0 (Infinity for no limit)'];
// These go straight to setTimeout: past its limit it would fire at once.
const timer: Rule = [(v) => v >= 0 && v <= MAX_TIMER_MS, `≥ 0 and ≤ ${MAX_TIMER_MS}`];
const positiveTimer: Rule = [(v) => v > 0 && v <= MAX_TIMER_MS, `> 0 and ≤ ${MAX_TIMER_MS}`];
const attempts: Rule = [
  (v) => v === Infinity || (Number.isInteger(v) && v >= 0),
  'a non-negative integer or Infinity',
];

/**
 * @internal Checks the manager's numeric options when it is created, so a
 * bad value fails there, naming the option, rather than making every start
 * or call fail later (a negative timeout times out at once). Unset options
 * take their defaults and are not checked.
 * @throws GatewayError `invalid_options` for the first bad option.
 */
export function checkManagerOptions(options: McpClientManagerOptions): void {
  const restart = options.restart ?? {};
  const checks: (readonly [what: string, value: unknown, rule: Rule])[] = [
    ['startupTimeoutMs', options.startupTimeoutMs, positiveTimer],
    ['callTimeoutMs', options.callTimeoutMs, callLimit],
    ['maxTotalTimeoutMs', options.maxTotalTimeoutMs, callLimit],
    ['killGraceMs', options.killGraceMs, timer],
    ['restart.maxAttempts', restart.maxAttempts, attempts],
    ['restart.initialDelayMs', restart.initialDelayMs, timer],
    ['restart.maxDelayMs', restart.maxDelayMs, timer],
    ['restart.resetAfterMs', restart.resetAfterMs, timer],
    ['maxToolPages', options.maxToolPages, positiveInteger],
    ['maxTools', options.maxTools, positiveInteger],
    ['maxMessageBytes', options.maxMessageBytes, positiveInteger],
    ['maxAuthorizationAttempts', options.maxAuthorizationAttempts, positiveInteger],
    ...Object.entries(options.timeoutOverrides ?? {}).map(
      ([server, value]) => [`timeoutOverrides.${server}`, value, callLimit] as const,
    ),
  ];
  for (const [what, value, [test, words]] of checks) {
    if (value === undefined) continue;
    // A string such as "5000" compares like a number: refuse it by type.
    if (typeof value !== 'number' || !test(value)) {
      throw new GatewayError('invalid_options', `${what} must be ${words}`);
    }
  }
}
