import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Logger } from '@claude-gateway/core';
import {
  createMcpClientManager,
  type McpClientManager,
  type McpElicitationHandler,
  type McpStdioServerConfig,
} from '@claude-gateway/mcp';

/** Name of the MCP server the demo always configures. */
export const EVERYTHING_SERVER = 'everything';

/**
 * `@modelcontextprotocol/server-everything` over stdio, run with this Node
 * from node_modules: no `npx`, no network.
 */
export function everythingServer(): McpStdioServerConfig {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve('@modelcontextprotocol/server-everything/package.json');
  const manifest = require(manifestPath) as { bin?: string | Record<string, string> };
  const bin =
    typeof manifest.bin === 'string'
      ? manifest.bin
      : (Object.values(manifest.bin ?? {})[0] ?? 'dist/index.js');
  return { command: process.execPath, args: [join(dirname(manifestPath), bin), 'stdio'] };
}

/** Options of {@link createDemoMcp}. */
export interface DemoMcpOptions {
  /** A `.mcp.json` whose servers are added. @default none */
  mcpJsonPath?: string;
  /** A `~/.claude.json` whose servers are added. @default none */
  claudeConfigPath?: string;
  /** Selects the project entry of `claudeConfigPath`. @default process.cwd() */
  projectDir?: string;
  /** Names of the local tools, which win over MCP tools of the same name. @default [] */
  localToolNames?: string[];
  /**
   * Relays a server's question (elicitation) to the person behind the tool
   * call, e.g. an elicitation broker's `elicit`; declares the `elicitation`
   * capability. Without it, servers see no such capability.
   * @default none
   */
  onElicitation?: McpElicitationHandler;
  /** @default console */
  logger?: Logger;
}

/**
 * The demo's MCP client manager: `server-everything` plus the servers of the
 * config files given. A file entry named `everything` is replaced by ours.
 * With `onElicitation`, `server-everything`'s `trigger-elicitation-request`
 * tool asks the person through it.
 */
export function createDemoMcp(options: DemoMcpOptions = {}): McpClientManager {
  return createMcpClientManager({
    servers: { [EVERYTHING_SERVER]: everythingServer() },
    ...(options.mcpJsonPath !== undefined && { mcpJsonPath: options.mcpJsonPath }),
    ...(options.claudeConfigPath !== undefined && { configPath: options.claudeConfigPath }),
    ...(options.projectDir !== undefined && { cwd: options.projectDir }),
    builtinToolNames: options.localToolNames ?? [],
    // A demo stops on Ctrl-C: do not keep the person waiting on a stuck server.
    killGraceMs: 1000,
    clientInfo: { name: 'claude-gateway-demo', version: '0.0.0' },
    ...(options.onElicitation && { onElicitation: options.onElicitation }),
    ...(options.logger && { logger: options.logger }),
  });
}
