#!/usr/bin/env node
// Runs the whole workspace's tests in one vitest run (vitest `projects`) and
// ends with one plain line, `N passed, N failed[, N skipped]`, computed from
// vitest's JSON report — CI reads that line, not vitest's own summary.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const report = `${root}.vitest-results.json`;
rmSync(report, { force: true });

const vitest = spawnSync(
  'pnpm',
  [
    'exec',
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...process.argv.slice(2),
  ],
  { cwd: root, stdio: 'inherit' },
);

if (!existsSync(report)) {
  console.error('vitest wrote no JSON report; the run failed before any test finished');
  process.exit(vitest.status || 1);
}

const results = JSON.parse(readFileSync(report, 'utf8'));
const passed = results.numPassedTests ?? 0;
const failed = results.numFailedTests ?? 0;
const skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
// Suites that failed to load (syntax error, import error) hold no tests but
// are failures all the same.
const brokenSuites = (results.testResults ?? []).filter(
  (suite) => suite.status === 'failed' && (suite.assertionResults ?? []).length === 0,
).length;

const line = `${passed} passed, ${failed + brokenSuites} failed${skipped ? `, ${skipped} skipped` : ''}`;
console.log(`\n${line}`);
const ok = vitest.status === 0 && failed + brokenSuites === 0 && passed > 0;
process.exit(ok ? 0 : vitest.status || 1);
