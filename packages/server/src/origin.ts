/** What the origin check says about one request. @internal */
export type OriginVerdict =
  /** No `Origin` header, or the request's own origin: no CORS headers needed. */
  | { kind: 'same' }
  /** An allowed cross origin: answer with CORS headers for it. */
  | { kind: 'cors'; origin: string }
  /** Any other origin: 403 `forbidden_origin`. */
  | { kind: 'forbidden'; origin: string };

/** Methods a preflight is told about. */
export const CORS_ALLOW_METHODS = 'GET, POST, DELETE, OPTIONS';
/** Request headers a browser may send cross-origin. */
export const CORS_ALLOW_HEADERS = 'authorization, content-type, last-event-id';
/** Response headers a browser script may read cross-origin. */
export const CORS_EXPOSE_HEADERS = 'retry-after, www-authenticate, x-run-id';
/** How long a browser may cache a preflight, in seconds. */
const CORS_MAX_AGE_SEC = '600';

/**
 * Whether `origin` is the request's own. Behind a proxy that ends TLS and
 * keeps `Host`, the request arrives as `http:` while the page's origin is
 * `https:` on the same host: that counts as the same origin (the reverse, an
 * `http:` page calling an `https:` server, does not).
 */
function isSameOrigin(origin: string, requestUrl: string): boolean {
  const own = new URL(requestUrl);
  if (origin === own.origin) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (own.protocol !== 'http:' || parsed.protocol !== 'https:') return false;
  // `Host` without a port means the scheme's default port on the page's side.
  const ownPort = own.port === '' ? '443' : own.port;
  const pagePort = parsed.port === '' ? '443' : parsed.port;
  return parsed.hostname === own.hostname && pagePort === ownPort;
}

/** Decides whether `request`'s `Origin` may call the API. */
export function checkOrigin(request: Request, allowed: ReadonlySet<string>): OriginVerdict {
  const origin = request.headers.get('origin');
  if (origin === null) return { kind: 'same' };
  if (isSameOrigin(origin, request.url)) return { kind: 'same' };
  if (allowed.has('*') || allowed.has(origin.toLowerCase())) return { kind: 'cors', origin };
  return { kind: 'forbidden', origin };
}

/** The headers every answer carries for `verdict` (empty unless cross-origin allowed). */
export function corsHeaders(verdict: OriginVerdict): Headers {
  const headers = new Headers();
  // Answers differ by Origin whenever some origins are allowed and others not.
  headers.set('vary', 'origin');
  if (verdict.kind === 'cors') {
    headers.set('access-control-allow-origin', verdict.origin);
    headers.set('access-control-expose-headers', CORS_EXPOSE_HEADERS);
  }
  return headers;
}

/** The 204 answer to a CORS preflight of an allowed origin. */
export function preflightResponse(verdict: OriginVerdict, allow: readonly string[]): Response {
  const headers = corsHeaders(verdict);
  headers.set('allow', [...allow, 'OPTIONS'].join(', '));
  if (verdict.kind === 'cors') {
    headers.set('access-control-allow-methods', CORS_ALLOW_METHODS);
    headers.set('access-control-allow-headers', CORS_ALLOW_HEADERS);
    headers.set('access-control-max-age', CORS_MAX_AGE_SEC);
  }
  return new Response(null, { status: 204, headers });
}

/** `allowedOrigins` as a set of exact origins (`https://host[:port]`, or `'*'`). */
export function normalizeOrigins(origins: readonly string[] | undefined): ReadonlySet<string> {
  const set = new Set<string>();
  for (const origin of origins ?? []) {
    if (origin === '*') set.add('*');
    else set.add(origin.trim().replace(/\/+$/, '').toLowerCase());
  }
  return set;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Whether the request was addressed to a loopback host. With `auth: false`
 * only those are served: a page on another site that rebinds its own DNS name
 * to 127.0.0.1 is same-origin by every header it sends, but its `Host` is
 * its own name.
 */
export function isLoopbackHost(request: Request): boolean {
  return LOOPBACK_HOSTS.has(new URL(request.url).hostname);
}
