import { errorMessage } from '@claude-gateway/core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ProgressNotificationSchema,
  ToolListChangedNotificationSchema,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { anySignal } from './any-signal.js';
import { clientCapabilities, installClientFeatures, type InflightCall } from './client-features.js';
import type { ConnectionAuth } from './connection-auth.js';
import type { ConnectionSettings } from './connection-types.js';
import { createTransport } from './create-transport.js';
import { listAllTools } from './list-all-tools.js';
import { ProcessGroupTransport } from './process-group-transport.js';
import type { McpServerConfig } from './server-config.js';
import type { SpanAttributes } from './telemetry.js';

/** @internal What {@link connectClient} needs from its connection. */
export interface ConnectAttempt {
  name: string;
  config: McpServerConfig;
  settings: ConnectionSettings;
  auth: ConnectionAuth | undefined;
  /** The connection's calls in flight (server requests find their call there). */
  inflight: () => Iterable<InflightCall>;
  /** Aborted when the connection closes for good. */
  closeSignal: AbortSignal;
  /** The caller's startup signal, if any. */
  outer: AbortSignal | undefined;
  redact: (text: string) => string;
  spanAttributes: () => SpanAttributes;
  /** The attempt's transport and client, before connecting (a close during startup is theirs). */
  onTransport: (transport: Transport, client: Client) => void;
  /** The attempt failed: its client is being closed. */
  onFailure: (client: Client) => void;
  /** The server said its tools changed. */
  onToolsChanged: (client: Client) => void;
  /** A progress notification for one of our calls (by its `progressToken`). */
  onProgress: (token: string | number) => void;
}

/**
 * @internal One connection attempt: spawns or opens the transport, runs
 * `initialize` and reads the tool list, within `startupTimeoutMs` (and the
 * close and startup signals). Rejects with the reason (secrets redacted,
 * the server's stderr logged), its client closed.
 */
export async function connectClient(attempt: ConnectAttempt): Promise<{ tools: Tool[] }> {
  const { name, settings, redact } = attempt;
  const { startupTimeoutMs, clientInfo } = settings;
  const timeout = new AbortController();
  const timer = setTimeout(
    () => timeout.abort(new Error(`startup timed out after ${startupTimeoutMs} ms`)),
    startupTimeoutMs,
  );
  const { signal, dispose } = anySignal([timeout.signal, attempt.closeSignal, attempt.outer]);
  let transport: Transport;
  try {
    transport = createTransport(attempt.config, settings, attempt.auth);
  } catch (error) {
    // A config the transport refuses (a URL that does not parse).
    clearTimeout(timer);
    dispose();
    throw error;
  }
  const features = {
    server: name,
    onElicitation: settings.onElicitation,
    onSampling: attempt.config.sampling === true ? settings.onSampling : undefined,
    roots: settings.roots,
    logger: settings.logger,
    inflight: attempt.inflight,
  };
  const client = new Client(clientInfo, { capabilities: clientCapabilities(features) });
  installClientFeatures(client, features);
  attempt.onTransport(transport, client);
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    attempt.onToolsChanged(client);
  });
  // In place of the SDK's own: calls carry our progress tokens, not its handlers.
  client.setNotificationHandler(ProgressNotificationSchema, (notification) => {
    attempt.onProgress(notification.params.progressToken);
  });
  try {
    signal.throwIfAborted();
    const aborted = new Promise<never>((_, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
    });
    aborted.catch(() => undefined);
    // The race covers a spawn that never answers even the transport start.
    await Promise.race([client.connect(transport, { signal, timeout: startupTimeoutMs }), aborted]);
    const tools = await Promise.race([
      listAllTools(client, signal, name, settings, attempt.spanAttributes),
      aborted,
    ]);
    return { tools };
  } catch (error) {
    attempt.onFailure(client);
    const stderr = transport instanceof ProcessGroupTransport ? transport.stderrTail() : '';
    await client.close().catch(() => undefined);
    const reason = redact(signal.aborted ? errorMessage(signal.reason) : errorMessage(error));
    if (stderr) settings.logger.error(`MCP server "${name}" stderr`, { stderr });
    throw new Error(reason, { cause: error });
  } finally {
    clearTimeout(timer);
    dispose();
  }
}
