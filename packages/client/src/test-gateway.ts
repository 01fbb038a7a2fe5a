// Test helper (not exported): the real HTTP API (node mount) over a real run
// manager and agent runner, talking to the scripted Anthropic server.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createAgentRunner,
  createMemoryEventStore,
  createRunManager,
  type EventStore,
  type RunManager,
} from '@claude-gateway/core';
import {
  createApprovalBroker,
  createToolDispatcher,
  type LocalTool,
} from '@claude-gateway/dispatch';
import { createGatewayHandler } from '@claude-gateway/server';
import { toNodeListener } from '@claude-gateway/server/node';
import { startMockAnthropic, type Script } from '@claude-gateway/testing';

/** Options of {@link startTestGateway}. */
export interface TestGatewayOptions {
  script: Script;
  tools?: LocalTool[];
  /** The `retry:` the server sends. @default 1000 */
  retryMs?: number;
  /** @default 15000 */
  heartbeatMs?: number;
}

/** A running gateway. */
export interface TestGateway {
  /** The API base URL (`http://127.0.0.1:<port>/api`). */
  url: string;
  port: number;
  runs: RunManager;
  events: EventStore;
  close(): Promise<void>;
}

const quiet = { warn: () => undefined, error: () => undefined };

/** Starts the gateway on 127.0.0.1, port 0. */
export async function startTestGateway(options: TestGatewayOptions): Promise<TestGateway> {
  const mock = await startMockAnthropic({ script: options.script });
  const approvals = createApprovalBroker({ timeoutMs: 60_000 });
  const runner = createAgentRunner({
    apiKey: 'test-key',
    baseURL: mock.url,
    model: 'claude-sonnet-4-6',
    thinking: false,
    tools: createToolDispatcher({ tools: options.tools ?? [], approvals }),
  });
  const events = createMemoryEventStore();
  const runs = createRunManager({ runner, events });
  const stopStreams = new AbortController();
  const sse: { retryMs?: number; heartbeatMs?: number } = {};
  if (options.retryMs !== undefined) sse.retryMs = options.retryMs;
  if (options.heartbeatMs !== undefined) sse.heartbeatMs = options.heartbeatMs;
  const handler = createGatewayHandler({
    runs,
    approvals,
    auth: { jwtSecret: 'a-test-secret-of-at-least-32-bytes!!' },
    sse,
    logger: quiet,
    signal: stopStreams.signal,
  });
  const server = createServer(toNodeListener(handler, { logger: quiet }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/api`,
    port,
    runs,
    events,
    close: async () => {
      await runs.close();
      stopStreams.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await mock.close();
    },
  };
}
