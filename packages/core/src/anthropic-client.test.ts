import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAgentRunner } from './agent-runner.js';
import { resolveClient } from './anthropic-client.js';
import { GatewayError } from './errors.js';
import { createEventLog } from './memory-event-log.js';
import { closeMocks, silentLogger, startMock } from './runner-test-helpers.js';

afterEach(async () => {
  vi.unstubAllEnvs();
  await closeMocks();
});

const turn = { blocks: [{ type: 'text' as const, text: 'ok' }] };
const run = (runner: ReturnType<typeof createAgentRunner>) =>
  runner.run({ messages: [{ role: 'user', content: 'hi' }], log: createEventLog() });

describe('agent runner: credentials', () => {
  it('sends an OAuth token as authorization: Bearer', async () => {
    const mock = await startMock([turn]);
    const result = await run(
      createAgentRunner({
        authToken: 'oauth-token-1',
        baseURL: mock.url,
        model: 'claude-haiku-4-5',
        logger: silentLogger(),
      }),
    );
    expect(result.error).toBeUndefined();
    expect(mock.requests[0]!.headers.authorization).toBe('Bearer oauth-token-1');
    expect(mock.requests[0]!.headers['x-api-key']).toBeUndefined();
  });

  it('sends an API key', async () => {
    const mock = await startMock([turn]);
    const result = await run(
      createAgentRunner({
        apiKey: 'sk-ant-test-2',
        baseURL: mock.url,
        model: 'claude-haiku-4-5',
        logger: silentLogger(),
      }),
    );
    expect(result.error).toBeUndefined();
    const headers = mock.requests[0]!.headers;
    // This SDK version sends the key as a bearer token; older ones used x-api-key.
    expect(headers['x-api-key'] ?? headers.authorization).toMatch(/^(Bearer )?sk-ant-test-2$/);
  });

  it('uses a ready client as given (no SDK retries: the runner retries and announces each)', async () => {
    const mock = await startMock([{ fault: { type: 'http_error', status: 529 } }, turn]);
    const client = new Anthropic({ baseURL: mock.url, apiKey: 'client-key', maxRetries: 5 });
    const log = createEventLog();
    const result = await createAgentRunner({
      client,
      model: 'claude-haiku-4-5',
      retry: { baseDelayMs: 1, maxDelayMs: 2 },
      logger: silentLogger(),
    }).run({ messages: [{ role: 'user', content: 'hi' }], log });
    expect(result.error).toBeUndefined();
    expect(mock.requests).toHaveLength(2);
    const retries: string[] = [];
    for await (const { event } of log.read())
      if (event.type === 'stream_retry') retries.push(event.error.type);
    expect(retries).toEqual(['overloaded_error']);
  });

  it('refuses to start without a credential, whatever the environment holds', () => {
    vi.stubEnv('ANTHROPIC_API_KEY', 'sk-from-env');
    vi.stubEnv('ANTHROPIC_AUTH_TOKEN', 'token-from-env');
    let thrown: unknown;
    try {
      createAgentRunner({ model: 'claude-haiku-4-5' });
    } catch (error) {
      thrown = error;
    }
    expect(GatewayError.isInstance(thrown) && thrown.code).toBe('missing_credentials');
    expect(() => createAgentRunner({ model: 'claude-haiku-4-5', apiKey: '  ' })).toThrow(
      expect.objectContaining({ code: 'missing_credentials' }),
    );
  });

  it("routes the created client's own logs (warn and error) to the runner's logger", () => {
    const logger = silentLogger();
    const client = resolveClient({ apiKey: 'k' }, logger);
    expect(client.logLevel).toBe('warn');
    client.logger.warn('sdk warning', 1);
    client.logger.error('sdk error');
    client.logger.info('chatter');
    client.logger.debug('chatter');
    expect(logger.warnings).toEqual([{ message: 'sdk warning', data: { details: [1] } }]);
    expect(logger.errors).toEqual([{ message: 'sdk error' }]);
  });

  it('does not follow a redirect: the run ends at once with a clear error', async () => {
    const target = await startMock([turn]);
    let hits = 0;
    const redirecting = createServer((req, res) => {
      hits++;
      req.resume();
      res.writeHead(307, { location: `${target.url}/v1/messages` }).end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = redirecting.address() as AddressInfo;
      const result = await run(
        createAgentRunner({
          apiKey: 'k',
          baseURL: `http://127.0.0.1:${port}`,
          model: 'claude-haiku-4-5',
          retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 2 },
          logger: silentLogger(),
        }),
      );
      expect(result.error).toMatchObject({
        code: 'upstream_error',
        message: expect.stringMatching(/redirect/),
      });
      expect(hits).toBe(1);
      expect(target.requests).toHaveLength(0);
    } finally {
      await new Promise((resolve) => redirecting.close(resolve));
    }
  });

  it('sends a request without the copy of its body undici makes to replay it on a redirect', async () => {
    const mock = await startMock([turn, turn]);
    // undici copies a request that may be redirected by teeing its body.
    const tee = vi.spyOn(ReadableStream.prototype, 'tee');
    try {
      const created = createAgentRunner({
        apiKey: 'k',
        baseURL: mock.url,
        model: 'claude-haiku-4-5',
        logger: silentLogger(),
      });
      expect((await run(created)).error).toBeUndefined();
      expect(tee).not.toHaveBeenCalled();
      // The control: a client with fetch's defaults, the same request.
      const client = new Anthropic({ baseURL: mock.url, apiKey: 'k' });
      const given = createAgentRunner({
        client,
        model: 'claude-haiku-4-5',
        logger: silentLogger(),
      });
      expect((await run(given)).error).toBeUndefined();
      expect(tee).toHaveBeenCalled();
    } finally {
      tee.mockRestore();
    }
  });

  it('refuses two credentials at once', () => {
    expect(() => createAgentRunner({ model: 'm', apiKey: 'a', authToken: 'b' })).toThrow(
      expect.objectContaining({ code: 'invalid_options' }),
    );
    expect(() =>
      createAgentRunner({ model: 'm', apiKey: 'a', client: new Anthropic({ apiKey: 'x' }) }),
    ).toThrow(expect.objectContaining({ code: 'invalid_options' }));
  });
});
