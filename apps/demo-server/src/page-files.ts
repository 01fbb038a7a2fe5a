import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

/** Content types of the files the page build writes (and a few more). */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves the built page from `pageDir` as a web-standard handler: `GET` and
 * `HEAD` only, `index.html` at `/`, the right content type, and nothing
 * outside the folder (`..`, encoded or not, and absolute paths resolve to
 * `undefined`). Answers `undefined` for anything it does not serve, so the
 * app's next handler runs.
 */
export function servePage(pageDir: string): (request: Request) => Promise<Response | undefined> {
  const root = resolve(pageDir);
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
    let path: string;
    try {
      path = decodeURIComponent(new URL(request.url).pathname);
    } catch {
      return undefined; // malformed escapes: not a file of ours
    }
    if (path.includes('\0')) return undefined;
    if (path.endsWith('/')) path += 'index.html';
    const file = resolve(root, `.${path}`);
    if (!file.startsWith(root + sep)) return undefined;
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    const headers = {
      'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': String(info.size),
      // The page is rebuilt by `pnpm demo`: always revalidate.
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    };
    if (request.method === 'HEAD') return new Response(null, { headers });
    return new Response(await readFile(file), { headers });
  };
}
