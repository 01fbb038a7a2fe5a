// The client against the real HTTP API (node mount), the real run manager and
// agent runner, a dispatcher with a gated tool and an approval broker; the
// model is the scripted Anthropic server.
import type { LogEntry, ToolApprovalRequestEvent } from '@claude-gateway/core';
import { defineTool } from '@claude-gateway/dispatch';
import {
  textTurn,
  toolUseTurn,
  type MockRequestInfo,
  type MockTurn,
} from '@claude-gateway/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createGatewayClient,
  GatewayClientError,
  type ClientRun,
  type GatewayClient,
  type StreamState,
} from './index.js';
import { startCuttingProxy, seededRandom, type CuttingProxy } from './test-cutting-proxy.js';
import { startTestGateway, type TestGateway } from './test-gateway.js';

const deleteFile = defineTool<{ path: string }>({
  name: 'delete_file',
  description: 'Deletes a file (pretend); a person must approve it',
  inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
  needsApproval: true,
  handler: ({ path }) => ({ deleted: path }),
});

interface Block {
  type: string;
  text?: string;
}

/** "delete <path>" calls the gated tool; anything else is echoed with the history length. */
function script({ body }: MockRequestInfo): MockTurn {
  const last = body.messages.at(-1)!;
  const blocks: Block[] = typeof last.content === 'string' ? [] : (last.content as Block[]);
  if (blocks.some((block) => block.type === 'tool_result')) return textTurn('Tool finished.');
  const text =
    typeof last.content === 'string'
      ? last.content
      : blocks.map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join('');
  if (text.startsWith('delete ')) return toolUseTurn('delete_file', { path: text.slice(7) });
  return textTurn(`You said: ${text}. I have seen ${body.messages.length} messages.`);
}

let gateway: TestGateway;
let client: GatewayClient;

beforeAll(async () => {
  gateway = await startTestGateway({ script, tools: [deleteFile], retryMs: 5 });
  client = createGatewayClient({ baseUrl: gateway.url, retry: { maxDelayMs: 50 } });
});

afterAll(async () => {
  await gateway.close();
});

async function collect(iterable: AsyncIterable<LogEntry>): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const entry of iterable) out.push(entry);
  return out;
}

const textOf = (entries: LogEntry[]): string =>
  entries.map(({ event }) => (event.type === 'text_delta' ? event.text : '')).join('');

/** Streams `run`, answering its first approval request with `decide`. */
async function streamDeciding(
  run: ClientRun,
  decide: (request: ToolApprovalRequestEvent) => Promise<void>,
): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  for await (const entry of run.events()) {
    entries.push(entry);
    if (entry.event.type === 'tool_approval_request') await decide(entry.event);
  }
  return entries;
}

async function rejection(promise: Promise<unknown>): Promise<GatewayClientError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!GatewayClientError.isInstance(error))
    throw new Error(`expected a GatewayClientError, got ${String(error)}`);
  return error;
}

describe('client against the real server', () => {
  it('creates a session, sends, and streams the run to its end', async () => {
    const session = await client.createSession();
    expect(session.id).toEqual(expect.any(String));
    expect(session.token).toEqual(expect.any(String));

    const run = await session.send('hello');
    const states: StreamState[] = [];
    const entries = await collect(run.events({ onStateChange: (s) => states.push(s) }));

    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    expect(entries[0]!.event).toMatchObject({
      type: 'run_start',
      run_id: run.id,
      session_id: session.id,
    });
    expect(entries.at(-1)!.event.type).toBe('stream_complete');
    expect(textOf(entries)).toBe('You said: hello. I have seen 1 messages.');
    expect(states).toEqual(['connecting', 'open', 'closed']);

    const record = await run.get();
    expect(record).toMatchObject({
      run_id: run.id,
      session_id: session.id,
      message: 'hello',
      state: 'completed',
    });
    const info = await session.get();
    expect(info).toMatchObject({ session_id: session.id, active_run_id: null });
    expect(info.runs.map((r) => [r.run_id, r.state])).toEqual([[run.id, 'completed']]);
  });

  it('a second message in the same session sees the history', async () => {
    const session = await client.createSession();
    await collect((await session.send('one')).events());
    const second = await session.send('two');
    expect(textOf(await collect(second.events()))).toBe('You said: two. I have seen 3 messages.');
  });

  it('approves a gated tool through run.approve', async () => {
    const session = await client.createSession();
    const run = await session.send('delete a.txt');
    const entries = await streamDeciding(run, (request) => run.approve(request));

    const types = entries.map((e) => e.event.type);
    expect(types).toContain('tool_approval_request');
    expect(entries.find((e) => e.event.type === 'tool_approval_decision')!.event).toMatchObject({
      approved: true,
      reason: 'approved',
    });
    expect(entries.find((e) => e.event.type === 'tool_result')!.event).toMatchObject({
      name: 'delete_file',
      result: { deleted: 'a.txt' },
    });
    expect(types.at(-1)).toBe('stream_complete');
  });

  it('denies a gated tool through run.deny, and a second decision is already_decided', async () => {
    const session = await client.createSession();
    const run = await session.send('delete b.txt');
    let again: GatewayClientError | undefined;
    const entries = await streamDeciding(run, async (request) => {
      await run.deny(request);
      again = await rejection(run.approve(request));
    });

    expect(entries.find((e) => e.event.type === 'tool_approval_decision')!.event).toMatchObject({
      approved: false,
      reason: 'denied',
    });
    expect(entries.find((e) => e.event.type === 'tool_result')!.event).toMatchObject({
      error: { code: 'user_denied' },
    });
    expect(again).toMatchObject({ code: 'already_decided', status: 409 });
  });

  it('allowToolType approves later calls of the tool in the session without asking', async () => {
    const session = await client.createSession();
    const first = await session.send('delete c.txt');
    await streamDeciding(first, (request) => first.approve(request, { allowToolType: true }));

    const second = await collect((await session.send('delete d.txt')).events());
    expect(second.map((e) => e.event.type)).not.toContain('tool_approval_request');
    expect(second.find((e) => e.event.type === 'tool_result')!.event).toMatchObject({
      result: { deleted: 'd.txt' },
    });

    // Another session still has to ask.
    const other = await client.createSession();
    const third = await other.send('delete e.txt');
    const entries = await streamDeciding(third, (request) => third.deny(request));
    expect(entries.map((e) => e.event.type)).toContain('tool_approval_request');
  });

  it('cancels a run waiting for approval; cancelling again is run_ended (409)', async () => {
    const session = await client.createSession();
    const run = await session.send('delete f.txt');
    const entries = await streamDeciding(run, () => run.cancel());

    expect(entries.at(-1)!.event).toMatchObject({ type: 'error', code: 'cancelled' });
    expect(await run.get()).toMatchObject({ state: 'cancelled', error: { code: 'cancelled' } });
    expect(await rejection(run.cancel())).toMatchObject({ code: 'run_ended', status: 409 });
  });

  it('answers errors as GatewayClientError with the server code and status', async () => {
    const session = await client.createSession();
    const run = await session.send('delete g.txt');
    const iterator = run.events()[Symbol.asyncIterator]();
    // Wait until the run is parked on its approval, so it is surely active.
    for (;;) {
      const { value } = await iterator.next();
      if (value?.event.type === 'tool_approval_request') break;
    }
    expect(await rejection(session.send('again'))).toMatchObject({
      code: 'run_active',
      status: 409,
    });
    await run.cancel();
    await iterator.return?.();

    const stranger = client.session(session.id, 'not-a-token');
    expect(await rejection(stranger.get())).toMatchObject({ code: 'unauthorized', status: 401 });
    // 4xx on the stream is thrown, not retried.
    const states: StreamState[] = [];
    const unauthorized = await rejection(
      collect(stranger.run(run.id).events({ onStateChange: (s) => states.push(s) })),
    );
    expect(unauthorized).toMatchObject({ code: 'unauthorized', status: 401 });
    expect(states).toEqual(['connecting', 'closed']);

    const missing = session.run('no-such-run');
    expect(await rejection(missing.get())).toMatchObject({ code: 'run_not_found', status: 404 });
    expect(await rejection(collect(missing.events()))).toMatchObject({
      code: 'run_not_found',
      status: 404,
    });
    expect(await rejection(session.send(''))).toMatchObject({
      code: 'invalid_request',
      status: 400,
    });

    const unreachable = createGatewayClient({ baseUrl: 'http://127.0.0.1:1/api' });
    const network = await rejection(unreachable.createSession());
    expect(network.code).toBe('network_error');
    expect(network.status).toBeUndefined();
  });

  it('resumes from afterSeq, and a position past the end of a closed log ends at once (204)', async () => {
    const session = await client.createSession();
    const run = await session.send('resume me');
    const all = await collect(run.events());

    const rest = await collect(run.events({ afterSeq: 2 }));
    expect(rest.map((e) => e.seq)).toEqual(all.slice(2).map((e) => e.seq));
    expect(rest.map((e) => e.event)).toEqual(all.slice(2).map((e) => e.event));

    const states: StreamState[] = [];
    const none = await collect(
      run.events({ afterSeq: all.length, onStateChange: (s) => states.push(s) }),
    );
    expect(none).toEqual([]);
    expect(states).toEqual(['connecting', 'closed']);
  });

  it('chat streams a new run in one request and the session records it', async () => {
    const session = await client.createSession();
    const entries = await collect(session.chat('one shot'));
    expect(entries[0]!.event.type).toBe('run_start');
    expect(entries.at(-1)!.event.type).toBe('stream_complete');
    expect(textOf(entries)).toBe('You said: one shot. I have seen 1 messages.');
    const runId = (entries[0]!.event as { run_id: string }).run_id;
    expect((await session.get()).runs.map((r) => r.run_id)).toEqual([runId]);
  });

  it('deletes a session; its token then answers session_not_found', async () => {
    const session = await client.createSession();
    await session.delete();
    expect(await rejection(session.get())).toMatchObject({
      code: 'session_not_found',
      status: 404,
    });
  });

  it('looks globalThis.fetch up at call time', async () => {
    const late = createGatewayClient({ baseUrl: gateway.url });
    const realFetch = globalThis.fetch;
    const spy = vi.fn((input: string | URL | Request, init?: RequestInit) =>
      realFetch(input, init),
    );
    vi.stubGlobal('fetch', spy);
    try {
      await late.createSession();
    } finally {
      vi.unstubAllGlobals();
    }
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('refuses a relative baseUrl outside a page, and resolves it against the page in one', async () => {
    let thrown: unknown;
    try {
      createGatewayClient({ baseUrl: '/api' });
    } catch (error) {
      thrown = error;
    }
    expect(GatewayClientError.isInstance(thrown) && thrown.code).toBe('invalid_options');
    expect((thrown as Error).message).toMatch(/absolute URL/);
    // A custom fetch may take any URL (e.g. a framework's in-process request).
    const origin = new URL(gateway.url).origin;
    const seen: string[] = [];
    const custom = createGatewayClient({
      baseUrl: '/api',
      fetch: (input, init) => {
        seen.push(String(input));
        return fetch(new URL(String(input), origin), init);
      },
    });
    expect((await custom.createSession()).id).toEqual(expect.any(String));
    expect(seen).toEqual(['/api/sessions']);
    // In a page, the global fetch resolves it against the page's address.
    vi.stubGlobal('location', { href: `${origin}/chat` });
    const realFetch = globalThis.fetch;
    vi.stubGlobal('fetch', (input: string, init?: RequestInit) =>
      realFetch(new URL(input, `${origin}/chat`), init),
    );
    try {
      const inPage = createGatewayClient({ baseUrl: '/api' });
      expect((await inPage.createSession()).id).toEqual(expect.any(String));
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('ending a stream early', () => {
  let proxy: CuttingProxy;
  let proxied: GatewayClient;

  beforeAll(async () => {
    proxy = await startCuttingProxy({
      targetPort: gateway.port,
      random: seededRandom(1),
      maxBytes: 1,
      cutting: false,
    });
    proxied = createGatewayClient({ baseUrl: `http://127.0.0.1:${proxy.port}/api` });
  });

  afterAll(async () => {
    await proxy.close();
  });

  /** A run parked on its approval request, and its events through the proxy. */
  async function parkedRun(): Promise<{ run: ClientRun; cleanup: () => Promise<void> }> {
    const session = await client.createSession();
    const run = await session.send('delete h.txt');
    return {
      run: proxied.session(session.id, session.token).run(run.id),
      cleanup: () => run.cancel(),
    };
  }

  it('aborting the signal ends the loop and closes the connection', async () => {
    const { run, cleanup } = await parkedRun();
    const controller = new AbortController();
    const states: StreamState[] = [];
    const seen: string[] = [];
    for await (const entry of run.events({
      signal: controller.signal,
      onStateChange: (s) => states.push(s),
    })) {
      seen.push(entry.event.type);
      // Abort while the stream waits for the next entry (none will come).
      if (entry.event.type === 'tool_approval_request') setImmediate(() => controller.abort());
    }
    expect(seen.at(-1)).toBe('tool_approval_request');
    expect(states).toEqual(['connecting', 'open', 'closed']);
    await proxy.whenIdle();
    expect(proxy.openConnections).toBe(0);
    await cleanup();
  });

  it('break in the loop closes the connection', async () => {
    const { run, cleanup } = await parkedRun();
    const states: StreamState[] = [];
    for await (const entry of run.events({ onStateChange: (s) => states.push(s) })) {
      if (entry.event.type === 'run_start') break;
    }
    expect(states).toEqual(['connecting', 'open', 'closed']);
    await proxy.whenIdle();
    expect(proxy.openConnections).toBe(0);
    await cleanup();
  });
});
