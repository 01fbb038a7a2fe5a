import type * as Dispatch from '@claude-gateway/dispatch';
import { expectTypeOf, test } from 'vitest';
import type * as Local from './approval-types.js';

// The dependency rule keeps this package off dispatch; these fail the
// typecheck if the repeated ApprovalStore port ever drifts from dispatch's.
test('the ApprovalStore shapes match @claude-gateway/dispatch', () => {
  expectTypeOf<Local.ApprovalStore>().toEqualTypeOf<Dispatch.ApprovalStore>();
  expectTypeOf<Local.ApprovalRecord>().toEqualTypeOf<Dispatch.ApprovalRecord>();
  expectTypeOf<Local.ApprovalDecision>().toEqualTypeOf<Dispatch.ApprovalDecision>();
  expectTypeOf<Local.ApprovalEntry>().toEqualTypeOf<Dispatch.ApprovalEntry>();
  expectTypeOf<Local.StoreDecideResult>().toEqualTypeOf<Dispatch.StoreDecideResult>();
});
