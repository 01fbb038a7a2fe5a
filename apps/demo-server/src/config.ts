import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { consoleLogger, GatewayError, type Logger } from '@claude-gateway/core';

/** The model used with a real API key unless `ANTHROPIC_MODEL` says otherwise. */
export const DEFAULT_MODEL = 'claude-sonnet-4-6';

/** Everything the demo apps can be configured with (see the README for the environment variables). */
export interface DemoConfig {
  /** Port to listen on; `0` picks a free one (the printed URL shows it). @default 3000 */
  port: number;
  /** Interface to listen on. Loopback only unless you change it. @default '127.0.0.1' */
  host: string;
  /** HS256 key of the session tokens. @default 32 random bytes, new at every start */
  jwtSecret: string;
  /** Talk to Claude with this key; without it the offline demo model answers. @default none */
  anthropicApiKey?: string;
  /** Another Messages API endpoint (a proxy); only used with `anthropicApiKey`. @default the SDK's */
  anthropicBaseUrl?: string;
  /** Claude model id; the offline demo model is priced as this model too. @default 'claude-sonnet-4-6' */
  model: string;
  /** Milliseconds between the demo model's streamed events, so streaming is visible. @default 25 */
  demoDelayMs: number;
  /** Other origins allowed to call `/api` from a browser (the page itself is same-origin). @default [] */
  allowedOrigins?: string[];
  /**
   * Host names the demo answers besides `localhost`, IP addresses and `host`; a
   * request with any other `Host` gets 403 `forbidden_origin`, so a page
   * that rebinds its own DNS name to this machine cannot drive the demo.
   * @default []
   */
  allowedHosts?: string[];
  /** Runs allowed at once in the whole process (`too_many_runs` beyond). @default 20 */
  maxActiveRuns: number;
  /**
   * A conversation idle this long is forgotten; a finished run's events are
   * kept as long, so a reloaded page can rebuild the whole conversation.
   * @default 21600000 (6 h)
   */
  sessionTtlMs: number;
  /** Conversations kept at most (`too_many_sessions` when all were active in the last hour). @default 1000 */
  maxSessions: number;
  /** Start MCP servers (`server-everything` and the configured ones). @default true */
  mcp: boolean;
  /** A `.mcp.json` whose servers are added. @default none (loadConfig: `.mcp.json` in the directory pnpm was started from, when present) */
  mcpJsonPath?: string;
  /** A `~/.claude.json` whose servers are added (top level and this project's entry). @default none (loadConfig: `~/.claude.json` when present) */
  claudeConfigPath?: string;
  /** Directory that selects the project entry of `claudeConfigPath`. @default process.cwd() */
  projectDir?: string;
  /** Folder the gated `write_file` tool writes into. @default a fresh temporary folder, removed on close */
  sandboxDir?: string;
  /** How long a gated call waits for a person before it is denied. @default 300000 (5 min) */
  approvalTimeoutMs: number;
  /**
   * Keep sessions, runs, their events and approvals in this Redis
   * (`redis://host:6379/0`, `rediss://` for TLS) instead of in memory, so
   * several demo instances share them. Give them one `jwtSecret` (a token
   * from one is then accepted by the others) and one `sandboxDir`.
   * @default none (memory: one process)
   */
  redisUrl?: string;
  /** Prefix of every Redis key and channel the demo uses (with `redisUrl`). @default 'cg-demo:' */
  redisPrefix: string;
  /** Where warnings and errors go. @default console */
  logger?: Logger;
}

/** Settings `resolveConfig` fills in when they are not given. */
export const DEMO_DEFAULTS = {
  port: 3000,
  host: '127.0.0.1',
  model: DEFAULT_MODEL,
  demoDelayMs: 25,
  maxActiveRuns: 20,
  sessionTtlMs: 6 * 60 * 60_000,
  maxSessions: 1000,
  mcp: true,
  approvalTimeoutMs: 300_000,
  redisPrefix: 'cg-demo:',
} as const;

/** A random HS256 key (tokens stop working when the process restarts). */
export function randomJwtSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * A complete config from a partial one: defaults for what is missing and a
 * random JWT secret. Reads no environment variable and no file (tests and
 * embedding use this; `loadConfig` is the environment-driven path).
 */
export function resolveConfig(partial: Partial<DemoConfig> = {}): DemoConfig {
  const defined = Object.fromEntries(
    Object.entries(partial).filter(([, value]) => value !== undefined),
  ) as Partial<DemoConfig>;
  return { ...DEMO_DEFAULTS, jwtSecret: randomJwtSecret(), ...defined };
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Where the warning about a generated JWT secret goes. @default console */
  logger?: Logger;
  /** Home directory holding `.claude.json`. @default os.homedir() */
  homeDir?: string;
}

function envString(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function envInteger(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  range: { min: number; max: number },
): number {
  const raw = envString(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < range.min || value > range.max) {
    throw new GatewayError(
      'invalid_options',
      `${name} must be an integer from ${range.min} to ${range.max}, got "${raw}"`,
    );
  }
  return value;
}

function envFlag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = envString(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  throw new GatewayError('invalid_options', `${name} must be 0 or 1, got "${raw}"`);
}

/** `REDIS_URL`: a `redis://` or `rediss://` URL, or none. */
function envRedisUrl(env: NodeJS.ProcessEnv): string | undefined {
  const raw = envString(env, 'REDIS_URL');
  if (raw === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') {
    throw new GatewayError(
      'invalid_options',
      `REDIS_URL must be a redis:// or rediss:// URL with a host, got "${redactRedisUrl(raw)}"`,
    );
  }
  return raw;
}

/**
 * A Redis URL fit to print: its password replaced by `***`.
 * Something that is not a URL is replaced whole, since it may hold one.
 */
export function redactRedisUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '***';
  }
  if (url.password !== '') url.password = '***';
  return url.toString();
}

/**
 * A config file path from the environment: the variable when set (empty:
 * none), else `fallback` when that file exists.
 */
function envConfigFile(env: NodeJS.ProcessEnv, name: string, fallback: string): string | undefined {
  if (env[name] !== undefined) return envString(env, name);
  return existsSync(fallback) ? fallback : undefined;
}

/**
 * Reads the demo's configuration from environment variables (all listed with
 * their defaults in the README). When `GATEWAY_JWT_SECRET` is unset a random
 * one is generated and a warning is logged: tokens then die with the process.
 *
 * @throws GatewayError `invalid_options` for a malformed number or flag.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  options: LoadConfigOptions = {},
): DemoConfig {
  const logger = options.logger ?? consoleLogger;
  let jwtSecret = envString(env, 'GATEWAY_JWT_SECRET');
  if (jwtSecret === undefined) {
    jwtSecret = randomJwtSecret();
    logger.warn(
      'GATEWAY_JWT_SECRET is not set: using a random secret, so session tokens stop working when the server restarts',
    );
  }
  // pnpm runs scripts in the package's folder; INIT_CWD is where the person typed `pnpm demo`.
  const projectDir = envString(env, 'INIT_CWD') ?? process.cwd();
  const list = (name: string): string[] | undefined =>
    envString(env, name)
      ?.split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  const allowedOrigins = list('ALLOWED_ORIGINS');
  const allowedHosts = list('ALLOWED_HOSTS');
  return resolveConfig({
    port: envInteger(env, 'PORT', DEMO_DEFAULTS.port, { min: 0, max: 65_535 }),
    host: envString(env, 'HOST') ?? DEMO_DEFAULTS.host,
    jwtSecret,
    anthropicApiKey: envString(env, 'ANTHROPIC_API_KEY'),
    anthropicBaseUrl: envString(env, 'ANTHROPIC_BASE_URL'),
    model: envString(env, 'ANTHROPIC_MODEL') ?? DEMO_DEFAULTS.model,
    demoDelayMs: envInteger(env, 'DEMO_DELAY_MS', DEMO_DEFAULTS.demoDelayMs, {
      min: 0,
      max: 10_000,
    }),
    allowedOrigins,
    allowedHosts,
    maxActiveRuns: envInteger(env, 'MAX_ACTIVE_RUNS', DEMO_DEFAULTS.maxActiveRuns, {
      min: 1,
      max: 100_000,
    }),
    sessionTtlMs: envInteger(env, 'SESSION_TTL_MS', DEMO_DEFAULTS.sessionTtlMs, {
      min: 1000,
      max: 30 * 86_400_000,
    }),
    maxSessions: envInteger(env, 'MAX_SESSIONS', DEMO_DEFAULTS.maxSessions, {
      min: 1,
      max: 1_000_000,
    }),
    mcp: envFlag(env, 'DEMO_MCP', DEMO_DEFAULTS.mcp),
    mcpJsonPath: envConfigFile(env, 'DEMO_MCP_JSON', join(projectDir, '.mcp.json')),
    claudeConfigPath: envConfigFile(
      env,
      'DEMO_CLAUDE_CONFIG',
      join(options.homeDir ?? homedir(), '.claude.json'),
    ),
    projectDir,
    sandboxDir: envString(env, 'DEMO_SANDBOX_DIR'),
    approvalTimeoutMs: envInteger(
      env,
      'DEMO_APPROVAL_TIMEOUT_MS',
      DEMO_DEFAULTS.approvalTimeoutMs,
      { min: 1000, max: 86_400_000 },
    ),
    redisUrl: envRedisUrl(env),
    redisPrefix: envString(env, 'REDIS_PREFIX') ?? DEMO_DEFAULTS.redisPrefix,
    logger,
  });
}
