import { GatewayError, type Logger } from '@claude-gateway/core';
import { SignJWT, jwtVerify } from 'jose';
import type { AuthResult, GatewayAuth } from './gateway-handler-types.js';

/** Default lifetime of a session token: 24 hours. */
export const DEFAULT_TOKEN_TTL_SEC = 86_400;

/** Shortest HS256 key not warned about (RFC 7518 §3.2: at least the hash size). */
const MIN_SECRET_BYTES = 32;

const ACCESS_TOKEN_QUERY = 'access_token';

/** The auth strategy of one handler. @internal */
export interface Authenticator {
  /** Whether `POST /sessions` is open to anyone (it mints the token). */
  readonly openSessionCreation: boolean;
  /**
   * Who the request is: `{}` (any session), `{ sessionId }` (that one only)
   * or `null` (refused: 401). `allowQueryToken` admits `?access_token=`.
   */
  authenticate(request: Request, allowQueryToken: boolean): Promise<AuthResult | null>;
  /** The token answered by `POST /sessions`, or `null` when this strategy has none. */
  issueToken(sessionId: string): Promise<string | null>;
  /** The message of a 401 from this strategy. */
  readonly refusal: string;
}

const BEARER_REFUSAL = 'a valid bearer token is required';

/** The bearer token of `request` (header first, then `?access_token=` when allowed). */
export function bearerToken(request: Request, allowQueryToken: boolean): string | undefined {
  const header = request.headers.get('authorization');
  // Another scheme (a proxy's `Basic`, sent by the browser on its own) is not
  // ours: it neither counts as a token nor hides `?access_token=`.
  if (header !== null && /^Bearer\s/i.test(header)) {
    const found = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return found?.[1];
  }
  if (!allowQueryToken) return undefined;
  const query = new URL(request.url).searchParams.get(ACCESS_TOKEN_QUERY);
  return query === null || query === '' ? undefined : query;
}

function jwtAuthenticator(
  secret: string | Uint8Array,
  ttlSec: number,
  logger: Logger,
): Authenticator {
  if (typeof secret !== 'string' && !(secret instanceof Uint8Array)) {
    throw new GatewayError('invalid_options', 'auth.jwtSecret must be a string or a Uint8Array');
  }
  const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  if (key.byteLength === 0) throw new GatewayError('invalid_options', 'auth.jwtSecret is empty');
  if (!Number.isInteger(ttlSec) || ttlSec <= 0) {
    throw new GatewayError('invalid_options', 'auth.tokenTtlSec must be a positive integer');
  }
  if (key.byteLength < MIN_SECRET_BYTES) {
    logger.warn(
      `server: auth.jwtSecret has ${key.byteLength} bytes; use at least ${MIN_SECRET_BYTES} random bytes`,
    );
  }
  return {
    openSessionCreation: true,
    async authenticate(request, allowQueryToken) {
      const token = bearerToken(request, allowQueryToken);
      if (token === undefined) return null;
      try {
        // Only HS256: a token signed with `none` or another algorithm is refused.
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
        if (typeof payload.sub !== 'string' || payload.sub === '') return null;
        if (typeof payload.exp !== 'number') return null;
        return { sessionId: payload.sub };
      } catch {
        return null;
      }
    },
    issueToken(sessionId) {
      return new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(sessionId)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSec)
        .sign(key);
    },
    refusal: BEARER_REFUSAL,
  };
}

/** Builds the strategy chosen by the handler's `auth` option. @internal */
export function createAuthenticator(auth: GatewayAuth, logger: Logger): Authenticator {
  if (auth === false) {
    // Once, when the handler is built: the server's start-up log shows it.
    logger.warn(
      'server: auth is off (auth: false): every session and run is open to anyone; use it for local development only',
    );
    return {
      openSessionCreation: true,
      authenticate: () => Promise.resolve({}),
      issueToken: () => Promise.resolve(null),
      refusal: BEARER_REFUSAL,
    };
  }
  if (typeof auth !== 'object' || auth === null) {
    throw new GatewayError(
      'invalid_options',
      'auth must be { jwtSecret }, { authenticate } or false',
    );
  }
  if ('authenticate' in auth && typeof auth.authenticate === 'function') {
    const custom = auth.authenticate.bind(auth);
    return {
      openSessionCreation: false,
      async authenticate(request) {
        const result = await custom(request);
        if (result === null || typeof result !== 'object') return null;
        // Fail closed: every session only when asked for explicitly; a
        // `sessionId` that a lookup left undefined is a refusal, not a pass.
        if (typeof result.sessionId === 'string' && result.sessionId !== '') {
          return { sessionId: result.sessionId };
        }
        if (result.allSessions === true && !('sessionId' in result)) return {};
        return null;
      },
      issueToken: () => Promise.resolve(null),
      // Not "bearer token": the app's own check decides what it wants.
      refusal: "the server's authenticate refused the request",
    };
  }
  if ('jwtSecret' in auth) {
    return jwtAuthenticator(auth.jwtSecret, auth.tokenTtlSec ?? DEFAULT_TOKEN_TTL_SEC, logger);
  }
  throw new GatewayError(
    'invalid_options',
    'auth must be { jwtSecret }, { authenticate } or false',
  );
}
