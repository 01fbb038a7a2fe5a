// Shared by the runner's tests (not part of the package: only index.ts is built).
import type Anthropic from '@anthropic-ai/sdk';
import {
  startMockAnthropic,
  type MockAnthropic,
  type MockRequestInfo,
  type Script,
} from '@claude-gateway/testing';
import type { AgentRunnerOptions } from './agent-runner-types.js';
import { createAgentRunner } from './agent-runner.js';
import type { EventLog, LogEntry } from './event-log-types.js';
import type { GatewayEvent } from './events.js';
import type { Logger } from './logger.js';
import type { ToolExecutor, ToolOutcome, ToolContext, ToolCall, ToolDefinition } from './tools.js';

/** Servers started by a test file; close them in afterEach. */
export const mocks: MockAnthropic[] = [];

export async function startMock(script: Script): Promise<MockAnthropic> {
  const mock = await startMockAnthropic({ script, logger: silentLogger() });
  mocks.push(mock);
  return mock;
}

export async function closeMocks(): Promise<void> {
  await Promise.all(mocks.splice(0).map((mock) => mock.close()));
}

export interface RecordingLogger extends Logger {
  errors: { message: string; data?: object }[];
  warnings: { message: string; data?: object }[];
}

export function silentLogger(): RecordingLogger {
  const errors: RecordingLogger['errors'] = [];
  const warnings: RecordingLogger['warnings'] = [];
  return {
    errors,
    warnings,
    error: (message, data) => void errors.push({ message, ...(data ? { data } : {}) }),
    warn: (message, data) => void warnings.push({ message, ...(data ? { data } : {}) }),
  };
}

/** Fast retries and a short (but not flaky) stall timeout. */
export const FAST_RETRY = { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5, stallTimeoutMs: 5_000 };

export function runnerFor(mock: MockAnthropic, options: Partial<AgentRunnerOptions> = {}) {
  return createAgentRunner({
    apiKey: 'test-key',
    baseURL: mock.url,
    model: 'claude-haiku-4-5',
    retry: FAST_RETRY,
    logger: silentLogger(),
    ...options,
  });
}

/** Every entry of a (closed) log. */
export async function entriesOf(log: EventLog): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const entry of log.read()) out.push(entry);
  return out;
}

export async function eventsOf(log: EventLog): Promise<GatewayEvent[]> {
  return (await entriesOf(log)).map((entry) => entry.event);
}

export function typesOf(events: GatewayEvent[]): string[] {
  return events.map((event) => event.type);
}

/** A ToolExecutor from plain functions. */
export function localTools(
  handlers: Record<string, (input: unknown, ctx: ToolContext, call: ToolCall) => unknown>,
): ToolExecutor & { calls: ToolCall[] } {
  const calls: ToolCall[] = [];
  const definitions: ToolDefinition[] = Object.keys(handlers).map((name) => ({
    name,
    description: `The ${name} tool`,
    input_schema: { type: 'object', properties: { value: { type: 'string' } } },
  }));
  return {
    calls,
    definitions: () => definitions,
    async execute(call, ctx): Promise<ToolOutcome> {
      calls.push(call);
      const handler = handlers[call.name];
      if (!handler) return { error: { code: 'unknown_tool', message: `no tool ${call.name}` } };
      try {
        return { result: await handler(call.input, ctx, call) };
      } catch (error) {
        return { error: { code: 'tool_error', message: (error as Error).message } };
      }
    },
  };
}

/** What the log holds right now (does not wait for more). */
export async function snapshot(log: EventLog): Promise<GatewayEvent[]> {
  const last = await log.lastSeq();
  const out: GatewayEvent[] = [];
  if (last === 0) return out;
  for await (const entry of log.read()) {
    out.push(entry.event);
    if (entry.seq >= last) break;
  }
  return out;
}

/** Resolves once `predicate` holds, polling every few ms (fails the test after `ms`). */
export async function waitFor(predicate: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error('waitFor: condition never held');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The parsed body of the mock's nth request. */
export function bodyOf(mock: MockAnthropic, index: number): Record<string, unknown> {
  return mock.requests[index]!.body as Record<string, unknown>;
}

/** A user message. */
export const user = (content: string): Anthropic.MessageParam => ({ role: 'user', content });

/** True when the request's last message carries a tool_result (the model is answering a tool). */
export function answersTool(request: MockRequestInfo): boolean {
  const last = request.body.messages.at(-1);
  return Array.isArray(last?.content) && last.content.some((block) => block.type === 'tool_result');
}
