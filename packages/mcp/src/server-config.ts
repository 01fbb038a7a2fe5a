import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { z } from 'zod';

/** A server the manager spawns and talks to over stdin/stdout. */
export interface McpStdioServerConfig {
  /** @default 'stdio' */
  type?: 'stdio';
  /** The program; looked up on the `PATH` given in `env` (or the default set). */
  command: string;
  /** @default [] */
  args?: string[];
  /** Added to the default environment (HOME, LOGNAME, PATH, SHELL, TERM, USER). */
  env?: Record<string, string>;
  /** Working directory of the server. @default the gateway's cwd */
  cwd?: string;
  /** Let this server ask for model completions (`sampling/createMessage`) through the manager's `onSampling`. @default false */
  sampling?: boolean;
}

/** A server reached over MCP streamable HTTP. */
export interface McpHttpServerConfig {
  type: 'http';
  url: string;
  /** Sent with every request (for example `Authorization`). */
  headers?: Record<string, string>;
  /**
   * OAuth for this server (inline config only): the SDK's
   * `OAuthClientProvider`, such as {@link createClientCredentialsProvider}
   * or {@link createAuthorizationCodeProvider}. A server from a config file
   * gets one through the manager's `authProviders`. @default none
   */
  authProvider?: OAuthClientProvider;
  /** Let this server ask for model completions (`sampling/createMessage`) through the manager's `onSampling`. @default false */
  sampling?: boolean;
}

/** One entry of `mcpServers`. */
export type McpServerConfig = McpStdioServerConfig | McpHttpServerConfig;

const stringRecord = z.record(z.string(), z.string());

const stdioSchema = z.strictObject({
  type: z.literal('stdio').optional(),
  command: z.string().min(1, 'must be a non-empty string'),
  args: z.array(z.string()).optional(),
  env: stringRecord.optional(),
  cwd: z.string().optional(),
  sampling: z.boolean().optional(),
});

const isAuthProvider = (value: unknown): value is OAuthClientProvider =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { tokens?: unknown }).tokens === 'function' &&
  typeof (value as { saveTokens?: unknown }).saveTokens === 'function';

const httpSchema = z.strictObject({
  type: z.literal('http'),
  // `${VAR}` references are checked after expansion.
  url: z
    .string()
    .refine((value) => value.includes('${') || URL.canParse(value), 'must be a valid URL'),
  headers: stringRecord.optional(),
  authProvider: z
    .custom<OAuthClientProvider>(isAuthProvider, 'must be an OAuthClientProvider object')
    .optional(),
  sampling: z.boolean().optional(),
});

/** What {@link parseServerEntry} made of one entry. */
export type ParsedEntry =
  | { kind: 'ok'; config: McpServerConfig }
  | { kind: 'unsupported'; reason: string }
  | { kind: 'invalid'; reason: string };

const knownTypes = new Set(['stdio', 'http']);
// Claude Code writes these keys too; they mean nothing to a client.
const ignoredKeys = ['description', 'disabled', 'alwaysAllow', 'autoApprove', 'timeout'];

/**
 * Validates one raw `mcpServers` entry. An unknown `type` (such as `sse`) is
 * `unsupported`: the caller reports and skips it. A bad shape is `invalid`.
 */
export function parseServerEntry(raw: unknown): ParsedEntry {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { kind: 'invalid', reason: 'must be an object' };
  }
  const entry: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  for (const key of ignoredKeys) delete entry[key];
  const type = entry.type;
  if (type !== undefined && (typeof type !== 'string' || !knownTypes.has(type))) {
    return { kind: 'unsupported', reason: `unsupported server type ${JSON.stringify(type)}` };
  }
  const inferredHttp = type === undefined && entry.command === undefined && entry.url !== undefined;
  const schema = type === 'http' || inferredHttp ? httpSchema : stdioSchema;
  const parsed = schema.safeParse(inferredHttp ? { ...entry, type: 'http' } : entry);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return { kind: 'invalid', reason: `${where}${issue?.message ?? 'invalid entry'}` };
  }
  return { kind: 'ok', config: parsed.data };
}

/** True for a stdio entry. */
export function isStdioConfig(config: McpServerConfig): config is McpStdioServerConfig {
  return config.type !== 'http';
}
