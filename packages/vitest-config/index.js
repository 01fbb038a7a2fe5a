// Shared vitest project settings. Every package's vitest.config.ts calls
// `defineProject(packageConfig(import.meta.url))`.
//
// The `@claude-gateway/source` export condition makes workspace packages
// resolve to their `src/` so tests never need a build step in between. It is
// namespaced because a bare `source` condition is used by other packages on
// npm (eventsource-parser exports raw `.ts` under it), which Node cannot load.
import { fileURLToPath } from 'node:url';
import { basename, dirname } from 'node:path';

const SOURCE = '@claude-gateway/source';

/** @param {string} configUrl `import.meta.url` of the package's vitest config */
export function packageConfig(configUrl, overrides = {}) {
  const root = dirname(fileURLToPath(configUrl));
  return {
    // Vite replaces its default conditions when given a list, so repeat them.
    resolve: { conditions: [SOURCE, 'module', 'node', 'development|production'] },
    ssr: {
      resolve: {
        conditions: [SOURCE, 'module', 'node', 'development|production'],
        externalConditions: [SOURCE],
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
