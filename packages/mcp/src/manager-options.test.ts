import { describe, expect, it } from 'vitest';
import type { McpClientManagerOptions } from './manager-types.js';
import { managersShutDownAfterEach, nodeServer, serverEntries } from './test-servers.js';

const createManager = managersShutDownAfterEach();

describe('createMcpClientManager option checks', () => {
  // Each of these used to be taken: a start or every call then failed at once,
  // or the value was silently meaningless.
  const bad: [McpClientManagerOptions, RegExp][] = [
    [{ startupTimeoutMs: -1 }, /^startupTimeoutMs must be > 0/],
    [{ startupTimeoutMs: NaN }, /^startupTimeoutMs must be > 0/],
    [{ startupTimeoutMs: 0 }, /^startupTimeoutMs must be > 0/],
    [{ startupTimeoutMs: Infinity }, /^startupTimeoutMs must be > 0 and ≤ 2147483647/],
    [{ callTimeoutMs: 0 }, /^callTimeoutMs must be > 0/],
    [{ callTimeoutMs: -5 }, /^callTimeoutMs must be > 0/],
    [{ callTimeoutMs: NaN }, /^callTimeoutMs must be > 0/],
    [{ callTimeoutMs: '5000' as unknown as number }, /^callTimeoutMs must be > 0/],
    [{ timeoutOverrides: { everything: -1 } }, /^timeoutOverrides\.everything must be > 0/],
    [{ maxTotalTimeoutMs: 0 }, /^maxTotalTimeoutMs must be > 0/],
    [{ killGraceMs: -1 }, /^killGraceMs must be ≥ 0/],
    [{ killGraceMs: Infinity }, /^killGraceMs must be ≥ 0 and ≤ 2147483647/],
    [{ restart: { maxAttempts: -1 } }, /^restart\.maxAttempts must be a non-negative integer/],
    [{ restart: { maxAttempts: 1.5 } }, /^restart\.maxAttempts must be a non-negative integer/],
    [{ restart: { initialDelayMs: -1 } }, /^restart\.initialDelayMs must be ≥ 0/],
    [{ restart: { maxDelayMs: Infinity } }, /^restart\.maxDelayMs must be ≥ 0/],
    [{ restart: { resetAfterMs: NaN } }, /^restart\.resetAfterMs must be ≥ 0/],
    [{ maxAuthorizationAttempts: 0 }, /^maxAuthorizationAttempts must be a positive integer/],
  ];
  it.each(bad)('refuses %o', (options, message) => {
    expect(() => createManager(options)).toThrow(
      expect.objectContaining({
        name: 'GatewayError',
        code: 'invalid_options',
        message: expect.stringMatching(message),
      }),
    );
  });

  it('takes the documented edge values, and a call works with no time limit', async () => {
    for (const options of [
      { killGraceMs: 0 },
      { restart: { maxAttempts: 0, initialDelayMs: 0, resetAfterMs: 0 } },
      { restart: { maxAttempts: Infinity } },
      { startupTimeoutMs: 2 ** 31 - 1 },
    ]) {
      expect(() => createManager(options)).not.toThrow();
    }
    const manager = createManager({
      servers: { everything: nodeServer(serverEntries.everything) },
      startupTimeoutMs: 60_000,
      callTimeoutMs: Infinity,
      maxTotalTimeoutMs: Infinity,
      timeoutOverrides: { everything: Infinity },
    });
    expect((await manager.startup())[0]?.state).toBe('ready');
    expect(await manager.callTool('echo', { message: 'hi' })).toMatchObject({
      result: { text: 'Echo: hi' },
    });
  }, 60_000);
});
