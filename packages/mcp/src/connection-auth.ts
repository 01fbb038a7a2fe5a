import { GatewayError } from '@claude-gateway/core';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { AuthGuard } from './auth-guard.js';
import { isAuthError } from './connection-errors.js';
import type { McpServerState } from './connection-types.js';

/**
 * @internal The authorization side of one HTTP server's connection: its
 * OAuth provider (bounded by an {@link AuthGuard}), the transport a refusal
 * left waiting for `finishAuth`, and the `finishAuth` callers waiting for a
 * refusal still on its way.
 * The connection keeps the state machine; this keeps what it needs to know.
 */
export class ConnectionAuth {
  /** The OAuth provider, wrapped so that sending a person to authorize is bounded. */
  readonly provider: OAuthClientProvider | undefined;
  readonly #guard: AuthGuard;
  /** The transport that was refused: `finishAuth` completes its authorization. */
  #pending: StreamableHTTPClientTransport | undefined;
  readonly #waiters = new Set<() => void>();

  constructor(endpoint: URL, provider: OAuthClientProvider | undefined, maxAttempts: number) {
    this.#guard = new AuthGuard(endpoint, maxAttempts);
    this.provider = provider && this.#guard.wrap(provider);
  }

  /** A new connection attempt: what its transport needs (the watching `fetch`, the provider). */
  attempt(): { fetch: FetchLike; authProvider?: OAuthClientProvider } {
    this.#guard.attempt();
    // The sign-in an earlier attempt sent a person to is over: its waiters look again.
    this.wake();
    return { fetch: this.#guard.fetch(), ...(this.provider && { authProvider: this.provider }) };
  }

  /** The server became ready: the count of authorizations starts over. */
  ready(): void {
    this.#guard.ready();
  }

  /**
   * True while a refusal may still come for a sign-in under way: the
   * current attempt (or a call of the ready server, asking for more scopes)
   * sent a person to authorize, and the connection in `state` has neither
   * been refused yet nor given up or closed. A new attempt resets it.
   */
  awaitingRefusal(state: McpServerState): boolean {
    return (
      this.#guard.redirected &&
      (state === 'connecting' || state === 'ready' || state === 'restarting')
    );
  }

  /** True when `error` (or the last responses) say the server wants credentials. */
  isRefusal(error: unknown): boolean {
    return this.#guard.refused || this.#guard.redirected || isAuthError(error);
  }

  /** Why the server is `failed` with `auth_required`. */
  describe(server: string, detail: string): string {
    if (this.#guard.redirected) {
      return `MCP server "${server}" needs authorization: a person was sent to authorize (onAuthorizationUrl); call finishAuth("${server}", code) with the code the callback receives`;
    }
    return this.provider
      ? `MCP server "${server}" refused our credentials (HTTP 401/403) and the authProvider could not fix it: ${detail}`
      : `MCP server "${server}" requires authorization (HTTP 401/403): give it an authProvider or an Authorization header`;
  }

  /** Keeps the refused `transport` for {@link finish}. */
  refused(transport: Transport | undefined): void {
    if (transport instanceof StreamableHTTPClientTransport) this.#pending = transport;
  }

  /** Wakes the callers of {@link until}: the connection changed, they check again. */
  wake(): void {
    for (const wake of this.#waiters) wake();
  }

  /**
   * Resolves once `settled()` holds, checked now and at every {@link wake};
   * rejects with `cancelled` when `signal` aborts first.
   */
  until(settled: () => boolean, signal?: AbortSignal): Promise<void> {
    if (settled()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!settled()) return;
        this.#waiters.delete(check);
        signal?.removeEventListener('abort', stop);
        resolve();
      };
      const stop = (): void => {
        this.#waiters.delete(check);
        reject(new GatewayError('cancelled', 'finishAuth was cancelled'));
      };
      if (signal?.aborted) return stop();
      signal?.addEventListener('abort', stop, { once: true });
      this.#waiters.add(check);
    });
  }

  /**
   * Completes the authorization-code flow of the refused transport with
   * `code`.
   * @throws GatewayError `invalid_options` when no transport waits for it.
   */
  async finish(server: string, code: string): Promise<void> {
    const transport = this.#pending;
    if (!transport) {
      throw new GatewayError(
        'invalid_options',
        `MCP server "${server}" is not waiting for authorization`,
      );
    }
    await transport.finishAuth(code);
    this.#pending = undefined;
  }
}
