// Type tests: checked by `tsc` (pnpm typecheck), not run.
import { expectTypeOf } from 'vitest';
import type {
  MockAnthropic,
  MockBlock,
  MockFault,
  MockRequestInfo,
  MockTurn,
  Script,
} from './index.js';
import { createDemoModel, startMockAnthropic, textTurn, toolUseTurn } from './index.js';

expectTypeOf(startMockAnthropic).returns.resolves.toEqualTypeOf<MockAnthropic>();
expectTypeOf(createDemoModel()).toEqualTypeOf<Script>();
expectTypeOf(textTurn('x')).toEqualTypeOf<MockTurn>();
expectTypeOf(toolUseTurn('f', { a: 1 }, { id: 'toolu_1' })).toEqualTypeOf<MockTurn>();

// Scripts are lists or sync/async functions of the request.
const list: Script = [textTurn('a'), { fault: { type: 'http_error', status: 429, retryAfter: 1 } }];
const sync: Script = (request: MockRequestInfo) => textTurn(request.body.model);
const asyncScript: Script = ({ index }) => Promise.resolve(textTurn(String(index)));
void [list, sync, asyncScript];

// Blocks and faults are discriminated unions.
declare const block: MockBlock;
if (block.type === 'tool_use') expectTypeOf(block.input).toEqualTypeOf<unknown>();
if (block.type === 'redacted_thinking') expectTypeOf(block.data).toEqualTypeOf<string>();
declare const fault: MockFault;
if (fault.type === 'stream_error') {
  expectTypeOf(fault.errorType).toEqualTypeOf<'overloaded_error' | 'api_error' | undefined>();
}

// @ts-expect-error a fault type that does not exist
const bad: MockFault = { type: 'explode' };
void bad;
