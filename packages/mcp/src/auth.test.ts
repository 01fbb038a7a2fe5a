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

  it('authorization code: the state sent with the authorization is checked on the callback (CSRF)', async () => {
    server = await startTestOAuthServer();
    const store = createMemoryTokenStore();
    const urls: URL[] = [];
    const provider = createAuthorizationCodeProvider({
      redirectUrl: 'http://127.0.0.1:1/oauth/callback',
      onAuthorizationUrl: (url) => void urls.push(url),
      clientInformation: { client_id: 'gateway', client_secret: 's3cret' },
      store,
      storeKey: 'remote',
    });
    const manager = createManager({
      servers: { remote: { type: 'http', url: server.url, authProvider: provider } },
    });
    expect((await manager.startup())[0]?.errorCode).toBe('auth_required');
    await expect.poll(() => urls.length).toBe(1);
    const state = urls[0]!.searchParams.get('state');
    expect(Buffer.from(state ?? '', 'base64url')).toHaveLength(32);
    expect((await store.get('remote'))?.authorizationState).toBe(state);

    // The authorization server sends the person back with the code and the state.
    const redirect = await fetch(urls[0]!, { redirect: 'manual' });
    const callback = new URL(redirect.headers.get('location')!);
    expect(callback.searchParams.get('state')).toBe(state);
    const code = callback.searchParams.get('code')!;

    // A forged callback (an attacker's link with their own code) is refused
    // and leaves the authorization under way.
    const forged = (query: string) => provider.verifyCallback(`/oauth/callback?${query}`);
    const refusal = { name: 'GatewayError', code: 'invalid_request' };
    await expect(forged('code=attacker')).rejects.toMatchObject({
      ...refusal,
      message: expect.stringContaining('no state parameter'),
    });
    await expect(forged(`code=attacker&state=${state!.slice(1)}x`)).rejects.toMatchObject({
      ...refusal,
      message: expect.stringContaining('cross-site request forgery'),
    });
    await expect(
      forged('error=access_denied&state=wrong&error_description=nope'),
    ).rejects.toMatchObject({ ...refusal, message: expect.stringContaining('forgery') });
    expect((await store.get('remote'))?.authorizationState).toBe(state);

    // The real callback gives the code; finishAuth connects.
    expect(await provider.verifyCallback(callback)).toBe(code);
    expect((await store.get('remote'))?.authorizationState).toBeUndefined();
    expect(await manager.finishAuth('remote', code)).toMatchObject({ state: 'ready' });
    expect(whoami(await manager.callTool('whoami', {}))).toMatchObject({
      result: { text: 'authorized' },
    });
    // Used once: the same callback again is refused.
    await expect(provider.verifyCallback(callback.href)).rejects.toMatchObject({
      ...refusal,
      message: expect.stringContaining('no OAuth authorization is under way'),
    });
    expect(server.grants).toEqual(['authorization_code']);
  });

  it('authorization code: a refused authorization with the right state ends it, naming the error', async () => {
    const provider = createAuthorizationCodeProvider({
      redirectUrl: 'http://127.0.0.1:1/oauth/callback',
      onAuthorizationUrl: () => undefined,
    });
    const state = await provider.state();
    const query = new URLSearchParams({
      error: 'access_denied',
      error_description: 'the person said no',
      state,
    });
    await expect(provider.verifyCallback(query)).rejects.toMatchObject({
      code: 'invalid_request',
      message: expect.stringContaining('access_denied (the person said no)'),
    });
    await expect(provider.verifyCallback(`?code=x&state=${state}`)).rejects.toThrow(
      /no OAuth authorization is under way/,
    );
    // Each authorization gets its own state; only the latest is accepted.
    const first = await provider.state();
    const second = await provider.state();
    expect(second).not.toBe(first);
    await expect(provider.verifyCallback(`?code=x&state=${first}`)).rejects.toThrow(/forgery/);
    expect(await provider.verifyCallback(`?code=x&state=${second}`)).toBe('x');
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
    // A store shared by providers without a key each would hand one server's
    // tokens to another.
    const shared = createMemoryTokenStore();
    expect(() =>
      createClientCredentialsProvider({ clientId: 'x', clientSecret: 'y', store: shared }),
    ).toThrow(/storeKey is required/);
    expect(() =>
      createClientCredentialsProvider({
        clientId: 'x',
        clientSecret: 'y',
        store: shared,
        storeKey: 'server-a',
      }),
    ).not.toThrow();
  });
});
