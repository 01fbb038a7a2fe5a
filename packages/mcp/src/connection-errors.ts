import type { ToolOutcome } from '@claude-gateway/core';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/** @internal A zod validation error, as the SDK rejects a response that fails its result schema. */
export const isSchemaError = (error: unknown): error is Error =>
  error instanceof Error &&
  /ZodError$/.test(error.name) &&
  Array.isArray((error as { issues?: unknown }).issues);

/** @internal The outcome of a call to a server that cannot take it. */
export const unavailable = (name: string, why: string, source: string): ToolOutcome => ({
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

/** @internal True for an error that says the server wants (other) credentials. */
export function isAuthError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    if (current instanceof UnauthorizedError) return true;
    if (current instanceof StreamableHTTPError && (current.code === 401 || current.code === 403)) {
      return true;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
