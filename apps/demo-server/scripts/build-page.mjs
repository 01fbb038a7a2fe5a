// Builds the demo chat page into dist/page (index.html, app.js, app.css) with
// esbuild: Preact, markdown-it and @claude-gateway/client bundled in, nothing
// loaded from a CDN. Run: node scripts/build-page.mjs [--dev]
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(appDir, 'src', 'page');

/**
 * Bundles the page.
 * @param {{ outdir?: string, minify?: boolean }} [options]
 * @returns {Promise<string>} the output directory
 */
export async function buildPage(options = {}) {
  const outdir = options.outdir ?? join(appDir, 'dist', 'page');
  const minify = options.minify ?? true;
  await mkdir(outdir, { recursive: true });
  const result = await build({
    entryPoints: [
      { in: join(srcDir, 'main.tsx'), out: 'app' },
      { in: join(srcDir, 'app.css'), out: 'app' },
    ],
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    // Workspace packages resolve to their sources, so the page builds without
    // building @claude-gateway/client first.
    conditions: ['@claude-gateway/source'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify,
    sourcemap: 'linked',
    legalComments: 'linked',
    logLevel: 'warning',
    write: false,
  });
  const files = [
    ...result.outputFiles.map((file) => ({ path: file.path, contents: file.contents })),
    { path: join(outdir, 'index.html'), contents: await readFile(join(srcDir, 'index.html')) },
  ];
  // Each file is replaced atomically: a server (or a second build running at
  // the same time, as parallel tests do) never sees a half-written file.
  await Promise.all(
    files.map(async ({ path, contents }) => {
      const temporary = `${path}.${process.pid}.tmp`;
      await writeFile(temporary, contents);
      await rename(temporary, path);
    }),
  );
  return outdir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outdir = await buildPage({ minify: !process.argv.includes('--dev') });
  console.log(`page built in ${outdir}`);
}
