import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { ConnectionAuth } from './connection-auth.js';
import type { ConnectionSettings } from './connection-types.js';
import { ProcessGroupTransport } from './process-group-transport.js';
import { isStdioConfig, type McpServerConfig } from './server-config.js';

/**
 * @internal The transport of one connection attempt: a stdio server in its
 * own process group, or streamable HTTP (with the server's authorization).
 * @throws for a config the transport refuses (a URL that does not parse).
 */
export function createTransport(
  config: McpServerConfig,
  settings: Pick<ConnectionSettings, 'inheritEnv' | 'killGraceMs' | 'maxMessageBytes'>,
  auth: ConnectionAuth | undefined,
): Transport {
  if (isStdioConfig(config)) {
    return new ProcessGroupTransport({
      command: config.command,
      args: config.args ?? [],
      ...(config.env && { env: config.env }),
      ...(config.cwd !== undefined && { cwd: config.cwd }),
      inheritEnv: settings.inheritEnv,
      killGraceMs: settings.killGraceMs,
      maxMessageBytes: settings.maxMessageBytes,
    });
  }
  return new StreamableHTTPClientTransport(new URL(config.url), {
    requestInit: { headers: { ...config.headers } },
    ...auth?.attempt(),
  });
}
