/** Variables that `${VAR}` refers to. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/** What {@link expandEnv} produced: the string, and any variable it could not resolve. */
export interface ExpandResult {
  value: string;
  missing: string[];
  /**
   * The values it put in from variables (defaults excluded), so that
   * messages can be scrubbed of them: a `${TOKEN}` must never be echoed.
   */
  secrets: string[];
}

const pattern = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Expands `${VAR}` and `${VAR:-default}` in `input`, as Claude Code does in
 * MCP config files. A variable that is unset (or empty, for the `:-` form)
 * takes its default; one with neither is replaced by `''` and listed in
 * `missing` so the caller can refuse the server. Only `env`'s own
 * properties count (`${constructor}` is unset, not a function's source).
 */
export function expandEnv(input: string, env: EnvSource): ExpandResult {
  const missing: string[] = [];
  const secrets: string[] = [];
  const value = input.replace(pattern, (_match, name: string, fallback: string | undefined) => {
    // Own properties only: `${constructor}` must not reach Object.prototype.
    const own = Object.hasOwn(env, name) ? env[name] : undefined;
    const found = typeof own === 'string' ? own : undefined;
    if (found !== undefined && (fallback === undefined || found !== '')) {
      if (found !== '') secrets.push(found);
      return found;
    }
    if (fallback !== undefined) return fallback;
    missing.push(name);
    return '';
  });
  return { value, missing, secrets };
}

/** The shortest expanded value {@link redactor} hides: shorter ones would mangle every message. */
const MIN_SECRET_LENGTH = 4;

/**
 * @internal A function that replaces every occurrence of `secrets` in a text
 * by `***` (longest first, so one secret inside another is hidden whole).
 */
export function redactor(secrets: Iterable<string>): (text: string) => string {
  const list = [...new Set(secrets)]
    .filter((secret) => secret.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  if (list.length === 0) return (text) => text;
  return (text) => list.reduce((out, secret) => out.split(secret).join('***'), text);
}
