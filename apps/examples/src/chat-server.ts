// A chat server in one file: start a run, stream it as resumable SSE, approve
// gated tools, cancel. Plain `node:http`; offline on the demo model unless
// ANTHROPIC_API_KEY is set.
//
//   POST /runs                  { message }                     → 202 { run_id }
//   GET  /runs/:id/events       SSE, resumable with Last-Event-ID / ?lastEventId=
//   POST /runs/:id/approvals    { tool_use_id, nonce, approved } → 200 { status: 'ok' } | 403/404/409/410
//   POST /runs/:id/cancel                                        → 202 { status: 'ok' }
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createAgentRunner, createMemoryEventStore } from '@claude-gateway/core';
import { createApprovalBroker, createToolDispatcher, defineTool } from '@claude-gateway/dispatch';
import { writeSSE } from '@claude-gateway/sse-adapters/node';
import { createDemoModel, startMockAnthropic } from '@claude-gateway/testing';

/** Options of {@link startChatServer}. */
export interface ChatServerOptions {
  /** @default 3000 (`0` picks a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Anthropic API key; without one the server runs on the offline demo model. @default process.env.ANTHROPIC_API_KEY */
  apiKey?: string;
  /** Delay between the demo model's streamed events, so streaming is visible. @default 0 */
  demoDelayMs?: number;
}

/** A running chat server. */
export interface ChatServer {
  url: string;
  /** Cancels active runs, ends open streams and stops listening. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;

// Two local tools; the demo model calls a tool when the message names it.
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

/** Starts the chat server; resolves once it listens. */
export async function startChatServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const { port = 3000, host = '127.0.0.1', apiKey = process.env.ANTHROPIC_API_KEY } = options;
  const mock = apiKey
    ? undefined
    : await startMockAnthropic({ script: createDemoModel({ delayMs: options.demoDelayMs ?? 0 }) });

  const store = createMemoryEventStore();
  const approvals = createApprovalBroker({ timeoutMs: 120_000 });
  const runner = createAgentRunner({
    ...(mock ? { apiKey: 'demo', baseURL: mock.url } : { apiKey }),
    model: 'claude-sonnet-4-6',
    thinking: 'adaptive',
    tools: createToolDispatcher({ tools: [getWeather, deleteFile], approvals }),
  });

  const active = new Map<string, { cancel: AbortController; done: Promise<unknown> }>();
  const streams = new Set<Promise<void>>();
  const stopStreams = new AbortController(); // ends open SSE streams on close()
  let closing: Promise<void> | undefined;

  async function startRun(message: string): Promise<string> {
    const runId = randomUUID();
    const log = await store.create(runId, { sessionId: runId });
    const cancel = new AbortController();
    const done = runner
      .run({ messages: [{ role: 'user', content: message }], log, signal: cancel.signal })
      .catch((error: unknown) => console.error('chat-server: run did not start', error)) // misuse only
      .finally(() => active.delete(runId)); // a started run resolves, failed or cancelled too
    active.set(runId, { cancel, done });
    return runId;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    const [, runId, action] = /^\/runs\/([^/]+)\/(events|approvals|cancel)$/.exec(pathname) ?? [];

    if (pathname === '/runs' && req.method === 'POST') {
      const body = await readJson(req);
      if (typeof body.message !== 'string' || body.message === '')
        return fail(res, 400, 'invalid_request', '`message` must be a non-empty string');
      return send(res, 202, { run_id: await startRun(body.message) });
    }
    if (!runId) return fail(res, 404, 'not_found', 'no such route');
    const log = await store.open(runId);
    if (!log) return fail(res, 404, 'log_not_found', 'no such run');

    if (action === 'events' && req.method === 'GET') {
      const stream = writeSSE(req, res, log, { signal: stopStreams.signal }); // 400 on a bad Last-Event-ID
      streams.add(stream);
      return stream.finally(() => streams.delete(stream));
    }
    if (action === 'approvals' && req.method === 'POST') {
      const body = await readJson(req);
      const { tool_use_id: toolUseId, nonce, approved } = body;
      if (
        typeof toolUseId !== 'string' ||
        typeof nonce !== 'string' ||
        typeof approved !== 'boolean'
      )
        return fail(res, 400, 'invalid_request', 'expected { tool_use_id, nonce, approved }');
      // sessionId: a tool call of another run answers not_found.
      const answer = await approvals.decide({ toolUseId, nonce, approved, sessionId: runId });
      if (answer === 'ok') return send(res, 200, { status: 'ok' });
      return fail(res, DECIDE_STATUS[answer], answer, DECIDE_MESSAGE[answer]);
    }
    if (action === 'cancel' && req.method === 'POST') {
      const run = active.get(runId);
      if (!run) return fail(res, 409, 'log_closed', 'the run has already ended');
      run.cancel.abort();
      return send(res, 202, { status: 'ok' });
    }
    return fail(res, 405, 'method_not_allowed', `${req.method} is not allowed here`);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) return fail(res, error.status, error.code, error.message);
      console.error('chat-server: request failed', error);
      if (!res.headersSent) fail(res, 500, 'internal', 'internal error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const { port: actualPort } = server.address() as AddressInfo;

  async function shutDown(): Promise<void> {
    for (const run of active.values()) run.cancel.abort();
    await Promise.allSettled([...active.values()].map((run) => run.done));
    // Every log has ended now: let open streams deliver that, briefly.
    const grace = new Promise((resolve) => setTimeout(resolve, 1000).unref());
    await Promise.race([Promise.allSettled(streams), grace]);
    stopStreams.abort();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await mock?.close();
    store.dispose();
  }

  return {
    url: `http://${host}:${actualPort}`,
    close: () => (closing ??= shutDown()),
  };
}

const DECIDE_STATUS = { not_found: 404, nonce_mismatch: 403, expired: 410, already_decided: 409 };
const DECIDE_MESSAGE = {
  not_found: 'no such tool call in this run',
  nonce_mismatch: 'the nonce does not match this tool call',
  expired: 'the approval request has expired',
  already_decided: 'this tool call was already decided',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'invalid_request', 'body too large');
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid_request', 'body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new HttpError(400, 'invalid_request', 'body must be a JSON object');
  return body as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function fail(res: ServerResponse, status: number, code: string, message: string): void {
  send(res, status, { error: { code, message } });
}

async function main(): Promise<void> {
  const server = await startChatServer({ port: Number(process.env.PORT ?? 3000), demoDelayMs: 30 });
  console.log(`chat server on ${server.url}${process.env.ANTHROPIC_API_KEY ? '' : ' (offline demo model)'}
  curl -s -X POST ${server.url}/runs -d '{"message":"What is the weather? Use get_weather"}'
  curl -N ${server.url}/runs/<run_id>/events`);
  process.once('SIGINT', () => void server.close());
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
