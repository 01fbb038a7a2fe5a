import type {
  ToolDefinition,
  ToolOutcome,
  ToolSource,
  ToolSourceCallOptions,
  TracerProviderLike,
} from '@claude-gateway/core';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { McpElicitationHandler, McpRoot, McpSamplingHandler } from './client-features.js';
import type { McpServerErrorCode, McpServerState } from './connection-types.js';
import type { LoadMcpConfigOptions } from './load-config.js';
import type { RestartOptions } from './restart-policy.js';
import type { ToolRename } from './tool-names.js';

/** Options of {@link createMcpClientManager}; where the config comes from is {@link LoadMcpConfigOptions}. */
export interface McpClientManagerOptions extends LoadMcpConfigOptions {
  /** Tool names reserved for other tools; MCP tools with these names are skipped. @default [] */
  builtinToolNames?: Iterable<string>;
  /** Expose every tool as `<server>__<tool>`. @default false */
  prefixTools?: boolean;
  /** Time for one server to spawn, initialize and list its tools; > 0 and ≤ 2147483647. @default 15000 */
  startupTimeoutMs?: number;
  /** Time a call may go without a response or progress notification; > 0 (`Infinity`: none). @default 30000 */
  callTimeoutMs?: number;
  /** Per-server call timeouts, by server name, each > 0 (`Infinity`: none); a call's own `timeoutMs` still wins. @default {} */
  timeoutOverrides?: Record<string, number>;
  /** Hard cap on a call however much progress it reports; > 0 (`Infinity`: none). @default 300000 */
  maxTotalTimeoutMs?: number;
  /** Restart policy after an unexpected exit or a failed start. @default { maxAttempts: 5, initialDelayMs: 500, maxDelayMs: 30000, resetAfterMs: 60000 } */
  restart?: RestartOptions;
  /** Each shutdown step (stdin closed → SIGTERM → SIGKILL to the group) waits this long; ≥ 0 and ≤ 2147483647. @default 2000 */
  killGraceMs?: number;
  /** Give stdio servers the whole `process.env` (plus their `env`) instead of the default set. @default false */
  inheritEnv?: boolean;
  /**
   * Pages of `tools/list` read from one server per listing; past it the
   * tools read so far are kept, with a warning (a server that always sends
   * a cursor cannot keep startup busy). @default 100
   */
  maxToolPages?: number;
  /** Tools kept per server; the rest are left out, with a warning. @default 1000 */
  maxTools?: number;
  /**
   * The largest message read from a stdio server. A longer answer fails
   * its call (`mcp_error`, saying so) and the server stays up.
   * @default 10_485_760 (10 MiB)
   */
  maxMessageBytes?: number;
  /** Client name and version sent in `initialize`. @default { name: 'claude-gateway', version: '0.0.0' } */
  clientInfo?: { name: string; version: string };
  /** Called with the full status on every server state change. */
  onStatusChange?: (status: McpServerStatus[]) => void;
  /** Called with the tool list whenever it changes. */
  onToolsChange?: (tools: ToolDefinition[]) => void;
  /**
   * Relays a server's request for input (elicitation, form mode) to the
   * person behind the tool call, with the call's context (tool_use id,
   * session, run, log, signal); pass the `dispatch` package's
   * `createElicitationBroker().elicit`. With it the manager declares the
   * `elicitation` capability; a request outside a tool call is declined.
   * Without it servers see no elicitation capability. @default none
   */
  onElicitation?: McpElicitationHandler;
  /**
   * Serves `sampling/createMessage` for the servers whose config says
   * `sampling: true` (off for every other server). @default none
   */
  onSampling?: McpSamplingHandler;
  /**
   * Roots offered to servers (`roots/list`); with it the manager declares
   * the `roots` capability, and {@link McpClientManager.setRoots} tells
   * ready servers of a change. @default none (no roots capability)
   */
  roots?: McpRoot[];
  /**
   * OAuth providers by server name, for HTTP servers from config files (an
   * inline entry can carry its own `authProvider`). @default {}
   */
  authProviders?: Record<string, OAuthClientProvider>;
  /**
   * Times a person is sent to authorize one server before it is given up
   * (`failed`, `auth_required`): a server that keeps asking for more never
   * loops. Starts over once the server is ready. @default 3
   */
  maxAuthorizationAttempts?: number;
  /**
   * OpenTelemetry spans for MCP requests (`tools/call`, `tools/list`), with
   * `@opentelemetry/api` installed: `true` uses the global tracer provider,
   * `{ tracerProvider }` another one, `false` none. A tool call's span is a
   * child of the active span (the runner's `execute_tool` span). Without
   * the package or a registered provider it costs nothing measurable.
   * @default true
   */
  tracing?: boolean | { tracerProvider?: TracerProviderLike };
}

/** One server in {@link McpClientManager.status}. */
export interface McpServerStatus {
  name: string;
  state: McpServerState;
  /** Why it failed (or why it is restarting). */
  error?: string;
  /**
   * With `failed`: `auth_required` when the server wants credentials no
   * configured provider could give (or a person must finish authorizing:
   * see {@link McpClientManager.finishAuth}).
   */
  errorCode?: McpServerErrorCode;
  /** Exposed names of its tools (empty unless ready). */
  tools: string[];
  /** Tools exposed under another name than the server's. */
  renamed: ToolRename[];
  /** Tools left out because their name is a builtin. */
  skipped: string[];
  /** Successful restarts after the server had been ready (a retried failed start is not counted). */
  restarts: number;
  /** Process group id of a stdio server while it runs (`connecting` or `ready`). */
  pid?: number;
}

/** Events of {@link McpClientManager.on}. */
export interface McpClientManagerEvents {
  status: (status: McpServerStatus[]) => void;
  tools: (tools: ToolDefinition[]) => void;
}

/** A `ToolSource` over MCP servers with lifecycle control. */
export interface McpClientManager extends ToolSource {
  /**
   * Reads the config and connects every server in parallel. Resolves with
   * the status once each first attempt is over: `ready`, `restarting` (it
   * failed and is retried in the background with the restart policy) or
   * `failed`. Rejects only for a bad config (`invalid_config`) or an aborted
   * `signal` (`cancelled`; servers still connecting are then `failed`, not
   * retried). Idempotent.
   */
  startup(options?: { signal?: AbortSignal }): Promise<McpServerStatus[]>;
  /** Closes every server and its process group. Idempotent; bounded by about 3 × `killGraceMs`. */
  shutdown(): Promise<void>;
  /** Every configured server, in config order. */
  status(): McpServerStatus[];
  /** Tools of ready servers; starts the manager first if needed. */
  listTools(): Promise<ToolDefinition[]>;
  /** Calls a tool by its exposed name; starts the manager first if needed. Never rejects for a tool failure. */
  callTool(name: string, input: unknown, options?: ToolSourceCallOptions): Promise<ToolOutcome>;
  /** The `source` label (`mcp:<server>`) of the outcomes of tool `name`, or `undefined` when no server offers it. */
  sourceLabel(name: string): string | undefined;
  /**
   * Completes the authorization-code flow of `server` with the `code` your
   * OAuth callback received, then connects it again; resolves with its
   * status. When a person was sent to authorize by an attempt (or call)
   * still under way, first waits (bounded by `signal`) for it to reach
   * `auth_required`.
   * @throws GatewayError `invalid_options` for an unknown server, one without an `authProvider`, or one not waiting for authorization (ready, or failed for another reason); `cancelled` when `signal` aborts or the manager shuts down.
   */
  finishAuth(
    server: string,
    code: string,
    options?: { signal?: AbortSignal },
  ): Promise<McpServerStatus>;
  /** Replaces the roots and tells every ready server (`notifications/roots/list_changed`). */
  setRoots(roots: McpRoot[]): Promise<void>;
  /** Subscribes to status or tool-list changes; returns the unsubscribe function. */
  on<E extends keyof McpClientManagerEvents>(
    event: E,
    listener: McpClientManagerEvents[E],
  ): () => void;
}
