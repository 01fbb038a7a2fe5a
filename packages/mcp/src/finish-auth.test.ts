import { afterEach, describe, expect, it } from 'vitest';
import {
  createAuthorizationCodeProvider,
  createClientCredentialsProvider,
} from './oauth-providers.js';
import { startTestOAuthServer, type TestOAuthServer } from './test-oauth-server.js';
import { managersShutDownAfterEach } from './test-servers.js';

const createManager = managersShutDownAfterEach();
let server: TestOAuthServer | undefined;
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await server?.close();
  server = undefined;
});

const notWaiting = {
  name: 'GatewayError',
  code: 'invalid_options',
  message: expect.stringContaining('is not waiting for authorization'),
};

/** The person signs in: the authorization server redirects to the callback with a code. */
async function signIn(url: URL): Promise<string> {
  const redirect = await fetch(url, { redirect: 'manual' });
  return new URL(redirect.headers.get('location')!).searchParams.get('code')!;
}

/**
 * An authorization-code provider whose sending a person to authorize can be
 * held open, as a provider that waits until the URL is delivered does: the
 * sign-in is then under way and the server's refusal has not landed yet.
 */
function holdableProvider() {
  const urls: URL[] = [];
  const provider = createAuthorizationCodeProvider({
    redirectUrl: 'http://127.0.0.1:1/callback',
    onAuthorizationUrl: (url) => void urls.push(url),
    clientInformation: { client_id: 'gateway', client_secret: 's3cret' },
  });
  const redirect = provider.redirectToAuthorization.bind(provider);
  let hold: ((url: URL) => Promise<void>) | undefined;
  provider.redirectToAuthorization = (url) => (hold ? hold(url) : redirect(url));
  /** Holds the next redirect: resolves with its URL once the SDK is waiting on it. */
  const holdNext = (): Promise<{ url: URL; release: () => void }> =>
    new Promise((reached) => {
      hold = (url) =>
        new Promise<void>((release) => {
          hold = undefined;
          cleanups.push(release);
          reached({ url, release });
        });
    });
  return { provider, urls, holdNext };
}

/** A manager of one authorization-code server where nothing listens, not restarted. */
function unreachableManager() {
  return createManager({
    servers: {
      docs: {
        type: 'http',
        url: 'http://127.0.0.1:1/mcp',
        authProvider: createAuthorizationCodeProvider({
          redirectUrl: 'http://127.0.0.1:1/callback',
          onAuthorizationUrl: () => undefined,
        }),
      },
    },
    restart: { maxAttempts: 0 },
  });
}

describe('finishAuth', () => {
  it('rejects at once with invalid_options for a server that failed without asking for authorization', async () => {
    const manager = unreachableManager();
    const [status] = await manager.startup();
    expect(status).toMatchObject({
      state: 'failed',
      error: expect.stringContaining('fetch failed'),
    });
    expect(status?.errorCode).toBeUndefined();
    await expect(manager.finishAuth('docs', 'code')).rejects.toMatchObject(notWaiting);
    // Another attempt was not made behind our back.
    expect(manager.status()[0]?.state).toBe('failed');
  });

  it('rejects at once with invalid_options for a ready server with no sign-in under way', async () => {
    server = await startTestOAuthServer();
    const manager = createManager({
      servers: {
        remote: {
          type: 'http',
          url: server.url,
          authProvider: createClientCredentialsProvider({
            clientId: 'gateway',
            clientSecret: 's3cret',
          }),
        },
      },
    });
    expect((await manager.startup())[0]?.state).toBe('ready');
    await expect(manager.finishAuth('remote', 'code')).rejects.toMatchObject(notWaiting);
    expect(manager.status()[0]?.state).toBe('ready');
  });

  it('rejects with cancelled after shutdown', async () => {
    const manager = unreachableManager();
    await manager.startup();
    await manager.shutdown();
    await expect(manager.finishAuth('docs', 'code')).rejects.toMatchObject({
      name: 'GatewayError',
      code: 'cancelled',
    });
  });

  describe('while a person is sent to authorize again (a refresh refused, a call under way)', () => {
    /** A ready server whose tokens were all revoked, and a call held where the SDK sends a person to authorize. */
    async function signInUnderWay() {
      server = await startTestOAuthServer();
      const { provider, urls, holdNext } = holdableProvider();
      const manager = createManager({
        servers: { remote: { type: 'http', url: server.url, authProvider: provider } },
      });
      expect((await manager.startup())[0]?.errorCode).toBe('auth_required');
      await expect.poll(() => urls.length).toBe(1);
      const first = await signIn(urls[0]!);
      expect(await manager.finishAuth('remote', first)).toMatchObject({ state: 'ready' });

      server.revokeAllTokens();
      const held = holdNext();
      const call = manager.callTool('whoami', {});
      const { url, release } = await held;
      return { manager, call, release, code: await signIn(url) };
    }

    it('waits for the refusal to land, then completes the sign-in', async () => {
      const { manager, call, release, code } = await signInUnderWay();
      const finishing = manager.finishAuth('remote', code);
      release();
      expect((await call).error?.code).toBe('server_unavailable');
      expect(await finishing).toMatchObject({ state: 'ready' });
      expect(await manager.callTool('whoami', {})).toMatchObject({
        result: { text: 'authorized' },
      });
    });

    it('settles (cancelled) when the manager shuts down first', async () => {
      const { manager, call, code } = await signInUnderWay();
      const finishing = manager.finishAuth('remote', code);
      finishing.catch(() => undefined);
      // Its first steps are promise jobs: after them it waits for the refusal.
      await new Promise((resolve) => setImmediate(resolve));
      await manager.shutdown();
      await expect(finishing).rejects.toMatchObject({ name: 'GatewayError', code: 'cancelled' });
      expect((await call).error?.code).toBe('server_unavailable');
    });
  });
});
