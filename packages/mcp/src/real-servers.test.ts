import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMcpClientManager, type McpClientManager } from './mcp-client-manager.js';
import {
  defaultEnvKeys,
  nodeServer,
  processAlive,
  processesMentioning,
  recordingLogger,
  serverEntries,
  startEverythingHttp,
} from './test-servers.js';

// One manager over four real servers, shared by the tests in this file:
// server-everything over stdio and over streamable HTTP (so every tool
// clashes), server-memory and server-filesystem.
let dir: string;
let allowed: string;
let http: Awaited<ReturnType<typeof startEverythingHttp>>;
let manager: McpClientManager;
const logger = recordingLogger();
const toolEvents: string[][] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-real-'));
  allowed = join(dir, 'allowed');
  await mkdir(allowed);
  await writeFile(join(allowed, 'hello.txt'), 'hello from disk');
  await writeFile(join(dir, 'secret.txt'), 'outside the allowed directory');
  http = await startEverythingHttp();
  manager = createMcpClientManager({
    servers: {
      everything: nodeServer(serverEntries.everything, ['stdio'], { GATEWAY_TEST_VAR: 'visible' }),
      everythingHttp: { type: 'http', url: http.url },
      memory: nodeServer(serverEntries.memory, [], { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') }),
      filesystem: nodeServer(serverEntries.filesystem, [allowed]),
    },
    startupTimeoutMs: 60_000,
    logger,
    onToolsChange: (tools) => toolEvents.push(tools.map((t) => t.name)),
  });
  await manager.startup();
}, 90_000);

afterAll(async () => {
  await manager?.shutdown();
  await http?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('with real MCP servers', () => {
  it('connects every server and reports them ready, in config order', () => {
    const status = manager.status();
    expect(status.map((s) => [s.name, s.state])).toEqual([
      ['everything', 'ready'],
      ['everythingHttp', 'ready'],
      ['memory', 'ready'],
      ['filesystem', 'ready'],
    ]);
    expect(status[0]?.tools).toContain('echo');
    expect(typeof status[0]?.pid).toBe('number');
    expect(toolEvents.length).toBeGreaterThan(0);
  });

  it('lists Anthropic tool definitions with valid names', async () => {
    const tools = await manager.listTools();
    const echo = tools.find((t) => t.name === 'echo');
    expect(echo).toMatchObject({
      description: 'Echoes back the input string',
      input_schema: { type: 'object', properties: { message: { type: 'string' } } },
    });
    for (const tool of tools) expect(tool.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(new Set(tools.map((t) => t.name)).size).toBe(tools.length);
  });

  it('keeps bare names for the first server and renames the later clash, warned once', () => {
    const status = manager.status();
    const httpStatus = status.find((s) => s.name === 'everythingHttp');
    expect(httpStatus?.tools).toContain('everythingHttp__echo');
    expect(httpStatus?.tools).not.toContain('echo');
    expect(httpStatus?.renamed).toContainEqual({ from: 'echo', to: 'everythingHttp__echo' });
    expect(status.find((s) => s.name === 'everything')?.renamed).toEqual([]);
    const echoWarnings = logger.warnings.filter((w) =>
      w.includes('"echo" of server "everythingHttp"'),
    );
    expect(echoWarnings).toHaveLength(1);
  });

  it('calls echo over stdio and the renamed echo over HTTP', async () => {
    expect(await manager.callTool('echo', { message: 'hi' })).toEqual({
      result: { text: 'Echo: hi' },
      source: 'mcp:everything',
    });
    expect(await manager.callTool('everythingHttp__echo', { message: 'over http' })).toEqual({
      result: { text: 'Echo: over http' },
      source: 'mcp:everythingHttp',
    });
  });

  it('maps get-sum text, structured content and images', async () => {
    expect((await manager.callTool('get-sum', { a: 2, b: 3 })).result).toEqual({
      text: 'The sum of 2 and 3 is 5.',
    });
    expect(await manager.callTool('get-structured-content', { location: 'Chicago' })).toEqual({
      result: { temperature: 36, conditions: 'Light rain / drizzle', humidity: 82 },
      source: 'mcp:everything',
    });
    const image = await manager.callTool('get-tiny-image', {});
    expect(image.error).toBeUndefined();
    expect(image.content).toContainEqual({
      type: 'image',
      source: { type: 'base64', media_type: 'image/png', data: expect.any(String) },
    });
  });

  it('gives a stdio server only the default environment plus its own env', async () => {
    const outcome = await manager.callTool('get-env', {});
    const env = outcome.result as Record<string, string>;
    expect(env.GATEWAY_TEST_VAR).toBe('visible');
    expect(env.PATH).toBe(process.env.PATH);
    // Node may add a few of its own; nothing of the parent's beyond the default set leaks.
    const leaked = Object.keys(env).filter(
      (k) => !defaultEnvKeys.has(k) && k !== 'GATEWAY_TEST_VAR' && process.env[k] === env[k],
    );
    expect(leaked).toEqual([]);
  });

  it('lets progress notifications reset the call timeout', async () => {
    // 30 steps 0.1 s apart: 3 s in all, beyond the 2 s timeout that each
    // step resets (with 20 times the gap between steps to spare).
    const outcome = await manager.callTool(
      'trigger-long-running-operation',
      { duration: 3, steps: 30 },
      { timeoutMs: 2000 },
    );
    expect(outcome.error).toBeUndefined();
    expect(outcome.result).toEqual({
      text: expect.stringContaining('Long running operation completed'),
    });
  });

  it('times out a call that makes no progress in time (tool_timeout)', async () => {
    // One step of 3 s: no progress before the 500 ms timeout.
    const outcome = await manager.callTool(
      'trigger-long-running-operation',
      { duration: 3, steps: 1 },
      { timeoutMs: 500 },
    );
    expect(outcome).toEqual({
      error: { code: 'tool_timeout', message: expect.stringContaining('timed out') },
      source: 'mcp:everything',
    });
  });

  it('cancels a long-running call when the signal aborts', async () => {
    const controller = new AbortController();
    const pending = manager.callTool(
      'trigger-long-running-operation',
      { duration: 30, steps: 30 },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 200);
    expect(await pending).toEqual({
      error: { code: 'cancelled', message: expect.any(String) },
      source: 'mcp:everything',
    });
    // The server is still usable afterwards.
    expect((await manager.callTool('echo', { message: 'after' })).result).toEqual({
      text: 'Echo: after',
    });
  });

  it('maps an access-denied filesystem call to mcp_error', async () => {
    const inside = await manager.callTool('read_text_file', { path: join(allowed, 'hello.txt') });
    expect(inside.error).toBeUndefined();
    expect(JSON.stringify(inside.result)).toContain('hello from disk');
    const outside = await manager.callTool('read_text_file', { path: join(dir, 'secret.txt') });
    expect(outside).toEqual({
      error: { code: 'mcp_error', message: expect.stringMatching(/denied|outside/i) },
      source: 'mcp:filesystem',
    });
  });

  it('keeps server-memory state across calls', async () => {
    const created = await manager.callTool('create_entities', {
      entities: [
        { name: 'gateway', entityType: 'project', observations: ['written in TypeScript'] },
      ],
    });
    expect(created.error).toBeUndefined();
    const graph = await manager.callTool('read_graph', {});
    expect(JSON.stringify(graph.result)).toContain('written in TypeScript');
  });

  it('answers unknown_tool for a name no server offers', async () => {
    expect(await manager.callTool('no-such-tool', {})).toEqual({
      error: { code: 'unknown_tool', message: expect.stringContaining('no-such-tool') },
    });
  });

  it('labels each exposed name with the source its outcomes carry', () => {
    expect(manager.sourceLabel('echo')).toBe('mcp:everything');
    expect(manager.sourceLabel('everythingHttp__echo')).toBe('mcp:everythingHttp');
    expect(manager.sourceLabel('read_graph')).toBe('mcp:memory');
    expect(manager.sourceLabel('no-such-tool')).toBeUndefined();
  });
});

describe('prefixTools with real servers', () => {
  it('exposes every tool as <server>__<tool> and routes calls', async () => {
    const prefixed = createMcpClientManager({
      servers: {
        web: { type: 'http', url: http.url },
        mem: nodeServer(serverEntries.memory, [], { MEMORY_FILE_PATH: join(dir, 'memory2.jsonl') }),
      },
      prefixTools: true,
      startupTimeoutMs: 60_000,
      logger: recordingLogger(),
    });
    try {
      const names = (await prefixed.listTools()).map((t) => t.name);
      expect(names).toContain('web__echo');
      expect(names).toContain('mem__read_graph');
      expect(names.every((n) => n.startsWith('web__') || n.startsWith('mem__'))).toBe(true);
      expect(prefixed.status().every((s) => s.renamed.length === 0)).toBe(true);
      expect(await prefixed.callTool('web__echo', { message: 'p' })).toEqual({
        result: { text: 'Echo: p' },
        source: 'mcp:web',
      });
    } finally {
      const pid = prefixed.status().find((s) => s.name === 'mem')?.pid;
      await prefixed.shutdown();
      expect(pid !== undefined && processAlive(pid)).toBe(false);
    }
  });
});

// Each test here starts and shuts down managers of its own, so none depends
// on another having run (or on the order they run in).
describe('shutdown with real servers', () => {
  it('leaves no server process behind', async () => {
    const own = join(dir, 'own-allowed');
    await mkdir(own, { recursive: true });
    const stdio = createMcpClientManager({
      servers: {
        everything: nodeServer(serverEntries.everything, ['stdio']),
        memory: nodeServer(serverEntries.memory, [], { MEMORY_FILE_PATH: join(dir, 'own.jsonl') }),
        filesystem: nodeServer(serverEntries.filesystem, [own]),
      },
      startupTimeoutMs: 60_000,
      logger: recordingLogger(),
    });
    await stdio.startup();
    const pids = stdio.status().flatMap((s) => (s.pid === undefined ? [] : [s.pid]));
    expect(pids).toHaveLength(3);
    await stdio.shutdown();
    for (const pid of pids) expect(processAlive(pid)).toBe(false);
    expect(processesMentioning(own)).toEqual([]);
  }, 60_000);

  it('ends every HTTP session it opened (DELETE with the session id)', async () => {
    // The server logs each session's start and end; only this manager's count.
    const ids = (pattern: RegExp) => [...http.stdout().matchAll(pattern)].map((m) => m[1]);
    const openedBefore = new Set(ids(/Session initialized with ID: (\S+)/g));
    const web = createMcpClientManager({
      servers: { web: { type: 'http', url: http.url } },
      startupTimeoutMs: 60_000,
      logger: recordingLogger(),
    });
    await web.startup();
    expect((await web.callTool('echo', { message: 'x' })).result).toEqual({ text: 'Echo: x' });
    await web.shutdown();
    const opened = ids(/Session initialized with ID: (\S+)/g).filter((id) => !openedBefore.has(id));
    expect(opened).toHaveLength(1);
    const ended = () => ids(/session termination request for session (\S+)/g);
    // The log line may trail the response a little: wait for it, not for a time.
    for (let i = 0; i < 200 && !ended().includes(opened[0]); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(ended()).toContain(opened[0]);
  }, 60_000);
});
