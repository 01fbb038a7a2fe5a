import { errorMessage } from '@claude-gateway/core';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { anySignal } from './any-signal.js';
import type { ConnectionSettings } from './connection-types.js';
import type { SpanAttributes } from './telemetry.js';

/**
 * @internal Reads every page of `tools/list`, up to `maxToolPages` pages and
 * `maxTools` tools (a server that always sends a cursor must not keep us
 * listing, nor fill memory); past either, what was read is kept, with a
 * warning. Each page is a `tools/list` span when tracing records.
 */
export async function listAllTools(
  client: Client,
  signal: AbortSignal,
  name: string,
  settings: Pick<
    ConnectionSettings,
    'maxToolPages' | 'maxTools' | 'logger' | 'startupTimeoutMs' | 'tracer'
  >,
  spanAttributes: () => SpanAttributes = () => ({}),
): Promise<Tool[]> {
  const { maxToolPages, maxTools, logger } = settings;
  const tools: Tool[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    if (pages >= maxToolPages) {
      logger.warn(
        `MCP server "${name}" offers more than ${maxToolPages} pages of tools; the rest are left out`,
        { server: name, maxToolPages },
      );
      break;
    }
    // The SDK never removes the abort listener it adds per request: give
    // each page a signal of its own, and unhook it from ours afterwards.
    const page = anySignal([signal]);
    const span = settings.tracer?.start('tools/list', {
      'mcp.method.name': 'tools/list',
      'claude_gateway.mcp.server': name,
      ...spanAttributes(),
    });
    let result;
    try {
      const request = () =>
        client.listTools(cursor ? { cursor } : undefined, {
          signal: page.signal,
          timeout: settings.startupTimeoutMs,
        });
      result = await (span ? span.activate(request) : request());
    } catch (error) {
      span?.fail(errorName(error), errorMessage(error));
      throw error;
    } finally {
      span?.end();
      page.dispose();
    }
    pages += 1;
    const room = maxTools - tools.length;
    if (result.tools.length > room) {
      tools.push(...result.tools.slice(0, room));
      logger.warn(
        `MCP server "${name}" offers more than ${maxTools} tools; the rest are left out`,
        { server: name, maxTools },
      );
      break;
    }
    tools.push(...result.tools);
    cursor = result.nextCursor;
  } while (cursor);
  return tools;
}

/** `error.type` of a failed request: the JSON-RPC error code, else the error's class. */
function errorName(error: unknown): string {
  if (error instanceof McpError) return String(error.code);
  return error instanceof Error ? error.name : 'Error';
}
