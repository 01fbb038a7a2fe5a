import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';

/**
 * @internal Watches one HTTP server's authorization: whether the server
 * refused us (401/403) since its last success, and how many times a person
 * was sent to authorize since the server was last ready (past
 * `maxRedirects` the provider is not asked again: no authorization loop).
 */
export class AuthGuard {
  /** A 401/403 from the MCP endpoint not followed by a success. */
  refused = false;
  /** A person was sent to authorize during the current attempt. */
  redirected = false;
  private redirects = 0;

  constructor(
    private readonly endpoint: URL,
    private readonly maxRedirects: number,
  ) {}

  /** The server became ready: the count of authorizations starts over. */
  ready(): void {
    this.redirects = 0;
  }

  /** A new connection attempt. */
  attempt(): void {
    this.refused = false;
    this.redirected = false;
  }

  /** `provider`, except that sending a person to authorize is counted and bounded. */
  wrap(provider: OAuthClientProvider): OAuthClientProvider {
    const redirect = (url: URL): void | Promise<void> => {
      if (this.redirects >= this.maxRedirects) {
        throw new Error(
          `authorization was asked for ${this.maxRedirects} times without the server accepting it; not asking again`,
        );
      }
      this.redirects += 1;
      this.redirected = true;
      return provider.redirectToAuthorization(url);
    };
    return new Proxy(provider, {
      get(target, property) {
        if (property === 'redirectToAuthorization') return redirect;
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function'
          ? (value as (...a: unknown[]) => unknown).bind(target)
          : value;
      },
    });
  }

  /** A fetch that notes refusals from the MCP endpoint. */
  fetch(inner: FetchLike = fetch): FetchLike {
    return async (url, init) => {
      const response = await inner(url, init);
      const target = new URL(url);
      if (target.origin === this.endpoint.origin && target.pathname === this.endpoint.pathname) {
        if (response.status === 401 || response.status === 403) this.refused = true;
        else if (response.ok) this.refused = false;
      }
      return response;
    };
  }
}
