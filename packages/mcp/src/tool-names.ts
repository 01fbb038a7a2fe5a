import { createHash } from 'node:crypto';

/** The Messages API's rule for tool names. */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

const MAX_LENGTH = 64;
const HASH_LENGTH = 8;

function shortHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, HASH_LENGTH);
}

/**
 * Makes `name` match {@link TOOL_NAME_PATTERN}: other characters become `_`;
 * a name over 64 characters is cut and given a short hash of the original,
 * so two long names that share a prefix stay distinct.
 */
export function sanitizeToolName(name: string): string {
  const clean = name.replace(/[^a-zA-Z0-9_-]/g, '_') || '_';
  if (clean.length <= MAX_LENGTH) return clean;
  return `${clean.slice(0, MAX_LENGTH - HASH_LENGTH - 1)}_${shortHash(name)}`;
}

/** A tool name a server lost to an earlier server (or had to change), and what it became. */
export interface ToolRename {
  from: string;
  to: string;
}

/** The tools of one server, as the server names them. */
export interface ServerToolNames {
  server: string;
  tools: readonly string[];
}

/** How one server's tools are exposed. */
export interface ServerNaming {
  /** Server tool name → exposed name. */
  exposed: Map<string, string>;
  renamed: ToolRename[];
  /** Tools left out because their name is a builtin. */
  skipped: string[];
}

/** The outcome of {@link assignToolNames}. */
export interface NameAssignment {
  /** Exposed name → where it goes. */
  routes: Map<string, { server: string; tool: string }>;
  servers: Map<string, ServerNaming>;
}

/**
 * Names every tool of every server (in config order) per the settled rules:
 * with `prefixTools` every tool is `<server>__<tool>`; otherwise the first
 * server keeps the bare name and a later clashing tool becomes
 * `<server>__<tool>`. Names in `builtinToolNames` are skipped. Deterministic
 * in its input.
 */
export function assignToolNames(
  servers: readonly ServerToolNames[],
  options: { prefixTools: boolean; builtinToolNames: ReadonlySet<string> },
): NameAssignment {
  const routes = new Map<string, { server: string; tool: string }>();
  const result = new Map<string, ServerNaming>();
  for (const { server, tools } of servers) {
    const naming: ServerNaming = { exposed: new Map(), renamed: [], skipped: [] };
    result.set(server, naming);
    for (const tool of tools) {
      if (naming.exposed.has(tool)) continue;
      const prefixed = sanitizeToolName(`${server}__${tool}`);
      const preferred = options.prefixTools ? prefixed : sanitizeToolName(tool);
      if (options.builtinToolNames.has(preferred) || options.builtinToolNames.has(tool)) {
        naming.skipped.push(tool);
        continue;
      }
      let name = preferred;
      if (routes.has(name)) name = prefixed;
      for (let n = 2; routes.has(name) || options.builtinToolNames.has(name); n++) {
        name = sanitizeToolName(`${server}__${tool}_${n}`);
      }
      routes.set(name, { server, tool });
      naming.exposed.set(tool, name);
      if (name !== tool && !(options.prefixTools && name === prefixed)) {
        naming.renamed.push({ from: tool, to: name });
      }
    }
  }
  return { routes, servers: result };
}
