import { isIP } from 'node:net';

/** The JSON body of a refused request. */
export interface ForeignHostError {
  error: { code: 'forbidden_origin'; message: string };
}

/**
 * Whether the demo answers a request addressed to `hostname` (as a URL
 * spells it: an IPv6 address in brackets): `localhost` (and `*.localhost`),
 * any IP address, and the names in `allowedHosts`. Everything else is
 * refused, so a page on another site that points its own DNS name at this
 * machine (DNS rebinding) cannot reach the demo: same-origin by every header
 * it sends, but its `Host` is its own name.
 */
export function isAllowedHost(hostname: string, allowedHosts: readonly string[] = []): boolean {
  const name = hostname.toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4 || (name.startsWith('[') && isIP(name.slice(1, -1)) === 6)) return true;
  return allowedHosts.some((allowed) => allowed.toLowerCase() === name);
}

/**
 * The 403 body for a request whose `Host` header the demo does not answer
 * (see {@link isAllowedHost}), or `undefined` when it does.
 */
export function foreignHostError(
  hostHeader: string | undefined,
  allowedHosts: readonly string[] = [],
): ForeignHostError | undefined {
  let hostname: string | undefined;
  try {
    hostname = new URL(`http://${hostHeader ?? ''}`).hostname;
  } catch {
    // not a host at all
  }
  if (hostname && isAllowedHost(hostname, allowedHosts)) return undefined;
  return {
    error: {
      code: 'forbidden_origin',
      message: `this demo answers localhost, IP addresses and the names in ALLOWED_HOSTS, not "${hostHeader ?? ''}"`,
    },
  };
}
