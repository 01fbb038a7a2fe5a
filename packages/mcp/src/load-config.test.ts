import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayError } from '@claude-gateway/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMcpConfig } from './load-config.js';
import { recordingLogger } from './test-servers.js';

let dir: string;
const write = async (name: string, data: unknown) => {
  const path = join(dir, name);
  await writeFile(path, typeof data === 'string' ? data : JSON.stringify(data));
  return path;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadMcpConfig', () => {
  it('reads the top level and the project entry for cwd of a ~/.claude.json, with ${VAR} expansion', async () => {
    const project = join(dir, 'project');
    const configPath = await write('claude.json', {
      numStartups: 3,
      mcpServers: {
        user: {
          command: '${TOOLS}/bin/server',
          args: ['--token', '${TOKEN:-none}'],
          env: { KEY: '${KEY}' },
        },
        shared: { type: 'http', url: 'https://user.example/mcp' },
      },
      projects: {
        [project]: {
          mcpServers: {
            shared: {
              type: 'http',
              url: '${BASE:-https://fallback.example}/mcp',
              headers: { Authorization: 'Bearer ${TOKEN}' },
            },
          },
        },
        '/some/other/project': { mcpServers: { other: { command: 'x' } } },
      },
    });
    const servers = await loadMcpConfig({
      configPath,
      cwd: project,
      env: { TOOLS: '/opt/tools', KEY: 'k1', TOKEN: 't0k' },
    });
    expect(servers.map((s) => s.name)).toEqual(['user', 'shared']);
    expect(servers[0]).toEqual({
      name: 'user',
      origin: configPath,
      config: { command: '/opt/tools/bin/server', args: ['--token', 't0k'], env: { KEY: 'k1' } },
      secrets: ['k1', '/opt/tools', 't0k'],
    });
    // The project entry overrides the user's entry of the same name.
    expect(servers[1]?.config).toEqual({
      type: 'http',
      url: 'https://fallback.example/mcp',
      headers: { Authorization: 'Bearer t0k' },
    });
  });

  it('finds the project entry through a symlinked cwd, a trailing slash in the key or in cwd', async () => {
    const real = join(dir, 'real-project');
    const link = join(dir, 'linked-project');
    await mkdir(real, { recursive: true });
    await symlink(real, link);
    const configPath = await write('claude-projects.json', {
      // Claude Code keys projects by the real path; this one also ends in a slash.
      projects: { [`${real}/`]: { mcpServers: { local: { command: 'local-server' } } } },
    });
    for (const cwd of [real, `${real}/`, link, `${link}/`]) {
      const servers = await loadMcpConfig({ configPath, cwd, env: {} });
      expect(servers.map((s) => s.name)).toEqual(['local']);
    }
  });

  it('merges .mcp.json and inline servers, filters by allowedServers, infers http from url', async () => {
    const mcpJsonPath = await write('.mcp.json', {
      mcpServers: {
        a: { command: 'a-server' },
        b: { url: 'http://localhost:1/mcp' },
        c: { command: 'c' },
      },
    });
    const servers = await loadMcpConfig({
      mcpJsonPath,
      servers: { a: { command: 'inline-a', args: ['${NOT_EXPANDED}'] }, d: { command: 'd' } },
      allowedServers: ['a', 'b', 'd'],
      env: {},
    });
    expect(servers.map((s) => [s.name, s.origin])).toEqual([
      ['a', 'inline'],
      ['b', mcpJsonPath],
      ['d', 'inline'],
    ]);
    expect(servers[0]?.config).toEqual({ command: 'inline-a', args: ['${NOT_EXPANDED}'] });
    expect(servers[1]?.config).toEqual({ type: 'http', url: 'http://localhost:1/mcp' });
  });

  it('rejects malformed JSON with invalid_config naming the file', async () => {
    const path = await write('broken.json', '{ "mcpServers": { "a": ');
    const error: unknown = await loadMcpConfig({ mcpJsonPath: path }).catch((e: unknown) => e);
    expect(GatewayError.isInstance(error)).toBe(true);
    expect((error as GatewayError).code).toBe('invalid_config');
    expect((error as GatewayError).message).toContain(path);
    expect((error as GatewayError).message).toContain('malformed JSON');
  });

  it('rejects a malformed entry with invalid_config naming the file and the server', async () => {
    const path = await write('bad-entry.json', { mcpServers: { a: { command: 42 } } });
    await expect(loadMcpConfig({ mcpJsonPath: path })).rejects.toMatchObject({
      code: 'invalid_config',
      message: expect.stringContaining(`${path}: mcpServers.a: command`),
    });
    const path2 = await write('bad-top.json', { mcpServers: [] });
    await expect(loadMcpConfig({ mcpJsonPath: path2 })).rejects.toMatchObject({
      code: 'invalid_config',
    });
  });

  it('reports and skips an unknown server type and a server with an unset variable', async () => {
    const logger = recordingLogger();
    const path = await write('mixed.json', {
      mcpServers: {
        old: { type: 'sse', url: 'http://localhost/sse' },
        secret: { command: 'x', env: { TOKEN: '${UNSET_TOKEN}' } },
        fine: { command: 'y' },
      },
    });
    const servers = await loadMcpConfig({ mcpJsonPath: path, env: {}, logger });
    expect(servers.find((s) => s.name === 'fine')?.config).toEqual({ command: 'y' });
    expect(servers.find((s) => s.name === 'old')).toMatchObject({
      problem: 'unsupported server type "sse"',
    });
    expect(servers.find((s) => s.name === 'secret')?.problem).toContain('UNSET_TOKEN');
    expect(logger.warnings).toHaveLength(2);
    expect(logger.warnings[0]).toContain(path);
  });

  it('never echoes an expanded value in the invalid-URL error', async () => {
    const path = await write('bad-url.json', {
      mcpServers: { web: { type: 'http', url: '${HOST}/mcp?token=${TOKEN}' } },
    });
    const error: unknown = await loadMcpConfig({
      mcpJsonPath: path,
      env: { HOST: 'not a host', TOKEN: 'tok-very-secret' },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'invalid_config',
      message: `${path}: mcpServers.web: url: "\${HOST}/mcp?token=\${TOKEN}" is not a valid URL after expansion`,
    });
    expect((error as Error).message).not.toContain('tok-very-secret');
  });

  it('treats a missing file as no servers, with a warning', async () => {
    const logger = recordingLogger();
    const path = join(dir, 'does-not-exist.json');
    expect(await loadMcpConfig({ configPath: path, logger })).toEqual([]);
    expect(logger.warnings[0]).toContain(path);
  });
});
