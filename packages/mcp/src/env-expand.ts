/** Variables that `${VAR}` refers to. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/** What {@link expandEnv} produced: the string, and any variable it could not resolve. */
export interface ExpandResult {
  value: string;
  missing: string[];
}

const pattern = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Expands `${VAR}` and `${VAR:-default}` in `input`, as Claude Code does in
 * MCP config files. A variable that is unset (or empty, for the `:-` form)
 * takes its default; one with neither is replaced by `''` and listed in
 * `missing` so the caller can refuse the server.
 */
export function expandEnv(input: string, env: EnvSource): ExpandResult {
  const missing: string[] = [];
  const value = input.replace(pattern, (_match, name: string, fallback: string | undefined) => {
    const found = env[name];
    if (found !== undefined && (fallback === undefined || found !== '')) return found;
    if (fallback !== undefined) return fallback;
    missing.push(name);
    return '';
  });
  return { value, missing };
}
