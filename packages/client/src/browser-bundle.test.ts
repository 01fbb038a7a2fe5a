import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('./index.ts', import.meta.url));
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

describe('browser bundle', () => {
  it('bundles for a browser without @anthropic-ai/sdk or any Node built-in, and stays small', async () => {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      metafile: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      logLevel: 'silent',
      // Resolve workspace packages to their sources, as an app bundler in this repo would.
      conditions: ['@claude-gateway/source'],
    });
    const inputs = Object.keys(result.metafile.inputs);
    const imports = Object.values(result.metafile.inputs).flatMap((input) =>
      input.imports.map((imported) => imported.path),
    );

    expect(inputs.some((path) => path.includes('@anthropic-ai/sdk'))).toBe(false);
    expect(inputs.some((path) => path.includes('packages/core/'))).toBe(false);
    expect(inputs.filter((path) => path.startsWith('node:') || builtins.has(path))).toEqual([]);
    expect(imports.filter((path) => path.startsWith('node:') || builtins.has(path))).toEqual([]);
    // The SSE parser is bundled in, not reimplemented.
    expect(inputs.some((path) => path.includes('eventsource-parser'))).toBe(true);

    const bytes = result.outputFiles[0]!.contents.byteLength;
    console.log(`@claude-gateway/client browser bundle: ${bytes} bytes minified`);
    expect(bytes).toBeLessThan(20_000);
  });
});
