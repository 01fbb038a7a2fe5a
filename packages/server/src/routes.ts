/** Default of `basePath`. */
export const DEFAULT_BASE_PATH = '/api';

/** The routes of the HTTP API, by name. */
export type RouteName =
  | 'createSession'
  | 'getSession'
  | 'deleteSession'
  | 'startRun'
  | 'getRun'
  | 'events'
  | 'cancel'
  | 'approvals'
  | 'elicitations'
  | 'chat';

/** A request's place in the route table. */
export type RouteMatch =
  | { kind: 'route'; name: RouteName; id: string }
  | { kind: 'wrong_method'; allow: string[] }
  | { kind: 'not_found' };

interface RouteDef {
  pattern: RegExp;
  methods: Partial<Record<string, RouteName>>;
}

const ID = '([^/]+)';

// Paths are matched after `basePath` is stripped; ids are one path segment.
const ROUTES: readonly RouteDef[] = [
  { pattern: /^\/sessions$/, methods: { POST: 'createSession' } },
  {
    pattern: new RegExp(`^/sessions/${ID}$`),
    methods: { GET: 'getSession', DELETE: 'deleteSession' },
  },
  { pattern: new RegExp(`^/sessions/${ID}/runs$`), methods: { POST: 'startRun' } },
  { pattern: new RegExp(`^/runs/${ID}$`), methods: { GET: 'getRun' } },
  { pattern: new RegExp(`^/runs/${ID}/events$`), methods: { GET: 'events' } },
  { pattern: new RegExp(`^/runs/${ID}/cancel$`), methods: { POST: 'cancel' } },
  { pattern: new RegExp(`^/runs/${ID}/approvals$`), methods: { POST: 'approvals' } },
  { pattern: new RegExp(`^/runs/${ID}/elicitations$`), methods: { POST: 'elicitations' } },
  { pattern: /^\/chat$/, methods: { POST: 'chat' } },
];

function decodeId(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** Finds the route of `method` + `path` (a path below `basePath`). */
export function matchRoute(method: string, path: string): RouteMatch {
  for (const route of ROUTES) {
    const found = route.pattern.exec(path);
    if (!found) continue;
    const id = found[1] === undefined ? '' : decodeId(found[1]);
    if (id === undefined) return { kind: 'not_found' };
    const name = route.methods[method];
    if (name) return { kind: 'route', name, id };
    return { kind: 'wrong_method', allow: Object.keys(route.methods) };
  }
  return { kind: 'not_found' };
}

/**
 * The path below `basePath`, or `undefined` when `pathname` is outside it.
 * A trailing slash is ignored (`/api/sessions/` is `/sessions`).
 */
export function stripBasePath(pathname: string, basePath: string): string | undefined {
  let rest: string;
  if (basePath === '') rest = pathname;
  else if (pathname === basePath) rest = '';
  else if (pathname.startsWith(`${basePath}/`)) rest = pathname.slice(basePath.length);
  else return undefined;
  if (rest.length > 1 && rest.endsWith('/')) rest = rest.slice(0, -1);
  return rest;
}

/** `basePath` in canonical form: `''` or `/x` (no trailing slash). */
export function normalizeBasePath(basePath: string): string {
  const trimmed = basePath.trim().replace(/\/+$/, '');
  if (trimmed === '') return '';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}
