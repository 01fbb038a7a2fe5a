import type { Logger, ToolSourceCallOptions } from '@claude-gateway/core';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { McpElicitationHandler, McpRoot, McpSamplingHandler } from './client-features.js';
import type { RestartOptions } from './restart-policy.js';
import type { McpTracer } from './telemetry.js';

/**
 * Lifecycle state of one server: `connecting` (first start), `ready`,
 * `restarting` (waiting for or making another attempt, after a crash or a
 * failed start), `failed` (for good: a config problem, a cancelled startup, or
 * restart attempts used up) and `closed` (after shutdown).
 */
export type McpServerState = 'connecting' | 'ready' | 'failed' | 'restarting' | 'closed';

/** Why a server is `failed`, when a program can act on it. */
export type McpServerErrorCode = 'auth_required';

/** @internal Settings a connection gets from the manager. */
export interface ConnectionSettings {
  startupTimeoutMs: number;
  killGraceMs: number;
  inheritEnv: boolean;
  restart: Required<RestartOptions>;
  clientInfo: { name: string; version: string };
  /** Pages of `tools/list` read per listing, at most. */
  maxToolPages: number;
  /** Tools kept per server, at most. */
  maxTools: number;
  /** The largest message read from a stdio server. */
  maxMessageBytes: number;
  logger: Logger;
  /** Called on every change of state or of the tool list. */
  onChange: () => void;
  onElicitation?: McpElicitationHandler | undefined;
  onSampling?: McpSamplingHandler | undefined;
  /** The roots offered to servers, or `undefined` when none are. */
  roots?: (() => McpRoot[]) | undefined;
  /** Providers for servers from config files, by server name. */
  authProviders?: ReadonlyMap<string, OAuthClientProvider>;
  /** Times a person is sent to authorize before the server is given up (`auth_required`). */
  maxAuthorizationAttempts?: number;
  /** Spans for MCP requests; none when unset. */
  tracer?: McpTracer | undefined;
}

/** @internal A per-call request. */
export interface ConnectionCall {
  tool: string;
  input: Record<string, unknown>;
  signal: AbortSignal | undefined;
  timeoutMs: number;
  maxTotalTimeoutMs: number;
  /** The tool call it serves, for the server's elicitation and sampling requests. */
  context?: ToolSourceCallOptions['context'];
}
