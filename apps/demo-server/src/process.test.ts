// The demo as a person runs it: `pnpm demo` (page build, then the server) in
// its own process group, stopped with SIGTERM; and both apps' main.ts run by
// node directly, stopped by a signal to their own pid. Nothing may be left:
// not the server, not tsx's helpers, not the MCP server.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { createSession, followRun, startRun } from './api-test-helpers.js';
import {
  processTree,
  startProcess,
  waitUntilGone,
  type DemoProcess,
  type ProcessInfo,
} from './process-test-helpers.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
// Generous: a page build plus a tsx start on a loaded machine. Bounds, not assertions.
const START_TIMEOUT_MS = 120_000;
const GONE_DEADLINE_MS = 30_000;

const ENV = {
  PORT: '0',
  GATEWAY_JWT_SECRET: 'process-test-secret-that-is-long-enough',
  ANTHROPIC_API_KEY: '', // the offline demo model
  DEMO_DELAY_MS: '0',
  DEMO_MCP: '1',
  // Only server-everything: this machine's own MCP configs stay out of the test.
  DEMO_MCP_JSON: '',
  DEMO_CLAUDE_CONFIG: '',
};

let running: { demo: DemoProcess; processes: ProcessInfo[] }[] = [];
afterEach(() => {
  for (const { demo, processes } of running) demo.kill(processes);
  running = [];
});

/** Waits for the URL and MCP lines, records the process tree. */
async function started(
  demo: DemoProcess,
): Promise<{ url: string; processes: ProcessInfo[]; sandbox: string }> {
  const entry = { demo, processes: [] as ProcessInfo[] };
  running.push(entry);
  const [, url] = await demo.waitFor(/ on (http:\/\/\S+)/);
  const [, sandbox] = await demo.waitFor(/sandbox folder: (\S+)/);
  expect(existsSync(sandbox!)).toBe(true);
  const [, mcpPid] = await demo.waitFor(/MCP server everything: ready, \d+ tools \(pid (\d+)\)/);
  entry.processes = processTree(demo.child.pid!);
  // The MCP server runs in its own process group, below the demo's node process.
  expect(entry.processes.map((p) => p.pid)).toContain(Number(mcpPid));
  expect(entry.processes.find((p) => p.pid === Number(mcpPid))?.cmd).toContain('server-everything');
  return { url: url!, processes: entry.processes, sandbox: sandbox! };
}

describe('process lifecycle', () => {
  test(
    '`pnpm demo` serves the page and the API; SIGTERM ends its run and stream and leaves no process',
    async () => {
      const demo = startProcess('pnpm', ['demo'], { cwd: ROOT, env: ENV });
      const { url, processes, sandbox } = await started(demo);
      expect(demo.output()).toContain('model: offline demo model');

      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await page.text()).toMatch(/<script[^>]+src=/);

      // A run waiting for approval, followed over SSE, when the signal comes.
      const session = await createSession(url);
      const runId = await startRun(
        url,
        session,
        'Use write_file to save "a.txt" with "never approved"',
      );
      let signalled = false;
      const entries = await followRun(url, session, runId, ({ event }) => {
        if (event.type === 'tool_approval_request' && !signalled) {
          signalled = true;
          // Ctrl-C in a terminal signals the whole foreground group; pnpm does not
          // forward a signal sent to its own pid only (main.ts alone is tested below).
          process.kill(-demo.child.pid!, 'SIGTERM');
        }
      });
      expect(signalled).toBe(true);
      // The stream got the end of the run before the server went.
      expect(entries.at(-1)?.event).toMatchObject({
        type: 'error',
        code: 'cancelled',
        message: 'the server is shutting down',
      });

      await demo.exited;
      expect(await waitUntilGone(processes, GONE_DEADLINE_MS)).toEqual([]);
      expect(demo.output()).toContain('stopped');
      expect(existsSync(sandbox)).toBe(false);
      await expect(fetch(`${url}/demo/info`)).rejects.toThrow();
    },
    START_TIMEOUT_MS + GONE_DEADLINE_MS,
  );

  for (const { app, main, signal, closeOutput } of [
    { app: 'Hono', main: 'apps/demo-server/src/main.ts', signal: 'SIGTERM', closeOutput: false },
    { app: 'Express', main: 'apps/demo-express/src/main.ts', signal: 'SIGINT', closeOutput: false },
    // A closed terminal: its output pipe is gone (every print fails) and SIGHUP arrives.
    { app: 'Hono', main: 'apps/demo-server/src/main.ts', signal: 'SIGHUP', closeOutput: true },
  ] as const) {
    test(
      `${app} main.ts: ${signal} to its pid${closeOutput ? ' with its output closed' : ''} stops it with exit code 0, MCP server included`,
      async () => {
        const demo = startProcess(
          process.execPath,
          ['--conditions=@claude-gateway/source', '--import', 'tsx', main],
          { cwd: ROOT, env: ENV },
        );
        const { url, processes, sandbox } = await started(demo);
        expect(demo.output()).toContain(`claude-gateway demo (${app}) on ${url}`);
        const created = await fetch(`${url}/api/sessions`, { method: 'POST' });
        expect(created.status).toBe(201);
        expect(await created.json()).toMatchObject({ token: expect.any(String) });

        if (closeOutput) {
          demo.child.stdout?.destroy();
          demo.child.stderr?.destroy();
        }
        demo.child.kill(signal);
        expect(await demo.exited).toEqual({ code: 0, signal: null });
        if (!closeOutput) expect(demo.output()).toContain(`${signal}: shutting down`);
        expect(await waitUntilGone(processes, GONE_DEADLINE_MS)).toEqual([]);
        expect(existsSync(sandbox)).toBe(false); // the temporary sandbox is removed
      },
      START_TIMEOUT_MS + GONE_DEADLINE_MS,
    );
  }
});
