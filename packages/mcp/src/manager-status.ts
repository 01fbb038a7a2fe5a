import type { ToolDefinition } from '@claude-gateway/core';
import type { LoadedServer } from './load-config.js';
import type { McpServerStatus } from './manager-types.js';
import type { ServerConnection } from './server-connection.js';
import type { NameAssignment } from './tool-names.js';

/**
 * @internal The status of every configured server, in config order: from
 * its connection, or `failed` (`closed` after shutdown) when it has none
 * (a config problem).
 */
export function serverStatus(
  entries: readonly LoadedServer[],
  connections: ReadonlyMap<string, ServerConnection>,
  naming: NameAssignment,
  stopped: boolean,
): McpServerStatus[] {
  return entries.map((entry): McpServerStatus => {
    const connection = connections.get(entry.name);
    if (!connection) {
      return {
        name: entry.name,
        state: stopped ? 'closed' : 'failed',
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

/** @internal The tool definitions of the ready servers, under their exposed names. */
export function toolDefinitions(
  connections: ReadonlyMap<string, ServerConnection>,
  naming: NameAssignment,
): ToolDefinition[] {
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
