import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createAuthorizationCodeProvider,
  createClientCredentialsProvider,
} from './oauth-providers.js';
import { createMemoryTokenStore } from './oauth-token-store.js';
import { startTestOAuthServer, type TestOAuthServer } from './test-oauth-server.js';
import { managersShutDownAfterEach, recordingLogger } from './test-servers.js';

const createManager = managersShutDownAfterEach();
let server: TestOAuthServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

const whoami = (outcome: { result?: unknown; error?: unknown }) => outcome;

describe('remote servers behind OAuth', () => {
  it('a 401 without a provider is failed / auth_required at once, never restarted', async () => {
    server = await startTestOAuthServer();
    const logger = recordingLogger();
    const manager = createManager({
      servers: { remote: { type: 'http', url: server.url } },
      restart: { maxAttempts: 5, initialDelayMs: 1 },
      logger,
    });
    const [status] = await manager.startup();
    expect(status).toMatchObject({
      state: 'failed',
      errorCode: 'auth_required',
      error: expect.stringContaining('requires authorization (HTTP 401/403)'),
      restarts: 0,
    });
    expect(server.mcpStatuses).toEqual([401]);
    expect(logger.errors.join('\n')).toContain('requires authorization');
    // A call says why, and nothing is retried behind our back.
    const outcome = await manager.callTool('whoami', {});
    expect(outcome.error?.code).toBe('unknown_tool');
    expect(server.mcpStatuses).toEqual([401]);
  });

  it('client credentials with client_secret_basic, then client_secret_post: token obtained, tools work', async () => {
    server = await startTestOAuthServer();
    for (const authMethod of ['client_secret_basic', 'client_secret_post'] as const) {
      const manager = createManager({
        servers: {
          remote: {
            type: 'http',
            url: server.url,
            authProvider: createClientCredentialsProvider({
              clientId: 'gateway',
              clientSecret: 's3cret',
              authMethod,
              expectedIssuer: server.issuer,
            }),
          },
        },
      });
      const [status] = await manager.startup();
      expect(status?.state).toBe('ready');
      expect(whoami(await manager.callTool('whoami', {}))).toMatchObject({
        result: { text: 'authorized' },
      });
      expect(server.clientAuth.at(-1)).toBe(authMethod);
    }
    expect(server.grants).toEqual(['client_credentials', 'client_credentials']);
  });

  it('client credentials with a private-key JWT', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    server = await startTestOAuthServer({
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
    const manager = createManager({
      servers: {
        remote: {
          type: 'http',
          url: server.url,
          authProvider: createClientCredentialsProvider({
            clientId: 'gateway',
            privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
            algorithm: 'ES256',
          }),
        },
      },
    });
    expect((await manager.startup())[0]?.state).toBe('ready');
    expect(server.clientAuth).toEqual(['private_key_jwt']);
  });

  it('wrong client credentials: failed / auth_required with the reason, not restarted', async () => {
    server = await startTestOAuthServer();
    const manager = createManager({
      servers: {
        remote: {
          type: 'http',
          url: server.url,
          authProvider: createClientCredentialsProvider({
            clientId: 'gateway',
            clientSecret: 'wrong',
          }),
        },
      },
      restart: { maxAttempts: 5, initialDelayMs: 1 },
    });
    const [status] = await manager.startup();
    expect(status).toMatchObject({ state: 'failed', errorCode: 'auth_required' });
    expect(status?.error).toContain('refused our credentials');
    // The SDK tries once more with fresh credentials; `failed` (not
    // `restarting`) means no restart is scheduled.
    expect(server.grants.length).toBeLessThanOrEqual(2);
    expect(manager.status()[0]?.state).toBe('failed');
  });

  it('authorization code with PKCE: the person is sent to the URL, finishAuth connects, an expired token is refreshed', async () => {
    server = await startTestOAuthServer();
    const store = createMemoryTokenStore();
    const urls: URL[] = [];
    const manager = createManager({
      servers: {
        remote: {
          type: 'http',
          url: server.url,
          authProvider: createAuthorizationCodeProvider({
            redirectUrl: 'http://127.0.0.1:1/callback',
            onAuthorizationUrl: (url) => void urls.push(url),
            clientInformation: { client_id: 'gateway', client_secret: 's3cret' },
            store,
            storeKey: 'remote',
          }),
        },
      },
    });
    const [status] = await manager.startup();
    expect(status).toMatchObject({ state: 'failed', errorCode: 'auth_required' });
    expect(status?.error).toContain('finishAuth("remote", code)');
    await expect.poll(() => urls.length).toBe(1);
    expect(urls[0]!.searchParams.get('code_challenge_method')).toBe('S256');
    // The person signs in; the authorization server redirects to the callback with a code.
    const redirect = await fetch(urls[0]!, { redirect: 'manual' });
    const code = new URL(redirect.headers.get('location')!).searchParams.get('code')!;
    expect(await manager.finishAuth('remote', code)).toMatchObject({ state: 'ready' });
    expect((await store.get('remote'))?.tokens?.access_token).toBeTruthy();
    expect(whoami(await manager.callTool('whoami', {}))).toMatchObject({
      result: { text: 'authorized' },
    });

    server.revokeAccessTokens();
    expect(whoami(await manager.callTool('whoami', {}))).toMatchObject({
      result: { text: 'authorized' },
    });
    expect(server.grants).toEqual(['authorization_code', 'refresh_token']);
    expect(urls).toHaveLength(1);
  });

  it('refuses bad provider options', () => {
    expect(() => createClientCredentialsProvider({ clientId: 'x' })).toThrow(/needs clientSecret/);
    expect(() =>
      createClientCredentialsProvider({
        clientId: 'x',
        authMethod: 'private_key_jwt',
        clientSecret: 'y',
      }),
    ).toThrow(/needs privateKey/);
    expect(() =>
      createAuthorizationCodeProvider({
        redirectUrl: 'not a url',
        onAuthorizationUrl: () => undefined,
      }),
    ).toThrow(/redirectUrl/);
  });
});
