import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DEFAULT_MODEL, loadConfig, redactRedisUrl, resolveConfig } from './config.js';

let dir: string;
let warnings: string[];
const logger = { warn: (m: string) => void warnings.push(m), error() {} };
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'demo-config-test-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

test('defaults: port 3000 on loopback, the default model, MCP on, a random JWT secret with a warning', () => {
  warnings = [];
  const config = loadConfig({ INIT_CWD: dir }, { logger, homeDir: dir });
  expect(config).toMatchObject({
    port: 3000,
    host: '127.0.0.1',
    model: DEFAULT_MODEL,
    demoDelayMs: 25,
    maxActiveRuns: 20,
    mcp: true,
    projectDir: dir,
  });
  expect(config.anthropicApiKey).toBeUndefined();
  expect(config.mcpJsonPath).toBeUndefined();
  expect(config.claudeConfigPath).toBeUndefined();
  expect(config.sandboxDir).toBeUndefined();
  expect(config.redisUrl).toBeUndefined();
  expect(config.redisPrefix).toBe('cg-demo:');
  expect(config.jwtSecret.length).toBeGreaterThanOrEqual(32);
  expect(warnings).toEqual([expect.stringContaining('GATEWAY_JWT_SECRET')]);
  expect(loadConfig({ INIT_CWD: dir }, { logger, homeDir: dir }).jwtSecret).not.toBe(
    config.jwtSecret,
  );
});

test('every variable is read', async () => {
  warnings = [];
  await writeFile(join(dir, '.mcp.json'), '{"mcpServers":{}}');
  await writeFile(join(dir, '.claude.json'), '{}');
  const config = loadConfig(
    {
      PORT: '0',
      HOST: '0.0.0.0',
      GATEWAY_JWT_SECRET: 'a-secret-that-is-long-enough-for-hs256!',
      ANTHROPIC_API_KEY: 'sk-test',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
      ANTHROPIC_MODEL: 'claude-haiku-4-5',
      DEMO_DELAY_MS: '0',
      ALLOWED_ORIGINS: 'https://a.example, https://b.example,',
      ALLOWED_HOSTS: 'demo.internal, , gw.lan',
      MAX_ACTIVE_RUNS: '3',
      DEMO_MCP: '0',
      DEMO_SANDBOX_DIR: join(dir, 'sandbox'),
      DEMO_APPROVAL_TIMEOUT_MS: '5000',
      REDIS_URL: 'redis://:pw@127.0.0.1:6390/2',
      REDIS_PREFIX: 'mine:',
      INIT_CWD: dir,
    },
    { logger, homeDir: dir },
  );
  expect(config).toMatchObject({
    port: 0,
    host: '0.0.0.0',
    jwtSecret: 'a-secret-that-is-long-enough-for-hs256!',
    anthropicApiKey: 'sk-test',
    anthropicBaseUrl: 'http://127.0.0.1:9',
    model: 'claude-haiku-4-5',
    demoDelayMs: 0,
    allowedOrigins: ['https://a.example', 'https://b.example'],
    allowedHosts: ['demo.internal', 'gw.lan'],
    maxActiveRuns: 3,
    mcp: false,
    mcpJsonPath: join(dir, '.mcp.json'),
    claudeConfigPath: join(dir, '.claude.json'),
    sandboxDir: join(dir, 'sandbox'),
    approvalTimeoutMs: 5000,
    redisUrl: 'redis://:pw@127.0.0.1:6390/2',
    redisPrefix: 'mine:',
  });
  expect(warnings).toEqual([]);
  // An empty variable turns a config file off.
  const none = loadConfig(
    {
      INIT_CWD: dir,
      DEMO_MCP_JSON: '',
      DEMO_CLAUDE_CONFIG: '',
      GATEWAY_JWT_SECRET: 'x'.repeat(32),
    },
    { logger, homeDir: dir },
  );
  expect(none.mcpJsonPath).toBeUndefined();
  expect(none.claudeConfigPath).toBeUndefined();
});

test('malformed values are refused with a message naming the variable', () => {
  const env = { GATEWAY_JWT_SECRET: 'x'.repeat(32) };
  expect(() => loadConfig({ ...env, PORT: 'eighty' }, { logger })).toThrow(/PORT/);
  expect(() => loadConfig({ ...env, PORT: '70000' }, { logger })).toThrow(/PORT/);
  expect(() => loadConfig({ ...env, MAX_ACTIVE_RUNS: '0' }, { logger })).toThrow(
    expect.objectContaining({ code: 'invalid_options' }),
  );
  expect(() => loadConfig({ ...env, DEMO_MCP: 'maybe' }, { logger })).toThrow(/DEMO_MCP/);
  expect(() => loadConfig({ ...env, REDIS_URL: 'localhost:6379' }, { logger })).toThrow(
    expect.objectContaining({
      code: 'invalid_options',
      message: expect.stringMatching(/REDIS_URL/),
    }),
  );
  // The message never shows a password.
  expect(() =>
    loadConfig({ ...env, REDIS_URL: 'http://:hunter2@example.com' }, { logger }),
  ).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  expect(
    loadConfig({ ...env, REDIS_URL: 'rediss://cache.example:6380' }, { logger }).redisUrl,
  ).toBe('rediss://cache.example:6380');
});

test('redactRedisUrl hides the password and anything that is not a URL', () => {
  expect(redactRedisUrl('redis://user:hunter2@cache.example:6379/0')).toBe(
    'redis://user:***@cache.example:6379/0',
  );
  expect(redactRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  expect(redactRedisUrl('not a url with hunter2')).toBe('***');
});

test('resolveConfig fills in defaults and ignores undefined fields', () => {
  const config = resolveConfig({ port: 0, model: undefined });
  expect(config).toMatchObject({ port: 0, model: DEFAULT_MODEL, mcp: true });
  expect(config.jwtSecret).toEqual(expect.any(String));
});
