// The dispatcher under the agent runner: approvals of sub-agents' calls and
// of concurrent calls, and `sequential` tools.
import {
  createAgentRunner,
  createEventLog,
  type EventOfType,
  type GatewayEvent,
  type MemoryEventLog,
} from '@claude-gateway/core';
import {
  startMockAnthropic,
  type MockAnthropic,
  type MockRequestInfo,
  type MockTurn,
} from '@claude-gateway/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createApprovalBroker } from './approval-broker.js';
import { defineTool } from './define-tool.js';
import { recordingLogger } from './test-helpers.js';
import { createToolDispatcher } from './tool-dispatcher.js';

const mocks: MockAnthropic[] = [];
afterEach(async () => {
  await Promise.all(mocks.splice(0).map((mock) => mock.close()));
});

async function startMock(script: (request: MockRequestInfo) => MockTurn): Promise<MockAnthropic> {
  const mock = await startMockAnthropic({ script, logger: recordingLogger() });
  mocks.push(mock);
  return mock;
}

const answersTool = (request: MockRequestInfo): boolean => {
  const last = request.body.messages.at(-1);
  return Array.isArray(last?.content) && last.content.some((b) => b.type === 'tool_result');
};

const schema = { type: 'object' as const, properties: { path: { type: 'string' } } };

/** Resolves with the first `type` event matching `match`, reading the log as it grows. */
async function nextEvent<T extends GatewayEvent['type']>(
  log: MemoryEventLog,
  type: T,
  match: (event: EventOfType<T>) => boolean = () => true,
): Promise<EventOfType<T>> {
  for await (const entry of log.read()) {
    const event = entry.event;
    if (event.type === type && match(event as EventOfType<T>)) return event as EventOfType<T>;
  }
  throw new Error(`the log ended without a matching ${type}`);
}

function runnerFor(
  mock: MockAnthropic,
  options: Parameters<typeof createAgentRunner>[0] extends infer O ? Partial<O> : never,
) {
  return createAgentRunner({
    apiKey: 'test-key',
    baseURL: mock.url,
    model: 'claude-haiku-4-5',
    retry: { maxRetries: 0, stallTimeoutMs: 10_000 },
    logger: recordingLogger(),
    ...options,
  });
}

describe('approvals through the runner', () => {
  it("a sub-agent's gated call is approved through the parent's log, session and run", async () => {
    const mock = await startMock((request) => {
      const child = JSON.stringify(request.body.system ?? '').includes('a writer');
      if (!child) {
        return answersTool(request)
          ? { blocks: [{ type: 'text', text: 'Written.' }] }
          : {
              blocks: [
                { type: 'tool_use', id: 'call_sub', name: 'writer', input: { task: 'write it' } },
              ],
            };
      }
      return answersTool(request)
        ? { blocks: [{ type: 'text', text: 'Done writing.' }] }
        : {
            blocks: [
              { type: 'tool_use', id: 'child_write', name: 'write_file', input: { path: 'a.txt' } },
            ],
          };
    });
    const writes: string[] = [];
    const broker = createApprovalBroker({ timeoutMs: 60_000, logger: recordingLogger() });
    const tools = createToolDispatcher({
      approvals: broker,
      logger: recordingLogger(),
      tools: [
        defineTool<{ path: string }>({
          name: 'write_file',
          description: 'Writes a file',
          inputSchema: schema,
          needsApproval: true,
          handler: ({ path }) => {
            writes.push(path);
            return 'written';
          },
        }),
      ],
    });
    const log = createEventLog({ meta: { sessionId: 'session-parent' } });
    const running = runnerFor(mock, {
      tools,
      subAgents: [{ name: 'writer', description: 'Writes.', systemPrompt: 'You are a writer.' }],
    }).run({ messages: [{ role: 'user', content: 'write a.txt' }], log });

    // What a browser following the parent's run sees.
    const request = await nextEvent(log, 'tool_approval_request');
    expect(request).toMatchObject({
      tool_use_id: 'child_write',
      name: 'write_file',
      parent_tool_use_id: 'call_sub',
    });
    // The server decides with the parent's session and run, as it would for
    // the parent's own calls: the call belongs to the run that shows it.
    const decide = (runId: string) =>
      broker.decide({
        toolUseId: request.tool_use_id,
        nonce: request.nonce,
        approved: true,
        sessionId: 'session-parent',
        runId,
        approver: 'alice',
      });
    expect(await decide('another-run')).toBe('not_found');
    expect(await decide(log.id)).toBe('ok');

    const result = await running;
    expect(result.error).toBeUndefined();
    expect(writes).toEqual(['a.txt']);
    const events: GatewayEvent[] = [];
    for await (const entry of log.read()) events.push(entry.event);
    expect(events.find((e) => e.type === 'tool_approval_decision')).toMatchObject({
      tool_use_id: 'child_write',
      approved: true,
      approver: 'alice',
      parent_tool_use_id: 'call_sub',
    });
    expect(
      events.find((e) => e.type === 'tool_result' && e.tool_use_id === 'call_sub'),
    ).toMatchObject({ result: { response: 'Done writing.', tools_used: ['write_file'] } });
  });

  it('two gated calls of one turn wait at once and can be approved in either order', async () => {
    const mock = await startMock((request) =>
      answersTool(request)
        ? { blocks: [{ type: 'text', text: 'Both done.' }] }
        : {
            blocks: [
              { type: 'tool_use', id: 'first', name: 'write_file', input: { path: '1' } },
              { type: 'tool_use', id: 'second', name: 'write_file', input: { path: '2' } },
            ],
          },
    );
    const writes: string[] = [];
    const broker = createApprovalBroker({ timeoutMs: 60_000, logger: recordingLogger() });
    const tools = createToolDispatcher({
      approvals: broker,
      logger: recordingLogger(),
      tools: [
        defineTool<{ path: string }>({
          name: 'write_file',
          description: 'Writes a file',
          inputSchema: schema,
          needsApproval: true,
          handler: ({ path }) => {
            writes.push(path);
            return `wrote ${path}`;
          },
        }),
      ],
    });
    const log = createEventLog({ meta: { sessionId: 's1' } });
    const running = runnerFor(mock, { tools }).run({
      messages: [{ role: 'user', content: 'write both' }],
      log,
    });
    // Both requests are out before any decision: the calls wait concurrently.
    const first = await nextEvent(log, 'tool_approval_request', (e) => e.tool_use_id === 'first');
    const second = await nextEvent(log, 'tool_approval_request', (e) => e.tool_use_id === 'second');
    const decide = (e: typeof first) =>
      broker.decide({ toolUseId: e.tool_use_id, nonce: e.nonce, approved: true, sessionId: 's1' });
    // The second first.
    expect(await decide(second)).toBe('ok');
    await nextEvent(log, 'tool_result', (e) => e.tool_use_id === 'second');
    expect(writes).toEqual(['2']);
    expect(await decide(first)).toBe('ok');

    const result = await running;
    expect(result.error).toBeUndefined();
    expect(writes).toEqual(['2', '1']);
    const sent = mock.requests.at(-1)!.body as { messages: { content: unknown }[] };
    expect(sent.messages.at(-1)!.content).toMatchObject([
      { tool_use_id: 'first', content: [{ text: 'wrote 1' }] },
      { tool_use_id: 'second', content: [{ text: 'wrote 2' }] },
    ]);
  });

  it('a tool defined with sequential: true runs alone', async () => {
    const mock = await startMock((request) =>
      answersTool(request)
        ? { blocks: [{ type: 'text', text: 'ok' }] }
        : {
            blocks: ['a', 'lock', 'b'].map((name, i) => ({
              type: 'tool_use' as const,
              id: `t${i}`,
              name: name === 'lock' ? 'migrate' : 'read',
              input: { path: name },
            })),
          },
    );
    const trace: string[] = [];
    let active = 0;
    const settle = async () => {
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    const tools = createToolDispatcher({
      logger: recordingLogger(),
      tools: [
        defineTool<{ path: string }>({
          name: 'read',
          description: 'Reads',
          inputSchema: schema,
          handler: async ({ path }) => {
            active++;
            trace.push(`read ${path}`);
            await settle();
            active--;
            return path;
          },
        }),
        defineTool({
          name: 'migrate',
          description: 'Migrates the database',
          inputSchema: schema,
          sequential: true,
          handler: async () => {
            trace.push(`migrate with ${active} running`);
            await settle();
            trace.push('migrate done');
            return 'migrated';
          },
        }),
      ],
    });
    expect(tools.isSequential('migrate')).toBe(true);
    expect(tools.isSequential('read')).toBe(false);
    const result = await runnerFor(mock, { tools }).run({
      messages: [{ role: 'user', content: 'go' }],
      log: createEventLog(),
    });
    expect(result.error).toBeUndefined();
    expect(trace).toEqual(['read a', 'migrate with 0 running', 'migrate done', 'read b']);
  });
});
