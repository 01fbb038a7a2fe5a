// The official MCP conformance suite's client scenarios, run against the
// manager through scripts/conformance.mjs (the program under test is
// src/conformance-client.ts). A representative subset here; CI runs all of
// them with `pnpm --filter @claude-gateway/mcp test:conformance`.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../scripts/conformance.mjs', import.meta.url));
const SCENARIOS = [
  'initialize',
  'tools_call',
  'elicitation-sep1034-client-defaults',
  'auth/metadata-default',
  'auth/scope-step-up',
  'auth/client-credentials-basic',
];

describe('MCP conformance suite (client scenarios)', () => {
  it('passes the representative scenarios', async () => {
    const output = await new Promise<string>((resolve) => {
      execFile(
        process.execPath,
        [script, ...SCENARIOS.flatMap((name) => ['--scenario', name]), '--verbose'],
        { env: { ...process.env, CONFORMANCE_JOBS: '2' }, maxBuffer: 64 * 1024 * 1024 },
        (_error, stdout, stderr) => resolve(`${stdout}\n${stderr}`),
      );
    });
    expect(output).toContain(`conformance: ${SCENARIOS.length}/${SCENARIOS.length} passed`);
  }, 240_000);
});
