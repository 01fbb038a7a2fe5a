// Resume under fire: a TCP proxy between the client and the real server cuts
// every connection after a random number of bytes (seeded), hundreds of times
// over one long run. Every seq must arrive exactly once, in order, with no
// gap, and the text must equal what the server's log holds.
import type { LogEntry } from '@claude-gateway/core';
import { textTurn } from '@claude-gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayClient, type GatewayClient, type StreamState } from './index.js';
import { seededRandom, startCuttingProxy, type CuttingProxy } from './test-cutting-proxy.js';
import { startTestGateway, type TestGateway } from './test-gateway.js';

// TORTURE_SEED=<n> replays another run of cuts.
const SEED = Number(process.env.TORTURE_SEED ?? 20_251_130);
const WORDS = 3000;
// Multi-byte characters, so cuts also land inside UTF-8 sequences.
const LONG_TEXT = Array.from({ length: WORDS }, (_, i) => `wörd${i}🙂`).join(' ');

let gateway: TestGateway;
let direct: GatewayClient;

beforeAll(async () => {
  gateway = await startTestGateway({
    // Each word is one text delta: thousands of entries in one run.
    script: () => textTurn(LONG_TEXT),
    retryMs: 2,
    heartbeatMs: 0,
  });
  direct = createGatewayClient({ baseUrl: gateway.url });
});

afterAll(async () => {
  await gateway.close();
});

/** The log as the server holds it. */
async function serverLog(runId: string): Promise<LogEntry[]> {
  const log = await gateway.events.open(runId);
  if (!log) throw new Error(`no log for ${runId}`);
  const entries: LogEntry[] = [];
  for await (const entry of log.read()) entries.push(entry);
  return entries;
}

const textOf = (entries: LogEntry[]): string =>
  entries.map(({ event }) => (event.type === 'text_delta' ? event.text : '')).join('');

describe('resume torture', () => {
  const proxies: CuttingProxy[] = [];
  const proxyOf = async (options: Parameters<typeof startCuttingProxy>[0]) => {
    const proxy = await startCuttingProxy(options);
    proxies.push(proxy);
    return proxy;
  };

  afterAll(async () => {
    await Promise.all(proxies.map((proxy) => proxy.close()));
  });

  it('survives hundreds of random cuts: every seq once, in order, no gap, same text', async () => {
    const proxy = await proxyOf({
      targetPort: gateway.port,
      random: seededRandom(SEED),
      maxBytes: 2000,
    });
    const proxied = createGatewayClient({
      baseUrl: `http://127.0.0.1:${proxy.port}/api`,
      retry: { initialDelayMs: 1, maxDelayMs: 5, random: seededRandom(SEED + 1) },
    });
    const session = await direct.createSession();
    const run = await session.send('stream a lot');

    const states: StreamState[] = [];
    const received: LogEntry[] = [];
    for await (const entry of proxied
      .session(session.id, session.token)
      .run(run.id)
      .events({ onStateChange: (state) => states.push(state) })) {
      received.push(entry);
    }

    const expected = await serverLog(run.id);
    console.log(
      `resume torture (seed ${SEED}): ${expected.length} entries, ${proxy.cuts} cuts, ` +
        `${proxy.connections} connections`,
    );
    expect(expected.length).toBeGreaterThan(WORDS);
    expect(proxy.cuts).toBeGreaterThanOrEqual(200);
    expect(received.map((e) => e.seq)).toEqual(expected.map((_, i) => i + 1));
    expect(received.map((e) => e.event)).toEqual(expected.map((e) => e.event));
    expect(received.at(-1)!.event.type).toBe('stream_complete');
    expect(textOf(received)).toBe(textOf(expected));
    expect(textOf(received)).toBe(LONG_TEXT);
    expect(states).toContain('reconnecting');
    expect(states.filter((s) => s === 'open').length).toBeGreaterThan(100);
    expect(states.at(-1)).toBe('closed');
  });

  it('chat resumes through the events route once the run id is known', async () => {
    // Every connection is cut after the same 4000 bytes: the chat answer's
    // headers (with x-run-id) always get through, its body never does whole.
    const proxy = await proxyOf({ targetPort: gateway.port, random: () => 0.9999, maxBytes: 4000 });
    const proxied = createGatewayClient({
      baseUrl: `http://127.0.0.1:${proxy.port}/api`,
      retry: { initialDelayMs: 1, maxDelayMs: 5 },
    });
    const session = await direct.createSession();
    const states: StreamState[] = [];
    const received: LogEntry[] = [];
    for await (const entry of proxied
      .session(session.id, session.token)
      .chat('stream a lot', { onStateChange: (state) => states.push(state) })) {
      received.push(entry);
    }

    const runId = (received[0]!.event as { run_id: string }).run_id;
    const expected = await serverLog(runId);
    expect(proxy.cuts).toBeGreaterThan(10);
    expect(received.map((e) => e.seq)).toEqual(expected.map((_, i) => i + 1));
    expect(textOf(received)).toBe(LONG_TEXT);
    expect(states).toContain('reconnecting');
    expect((await session.get()).runs.map((r) => r.run_id)).toEqual([runId]);
  });
});
