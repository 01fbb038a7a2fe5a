// Test-only (not exported from the package): the API-level walk through the
// demo that both apps' tests run: info, a gated write approved over HTTP, the
// file on disk and in /demo/files, and an MCP tool call.
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import type { ToolApprovalRequestEvent } from '@claude-gateway/core';
import { expect } from 'vitest';
import {
  createSession,
  eventsOf,
  followRun,
  getJson,
  postJson,
  startRun,
} from './api-test-helpers.js';
import type { Demo, DemoInfo } from './demo.js';
import type { SandboxFile } from './sandbox.js';

/** Runs the scenario against a demo app listening on `url`. */
export async function runDemoScenario(url: string, demo: Demo): Promise<void> {
  // MCP starts in the background; wait for it deterministically.
  await demo.mcpReady;

  const info = await getJson<DemoInfo>(`${url}/demo/info`);
  expect(info.offline).toBe(true);
  const everything = info.mcp.find((s) => s.name === 'everything');
  expect(everything?.state).toBe('ready');
  expect(everything?.tools).toContain('echo');
  expect(info.tools).toContainEqual(
    expect.objectContaining({ name: 'write_file', source: 'local', gated: true }),
  );
  expect(info.tools).toContainEqual(
    expect.objectContaining({ name: 'echo', source: 'mcp:everything', gated: false }),
  );
  const writePrompt = info.prompts.find((p) => p.text.includes('write_file'));
  const echoPrompt = info.prompts.find((p) => /\becho\b/.test(p.text));
  expect(writePrompt).toBeDefined();
  expect(echoPrompt).toBeDefined();

  const session = await createSession(url);
  expect(session.token).toEqual(expect.any(String));

  // The gated tool: wait for the approval request in the stream, approve it over HTTP.
  const writeRun = await startRun(url, session, writePrompt!.text);
  const decisions: unknown[] = [];
  const writeEntries = await followRun(url, session, writeRun, async ({ event }) => {
    if (event.type !== 'tool_approval_request') return;
    const request: ToolApprovalRequestEvent = event;
    expect(request.name).toBe('write_file');
    decisions.push(
      await postJson(
        `${url}/api/runs/${writeRun}/approvals`,
        { tool_use_id: request.tool_use_id, nonce: request.nonce, approved: true },
        session.token,
      ),
    );
  });
  expect(decisions).toEqual([{ status: 'ok' }]);
  expect(eventsOf(writeEntries, 'tool_approval_decision')).toEqual([
    expect.objectContaining({ approved: true, reason: 'approved' }),
  ]);
  const [written] = eventsOf(writeEntries, 'tool_result');
  expect(written).toMatchObject({ name: 'write_file', source: 'local' });
  expect(written?.error).toBeUndefined();
  expect(written?.result).toMatchObject({ path: join(info.sandbox_dir, 'hello.txt') });
  expect(writeEntries.at(-1)?.event.type).toBe('stream_complete');

  // Really written, and shown by /demo/files.
  expect(await readFile(join(info.sandbox_dir, 'hello.txt'), 'utf8')).toBe(
    'Hello from the claude-gateway demo!',
  );
  const { files } = await getJson<{ files: SandboxFile[] }>(`${url}/demo/files`);
  expect(files).toContainEqual({
    name: 'hello.txt',
    size: 35,
    content: 'Hello from the claude-gateway demo!',
  });

  // The next message of the same conversation calls an MCP tool.
  const echoRun = await startRun(url, session, echoPrompt!.text);
  const echoEntries = await followRun(url, session, echoRun);
  const [echoed] = eventsOf(echoEntries, 'tool_result');
  expect(echoed).toMatchObject({ name: 'echo', source: 'mcp:everything' });
  expect(echoed?.error).toBeUndefined();
  expect(JSON.stringify(echoed?.result)).toContain('hello over MCP');
  expect(echoEntries.at(-1)?.event.type).toBe('stream_complete');

  const record = await getJson<{ state: string; message: string }>(`${url}/api/runs/${echoRun}`, {
    headers: { authorization: `Bearer ${session.token}` },
  });
  expect(record).toMatchObject({ state: 'completed', message: echoPrompt!.text });
  const sessionJson = await getJson<{ runs: { run_id: string }[] }>(
    `${url}/api/sessions/${session.session_id}`,
    { headers: { authorization: `Bearer ${session.token}` } },
  );
  expect(sessionJson.runs.map((r) => r.run_id)).toEqual([writeRun, echoRun]);
}

/** Sends `method path` to `url` addressed to another host name; resolves with status and body. */
function requestAs(
  url: string,
  host: string,
  method: string,
  path: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${url}${path}`, { method, headers: { host } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

/**
 * Checks that a demo app listening on `url` refuses a foreign `Host` (a DNS
 * rebinding page) on the page, `/demo/*` and the API alike, and answers its
 * own loopback name.
 */
export async function expectForeignHostRefused(url: string): Promise<void> {
  const port = new URL(url).port;
  for (const [method, path] of [
    ['GET', '/'],
    ['GET', '/demo/files'],
    ['POST', '/api/sessions'],
  ] as const) {
    const refused = await requestAs(url, `evil.example:${port}`, method, path);
    expect(refused.status, `${method} ${path}`).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'forbidden_origin' } });
  }
  const own = await requestAs(url, `localhost:${port}`, 'GET', '/demo/files');
  expect(own.status).toBe(200);
}
