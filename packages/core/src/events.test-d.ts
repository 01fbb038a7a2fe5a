// Type tests: checked by `tsc` (pnpm typecheck), not run.
import { expectTypeOf } from 'vitest';
import type { GatewayEvent, LogEntry, TerminalEvent, ToolOutcome } from './index.js';
import { GatewayError, isEventType, isTerminalEvent } from './index.js';

declare const event: GatewayEvent;

if (isTerminalEvent(event)) {
  expectTypeOf(event).toEqualTypeOf<TerminalEvent>();
}
if (isEventType(event, 'tool_result')) {
  expectTypeOf(event.duration_ms).toEqualTypeOf<number>();
  expectTypeOf(event.source).toEqualTypeOf<string>();
}
if (event.type === 'error') {
  expectTypeOf(event.code).toEqualTypeOf<
    | 'cancelled'
    | 'rate_limited'
    | 'overloaded'
    | 'stalled'
    | 'upstream_error'
    | 'authentication'
    | 'invalid_request'
    | 'context_window_exceeded'
    | 'request_too_large'
    | 'max_turns'
    | 'timeout'
    | 'owner_lost'
    | 'internal'
  >();
}

declare const entry: LogEntry;
expectTypeOf(entry.seq).toEqualTypeOf<number>();
expectTypeOf(entry.timestamp).toEqualTypeOf<number>();

// A tool outcome is a result or an error, never both.
const ok: ToolOutcome = { result: { sum: 3 } };
const failed: ToolOutcome = { error: { code: 'tool_timeout', message: 'slow' }, source: 'local' };
void ok;
void failed;
// @ts-expect-error — an error code outside the closed tool set
const badCode: ToolOutcome = { error: { code: 'boom', message: 'x' } };
void badCode;
// @ts-expect-error — GatewayError codes are a closed set
void new GatewayError('whatever', 'x');

declare const unknownError: unknown;
if (GatewayError.isInstance(unknownError)) {
  expectTypeOf(unknownError.code).toBeString();
}
