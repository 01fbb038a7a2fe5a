import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // Runs in browsers too: nothing Node-specific in the output.
  target: 'es2022',
  platform: 'neutral',
});
