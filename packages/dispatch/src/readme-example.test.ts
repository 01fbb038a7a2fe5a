import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayEvent, LogEntry, MemoryEventLog } from '@claude-gateway/core';
import { startMockAnthropic, type MockAnthropic } from '@claude-gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const EXAMPLE = new URL('../examples/readme.ts', import.meta.url);
const README = new URL('../README.md', import.meta.url);

// Field names exactly as ARCHITECTURE.md's event table gives them.
const REQUEST_FIELDS = ['type', 'tool_use_id', 'name', 'input', 'nonce', 'expires_at'];
const DECISION_FIELDS = ['type', 'tool_use_id', 'approved', 'reason', 'approver'];

let mock: MockAnthropic;
let dir: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  mock = await startMockAnthropic(); // the default script is the demo model
  dir = await mkdtemp(join(tmpdir(), 'dispatch-readme-'));
  process.env.ANTHROPIC_API_KEY = 'test-key';
  process.env.ANTHROPIC_BASE_URL = mock.url;
});

afterAll(async () => {
  process.env = savedEnv;
  await mock.close();
  await rm(dir, { recursive: true, force: true });
});

/** Reads `log` until an entry matches, and returns every entry so far. */
async function readUntil(
  log: MemoryEventLog,
  stop: (event: GatewayEvent) => boolean,
): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  for await (const entry of log.read()) {
    entries.push(entry);
    if (stop(entry.event)) break;
  }
  return entries;
}

describe('README example', () => {
  it('is the code of examples/readme.ts, verbatim', async () => {
    const readme = await readFile(README, 'utf8');
    const example = await readFile(EXAMPLE, 'utf8');
    const block = /<!-- examples\/readme\.ts -->\s*```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBe(example);
  });

  it('runs: the model calls the gated tool, a person approves it, the file is deleted', async () => {
    const { startRun, decide } = await import('../examples/readme.js');
    const path = join(dir, 'notes.txt');
    await writeFile(path, 'old notes');

    // The demo model calls a tool the message names, with a quoted phrase as its input.
    const { log, done } = startRun('session-1', `Please use delete_file on "${path}"`);
    const before = await readUntil(log, (e) => e.type === 'tool_approval_request');
    const request = before.at(-1)?.event;
    if (request?.type !== 'tool_approval_request') throw new Error('no approval request');
    expect(Object.keys(request).sort()).toEqual([...REQUEST_FIELDS].sort());
    expect(request).toMatchObject({ name: 'delete_file', input: { path } });
    expect(request.expires_at).toBeGreaterThan(Date.now());
    const toolUse = before.at(-2)?.event;
    expect(toolUse).toMatchObject({
      type: 'tool_use',
      id: request.tool_use_id,
      name: 'delete_file',
    });
    await expect(readFile(path, 'utf8')).resolves.toBe('old notes'); // still waiting

    const body = { tool_use_id: request.tool_use_id, nonce: request.nonce, approved: true };
    expect(await decide('session-2', log.id, body)).toBe('not_found');
    expect(await decide('session-1', 'another-run', body)).toBe('not_found');
    expect(
      await decide('session-1', log.id, { ...body, nonce: `${request.nonce.slice(1)}A` }),
    ).toBe('nonce_mismatch');
    expect(await decide('session-1', log.id, body)).toBe('ok');
    expect(await decide('session-1', log.id, { ...body, approved: false })).toBe('already_decided');

    const result = await done;
    expect(result.error).toBeUndefined();
    await expect(readFile(path)).rejects.toMatchObject({ code: 'ENOENT' });

    const events = (await readUntil(log, () => false)).map((entry) => entry.event);
    const at = (type: GatewayEvent['type']) => events.findIndex((e) => e.type === type);
    expect(at('tool_use')).toBeLessThan(at('tool_approval_request'));
    expect(at('tool_approval_request')).toBeLessThan(at('tool_approval_decision'));
    expect(at('tool_approval_decision')).toBeLessThan(at('tool_result'));
    expect(events.at(-1)?.type).toBe('stream_complete');
    const decision = events[at('tool_approval_decision')];
    expect(decision).toEqual({
      type: 'tool_approval_decision',
      tool_use_id: request.tool_use_id,
      approved: true,
      reason: 'approved',
    });
    expect(DECISION_FIELDS).toEqual(expect.arrayContaining(Object.keys(decision ?? {})));
    expect(events[at('tool_result')]).toMatchObject({
      tool_use_id: request.tool_use_id,
      name: 'delete_file',
      result: { deleted: path },
      source: 'local',
    });
  });
});
