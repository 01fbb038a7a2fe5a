// A real gateway for tests: the scripted Anthropic server, a run manager, a
// dispatcher with one gated tool, an approval broker, and the HTTP handler.
import {
  createAgentRunner,
  createMemoryEventStore,
  createRunManager,
  type Logger,
  type RunManager,
} from '@claude-gateway/core';
import {
  createApprovalBroker,
  createToolDispatcher,
  defineTool,
  type ApprovalBroker,
} from '@claude-gateway/dispatch';
import {
  startMockAnthropic,
  textTurn,
  toolUseTurn,
  type MockAnthropic,
  type Script,
} from '@claude-gateway/testing';
import { createGatewayHandler } from '../gateway-handler.js';
import type { GatewayHandler, GatewayHandlerOptions } from '../gateway-handler-types.js';

export const SECRET = 'test-secret-of-at-least-thirty-two-bytes!';

/** A logger that remembers what it was told. */
export interface MemoryLogger extends Logger {
  warnings: { message: string; data?: object }[];
  errors: { message: string; data?: object }[];
}

export function memoryLogger(): MemoryLogger {
  const warnings: MemoryLogger['warnings'] = [];
  const errors: MemoryLogger['errors'] = [];
  return {
    warnings,
    errors,
    warn: (message, data) => void warnings.push({ message, data }),
    error: (message, data) => void errors.push({ message, data }),
  };
}

type Block = { type?: string; text?: unknown };

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return (content as Block[])
    .filter((block) => block.type === 'text' && typeof block.text === 'string')
    .map((block) => String(block.text))
    .join('\n');
}

function hasToolResult(content: unknown): boolean {
  return Array.isArray(content) && (content as Block[]).some((b) => b.type === 'tool_result');
}

/**
 * The model of these tests: a user message naming "gated" calls the gated
 * tool `danger`; after a tool result it says "tool finished"; anything else
 * is echoed back.
 */
export const testScript: Script = ({ body }) => {
  const last = body.messages.at(-1);
  const text = textOf(last?.content);
  if (text.includes('gated')) return toolUseTurn('danger', { target: 'x' });
  if (hasToolResult(last?.content)) return textTurn('tool finished');
  return textTurn(`echo: ${text}`);
};

export interface Fixture {
  mock: MockAnthropic;
  runs: RunManager;
  approvals: ApprovalBroker;
  handler: GatewayHandler;
  logger: MemoryLogger;
  /** Calls of the gated tool that actually ran. */
  toolCalls: string[];
  close(): Promise<void>;
}

export interface FixtureOptions {
  handler?: Partial<GatewayHandlerOptions>;
  maxActiveRuns?: number;
  approvalTimeoutMs?: number;
  /** Wraps the run manager (to make it fail, say). */
  wrapRuns?: (runs: RunManager) => RunManager;
}

export async function createFixture(options: FixtureOptions = {}): Promise<Fixture> {
  const mock = await startMockAnthropic({ script: testScript });
  const logger = memoryLogger();
  const toolCalls: string[] = [];
  const danger = defineTool<{ target: string }>({
    name: 'danger',
    description: 'Does something a person must approve',
    inputSchema: {
      type: 'object',
      properties: { target: { type: 'string' } },
      required: ['target'],
    },
    needsApproval: true,
    handler: ({ target }) => {
      toolCalls.push(target);
      return { done: target };
    },
  });
  const approvals = createApprovalBroker({
    ...(options.approvalTimeoutMs !== undefined ? { timeoutMs: options.approvalTimeoutMs } : {}),
  });
  const runner = createAgentRunner({
    apiKey: 'test',
    baseURL: mock.url,
    model: 'claude-sonnet-4-6',
    tools: createToolDispatcher({ tools: [danger], approvals }),
    retry: { maxRetries: 0 },
  });
  const runs = createRunManager({
    runner,
    events: createMemoryEventStore(),
    logger,
    ...(options.maxActiveRuns !== undefined ? { maxActiveRuns: options.maxActiveRuns } : {}),
  });
  const shutdown = new AbortController();
  const handler = createGatewayHandler({
    runs: options.wrapRuns ? options.wrapRuns(runs) : runs,
    approvals,
    auth: { jwtSecret: SECRET },
    logger,
    signal: shutdown.signal,
    ...options.handler,
  });
  return {
    mock,
    runs,
    approvals,
    handler,
    logger,
    toolCalls,
    async close() {
      await runs.close();
      shutdown.abort();
      await mock.close();
    },
  };
}
