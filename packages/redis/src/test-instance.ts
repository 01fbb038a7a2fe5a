// Shared by the tests of this package; not part of the public API.
// One "instance" = one store set + run manager + approval broker, as one
// server process behind a load balancer would hold them.
import {
  createAgentRunner,
  createRunManager,
  type EventLog,
  type GatewayEvent,
  type LogEntry,
  type Logger,
  type ReadOptions,
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
  type MockRequestInfo,
} from '@claude-gateway/testing';
import {
  createRedisStores,
  type RedisStores,
  type RedisStoresOptions,
} from './create-redis-stores.js';

/** A logger that keeps what it was told. */
export function quietLogger(): Logger & { warnings: string[]; errors: string[] } {
  const warnings: string[] = [];
  const errors: string[] = [];
  return {
    warnings,
    errors,
    warn: (message) => void warnings.push(message),
    error: (message) => void errors.push(message),
  };
}

function lastUserText(request: MockRequestInfo): string {
  const last = request.body.messages.at(-1);
  if (!last) return '';
  if (typeof last.content === 'string') return last.content;
  return last.content.map((block) => (block.type === 'text' ? block.text : '')).join(' ');
}

function answersTool(request: MockRequestInfo): boolean {
  const last = request.body.messages.at(-1);
  return Array.isArray(last?.content) && last.content.some((block) => block.type === 'tool_result');
}

/**
 * The scripted model: "delete" calls the gated `delete_file`, "wait" calls
 * `wait` (which blocks until the run is cancelled), anything else answers
 * with a few words of text.
 */
export function startModel(): Promise<MockAnthropic> {
  return startMockAnthropic({
    logger: quietLogger(),
    script: (request) => {
      if (answersTool(request)) return textTurn('The tool is done.');
      const text = lastUserText(request);
      if (text.includes('delete')) return toolUseTurn('delete_file', { path: '/tmp/x' });
      if (text.includes('wait')) return toolUseTurn('wait', {});
      return textTurn(`You said: ${text}. That is all I have to say about it.`);
    },
  });
}

const deleteFile = defineTool<{ path: string }>({
  name: 'delete_file',
  description: 'Deletes a file',
  inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
  needsApproval: true,
  handler: ({ path }) => ({ deleted: path }),
});

const wait = defineTool({
  name: 'wait',
  description: 'Waits until the run is cancelled',
  inputSchema: { type: 'object', properties: {} },
  handler: (_input, { signal }) =>
    new Promise((resolve) => signal.addEventListener('abort', () => resolve('aborted'))),
});

/** One server instance on a shared Redis. */
export interface TestInstance {
  stores: RedisStores;
  manager: RunManager;
  broker: ApprovalBroker;
  logger: ReturnType<typeof quietLogger>;
  close(): Promise<void>;
}

export function startInstance(model: MockAnthropic, options: RedisStoresOptions): TestInstance {
  const logger = quietLogger();
  const stores = createRedisStores({ logger, ...options });
  const broker = createApprovalBroker({ store: stores.approvals, timeoutMs: 60_000, logger });
  const tools = createToolDispatcher({ tools: [deleteFile, wait], approvals: broker, logger });
  const runner = createAgentRunner({
    apiKey: 'test-key',
    baseURL: model.url,
    model: 'claude-haiku-4-5',
    tools,
    logger,
    retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 5 },
  });
  const manager = createRunManager({
    runner,
    events: stores.events,
    sessions: stores.sessions,
    logger,
  });
  return {
    stores,
    manager,
    broker,
    logger,
    async close() {
      await manager.close();
      await stores.close();
    },
  };
}

/** Reads `log` until `stop` matches an event (or the log ends), returning every entry read. */
export async function readUntil(
  log: EventLog,
  stop: (event: GatewayEvent) => boolean = () => false,
  options: ReadOptions = {},
): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  for await (const entry of log.read(options)) {
    entries.push(entry);
    if (stop(entry.event)) break;
  }
  return entries;
}
