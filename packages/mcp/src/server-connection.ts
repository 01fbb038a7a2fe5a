import { setMaxListeners } from 'node:events';
import { errorMessage, GatewayError, type ToolOutcome } from '@claude-gateway/core';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { anySignal } from './any-signal.js';
import { CallClock } from './call-control.js';
import { callTool, type CallHost } from './call-tool.js';
import { ConnectionAuth } from './connection-auth.js';
import { connectClient } from './connect-client.js';
import { isPermanentStartError, unavailable } from './connection-errors.js';
import type {
  ConnectionCall,
  ConnectionSettings,
  McpServerErrorCode,
  McpServerState,
} from './connection-types.js';
import { endHttpSession } from './end-http-session.js';
import { redactor } from './env-expand.js';
import { listAllTools } from './list-all-tools.js';
import { ProcessGroupTransport } from './process-group-transport.js';
import { restartDelay } from './restart-policy.js';
import { isStdioConfig, type McpServerConfig } from './server-config.js';
import type { SpanAttributes } from './telemetry.js';

export type {
  ConnectionCall,
  ConnectionSettings,
  McpServerErrorCode,
  McpServerState,
} from './connection-types.js';

/**
 * @internal One server: connects, lists tools, follows `list_changed`,
 * restarts with backoff after an unexpected exit, closes its process group.
 * Its calls are {@link callTool}; its authorization, {@link ConnectionAuth}.
 */
export class ServerConnection {
  state: McpServerState = 'connecting';
  error: string | undefined;
  /** Set with `failed` when a program can act on the cause. */
  errorCode: McpServerErrorCode | undefined;
  /** The last tool list the server gave (kept through a restart so names stay stable). */
  tools: Tool[] = [];
  restarts = 0;
  readonly source: string;
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
  /** Scrubs the values `${VAR}` put in the config from a message. */
  private readonly redact: (text: string) => string;
  /** The authorization of an HTTP server. */
  private readonly auth: ConnectionAuth | undefined;
  /** Calls in flight (server requests find their call here) and their time limits. */
  private readonly calls = new CallClock();
  private readonly host: CallHost;
  /** An HTTP server's address and port, for spans. */
  private readonly endpoint: { address: string; port: number } | undefined;

  constructor(
    readonly name: string,
    readonly config: McpServerConfig,
    private readonly settings: ConnectionSettings,
    secrets: readonly string[] = [],
  ) {
    this.source = `mcp:${name}`;
    this.redact = redactor(secrets);
    // Listing pages listen to it: many at once are not a leak.
    setMaxListeners(0, this.closeController.signal);
    if (!isStdioConfig(config) && URL.canParse(config.url)) {
      const url = new URL(config.url);
      const provider = config.authProvider ?? settings.authProviders?.get(name);
      this.auth = new ConnectionAuth(url, provider, settings.maxAuthorizationAttempts ?? 3);
      this.endpoint = {
        address: url.hostname,
        port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
      };
    }
    this.host = {
      name,
      source: this.source,
      calls: this.calls,
      closeSignal: this.closeController.signal,
      stdio: isStdioConfig(config),
      tracer: settings.tracer,
      redact: this.redact,
      spanAttributes: () => this.spanAttributes(),
      lose: (client, how) => this.lose(client, how),
      authFailed: (error, client) =>
        this.authFailed(error, client) ? (this.error ?? 'authorization required') : undefined,
    };
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

  /**
   * When `error` is the server asking for credentials: enters `failed` with
   * `auth_required` (never retried: another attempt would be refused the
   * same way) and returns true.
   */
  private authFailed(error: unknown, client?: Client): boolean {
    const auth = this.auth;
    if (!auth?.isRefusal(error)) return false;
    auth.refused(this.transport);
    if (client && client === this.client) this.client = undefined;
    this.error = auth.describe(this.name, this.redact(errorMessage(error)));
    this.errorCode = 'auth_required';
    clearTimeout(this.restartTimer);
    this.settings.logger.error(this.error);
    this.setState('failed');
    if (client) void client.close().catch(() => undefined);
    return true;
  }

  /**
   * Completes an authorization-code flow with the `code` the callback
   * received, then connects again. A sign-in still under way is first
   * waited for (bounded by `signal`): the refused transport that completes
   * it exists once the server's refusal lands.
   * @throws GatewayError `invalid_options` when the server is not waiting for
   * authorization; `cancelled` when `signal` aborts or the connection closes.
   */
  async finishAuth(code: string, signal?: AbortSignal): Promise<void> {
    const auth = this.auth;
    if (!auth?.provider) {
      throw new GatewayError('invalid_options', `MCP server "${this.name}" has no authProvider`);
    }
    // setState wakes the wait at every change: it cannot be left pending.
    await auth.until(() => !auth.awaitingRefusal(this.state), signal);
    if (this.isClosed()) {
      throw new GatewayError(
        'cancelled',
        `finishAuth("${this.name}") was cancelled: the MCP client manager shut down`,
      );
    }
    if (this.errorCode !== 'auth_required') {
      const why = this.error === undefined ? this.state : `${this.state}: ${this.error}`;
      throw new GatewayError(
        'invalid_options',
        `MCP server "${this.name}" is not waiting for authorization (it is ${why})`,
      );
    }
    await auth.finish(this.name, code);
    this.errorCode = undefined;
    this.attempt = 0;
    await this.start(signal);
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
    const connected = await connectClient({
      name: this.name,
      config: this.config,
      settings: this.settings,
      auth: this.auth,
      inflight: () => this.calls,
      closeSignal: this.closeController.signal,
      outer,
      redact: this.redact,
      spanAttributes: () => this.spanAttributes(),
      // Set before connecting: a close or a `list_changed` during startup is this attempt's.
      onTransport: (transport, client) => {
        this.transport = transport;
        this.client = client;
        client.onclose = () => this.handleClose(client);
      },
      onFailure: () => {
        this.client = undefined;
      },
      onToolsChanged: (client) => {
        if (this.client === client) void this.refreshTools();
      },
      onProgress: (token) => this.calls.progress(token),
    });
    this.tools = connected.tools;
    this.error = undefined;
  }

  /** Attributes of this connection on a request's span: transport, address, session. */
  private spanAttributes(): SpanAttributes {
    const transport = this.transport;
    if (!(transport instanceof StreamableHTTPClientTransport)) {
      return { 'network.transport': 'pipe' };
    }
    return {
      'network.transport': 'tcp',
      'server.address': this.endpoint?.address,
      'server.port': this.endpoint?.port,
      'mcp.session.id': transport.sessionId,
      'mcp.protocol.version': transport.protocolVersion,
    };
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
          const tools = await listAllTools(client, signal, this.name, this.settings, () =>
            this.spanAttributes(),
          );
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
  call(call: ConnectionCall): Promise<ToolOutcome> {
    const client = this.client;
    if (this.state !== 'ready' || !client) {
      return Promise.resolve(
        unavailable(this.name, this.redact(this.error ?? this.state), this.source),
      );
    }
    return callTool(this.host, client, call);
  }

  /** Closes the server for good (process group included). Idempotent. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.setState('closed');
    clearTimeout(this.restartTimer);
    clearTimeout(this.stableTimer);
    const reason = new Error('the MCP client manager is shutting down');
    this.closeController.abort(reason);
    // Shutdown ends the calls at once, not when the server's group is finally gone.
    for (const call of this.calls) call.abort(reason);
    this.calls.stop();
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
    // A finishAuth waiting for a refusal looks again: it may never come now.
    this.auth?.wake();
    if (state === 'ready') {
      this.errorCode = undefined;
      this.auth?.ready();
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
