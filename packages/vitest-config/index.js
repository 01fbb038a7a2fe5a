// Shared vitest project settings. Every package's vitest.config.ts calls
// `defineProject(packageConfig(import.meta.url))`.
//
// The `source` export condition makes workspace packages resolve to their
// `src/` so tests never need a build step in between.
import { fileURLToPath } from 'node:url';
import { basename, dirname } from 'node:path';

/** @param {string} configUrl `import.meta.url` of the package's vitest config */
export function packageConfig(configUrl, overrides = {}) {
  const root = dirname(fileURLToPath(configUrl));
  return {
    // Vite replaces its default conditions when given a list, so repeat them.
    resolve: { conditions: ['source', 'module', 'node', 'development|production'] },
    ssr: {
      resolve: {
        conditions: ['source', 'module', 'node', 'development|production'],
        externalConditions: ['source'],
      },
    },
    ...overrides,
    test: {
      name: basename(root),
      root,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      environment: 'node',
      testTimeout: 30_000,
      hookTimeout: 30_000,
      typecheck: { enabled: false },
      ...(overrides.test ?? {}),
    },
  };
}
