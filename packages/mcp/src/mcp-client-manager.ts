import {
  GatewayError,
  consoleLogger,
  errorMessage,
  type ToolDefinition,
  type ToolOutcome,
  type ToolSourceCallOptions,
} from '@claude-gateway/core';
import type { McpRoot } from './client-features.js';
import type { ConnectionSettings } from './connection-types.js';
import { addExitHook, removeExitHook } from './exit-hooks.js';
import { loadMcpConfig, type LoadedServer } from './load-config.js';
import { checkManagerOptions } from './manager-options.js';
import { serverStatus, toolDefinitions } from './manager-status.js';
import type {
  McpClientManager,
  McpClientManagerEvents,
  McpClientManagerOptions,
  McpServerStatus,
} from './manager-types.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './process-group-transport.js';
import { ServerConnection } from './server-connection.js';
import { McpTracer } from './telemetry.js';
import { assignToolNames, type NameAssignment } from './tool-names.js';

export type {
  McpClientManager,
  McpClientManagerEvents,
  McpClientManagerOptions,
  McpServerStatus,
} from './manager-types.js';

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
 * @throws GatewayError `invalid_options` for an option out of its range (a timeout ≤ 0, a
 * negative `restart.maxAttempts`, …), naming it.
 */
export function createMcpClientManager(options: McpClientManagerOptions = {}): McpClientManager {
  checkManagerOptions(options);
  const logger = options.logger ?? consoleLogger;
  const prefixTools = options.prefixTools ?? false;
  const builtins = new Set(options.builtinToolNames ?? []);
  const callTimeoutMs = options.callTimeoutMs ?? 30_000;
  const maxTotalTimeoutMs = options.maxTotalTimeoutMs ?? 300_000;
  // A Map: a server named `constructor` must not find Object.prototype's.
  const overrides = new Map(Object.entries(options.timeoutOverrides ?? {}));
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
    tracer: McpTracer.create(options.tracing),
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
    return toolDefinitions(connections, naming);
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
    return serverStatus(entries, connections, naming, stopped !== undefined);
  }

  async function doStartup(signal?: AbortSignal): Promise<McpServerStatus[]> {
    entries = await loadMcpConfig({ ...options, logger });
    // Spans start once the optional API is loaded: before the first tools/list.
    await settings.tracer?.load();
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
      // A skipped server (a config problem) was reported as such while loading.
      if (!connections.has(s.name)) continue;
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

  // Set once startup is over, so calls skip awaiting it.
  let startedDone = false;

  /** Sends a call to the server that offers tool `name`; never rejects. */
  function routeCall(
    name: string,
    input: unknown,
    callOptions: ToolSourceCallOptions,
  ): Promise<ToolOutcome> {
    const route = naming.routes.get(name);
    const connection = route && connections.get(route.server);
    if (!route || !connection) {
      return Promise.resolve({
        error: { code: 'unknown_tool', message: `no MCP tool named "${name}"` },
      });
    }
    if (
      input !== undefined &&
      input !== null &&
      (typeof input !== 'object' || Array.isArray(input))
    ) {
      return Promise.resolve({
        error: { code: 'invalid_input', message: 'MCP tool input must be a JSON object' },
        source: connection.source,
      });
    }
    return connection.call({
      tool: route.tool,
      input: (input ?? {}) as Record<string, unknown>,
      signal: callOptions.signal,
      context: callOptions.context,
      timeoutMs: callOptions.timeoutMs ?? overrides.get(route.server) ?? callTimeoutMs,
      maxTotalTimeoutMs,
    });
  }

  async function ready(): Promise<void> {
    await (started ?? manager.startup());
  }

  const manager: McpClientManager = {
    startup(opts) {
      if (!started && !stopped) addExitHook(killOnExit);
      started ??= doStartup(opts?.signal).then((status) => {
        startedDone = true;
        return status;
      });
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

    callTool(name, input, callOptions = {}) {
      // Once started, straight to the server: no promise hop before the request.
      if (!stopped && !startedDone) {
        return ready().then(() => routeCall(name, input, callOptions));
      }
      return routeCall(name, input, callOptions);
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
