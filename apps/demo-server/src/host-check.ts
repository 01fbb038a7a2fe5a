import { isIP } from 'node:net';

/** The JSON body of a refused request. */
export interface ForeignHostError {
  error: { code: 'forbidden_origin'; message: string };
}

/**
 * Whether the demo answers a request addressed to `hostname` (a `Host`
 * header, port or not; an IPv6 address in brackets): `localhost` (and `*.localhost`),
 * any IP address, and the names in `allowedHosts`. Everything else is
 * refused, so a page on another site that points its own DNS name at this
 * machine (DNS rebinding) cannot reach the demo: same-origin by every header
 * it sends, but its `Host` is its own name.
 */
export function isAllowedHost(hostname: string, allowedHosts: readonly string[] = []): boolean {
  const name = hostName(hostname);
  if (name === undefined) return false;
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4 || (name.startsWith('[') && isIP(name.slice(1, -1)) === 6)) return true;
  return allowedHosts.some((allowed) => hostName(allowed) === name);
}

/**
 * `name` as a URL spells a host name: lower case, punycode for IDN, no port,
 * no trailing dot; `undefined` when it is not one. So `Demo.Example:3000`,
 * `demo.example.` and `demo.example` are the same name.
 */
export function hostName(name: string): string | undefined {
  try {
    const hostname = new URL(`http://${name}`).hostname;
    return hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  } catch {
    return undefined;
  }
}

/**
 * The 403 body for a request whose `Host` header the demo does not answer
 * (see {@link isAllowedHost}), or `undefined` when it does.
 */
export function foreignHostError(
  hostHeader: string | undefined,
  allowedHosts: readonly string[] = [],
): ForeignHostError | undefined {
  if (isAllowedHost(hostHeader ?? '', allowedHosts)) return undefined;
  return {
    error: {
      code: 'forbidden_origin',
      message: `this demo answers localhost, IP addresses and the names in ALLOWED_HOSTS, not "${hostHeader ?? ''}"`,
    },
  };
}
