import type { Logger, RunManager } from '@claude-gateway/core';
import type { ApprovalBroker, ElicitationBroker } from '@claude-gateway/dispatch';

/** JWT auth: the server signs an HS256 token per session (`sub` = session id). */
export interface JwtAuthOptions {
  /**
   * The HS256 key: a string (its UTF-8 bytes) or raw bytes. Use at least 32
   * random bytes; a shorter key is warned about once.
   */
  jwtSecret: string | Uint8Array;
  /** Lifetime of a token, in seconds. @default 86400 (24 h) */
  tokenTtlSec?: number;
}

/**
 * What a custom {@link CustomAuthOptions.authenticate} says about a request:
 * `{ sessionId }` (that session and its runs only) or `{ allSessions: true }`
 * (every session and run: an operator, a single-user app). Anything else —
 * `{}`, or a `sessionId` that is not a non-empty string (a lookup that found
 * nothing) — is refused with 401, so a mistake fails closed.
 */
export interface AuthResult {
  /** The one session this request may use. */
  sessionId?: string;
  /** Every session and run; must come without `sessionId`. */
  allSessions?: boolean;
}

/** Your own auth in place of JWTs (cookies, an API gateway's header...). */
export interface CustomAuthOptions {
  /**
   * Called for every request except CORS preflights; `null` answers 401
   * `unauthorized`. `POST /sessions` answers `token: null` in this mode: the
   * client authenticates the way `authenticate` expects.
   */
  authenticate(request: Request): Promise<AuthResult | null>;
}

/** How requests are authenticated; `false` is for local development only. */
export type GatewayAuth = JwtAuthOptions | CustomAuthOptions | false;

/** Options of {@link createGatewayHandler}. */
export interface GatewayHandlerOptions {
  /** Owns sessions and runs (`createRunManager` from `@claude-gateway/core`). */
  runs: RunManager;
  /**
   * Decides gated tool calls (the broker the dispatcher uses). Without it
   * `POST /runs/:id/approvals` answers 404 `not_found`.
   * @default none
   */
  approvals?: ApprovalBroker;
  /**
   * Answers MCP servers' requests for input (the broker given to the MCP
   * client manager's `onElicitation`). Without it
   * `POST /runs/:id/elicitations` answers 404 `not_found`.
   * @default none
   */
  elicitations?: ElicitationBroker;
  /**
   * - `{ jwtSecret, tokenTtlSec? }`: `POST /sessions` answers an HS256 JWT
   *   that opens that session and its runs, and nothing else.
   * - `{ authenticate }`: your own check; see {@link CustomAuthOptions}.
   * - `false`: no auth at all (local development); every session and run is
   *   open to anyone, and a warning is logged once. Only requests addressed
   *   to a loopback host (`localhost`, `127.0.0.1`, `[::1]`) are served
   *   (403 `forbidden_origin` otherwise), which stops DNS-rebinding pages.
   */
  auth: GatewayAuth;
  /** Path prefix of every route. `''` serves at the root. @default '/api' */
  basePath?: string;
  /**
   * Origins (`https://app.example.com`) allowed to call the API from a
   * browser; they get CORS headers. `'*'` allows any origin. Requests without
   * an `Origin` header and same-origin requests are always allowed; any
   * other origin gets 403 `forbidden_origin` on every route.
   * @default [] (same origin only)
   */
  allowedOrigins?: string[];
  /**
   * Largest JSON body accepted (413 `payload_too_large` beyond it).
   * @default 65536
   */
  maxBodyBytes?: number;
  /** The event streams' timing. */
  sse?: {
    /** Idle time before a `heartbeat` event; `0` turns heartbeats off. @default 15000 */
    heartbeatMs?: number;
    /** Reconnection delay sent to clients as `retry:`. @default 1000 */
    retryMs?: number;
  };
  /** Where internal errors (and the `auth: false` warning) go. @default consoleLogger */
  logger?: Logger;
  /** Ends every open event stream when aborted (server shutdown). @default none */
  signal?: AbortSignal;
}

/**
 * The whole HTTP API as one web-standard function. Mount it with
 * `@claude-gateway/server/node`, `/express` or `/hono`, or call it from any
 * runtime with `Request` / `Response`.
 */
export interface GatewayHandler {
  (request: Request): Promise<Response>;
  /** The path prefix it answers under (`/api`), for mounts that route by path. */
  readonly basePath: string;
}
