// Type tests: checked by `tsc` (pnpm typecheck), not run.
import type Anthropic from '@anthropic-ai/sdk';
import { expectTypeOf } from 'vitest';
import type {
  AgentRunner,
  AgentRunnerOptions,
  RunErrorCode,
  RunResult,
  ToolResultContentBlock,
  ToolResultHookContext,
  Usage,
} from './index.js';
import { createAgentRunner } from './index.js';

declare const result: RunResult;
expectTypeOf(result.costUsd).toEqualTypeOf<number | null>();
expectTypeOf(result.stopReason).toEqualTypeOf<string | null>();
expectTypeOf(result.usage).toEqualTypeOf<Usage>();
expectTypeOf(result.messages).toEqualTypeOf<Anthropic.MessageParam[]>();
expectTypeOf<NonNullable<RunResult['error']>['code']>().toEqualTypeOf<RunErrorCode>();

expectTypeOf(createAgentRunner).parameter(0).toEqualTypeOf<AgentRunnerOptions>();
expectTypeOf(createAgentRunner).returns.toEqualTypeOf<AgentRunner>();
expectTypeOf<ReturnType<AgentRunner['run']>>().toEqualTypeOf<Promise<RunResult>>();

// timeoutMs: a run time limit in ms, optional.
expectTypeOf<AgentRunnerOptions['timeoutMs']>().toEqualTypeOf<number | undefined>();

// thinking takes 'adaptive', a budget or false — nothing else.
expectTypeOf<{ model: 'm'; thinking: 'adaptive' }>().toExtend<AgentRunnerOptions>();
expectTypeOf<{ model: 'm'; thinking: { budgetTokens: 2048 } }>().toExtend<AgentRunnerOptions>();
expectTypeOf<{ model: 'm'; thinking: 'enabled' }>().not.toExtend<AgentRunnerOptions>();

// onToolResult may return content blocks, or nothing.
type OnToolResult = NonNullable<NonNullable<AgentRunnerOptions['hooks']>['onToolResult']>;
expectTypeOf<(ctx: ToolResultHookContext) => ToolResultContentBlock[]>().toExtend<OnToolResult>();
expectTypeOf<(ctx: ToolResultHookContext) => Promise<void>>().toExtend<OnToolResult>();
