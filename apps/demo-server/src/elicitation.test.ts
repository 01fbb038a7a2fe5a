// MCP elicitation end to end, as a person in a browser would do it: a real
// MCP server (server-everything) asks for input during a tool call, the
// question travels as an `elicitation_request` event over SSE, and the answer
// comes back through `POST /api/runs/:id/elicitations` with the client.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createGatewayClient,
  GatewayClientError,
  type ClientRun,
  type ElicitationRequestEvent,
  type LogEntry,
} from '@claude-gateway/client';
import type { Logger } from '@claude-gateway/core';
import {
  skipWithoutRedis,
  startRedisServer,
  type TestRedisServer,
} from '../../../packages/redis/src/test-redis-server.js';
import { randomJwtSecret } from './config.js';
import { startDemoServer, type RunningDemo } from './demo-server.js';

const quiet: Logger = { warn() {}, error() {} };
const PROMPT = 'Run trigger-elicitation-request please.';
const SECRET_NAME = 'Zelda-Quartz-7';

/** Follows `run` to its end, calling `onRequest` for each elicitation request. */
async function follow(
  run: ClientRun,
  onRequest: (event: ElicitationRequestEvent) => Promise<void>,
): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  for await (const entry of run.events()) {
    entries.push(entry);
    if (entry.event.type === 'elicitation_request') await onRequest(entry.event);
  }
  return entries;
}

const ofType = <T extends LogEntry['event']['type']>(entries: LogEntry[], type: T) =>
  entries.map((e) => e.event).filter((e) => e.type === type) as Extract<
    LogEntry['event'],
    { type: T }
  >[];

async function rejection(promise: Promise<unknown>): Promise<GatewayClientError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayClientError) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}

describe('MCP elicitation over HTTP', () => {
  let app: RunningDemo;
  let short: RunningDemo;
  beforeAll(async () => {
    [app, short] = await Promise.all([
      startDemoServer({ port: 0, demoDelayMs: 0, logger: quiet }),
      startDemoServer({ port: 0, demoDelayMs: 0, logger: quiet, approvalTimeoutMs: 300 }),
    ]);
    await Promise.all([app.demo.mcpReady, short.demo.mcpReady]);
  }, 90_000);
  afterAll(async () => {
    await Promise.all([app?.close(), short?.close()]);
  });

  const sessionOf = (running: RunningDemo) =>
    createGatewayClient({ baseUrl: `${running.url}/api` }).createSession();

  test('accept with content: a bad answer is 400 and a wrong nonce 403, the good one reaches the server, the log holds no content', async () => {
    const session = await sessionOf(app);
    const run = await session.send(PROMPT);
    const entries = await follow(run, async (request) => {
      expect(request).toMatchObject({
        server: 'everything',
        message: 'Please provide inputs for the following fields:',
        requested_schema: { type: 'object', required: ['name'] },
      });
      const missing = await rejection(run.respond(request, { action: 'accept', content: {} }));
      expect([missing.status, missing.code]).toEqual([400, 'invalid_request']);
      expect(missing.message).toContain('name');
      const outOfRange = await rejection(
        run.respond(request, { action: 'accept', content: { name: 'x', integer: 1000 } }),
      );
      expect(outOfRange.status).toBe(400);
      const forged = await rejection(
        run.respond(
          { elicitation_id: request.elicitation_id, nonce: 'A'.repeat(43) },
          { action: 'accept', content: { name: 'x' } },
        ),
      );
      expect([forged.status, forged.code]).toEqual([403, 'nonce_mismatch']);
      await run.respond(request, { action: 'accept', content: { name: SECRET_NAME } });
      const again = await rejection(run.respond(request, { action: 'decline' }));
      expect([again.status, again.code]).toEqual([409, 'already_decided']);
    });
    const [request] = ofType(entries, 'elicitation_request');
    const toolUse = ofType(entries, 'tool_use')[0];
    expect(request?.tool_use_id).toBe(toolUse?.id);
    expect(ofType(entries, 'elicitation_response')).toEqual([
      {
        type: 'elicitation_response',
        elicitation_id: request?.elicitation_id,
        action: 'accept',
        reason: 'answered',
      },
    ]);
    // The server got the answer, with the schema's defaults filled in...
    const result = JSON.stringify(ofType(entries, 'tool_result')[0]);
    expect(result).toContain(SECRET_NAME);
    expect(result).toContain('Favorite Integer: 42');
    // ...and the audit events never held it.
    const audit = JSON.stringify([
      ...ofType(entries, 'elicitation_request'),
      ...ofType(entries, 'elicitation_response'),
    ]);
    expect(audit).not.toContain(SECRET_NAME);
    expect(entries.at(-1)?.event.type).toBe('stream_complete');
  }, 60_000);

  test('decline, and another session cannot answer (404)', async () => {
    const session = await sessionOf(app);
    const stranger = await sessionOf(app);
    const run = await session.send(PROMPT);
    const entries = await follow(run, async (request) => {
      const foreign = await rejection(
        stranger.run(run.id).respond(request, { action: 'accept', content: { name: 'x' } }),
      );
      expect(foreign.status).toBe(404);
      await run.respond(request, { action: 'decline' });
    });
    expect(ofType(entries, 'elicitation_response')[0]).toMatchObject({
      action: 'decline',
      reason: 'answered',
    });
    expect(JSON.stringify(ofType(entries, 'tool_result')[0])).toContain('declined');
  }, 60_000);

  test('no answer before expiry: the server gets cancel, and a late answer is 410', async () => {
    const session = await sessionOf(short);
    const run = await session.send(PROMPT);
    let request: ElicitationRequestEvent | undefined;
    const entries = await follow(run, (event) => {
      request = event;
      return Promise.resolve();
    });
    expect(ofType(entries, 'elicitation_response')[0]).toMatchObject({
      action: 'cancel',
      reason: 'expired',
    });
    expect(JSON.stringify(ofType(entries, 'tool_result')[0])).toContain('cancelled');
    const late = await rejection(
      run.respond(request!, { action: 'accept', content: { name: 'x' } }),
    );
    expect([late.status, late.code]).toEqual([410, 'expired']);
  }, 60_000);

  test('the run is cancelled while the question waits: cancel, and the run ends cancelled', async () => {
    const session = await sessionOf(app);
    const run = await session.send(PROMPT);
    const entries = await follow(run, () => run.cancel());
    expect(ofType(entries, 'elicitation_response')[0]).toMatchObject({
      action: 'cancel',
      reason: 'cancelled',
    });
    expect(entries.at(-1)?.event).toMatchObject({ type: 'error', code: 'cancelled' });
  }, 60_000);
});

describe.skipIf(skipWithoutRedis())('MCP elicitation across two instances sharing Redis', () => {
  let redis: TestRedisServer | undefined;
  let a: RunningDemo | undefined;
  let b: RunningDemo | undefined;
  beforeAll(async () => {
    redis = await startRedisServer();
    const config = {
      port: 0,
      demoDelayMs: 0,
      jwtSecret: randomJwtSecret(),
      redisUrl: redis.url,
      redisPrefix: `elicit-test-${randomUUID()}:`,
      logger: quiet,
    };
    a = await startDemoServer(config);
    b = await startDemoServer(config);
    await Promise.all([a.demo.mcpReady, b.demo.mcpReady]);
  }, 90_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
  });

  test('a question asked on A is answered through B, with the schema checked there', async () => {
    const session = await createGatewayClient({ baseUrl: `${a!.url}/api` }).createSession();
    const run = await session.send(PROMPT);
    const onB = createGatewayClient({ baseUrl: `${b!.url}/api` })
      .session(session.id, session.token)
      .run(run.id);
    const entries = await follow(run, async (request) => {
      const bad = await rejection(onB.respond(request, { action: 'accept', content: {} }));
      expect(bad.status).toBe(400);
      await onB.respond(request, { action: 'accept', content: { name: SECRET_NAME } });
    });
    expect(ofType(entries, 'elicitation_response')[0]).toMatchObject({ action: 'accept' });
    expect(JSON.stringify(ofType(entries, 'tool_result')[0])).toContain(SECRET_NAME);
  }, 60_000);
});
