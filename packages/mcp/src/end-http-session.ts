import { errorMessage, type Logger } from '@claude-gateway/core';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/**
 * @internal Ends the HTTP session on the server (`DELETE` with
 * `Mcp-Session-Id`), so it can free what it holds for us. Bounded by
 * `graceMs`: closing the transport afterwards aborts a request the server
 * leaves hanging.
 */
export async function endHttpSession(
  transport: StreamableHTTPClientTransport,
  name: string,
  graceMs: number,
  logger: Logger,
): Promise<void> {
  if (transport.sessionId === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  let settled = false;
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      logger.warn(
        `MCP server "${name}": no answer to ending the HTTP session within ${graceMs} ms`,
      );
      resolve();
    }, graceMs);
  });
  // The request may still fail after the timeout (the transport's close aborts it): swallow that.
  const ended = transport.terminateSession().catch((error: unknown) => {
    if (settled) return;
    logger.warn(`MCP server "${name}": ending the HTTP session failed`, {
      error: errorMessage(error),
    });
  });
  await Promise.race([ended, timedOut]);
  settled = true;
  clearTimeout(timer);
}
