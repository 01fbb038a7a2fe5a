import { DEFAULT_BASE_PATH, normalizeBasePath } from './routes.js';

/** The base path a mount routes on: the option, else the handler's own, else `/api`. */
export function mountBasePath(handler: { basePath?: unknown }, option: string | undefined): string {
  if (option !== undefined) return normalizeBasePath(option);
  if (typeof handler.basePath === 'string') return handler.basePath;
  return DEFAULT_BASE_PATH;
}

/** True when `pathname` is `basePath` or below it. */
export function underBasePath(pathname: string, basePath: string): boolean {
  return basePath === '' || pathname === basePath || pathname.startsWith(`${basePath}/`);
}
