import type { OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';

/** What an OAuth provider keeps for one server: tokens, its registration, the PKCE verifier, discovery results. */
export interface OAuthState {
  tokens?: OAuthTokens;
  /** The client's registration (dynamic registration, or pre-registered). */
  clientInformation?: OAuthClientInformationMixed;
  /** The PKCE verifier of the authorization under way. */
  codeVerifier?: string;
  /**
   * The OAuth `state` sent with the authorization under way (CSRF
   * protection): the callback must bring it back. Cleared once a callback
   * carrying it is accepted.
   */
  authorizationState?: string;
  /** Cached metadata discovery, so a reconnect does not discover again. */
  discoveryState?: OAuthDiscoveryState;
}

/**
 * Where the ready OAuth providers keep their {@link OAuthState}, by key (one
 * key per server and, when tokens belong to a person, per person). Implement
 * it over a database or a secret store to keep tokens across restarts; the
 * state holds secrets (access and refresh tokens, client secrets).
 */
export interface OAuthTokenStore {
  get(key: string): OAuthState | undefined | Promise<OAuthState | undefined>;
  set(key: string, state: OAuthState): void | Promise<void>;
  delete(key: string): void | Promise<void>;
}

/** An {@link OAuthTokenStore} in memory (lost when the process ends): the default. */
export function createMemoryTokenStore(): OAuthTokenStore {
  const states = new Map<string, OAuthState>();
  return {
    get: (key) => states.get(key),
    set: (key, state) => {
      states.set(key, state);
    },
    delete: (key) => {
      states.delete(key);
    },
  };
}
