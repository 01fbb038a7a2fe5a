import { defineConfig } from 'vitest/config';

// One vitest run over the whole workspace; each package is a project with its
// own config (see @claude-gateway/vitest-config). Two cores: keep it modest.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts'],
    maxWorkers: 2,
  },
});
