// A chat server in a few lines: the runner, a dispatcher with a gated tool,
// the run manager, and the whole HTTP API (sessions, runs, resumable SSE,
// approvals, cancel) mounted on plain `node:http`. Offline on the demo model
// unless ANTHROPIC_API_KEY is set. Routes: see @claude-gateway/server.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createAgentRunner, createMemoryEventStore, createRunManager } from '@claude-gateway/core';
import { createApprovalBroker, createToolDispatcher, defineTool } from '@claude-gateway/dispatch';
import { createGatewayHandler } from '@claude-gateway/server';
import { toNodeListener } from '@claude-gateway/server/node';
import { createDemoModel, startMockAnthropic } from '@claude-gateway/testing';

/** Options of {@link startChatServer}. */
export interface ChatServerOptions {
  /** @default 3000 (`0` picks a free port) */
  port?: number;
  /** Anthropic API key; without one the server runs on the offline demo model. @default process.env.ANTHROPIC_API_KEY */
  apiKey?: string;
  /** Signs session tokens. @default a random secret per process */
  jwtSecret?: string;
  /** Delay between the demo model's streamed events, so streaming is visible. @default 0 */
  demoDelayMs?: number;
}

const getWeather = defineTool<{ city: string }>({
  name: 'get_weather',
  description: 'Current weather for a city',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  handler: ({ city }) => ({ city, forecast: 'sunny', temperature_c: 21 }),
});
const deleteFile = defineTool<{ path: string }>({
  name: 'delete_file',
  description: 'Deletes a file (pretend): needs a person to approve it',
  inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
  needsApproval: true,
  handler: ({ path }) => ({ deleted: path }),
});

/** Starts the chat server; resolves once it listens. `close()` ends runs, streams and the server. */
export async function startChatServer(options: ChatServerOptions = {}) {
  const apiKey = options.apiKey ?? process.env.ANTHROPIC_API_KEY;
  const mock = apiKey
    ? undefined
    : await startMockAnthropic({ script: createDemoModel({ delayMs: options.demoDelayMs ?? 0 }) });
  const approvals = createApprovalBroker({ timeoutMs: 120_000 });
  const runner = createAgentRunner({
    ...(mock ? { apiKey: 'demo', baseURL: mock.url } : { apiKey }),
    model: 'claude-sonnet-4-6',
    thinking: 'adaptive',
    tools: createToolDispatcher({ tools: [getWeather, deleteFile], approvals }),
  });
  const events = createMemoryEventStore();
  const runs = createRunManager({ runner, events, system: 'You are a helpful assistant.' });
  const shutdown = new AbortController(); // ends open event streams
  const handler = createGatewayHandler({
    runs,
    approvals,
    auth: { jwtSecret: options.jwtSecret ?? crypto.randomUUID() + crypto.randomUUID() },
    signal: shutdown.signal,
  });

  const server = createServer(toNodeListener(handler));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject).listen(options.port ?? 3000, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await runs.close();
    await mock?.close();
    throw error; // EADDRINUSE and the like: the caller's start fails, the process does not crash
  }
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await runs.close(); // cancels runs: every open stream gets its terminal event
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Streams end by themselves after the terminal event; end the rest after a grace period.
      const grace = new Promise((resolve) => setTimeout(resolve, 1000).unref());
      await Promise.race([closed, grace]);
      shutdown.abort();
      server.closeAllConnections();
      await closed;
      await mock?.close();
      events.dispose();
    })());
  return { url, close };
}

/** A running chat server. */
export type ChatServer = Awaited<ReturnType<typeof startChatServer>>;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env.PORT ?? 3000);
  const { url, close } = await startChatServer({ port, demoDelayMs: 30 }).catch(
    (error: NodeJS.ErrnoException) => {
      console.error(
        error.code === 'EADDRINUSE'
          ? `could not start: 127.0.0.1:${port} is already in use (set PORT to another port)`
          : `could not start: ${error.message}`,
      );
      process.exit(1);
    },
  );
  console.log(`chat server on ${url}/api${process.env.ANTHROPIC_API_KEY ? '' : ' (offline demo model)'}
  S=$(curl -s -X POST ${url}/api/sessions)       # { session_id, token }
  SID=$(echo "$S" | jq -r .session_id); TOKEN=$(echo "$S" | jq -r .token)
  curl -s -X POST ${url}/api/sessions/$SID/runs -H "authorization: Bearer $TOKEN" \\
    -H 'content-type: application/json' -d '{"message":"What is the weather? Use get_weather"}'
  curl -N "${url}/api/runs/<run_id>/events?access_token=$TOKEN"`);
  process.once('SIGINT', () => void close());
}
