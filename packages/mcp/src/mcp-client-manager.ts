import {
  GatewayError,
  consoleLogger,
  errorMessage,
  type ToolDefinition,
  type ToolOutcome,
  type ToolSource,
  type ToolSourceCallOptions,
} from '@claude-gateway/core';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { McpElicitationHandler, McpRoot, McpSamplingHandler } from './client-features.js';
import { loadMcpConfig, type LoadMcpConfigOptions, type LoadedServer } from './load-config.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './process-group-transport.js';
import type { RestartOptions } from './restart-policy.js';
import {
  ServerConnection,
  type ConnectionSettings,
  type McpServerErrorCode,
  type McpServerState,
} from './server-connection.js';
import { assignToolNames, type NameAssignment, type ToolRename } from './tool-names.js';

// One 'exit' listener for every live manager (one each would trip Node's
// listener-leak warning with a dozen managers).
const exitHooks = new Set<() => void>();
const runExitHooks = (): void => {
  for (const hook of exitHooks) hook();
};
function addExitHook(hook: () => void): void {
  if (exitHooks.size === 0) process.once('exit', runExitHooks);
  exitHooks.add(hook);
}
function removeExitHook(hook: () => void): void {
  exitHooks.delete(hook);
  if (exitHooks.size === 0) process.off('exit', runExitHooks);
}

/** Options of {@link createMcpClientManager}; where the config comes from is {@link LoadMcpConfigOptions}. */
export interface McpClientManagerOptions extends LoadMcpConfigOptions {
  /** Tool names reserved for other tools; MCP tools with these names are skipped. @default [] */
  builtinToolNames?: Iterable<string>;
  /** Expose every tool as `<server>__<tool>`. @default false */
  prefixTools?: boolean;
  /** Time for one server to spawn, initialize and list its tools. @default 15000 */
  startupTimeoutMs?: number;
  /** Time a call may go without a response or progress notification. @default 30000 */
  callTimeoutMs?: number;
  /** Per-server call timeouts, by server name; a call's own `timeoutMs` still wins. @default {} */
  timeoutOverrides?: Record<string, number>;
  /** Hard cap on a call however much progress it reports. @default 300000 */
  maxTotalTimeoutMs?: number;
  /** Restart policy after an unexpected exit or a failed start. @default { maxAttempts: 5, initialDelayMs: 500, maxDelayMs: 30000, resetAfterMs: 60000 } */
  restart?: RestartOptions;
  /** Each shutdown step (stdin closed → SIGTERM → SIGKILL to the group) waits this long. @default 2000 */
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
   * status. Waits (bounded by `signal`) for an attempt still under way to
   * reach `auth_required` first.
   * @throws GatewayError `invalid_options` for an unknown server, one without an `authProvider`, or one not waiting for authorization.
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

/**
 * Creates an MCP client manager: stdio servers in their own process group,
 * streamable HTTP servers, tool naming per the gateway's rules, timeouts,
 * cancellation and restarts.
 *
 * @example
 * ```ts
 * const mcp = createMcpClientManager({ mcpJsonPath: '.mcp.json' });
 * await mcp.startup();
 * const tools = await mcp.listTools();
 * const outcome = await mcp.callTool('echo', { message: 'hi' });
 * await mcp.shutdown();
 * ```
 * @throws GatewayError `invalid_options` for a bad `maxToolPages`, `maxTools` or `maxMessageBytes`.
 */
export function createMcpClientManager(options: McpClientManagerOptions = {}): McpClientManager {
  const logger = options.logger ?? consoleLogger;
  const prefixTools = options.prefixTools ?? false;
  const builtins = new Set(options.builtinToolNames ?? []);
  const callTimeoutMs = options.callTimeoutMs ?? 30_000;
  const maxTotalTimeoutMs = options.maxTotalTimeoutMs ?? 300_000;
  // A Map: a server named `constructor` must not find Object.prototype's.
  const overrides = new Map(Object.entries(options.timeoutOverrides ?? {}));
  for (const [what, value] of [
    ['maxToolPages', options.maxToolPages],
    ['maxTools', options.maxTools],
    ['maxMessageBytes', options.maxMessageBytes],
    ['maxAuthorizationAttempts', options.maxAuthorizationAttempts],
  ] as const) {
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      throw new GatewayError('invalid_options', `${what} must be a positive integer`);
    }
  }
  const listeners = {
    status: new Set<McpClientManagerEvents['status']>(),
    tools: new Set<McpClientManagerEvents['tools']>(),
  };
  if (options.onStatusChange) listeners.status.add(options.onStatusChange);
  if (options.onToolsChange) listeners.tools.add(options.onToolsChange);

  let entries: LoadedServer[] = [];
  const connections = new Map<string, ServerConnection>();
  let naming: NameAssignment = { routes: new Map(), servers: new Map() };
  const warnedRenames = new Set<string>();
  let lastToolsKey = '';
  let lastStatusKey = '';
  let started: Promise<McpServerStatus[]> | undefined;
  let stopped: Promise<void> | undefined;

  const settings: ConnectionSettings = {
    startupTimeoutMs: options.startupTimeoutMs ?? 15_000,
    killGraceMs: options.killGraceMs ?? 2000,
    inheritEnv: options.inheritEnv ?? false,
    restart: {
      maxAttempts: options.restart?.maxAttempts ?? 5,
      initialDelayMs: options.restart?.initialDelayMs ?? 500,
      maxDelayMs: options.restart?.maxDelayMs ?? 30_000,
      resetAfterMs: options.restart?.resetAfterMs ?? 60_000,
    },
    clientInfo: options.clientInfo ?? { name: 'claude-gateway', version: '0.0.0' },
    maxToolPages: options.maxToolPages ?? 100,
    maxTools: options.maxTools ?? 1000,
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    logger,
    onChange: () => changed(),
    onElicitation: options.onElicitation,
    onSampling: options.onSampling,
    roots: options.roots ? () => roots : undefined,
    authProviders: new Map(Object.entries(options.authProviders ?? {})),
    maxAuthorizationAttempts: options.maxAuthorizationAttempts ?? 3,
  };
  let roots: McpRoot[] = [...(options.roots ?? [])];

  function emit<E extends keyof McpClientManagerEvents>(
    event: E,
    value: Parameters<McpClientManagerEvents[E]>[0],
  ): void {
    for (const listener of listeners[event]) {
      try {
        (listener as (v: typeof value) => void)(value);
      } catch (error) {
        logger.warn(`MCP client manager: a "${event}" listener threw`, {
          error: errorMessage(error),
        });
      }
    }
  }

  function renameNames(): void {
    naming = assignToolNames(
      [...connections.values()].map((c) => ({ server: c.name, tools: c.tools.map((t) => t.name) })),
      { prefixTools, builtinToolNames: builtins },
    );
    for (const [server, { renamed }] of naming.servers) {
      for (const { from, to } of renamed) {
        const key = `${server}\u0000${from}\u0000${to}`;
        if (warnedRenames.has(key)) continue;
        warnedRenames.add(key);
        logger.warn(`MCP tool "${from}" of server "${server}" is exposed as "${to}"`, {
          server,
          from,
          to,
        });
      }
    }
  }

  function definitions(): ToolDefinition[] {
    const tools: ToolDefinition[] = [];
    for (const connection of connections.values()) {
      if (connection.state !== 'ready') continue;
      const exposed = naming.servers.get(connection.name)?.exposed;
      for (const tool of connection.tools) {
        const name = exposed?.get(tool.name);
        if (name === undefined) continue;
        const description = tool.description ?? tool.title;
        tools.push({
          name,
          ...(description !== undefined && { description }),
          input_schema: { ...tool.inputSchema, type: 'object' },
        });
      }
    }
    return tools;
  }

  function changed(): void {
    renameNames();
    const now = status();
    const statusKey = JSON.stringify(now);
    if (statusKey !== lastStatusKey) {
      lastStatusKey = statusKey;
      emit('status', now);
    }
    const tools = definitions();
    const key = JSON.stringify(tools);
    if (key !== lastToolsKey) {
      lastToolsKey = key;
      emit('tools', tools);
    }
  }

  function status(): McpServerStatus[] {
    return entries.map((entry): McpServerStatus => {
      const connection = connections.get(entry.name);
      if (!connection) {
        const state = stopped ? 'closed' : 'failed';
        return {
          name: entry.name,
          state,
          error: entry.problem ?? 'not started',
          tools: [],
          renamed: [],
          skipped: [],
          restarts: 0,
        };
      }
      const names = naming.servers.get(entry.name);
      const ready = connection.state === 'ready';
      const pid = connection.pid;
      return {
        name: entry.name,
        state: connection.state,
        ...(connection.error !== undefined &&
          connection.state !== 'ready' && { error: connection.error }),
        ...(connection.errorCode !== undefined &&
          connection.state === 'failed' && { errorCode: connection.errorCode }),
        tools: ready && names ? [...names.exposed.values()] : [],
        renamed: names?.renamed ?? [],
        skipped: names?.skipped ?? [],
        restarts: connection.restarts,
        ...(pid !== undefined && (ready || connection.state === 'connecting') && { pid }),
      };
    });
  }

  async function doStartup(signal?: AbortSignal): Promise<McpServerStatus[]> {
    entries = await loadMcpConfig({ ...options, logger });
    if (stopped) return status();
    for (const entry of entries) {
      if (entry.config) {
        connections.set(
          entry.name,
          new ServerConnection(entry.name, entry.config, settings, entry.secrets),
        );
      }
    }
    changed();
    let fail: (() => void) | undefined;
    const cancelled = new Promise<never>((_, reject) => {
      if (!signal) return;
      fail = () => reject(new GatewayError('cancelled', 'MCP startup was cancelled'));
      if (signal.aborted) fail();
      else signal.addEventListener('abort', fail, { once: true });
    });
    cancelled.catch(() => undefined);
    try {
      await Promise.race([
        Promise.all([...connections.values()].map((c) => c.start(signal))),
        cancelled,
      ]);
    } finally {
      // A long-lived signal (a server's shutdown signal) must not keep our listener.
      if (fail) signal?.removeEventListener('abort', fail);
    }
    for (const s of status()) {
      if (s.state === 'failed')
        logger.error(`MCP server "${s.name}" failed to start: ${s.error ?? ''}`);
      if (s.state === 'restarting')
        logger.error(`MCP server "${s.name}" failed to start: ${s.error ?? ''}; retrying`);
    }
    return status();
  }

  // If the process exits without shutdown() (an uncaught error, process.exit),
  // the detached groups would outlive it: kill them, synchronously.
  function killOnExit(): void {
    for (const connection of connections.values()) {
      const pid = connection.pid;
      if (pid === undefined) continue;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }

  async function ready(): Promise<void> {
    await (started ?? manager.startup());
  }

  const manager: McpClientManager = {
    startup(opts) {
      if (!started && !stopped) addExitHook(killOnExit);
      started ??= doStartup(opts?.signal);
      return started;
    },

    shutdown() {
      stopped ??= (async () => {
        await Promise.all([...connections.values()].map((c) => c.close()));
        removeExitHook(killOnExit);
        changed();
      })();
      return stopped;
    },

    status,

    async listTools() {
      if (stopped) return [];
      await ready();
      return definitions();
    },

    async callTool(name, input, callOptions = {}) {
      if (!stopped) await ready();
      const route = naming.routes.get(name);
      const connection = route && connections.get(route.server);
      if (!route || !connection) {
        return { error: { code: 'unknown_tool', message: `no MCP tool named "${name}"` } };
      }
      if (
        input !== undefined &&
        input !== null &&
        (typeof input !== 'object' || Array.isArray(input))
      ) {
        return {
          error: { code: 'invalid_input', message: 'MCP tool input must be a JSON object' },
          source: connection.source,
        };
      }
      return connection.call({
        tool: route.tool,
        input: (input ?? {}) as Record<string, unknown>,
        signal: callOptions.signal,
        context: callOptions.context,
        timeoutMs: callOptions.timeoutMs ?? overrides.get(route.server) ?? callTimeoutMs,
        maxTotalTimeoutMs,
      });
    },

    async finishAuth(server, code, opts) {
      await ready();
      const connection = connections.get(server);
      if (!connection) {
        throw new GatewayError('invalid_options', `no MCP server named "${server}"`);
      }
      await connection.finishAuth(code, opts?.signal);
      const found = status().find((s) => s.name === server);
      if (!found) throw new GatewayError('invalid_options', `no MCP server named "${server}"`);
      return found;
    },

    async setRoots(next) {
      if (!options.roots) {
        throw new GatewayError(
          'invalid_options',
          'setRoots needs the manager to be created with `roots` (the capability is declared at connect time)',
        );
      }
      roots = [...next];
      await Promise.all([...connections.values()].map((c) => c.notifyRootsChanged()));
    },

    sourceLabel(name) {
      const route = naming.routes.get(name);
      return route && connections.get(route.server)?.source;
    },

    on(event, listener) {
      const set = listeners[event] as Set<typeof listener>;
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
  };
  return manager;
}
