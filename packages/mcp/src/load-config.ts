import { readFile, realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { GatewayError, consoleLogger, errorMessage, type Logger } from '@claude-gateway/core';
import { expandEnv, type EnvSource } from './env-expand.js';
import { parseServerEntry, type McpServerConfig } from './server-config.js';

/** Where {@link loadMcpConfig} looks (also the config part of the manager's options). */
export interface LoadMcpConfigOptions {
  /** Inline servers (no `${VAR}` expansion); they override same-named file entries. */
  servers?: Record<string, McpServerConfig>;
  /** A `~/.claude.json`-style file: top-level `mcpServers` and `projects[cwd].mcpServers`. Not read unless given. */
  configPath?: string;
  /** A `.mcp.json` file (top-level `mcpServers`). Not read unless given. */
  mcpJsonPath?: string;
  /** Selects the `projects` entry of `configPath`. @default process.cwd() */
  cwd?: string;
  /** Variables for `${VAR}` / `${VAR:-default}` in config files. @default process.env */
  env?: EnvSource;
  /** Only these servers are used. @default all configured servers */
  allowedServers?: Iterable<string>;
  /** @default consoleLogger */
  logger?: Logger;
}

/** One configured server: usable (`config`) or reported and skipped (`problem`). */
export interface LoadedServer {
  name: string;
  /** The file it came from, or `inline`. */
  origin: string;
  config?: McpServerConfig;
  /** Why the server is skipped (unknown type, missing variable). */
  problem?: string;
  /**
   * Values that `${VAR}` expansion put into `config`: the manager scrubs
   * them from every message and status it gives about this server.
   */
  secrets?: string[];
}

type RawServers = Record<string, unknown>;

async function readJson(
  path: string,
  logger: Logger,
): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      logger.warn(`MCP config file ${path} does not exist; no servers read from it`);
      return undefined;
    }
    throw new GatewayError('invalid_config', `${path}: cannot read: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new GatewayError('invalid_config', `${path}: malformed JSON: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new GatewayError('invalid_config', `${path}: the top level must be a JSON object`);
  }
  return data as Record<string, unknown>;
}

/**
 * The `projects` entry for `cwd`: its key is the directory as Claude Code
 * saw it (a real path), possibly with a trailing slash, while `cwd` may go
 * through a symlink. An exact key wins.
 */
async function projectEntry(projects: Record<string, unknown>, cwd: string): Promise<unknown> {
  if (Object.hasOwn(projects, cwd)) return projects[cwd];
  const wanted = new Set([cwd, await realpath(cwd).catch(() => cwd)]);
  for (const [key, value] of Object.entries(projects)) {
    if (wanted.has(resolve(key))) return value;
  }
  return undefined;
}

function serversAt(value: unknown, path: string, where: string): RawServers | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new GatewayError('invalid_config', `${path}: ${where} must be an object`);
  }
  return value as RawServers;
}

function expandConfig(
  config: McpServerConfig,
  env: EnvSource,
): { config: McpServerConfig; missing: string[]; secrets: string[] } {
  const missing: string[] = [];
  const secrets: string[] = [];
  const x = (s: string): string => {
    const r = expandEnv(s, env);
    missing.push(...r.missing);
    secrets.push(...r.secrets);
    return r.value;
  };
  const xRecord = (r: Record<string, string> | undefined) =>
    r && Object.fromEntries(Object.entries(r).map(([k, v]) => [k, x(v)]));
  if (config.type === 'http') {
    const headers = xRecord(config.headers);
    return {
      config: {
        type: 'http',
        url: x(config.url),
        ...(headers && { headers }),
        ...(config.sampling !== undefined && { sampling: config.sampling }),
      },
      missing,
      secrets,
    };
  }
  const env2 = xRecord(config.env);
  return {
    config: {
      ...(config.type && { type: config.type }),
      command: x(config.command),
      ...(config.args && { args: config.args.map(x) }),
      ...(env2 && { env: env2 }),
      ...(config.cwd !== undefined && { cwd: x(config.cwd) }),
      ...(config.sampling !== undefined && { sampling: config.sampling }),
    },
    missing,
    secrets,
  };
}

/**
 * Reads `mcpServers` from the given files and inline object, in this order
 * of precedence (later wins, the first position is kept): `configPath`'s top
 * level, `mcpJsonPath`, `configPath`'s project entry for `cwd`, inline.
 * Malformed JSON or a malformed entry rejects with
 * `GatewayError('invalid_config')` naming the file; an unknown server type or
 * an unset `${VAR}` without default marks that server skipped (`problem`).
 */
export async function loadMcpConfig(options: LoadMcpConfigOptions): Promise<LoadedServer[]> {
  const logger = options.logger ?? consoleLogger;
  const env = options.env ?? process.env;
  type Layer = { origin: string; servers: RawServers; fromFile: boolean };
  let userLayer: Layer | undefined;
  let projectLayer: Layer | undefined;
  let mcpJsonLayer: Layer | undefined;
  if (options.configPath !== undefined) {
    const path = options.configPath;
    const data = await readJson(path, logger);
    const top = serversAt(data?.mcpServers, path, 'mcpServers');
    if (top) userLayer = { origin: path, servers: top, fromFile: true };
    const projects = data?.projects;
    if (projects && typeof projects === 'object' && !Array.isArray(projects)) {
      const cwd = resolve(options.cwd ?? process.cwd());
      const project = await projectEntry(projects as Record<string, unknown>, cwd);
      if (project && typeof project === 'object') {
        const where = `projects[${JSON.stringify(cwd)}].mcpServers`;
        const local = serversAt((project as Record<string, unknown>).mcpServers, path, where);
        if (local) projectLayer = { origin: path, servers: local, fromFile: true };
      }
    }
  }
  if (options.mcpJsonPath !== undefined) {
    const path = options.mcpJsonPath;
    const data = await readJson(path, logger);
    const servers = serversAt(data?.mcpServers, path, 'mcpServers');
    if (servers) mcpJsonLayer = { origin: path, servers, fromFile: true };
  }
  const inlineLayer: Layer | undefined = options.servers
    ? { origin: 'inline', servers: options.servers, fromFile: false }
    : undefined;
  const layers = [userLayer, mcpJsonLayer, projectLayer, inlineLayer].filter(
    (layer): layer is Layer => layer !== undefined,
  );

  const allowed = options.allowedServers ? new Set(options.allowedServers) : undefined;
  const result = new Map<string, LoadedServer>();
  for (const layer of layers) {
    for (const [name, raw] of Object.entries(layer.servers)) {
      if (allowed && !allowed.has(name)) continue;
      const parsed = parseServerEntry(raw);
      if (parsed.kind === 'invalid') {
        throw new GatewayError(
          'invalid_config',
          `${layer.origin}: mcpServers.${name}: ${parsed.reason}`,
        );
      }
      let entry: LoadedServer;
      if (parsed.kind === 'unsupported') {
        entry = { name, origin: layer.origin, problem: parsed.reason };
      } else if (layer.fromFile) {
        const expanded = expandConfig(parsed.config, env);
        const url = expanded.config.type === 'http' ? expanded.config.url : undefined;
        if (url !== undefined && expanded.missing.length === 0 && !URL.canParse(url)) {
          // The URL as written: its expanded form may carry a secret.
          const written = parsed.config.type === 'http' ? parsed.config.url : '';
          throw new GatewayError(
            'invalid_config',
            `${layer.origin}: mcpServers.${name}: url: ${JSON.stringify(written)} is not a valid URL after expansion`,
          );
        }
        entry =
          expanded.missing.length > 0
            ? {
                name,
                origin: layer.origin,
                problem: `environment variable ${[...new Set(expanded.missing)].join(', ')} is not set and has no default`,
              }
            : {
                name,
                origin: layer.origin,
                config: expanded.config,
                ...(expanded.secrets.length > 0 && { secrets: expanded.secrets }),
              };
      } else {
        entry = { name, origin: layer.origin, config: parsed.config };
      }
      if (entry.problem) {
        logger.warn(`MCP server "${name}" from ${layer.origin} skipped: ${entry.problem}`);
      }
      result.set(name, entry);
    }
  }
  return [...result.values()];
}
