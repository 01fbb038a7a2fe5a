import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { consoleLogger, errorDetail, GatewayError, type Logger } from '@claude-gateway/core';
import { createPrivateKeyJwtAuth } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import type {
  AddClientAuthentication,
  OAuthClientProvider,
} from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import {
  createMemoryTokenStore,
  type OAuthState,
  type OAuthTokenStore,
} from './oauth-token-store.js';

/** What both ready providers take. */
interface StoreOptions {
  /** Where tokens (and the registration, verifier, discovery) are kept. @default createMemoryTokenStore() */
  store?: OAuthTokenStore;
  /**
   * This provider's key in `store`: each server (and person) needs its own,
   * or one server's tokens would be sent to another. Required with a
   * `store` you pass (a shared store is the usual reason to pass one).
   * @default 'default' (only with the provider's own memory store)
   */
  storeKey?: string;
}

/** Options of {@link createClientCredentialsProvider}. */
export interface ClientCredentialsProviderOptions extends StoreOptions {
  clientId: string;
  /**
   * How the client proves who it is at the token endpoint.
   * `private_key_jwt` signs an assertion with `privateKey`; the other two
   * send `clientSecret` (HTTP Basic, or in the form body).
   * @default 'client_secret_basic' ('private_key_jwt' when `privateKey` is given)
   */
  authMethod?: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
  /** For `client_secret_basic` / `client_secret_post`. */
  clientSecret?: string;
  /** For `private_key_jwt`: a PEM string, bytes, or a JWK. */
  privateKey?: string | Uint8Array | Record<string, unknown>;
  /** Signing algorithm of the assertion. @default 'RS256' */
  algorithm?: string;
  /** Lifetime of each assertion, in seconds. @default 300 */
  assertionLifetimeSec?: number;
  /** Space-separated scopes to ask for. @default none (the server's choice) */
  scope?: string;
  /**
   * The authorization server these credentials belong to: they are never
   * sent to another one the MCP server advertises. Strongly recommended.
   * @default none
   */
  expectedIssuer?: string;
  /** `client_name` in the client metadata. @default 'claude-gateway' */
  clientName?: string;
}

/** Options of {@link createAuthorizationCodeProvider}. */
export interface AuthorizationCodeProviderOptions extends StoreOptions {
  /** Where the authorization server sends the person back (your callback route). */
  redirectUrl: string | URL;
  /**
   * Called with the authorization URL when a person must sign in: send
   * them there (a link in your UI). The URL carries a random `state`; when
   * the person comes back to your callback, pass its URL to the provider's
   * `verifyCallback(url)` (it checks `state` and gives the `code`), then
   * call the manager's `finishAuth(server, code)`. Called without being
   * awaited; a throw is reported to `logger`.
   */
  onAuthorizationUrl: (url: URL) => void | Promise<void>;
  /** Where a throwing `onAuthorizationUrl` is reported. @default consoleLogger */
  logger?: Logger;
  /** Extra client metadata for dynamic registration (`client_name`, `scope`, ...). @default { client_name: 'claude-gateway' } */
  clientMetadata?: Partial<OAuthClientMetadata>;
  /** A URL-based client id (client ID metadata document), used when the server supports it. @default none */
  clientMetadataUrl?: string;
  /** A pre-registered client (`client_id`, `client_secret`, `issuer`); without it the client registers dynamically. @default none */
  clientInformation?: OAuthClientInformationMixed;
}

/**
 * What {@link createAuthorizationCodeProvider} returns: the SDK's provider,
 * plus the check of the callback the person comes back to.
 */
export interface AuthorizationCodeProvider extends OAuthClientProvider {
  /** A fresh random `state` for an authorization; stored, and sent with it (the SDK calls this). */
  state(): Promise<string>;
  /**
   * Checks the callback of the authorization under way and returns its
   * `code`, for `finishAuth(server, code)`. `callback` is the URL your
   * callback route was called with (absolute, or a path with its query such
   * as `req.url`), or its query parameters. The callback must carry the
   * `state` sent with the authorization (compared in constant time): that
   * is the CSRF protection (an attacker's link cannot make the gateway use
   * the attacker's code). A callback that is accepted, or that carries the
   * right `state` with an OAuth `error`, ends the authorization: its
   * `state` cannot be used again.
   * @throws GatewayError `invalid_request` when no authorization is under
   * way (or its callback was already used), the `state` is missing or not
   * the one sent, the authorization server answered an `error` (named in
   * the message), or there is no `code`. A wrong `state` leaves the
   * authorization under way, so the person's real callback still works.
   */
  verifyCallback(callback: URL | string | URLSearchParams): Promise<string>;
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Constant-time equality of two strings (by their SHA-256, so lengths leak nothing). */
const sameSecret = (a: string, b: string): boolean => timingSafeEqual(sha256(a), sha256(b));

/** The query parameters of a callback URL, path or query. */
function callbackParams(callback: URL | string | URLSearchParams): URLSearchParams {
  if (callback instanceof URLSearchParams) return callback;
  if (callback instanceof URL) return callback.searchParams;
  if (typeof callback !== 'string') {
    throw new GatewayError(
      'invalid_request',
      'the OAuth callback must be a URL, a path or a query',
    );
  }
  if (callback.startsWith('?')) return new URLSearchParams(callback);
  const base = 'http://callback.invalid';
  if (!URL.canParse(callback, base)) {
    throw new GatewayError('invalid_request', 'the OAuth callback URL does not parse');
  }
  return new URL(callback, base).searchParams;
}

/** An `OAuthClientProvider` whose state lives in an {@link OAuthTokenStore}. */
abstract class StoredProvider {
  protected readonly store: OAuthTokenStore;
  protected readonly key: string;

  constructor(options: StoreOptions) {
    if (options.store && (typeof options.storeKey !== 'string' || options.storeKey === '')) {
      throw new GatewayError(
        'invalid_options',
        'storeKey is required with a store you pass: give each server its own key, or one server would be sent the tokens of another',
      );
    }
    this.store = options.store ?? createMemoryTokenStore();
    this.key = options.storeKey ?? 'default';
  }

  protected async load(): Promise<OAuthState> {
    return (await this.store.get(this.key)) ?? {};
  }

  protected async update(patch: Partial<OAuthState>): Promise<void> {
    const next: OAuthState = { ...(await this.load()) };
    for (const [field, value] of Object.entries(patch) as [keyof OAuthState, unknown][]) {
      if (value === undefined) delete next[field];
      else (next as Record<string, unknown>)[field] = value;
    }
    await this.store.set(this.key, next);
  }

  async tokens() {
    return (await this.load()).tokens;
  }

  async saveTokens(tokens: NonNullable<OAuthState['tokens']>) {
    await this.update({ tokens });
  }

  async saveDiscoveryState(state: NonNullable<OAuthState['discoveryState']>) {
    await this.update({ discoveryState: state });
  }

  async discoveryState() {
    return (await this.load()).discoveryState;
  }

  async invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery') {
    if (scope === 'all') await this.store.delete(this.key);
    else if (scope === 'client') await this.update({ clientInformation: undefined });
    else if (scope === 'tokens') await this.update({ tokens: undefined });
    else if (scope === 'verifier') {
      await this.update({ codeVerifier: undefined, authorizationState: undefined });
    } else await this.update({ discoveryState: undefined });
  }
}

class ClientCredentialsProvider extends StoredProvider implements OAuthClientProvider {
  readonly clientMetadata: OAuthClientMetadata;
  readonly addClientAuthentication?: AddClientAuthentication;
  private readonly info: OAuthClientInformationMixed;
  private readonly scope: string | undefined;

  constructor(options: ClientCredentialsProviderOptions) {
    super(options);
    const method =
      options.authMethod ?? (options.privateKey ? 'private_key_jwt' : 'client_secret_basic');
    if (typeof options.clientId !== 'string' || options.clientId === '') {
      throw new GatewayError('invalid_options', 'clientId must be a non-empty string');
    }
    if (method === 'private_key_jwt' ? !options.privateKey : !options.clientSecret) {
      throw new GatewayError(
        'invalid_options',
        method === 'private_key_jwt'
          ? 'private_key_jwt needs privateKey'
          : `${method} needs clientSecret`,
      );
    }
    this.scope = options.scope;
    this.info = {
      client_id: options.clientId,
      ...(method !== 'private_key_jwt' && { client_secret: options.clientSecret }),
      token_endpoint_auth_method: method,
      ...(options.expectedIssuer !== undefined && { issuer: options.expectedIssuer }),
    };
    this.clientMetadata = {
      client_name: options.clientName ?? 'claude-gateway',
      redirect_uris: [],
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: method,
      ...(options.scope !== undefined && { scope: options.scope }),
    };
    if (method === 'private_key_jwt') {
      this.addClientAuthentication = createPrivateKeyJwtAuth({
        issuer: options.clientId,
        subject: options.clientId,
        privateKey: options.privateKey!,
        alg: options.algorithm ?? 'RS256',
        ...(options.assertionLifetimeSec !== undefined && {
          lifetimeSeconds: options.assertionLifetimeSec,
        }),
      });
    }
  }

  get redirectUrl(): undefined {
    return undefined;
  }

  clientInformation() {
    return this.info;
  }

  redirectToAuthorization(): void {
    throw new Error('the client-credentials flow never sends a person to authorize');
  }

  saveCodeVerifier(): void {
    // No PKCE in the client-credentials flow.
  }

  codeVerifier(): string {
    throw new Error('the client-credentials flow has no code verifier');
  }

  prepareTokenRequest(scope?: string): URLSearchParams {
    const params = new URLSearchParams({ grant_type: 'client_credentials' });
    const wanted = scope ?? this.scope;
    if (wanted) params.set('scope', wanted);
    return params;
  }
}

class AuthorizationCodeOAuthProvider extends StoredProvider implements AuthorizationCodeProvider {
  readonly clientMetadata: OAuthClientMetadata;
  readonly clientMetadataUrl?: string;
  private readonly redirect: string;
  private readonly onUrl: (url: URL) => void | Promise<void>;
  private readonly preRegistered: OAuthClientInformationMixed | undefined;
  private readonly logger: Logger;

  constructor(options: AuthorizationCodeProviderOptions) {
    super(options);
    if (typeof options.onAuthorizationUrl !== 'function') {
      throw new GatewayError('invalid_options', 'onAuthorizationUrl must be a function');
    }
    if (!URL.canParse(String(options.redirectUrl))) {
      throw new GatewayError('invalid_options', 'redirectUrl must be a valid URL');
    }
    this.redirect = String(options.redirectUrl);
    this.onUrl = options.onAuthorizationUrl;
    this.logger = options.logger ?? consoleLogger;
    this.preRegistered = options.clientInformation;
    if (options.clientMetadataUrl !== undefined) this.clientMetadataUrl = options.clientMetadataUrl;
    this.clientMetadata = {
      client_name: 'claude-gateway',
      ...options.clientMetadata,
      redirect_uris: [this.redirect],
    };
  }

  get redirectUrl(): string {
    return this.redirect;
  }

  async clientInformation() {
    return (await this.load()).clientInformation ?? this.preRegistered;
  }

  async saveClientInformation(clientInformation: OAuthClientInformationMixed) {
    await this.update({ clientInformation });
  }

  redirectToAuthorization(url: URL): void {
    // Not awaited: the person answers later, through finishAuth().
    void Promise.resolve()
      .then(() => this.onUrl(url))
      .catch((error: unknown) => {
        this.logger.warn('onAuthorizationUrl threw', { error: errorDetail(error) });
      });
  }

  async saveCodeVerifier(codeVerifier: string) {
    await this.update({ codeVerifier });
  }

  async codeVerifier() {
    const verifier = (await this.load()).codeVerifier;
    if (verifier === undefined) throw new Error('no authorization is under way (no PKCE verifier)');
    return verifier;
  }

  async state(): Promise<string> {
    const authorizationState = randomBytes(32).toString('base64url');
    await this.update({ authorizationState });
    return authorizationState;
  }

  async verifyCallback(callback: URL | string | URLSearchParams): Promise<string> {
    const params = callbackParams(callback);
    const expected = (await this.load()).authorizationState;
    if (expected === undefined) {
      throw new GatewayError(
        'invalid_request',
        'no OAuth authorization is under way for this provider (or its callback was already used)',
      );
    }
    const state = params.get('state');
    if (state === null || !sameSecret(state, expected)) {
      throw new GatewayError(
        'invalid_request',
        state === null
          ? 'the OAuth callback has no state parameter; it was not used'
          : 'the OAuth callback state is not the one sent with the authorization (possible cross-site request forgery); it was not used',
      );
    }
    // The right state: this authorization is over, whatever it brought.
    await this.update({ authorizationState: undefined });
    const error = params.get('error');
    if (error !== null) {
      const description = params.get('error_description');
      throw new GatewayError(
        'invalid_request',
        `the authorization server refused the authorization: ${error.slice(0, 200)}${
          description ? ` (${description.slice(0, 500)})` : ''
        }`,
      );
    }
    const code = params.get('code');
    if (!code) throw new GatewayError('invalid_request', 'the OAuth callback has no code');
    return code;
  }
}

/**
 * An OAuth provider for machine-to-machine access (the client-credentials
 * grant), with a client secret (HTTP Basic or form body) or a private-key
 * JWT assertion. Tokens are fetched on the first 401 and again when they
 * expire; no person is involved.
 *
 * @example
 * ```ts
 * const authProvider = createClientCredentialsProvider({
 *   clientId: 'gateway', clientSecret: process.env.MCP_SECRET!, expectedIssuer: 'https://auth.example.com',
 * });
 * createMcpClientManager({ servers: { remote: { type: 'http', url, authProvider } } });
 * ```
 * @throws GatewayError `invalid_options` without `clientId`, or without the secret or key the method needs.
 */
export function createClientCredentialsProvider(
  options: ClientCredentialsProviderOptions,
): OAuthClientProvider {
  return new ClientCredentialsProvider(options);
}

/**
 * An OAuth provider for the authorization-code flow with PKCE and a `state`
 * parameter: a person signs in at the URL given to `onAuthorizationUrl`,
 * your callback route hands its URL to `verifyCallback()` — which checks
 * that the `state` is the one sent (CSRF) and gives the `code` — and then
 * to the manager's `finishAuth(server, code)`, and the server connects.
 * Refresh tokens are used when the access token expires; a server asking
 * for more scopes (403 `insufficient_scope`) sends the person to authorize
 * again.
 *
 * @example
 * ```ts
 * const authProvider = createAuthorizationCodeProvider({
 *   redirectUrl: 'https://gateway.example.com/oauth/callback',
 *   onAuthorizationUrl: (url) => notifyAdmin(url.href),
 * });
 * // in the callback route (GET /oauth/callback?code=…&state=…):
 * const code = await authProvider.verifyCallback(request.url); // throws for a forged callback
 * await mcp.finishAuth('remote', code);
 * ```
 * @throws GatewayError `invalid_options` for a bad `redirectUrl` or a missing `onAuthorizationUrl`.
 */
export function createAuthorizationCodeProvider(
  options: AuthorizationCodeProviderOptions,
): AuthorizationCodeProvider {
  return new AuthorizationCodeOAuthProvider(options);
}
