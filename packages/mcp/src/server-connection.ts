import { setMaxListeners } from 'node:events';
import {
  errorMessage,
  GatewayError,
  type Logger,
  type ToolOutcome,
  type ToolSourceCallOptions,
} from '@claude-gateway/core';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ErrorCode,
  McpError,
  ToolListChangedNotificationSchema,
  type CallToolResult,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { anySignal } from './any-signal.js';
import { AuthGuard } from './auth-guard.js';
import { CallTimer } from './call-timer.js';
import {
  clientCapabilities,
  installClientFeatures,
  type InflightCall,
  type McpElicitationHandler,
  type McpRoot,
  type McpSamplingHandler,
} from './client-features.js';
import {
  isAuthError,
  isPermanentStartError,
  isSchemaError,
  unavailable,
} from './connection-errors.js';
import { endHttpSession } from './end-http-session.js';
import { redactor } from './env-expand.js';
import { listAllTools } from './list-all-tools.js';
import { mapCallToolResult } from './map-result.js';
import { ProcessGroupTransport } from './process-group-transport.js';
import { restartDelay, type RestartOptions } from './restart-policy.js';
import { isStdioConfig, type McpServerConfig } from './server-config.js';

/**
 * Lifecycle state of one server: `connecting` (first start), `ready`,
 * `restarting` (waiting for or making another attempt, after a crash or a
 * failed start), `failed` (for good: a config problem, a cancelled startup, or
 * restart attempts used up) and `closed` (after shutdown).
 */
export type McpServerState = 'connecting' | 'ready' | 'failed' | 'restarting' | 'closed';

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

/** Why a server is `failed`, when a program can act on it. */
export type McpServerErrorCode = 'auth_required';

// setTimeout fires at once for delays past 2^31 - 1 ms.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * @internal One server: connects, lists tools, follows `list_changed`,
 * restarts with backoff after an unexpected exit, closes its process group.
 */
export class ServerConnection {
  state: McpServerState = 'connecting';
  error: string | undefined;
  /** Set with `failed` when a program can act on the cause. */
  errorCode: McpServerErrorCode | undefined;
  /** The last tool list the server gave (kept through a restart so names stay stable). */
  tools: Tool[] = [];
  restarts = 0;
  private client: Client | undefined;
  private transport: Transport | undefined;
  private attempt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Starts the attempt count over once the server has stayed ready long enough. */
  private stableTimer: NodeJS.Timeout | undefined;
  private readonly closeController = new AbortController();
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  /** Whether it has been ready once: a retried failed start is not a restart. */
  private wasReady = false;
  readonly source: string;
  /** Scrubs the values `${VAR}` put in the config from a message. */
  private readonly redact: (text: string) => string;
  /** The OAuth provider of an HTTP server, if any. */
  private readonly authProvider: OAuthClientProvider | undefined;
  private readonly authGuard: AuthGuard | undefined;
  /** The transport that was refused: `finishAuth` completes its authorization. */
  private authTransport: StreamableHTTPClientTransport | undefined;
  private authWaiters = new Set<() => void>();
  private readonly inflight = new Set<InflightCall>();

  constructor(
    readonly name: string,
    readonly config: McpServerConfig,
    private readonly settings: ConnectionSettings,
    secrets: readonly string[] = [],
  ) {
    this.source = `mcp:${name}`;
    this.redact = redactor(secrets);
    // Every call in flight listens to it: many concurrent calls are not a leak.
    setMaxListeners(0, this.closeController.signal);
    if (!isStdioConfig(config) && URL.canParse(config.url)) {
      const provider = config.authProvider ?? settings.authProviders?.get(name);
      this.authGuard = new AuthGuard(new URL(config.url), settings.maxAuthorizationAttempts ?? 3);
      this.authProvider = provider && this.authGuard.wrap(provider);
    }
  }

  /** The process group id of a running stdio server. */
  get pid(): number | undefined {
    return this.transport instanceof ProcessGroupTransport ? this.transport.pid : undefined;
  }

  // A method, not a comparison, so TypeScript does not narrow `state` across awaits.
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  /**
   * Connects; resolves when ready, failed, or restarting (never rejects). A
   * server that fails its first connection is retried in the background with
   * the restart policy, unless `signal` (the caller's startup) aborted it.
   */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.isClosed()) return;
    this.setState('connecting');
    try {
      await this.connectOnce(signal);
      if (!this.isClosed()) this.setState('ready');
    } catch (error) {
      if (this.isClosed()) return;
      if (this.authFailed(error)) return;
      this.error = this.redact(errorMessage(error));
      // A missing command or a bad URL fails the same way every time.
      if (
        signal?.aborted ||
        this.settings.restart.maxAttempts <= 0 ||
        isPermanentStartError(error)
      ) {
        this.setState('failed');
        return;
      }
      this.scheduleRestart();
    }
  }

  private createTransport(): Transport {
    const config = this.config;
    if (isStdioConfig(config)) {
      return new ProcessGroupTransport({
        command: config.command,
        args: config.args ?? [],
        ...(config.env && { env: config.env }),
        ...(config.cwd !== undefined && { cwd: config.cwd }),
        inheritEnv: this.settings.inheritEnv,
        killGraceMs: this.settings.killGraceMs,
        maxMessageBytes: this.settings.maxMessageBytes,
      });
    }
    this.authGuard?.attempt();
    return new StreamableHTTPClientTransport(new URL(config.url), {
      requestInit: { headers: { ...config.headers } },
      ...(this.authGuard && { fetch: this.authGuard.fetch() }),
      ...(this.authProvider && { authProvider: this.authProvider }),
    });
  }

  /**
   * When `error` is the server asking for credentials: enters `failed` with
   * `auth_required` (never retried: another attempt would be refused the
   * same way) and returns true.
   */
  private authFailed(error: unknown, client?: Client): boolean {
    const guard = this.authGuard;
    if (!guard || !(guard.refused || guard.redirected || isAuthError(error))) return false;
    const transport = this.transport;
    if (transport instanceof StreamableHTTPClientTransport) this.authTransport = transport;
    if (client && client === this.client) this.client = undefined;
    const detail = this.redact(errorMessage(error));
    this.error = guard.redirected
      ? `MCP server "${this.name}" needs authorization: a person was sent to authorize (onAuthorizationUrl); call finishAuth("${this.name}", code) with the code the callback receives`
      : this.authProvider
        ? `MCP server "${this.name}" refused our credentials (HTTP 401/403) and the authProvider could not fix it: ${detail}`
        : `MCP server "${this.name}" requires authorization (HTTP 401/403): give it an authProvider or an Authorization header`;
    this.errorCode = 'auth_required';
    clearTimeout(this.restartTimer);
    this.settings.logger.error(this.error);
    this.setState('failed');
    if (client) void client.close().catch(() => undefined);
    for (const wake of this.authWaiters) wake();
    return true;
  }

  /**
   * Completes an authorization-code flow with the `code` the callback
   * received, then connects again. Waits (bounded by `signal`) for a
   * connection attempt still under way to reach `auth_required` first.
   */
  async finishAuth(code: string, signal?: AbortSignal): Promise<void> {
    if (!this.authProvider) {
      throw new GatewayError('invalid_options', `MCP server "${this.name}" has no authProvider`);
    }
    await this.untilAuthRequired(signal);
    const transport = this.authTransport;
    if (!transport) {
      throw new GatewayError(
        'invalid_options',
        `MCP server "${this.name}" is not waiting for authorization`,
      );
    }
    await transport.finishAuth(code);
    this.authTransport = undefined;
    this.errorCode = undefined;
    this.attempt = 0;
    await this.start(signal);
  }

  private untilAuthRequired(signal?: AbortSignal): Promise<void> {
    if (this.errorCode === 'auth_required' || this.isClosed()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        this.authWaiters.delete(done);
        signal?.removeEventListener('abort', stop);
        resolve();
      };
      const stop = (): void => {
        this.authWaiters.delete(done);
        reject(new GatewayError('cancelled', 'finishAuth was cancelled'));
      };
      if (signal?.aborted) return stop();
      signal?.addEventListener('abort', stop, { once: true });
      this.authWaiters.add(done);
    });
  }

  /** Tells a ready server that the roots changed (`notifications/roots/list_changed`). */
  async notifyRootsChanged(): Promise<void> {
    const client = this.client;
    if (!client || this.state !== 'ready' || !this.settings.roots) return;
    await client.sendRootsListChanged().catch((error: unknown) => {
      this.settings.logger.warn(`MCP server "${this.name}": roots/list_changed failed`, {
        error: this.redact(errorMessage(error)),
      });
    });
  }

  private async connectOnce(outer?: AbortSignal): Promise<void> {
    const { startupTimeoutMs, clientInfo } = this.settings;
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new Error(`startup timed out after ${startupTimeoutMs} ms`)),
      startupTimeoutMs,
    );
    const { signal, dispose } = anySignal([timeout.signal, this.closeController.signal, outer]);
    let transport: Transport;
    try {
      transport = this.createTransport();
    } catch (error) {
      // A config the transport refuses (a URL that does not parse).
      clearTimeout(timer);
      dispose();
      throw error;
    }
    const features = {
      server: this.name,
      onElicitation: this.settings.onElicitation,
      onSampling: this.config.sampling === true ? this.settings.onSampling : undefined,
      roots: this.settings.roots,
      logger: this.settings.logger,
      inflight: () => this.inflight,
    };
    const client = new Client(clientInfo, { capabilities: clientCapabilities(features) });
    installClientFeatures(client, features);
    this.transport = transport;
    this.client = client;
    client.onclose = () => this.handleClose(client);
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      if (this.client === client) void this.refreshTools();
    });
    try {
      signal.throwIfAborted();
      const aborted = new Promise<never>((_, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      });
      aborted.catch(() => undefined);
      // The race covers a spawn that never answers even the transport start.
      await Promise.race([
        client.connect(transport, { signal, timeout: startupTimeoutMs }),
        aborted,
      ]);
      this.tools = await Promise.race([
        listAllTools(client, signal, this.name, this.settings),
        aborted,
      ]);
      this.error = undefined;
    } catch (error) {
      this.client = undefined;
      const stderr = transport instanceof ProcessGroupTransport ? transport.stderrTail() : '';
      await client.close().catch(() => undefined);
      const reason = this.redact(
        signal.aborted ? errorMessage(signal.reason) : errorMessage(error),
      );
      if (stderr) this.settings.logger.error(`MCP server "${this.name}" stderr`, { stderr });
      throw new Error(reason, { cause: error });
    } finally {
      clearTimeout(timer);
      dispose();
    }
  }

  /** Re-reads the tool list (on `notifications/tools/list_changed`); coalesces bursts. */
  refreshTools(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        const client = this.client;
        if (!client || this.state !== 'ready') break;
        // A refresh gets as long as a startup's listing, whatever the pages.
        const { startupTimeoutMs } = this.settings;
        const deadline = new AbortController();
        const timer = setTimeout(
          () => deadline.abort(new Error(`refreshing tools took over ${startupTimeoutMs} ms`)),
          startupTimeoutMs,
        );
        const { signal, dispose } = anySignal([deadline.signal, this.closeController.signal]);
        try {
          const tools = await listAllTools(client, signal, this.name, this.settings);
          if (this.client === client) {
            this.tools = tools;
            this.settings.onChange();
          }
        } catch (error) {
          this.settings.logger.warn(`MCP server "${this.name}": refreshing tools failed`, {
            error: this.redact(errorMessage(error)),
          });
        } finally {
          clearTimeout(timer);
          dispose();
        }
      } while (this.refreshAgain);
      this.refreshing = undefined;
    })();
    return this.refreshing;
  }

  private handleClose(client: Client): void {
    if (client !== this.client || this.state !== 'ready') return;
    const transport = this.transport;
    const exit = transport instanceof ProcessGroupTransport ? transport.exitInfo : undefined;
    const how = exit
      ? exit.signal
        ? `killed by ${exit.signal}`
        : `exited with code ${String(exit.code)}`
      : 'closed the connection';
    this.lose(client, how);
  }

  /** The connection is gone while ready: report, then restart with backoff. */
  private lose(client: Client, how: string): void {
    if (client !== this.client || this.state !== 'ready') return;
    this.client = undefined;
    const transport = this.transport;
    const stderr = transport instanceof ProcessGroupTransport ? transport.stderrTail() : '';
    this.error = this.redact(`server ${how}`);
    clearTimeout(this.stableTimer);
    this.settings.logger.error(`MCP server "${this.name}" ${how}`, { ...(stderr && { stderr }) });
    this.scheduleRestart();
    // For HTTP this ends the old session; for stdio the process is gone already.
    void client.close().catch(() => undefined);
  }

  /** Enters `restarting` and waits for the next attempt, or `failed` when attempts are used up. */
  private scheduleRestart(): void {
    const { maxAttempts } = this.settings.restart;
    if (this.attempt >= maxAttempts) {
      this.error = this.redact(
        `gave up after ${maxAttempts} restart attempts (${this.error ?? 'unknown error'})`,
      );
      this.settings.logger.error(`MCP server "${this.name}": ${this.error}`);
      this.setState('failed');
      return;
    }
    this.setState('restarting');
    const wait = restartDelay(this.attempt, this.settings.restart);
    this.attempt += 1;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.restartNow();
    }, wait);
    this.restartTimer.unref();
  }

  private async restartNow(): Promise<void> {
    if (this.state !== 'restarting') return;
    try {
      await this.connectOnce();
      if (this.state !== 'restarting') return;
      if (this.wasReady) this.restarts += 1;
      this.setState('ready');
    } catch (error) {
      if (this.state !== 'restarting') return;
      if (this.authFailed(error)) return;
      this.error = this.redact(errorMessage(error));
      if (isPermanentStartError(error)) {
        this.settings.logger.error(
          `MCP server "${this.name}" cannot be started again: ${this.error}`,
        );
        this.setState('failed');
        return;
      }
      this.settings.logger.warn(
        `MCP server "${this.name}": restart attempt ${this.attempt} failed`,
        {
          error: this.error,
        },
      );
      this.scheduleRestart();
    }
  }

  /** Calls one tool; never throws. */
  async call(call: ConnectionCall): Promise<ToolOutcome> {
    const client = this.client;
    if (this.state !== 'ready' || !client) {
      return unavailable(this.name, this.redact(this.error ?? this.state), this.source);
    }
    if (call.signal?.aborted) return this.cancelled();
    // Our own clocks, not the SDK's: they stop while a person answers an
    // elicitation (that time is not the server's).
    const limit = new AbortController();
    let expired: string | undefined;
    const totalMs = Math.max(call.maxTotalTimeoutMs, call.timeoutMs);
    const timer = new CallTimer(call.timeoutMs, totalMs, (why) => {
      expired =
        why === 'idle'
          ? `no answer or progress within ${call.timeoutMs} ms`
          : `it ran over ${totalMs} ms in all`;
      limit.abort(new Error(expired));
    });
    // Shutdown ends the call at once, not when the server's group is finally gone.
    const { signal, dispose } = anySignal([call.signal, this.closeController.signal, limit.signal]);
    const entry: InflightCall = {
      context: call.context,
      signal,
      pause: () => timer.pause(),
      resume: () => timer.resume(),
    };
    this.inflight.add(entry);
    try {
      const result = (await client.callTool({ name: call.tool, arguments: call.input }, undefined, {
        signal,
        timeout: MAX_TIMER_MS,
        // A progress token is only sent with a callback; progress resets the idle limit.
        onprogress: () => timer.progress(),
      })) as CallToolResult;
      return mapCallToolResult(result, this.source);
    } catch (error) {
      if (call.signal?.aborted) return this.cancelled();
      if (this.closeController.signal.aborted) {
        return unavailable(
          this.name,
          this.redact(errorMessage(this.closeController.signal.reason)),
          this.source,
        );
      }
      if (expired !== undefined) {
        return {
          error: {
            code: 'tool_timeout',
            message: `MCP tool "${call.tool}" on "${this.name}" timed out: ${expired}`,
          },
          source: this.source,
        };
      }
      if (error instanceof McpError && error.code === (ErrorCode.RequestTimeout as number)) {
        return {
          error: {
            code: 'tool_timeout',
            message: this.redact(
              `MCP tool "${call.tool}" on "${this.name}" timed out: ${error.message}`,
            ),
          },
          source: this.source,
        };
      }
      if (error instanceof McpError && error.code !== (ErrorCode.ConnectionClosed as number)) {
        return {
          error: { code: 'mcp_error', message: this.redact(error.message) },
          source: this.source,
        };
      }
      // The server answered, but not with a valid result (the SDK's schema
      // check failed): the server is fine, its answer is not.
      if (isSchemaError(error)) {
        const message = `MCP tool "${call.tool}" on "${this.name}" gave an answer that is not a valid tools/call result: ${error.message}`;
        return { error: { code: 'mcp_error', message }, source: this.source };
      }
      // Refused credentials (an expired token that would not refresh, more
      // scopes needed): a person or a config must act, a restart would not.
      if (!(error instanceof McpError) && this.authFailed(error, client)) {
        return unavailable(this.name, this.error ?? 'authorization required', this.source);
      }
      // An HTTP server has no process to watch: a failed request (refused
      // connection, unknown session after a server restart) is how it dies.
      if (!isStdioConfig(this.config) && !(error instanceof McpError)) {
        this.lose(client, `failed a request (${errorMessage(error)})`);
      }
      return unavailable(this.name, this.redact(errorMessage(error)), this.source);
    } finally {
      timer.dispose();
      this.inflight.delete(entry);
      dispose();
    }
  }

  private cancelled(): ToolOutcome {
    return { error: { code: 'cancelled', message: 'the call was cancelled' }, source: this.source };
  }

  /** Closes the server for good (process group included). Idempotent. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.setState('closed');
    clearTimeout(this.restartTimer);
    clearTimeout(this.stableTimer);
    this.closeController.abort(new Error('the MCP client manager is shutting down'));
    const client = this.client;
    const transport = this.transport;
    this.client = undefined;
    if (client && transport instanceof StreamableHTTPClientTransport) {
      await endHttpSession(transport, this.name, this.settings.killGraceMs, this.settings.logger);
    }
    await Promise.all([
      client?.close().catch(() => undefined),
      transport?.close().catch(() => undefined),
    ]);
  }

  private setState(state: McpServerState): void {
    if (this.state === state && state !== 'connecting') return;
    this.state = state;
    if (state === 'ready') {
      this.errorCode = undefined;
      this.authGuard?.ready();
      this.wasReady = true;
      clearTimeout(this.stableTimer);
      this.stableTimer = setTimeout(() => {
        if (this.state === 'ready') this.attempt = 0;
      }, this.settings.restart.resetAfterMs);
      this.stableTimer.unref();
    }
    this.settings.onChange();
  }
}
