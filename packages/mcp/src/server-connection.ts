import { setMaxListeners } from 'node:events';
import { errorMessage, type Logger, type ToolOutcome } from '@claude-gateway/core';
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
import { endHttpSession } from './end-http-session.js';
import { redactor } from './env-expand.js';
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
}

/** @internal A per-call request. */
export interface ConnectionCall {
  tool: string;
  input: Record<string, unknown>;
  signal: AbortSignal | undefined;
  timeoutMs: number;
  maxTotalTimeoutMs: number;
}

/** A zod validation error, as the SDK rejects a response that fails its result schema. */
const isSchemaError = (error: unknown): error is Error =>
  error instanceof Error &&
  /ZodError$/.test(error.name) &&
  Array.isArray((error as { issues?: unknown }).issues);

const unavailable = (name: string, why: string, source: string): ToolOutcome => ({
  error: { code: 'server_unavailable', message: `MCP server "${name}" is unavailable: ${why}` },
  source,
});

// Start errors that another attempt cannot fix: a missing or forbidden
// command or cwd, a URL that does not parse.
const PERMANENT_CODES = new Set([
  'ENOENT',
  'EACCES',
  'EPERM',
  'ENOTDIR',
  'ENOEXEC',
  'ERR_INVALID_URL',
]);

/** @internal True when `error` (or one of its causes) is a start error no retry can fix. */
export function isPermanentStartError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && PERMANENT_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * @internal One server: connects, lists tools, follows `list_changed`,
 * restarts with backoff after an unexpected exit, closes its process group.
 */
export class ServerConnection {
  state: McpServerState = 'connecting';
  error: string | undefined;
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
    return new StreamableHTTPClientTransport(new URL(config.url), {
      requestInit: { headers: { ...config.headers } },
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
    const client = new Client(clientInfo, { capabilities: {} });
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
      this.tools = await Promise.race([this.listAll(client, signal), aborted]);
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

  /**
   * Reads every page of `tools/list`, up to `maxToolPages` pages and
   * `maxTools` tools (a server that always sends a cursor must not keep us
   * listing, nor fill memory); past either, what was read is kept, with a
   * warning.
   */
  private async listAll(client: Client, signal: AbortSignal): Promise<Tool[]> {
    const { maxToolPages, maxTools, logger } = this.settings;
    const tools: Tool[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      if (pages >= maxToolPages) {
        logger.warn(
          `MCP server "${this.name}" offers more than ${maxToolPages} pages of tools; the rest are left out`,
          { server: this.name, maxToolPages },
        );
        break;
      }
      // The SDK never removes the abort listener it adds per request: give
      // each page a signal of its own, and unhook it from ours afterwards.
      const page = anySignal([signal]);
      let result;
      try {
        result = await client.listTools(cursor ? { cursor } : undefined, {
          signal: page.signal,
          timeout: this.settings.startupTimeoutMs,
        });
      } finally {
        page.dispose();
      }
      pages += 1;
      const room = maxTools - tools.length;
      if (result.tools.length > room) {
        tools.push(...result.tools.slice(0, room));
        logger.warn(
          `MCP server "${this.name}" offers more than ${maxTools} tools; the rest are left out`,
          { server: this.name, maxTools },
        );
        break;
      }
      tools.push(...result.tools);
      cursor = result.nextCursor;
    } while (cursor);
    return tools;
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
          const tools = await this.listAll(client, signal);
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
    // Shutdown ends the call at once, not when the server's group is finally gone.
    const { signal, dispose } = anySignal([call.signal, this.closeController.signal]);
    try {
      const result = (await client.callTool({ name: call.tool, arguments: call.input }, undefined, {
        signal,
        timeout: call.timeoutMs,
        resetTimeoutOnProgress: true,
        maxTotalTimeout: Math.max(call.maxTotalTimeoutMs, call.timeoutMs),
        // A progress token is only sent with a callback; progress resets the timeout.
        onprogress: () => undefined,
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
      // An HTTP server has no process to watch: a failed request (refused
      // connection, unknown session after a server restart) is how it dies.
      if (!isStdioConfig(this.config) && !(error instanceof McpError)) {
        this.lose(client, `failed a request (${errorMessage(error)})`);
      }
      return unavailable(this.name, this.redact(errorMessage(error)), this.source);
    } finally {
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
