// Test-only helpers (not exported from the package): entry files of the real
// MCP servers installed as dev dependencies and of our fault fixtures, and a
// streamable-HTTP `server-everything` on a free port.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@claude-gateway/core';
import { afterEach } from 'vitest';
import {
  createMcpClientManager,
  type McpClientManager,
  type McpClientManagerOptions,
  type McpServerStatus,
} from './mcp-client-manager.js';
import type { McpStdioServerConfig } from './server-config.js';

const require = createRequire(import.meta.url);

function entry(pkg: string): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), 'dist', 'index.js');
}

/** Absolute paths of the servers tests run. */
export const serverEntries = {
  everything: entry('@modelcontextprotocol/server-everything'),
  filesystem: entry('@modelcontextprotocol/server-filesystem'),
  memory: entry('@modelcontextprotocol/server-memory'),
  /** Our fault server; its tools and flags are listed at the top of the file. */
  fault: fileURLToPath(new URL('../test/fixtures/fault-server.mjs', import.meta.url)),
  neverInitialize: fileURLToPath(new URL('../test/fixtures/never-initialize.mjs', import.meta.url)),
};

/** A stdio config running `file` with this Node. */
export function nodeServer(
  file: string,
  args: string[] = [],
  env?: Record<string, string>,
): McpStdioServerConfig {
  return { command: process.execPath, args: [file, ...args], ...(env && { env }) };
}

/** True while a process with this pid exists and is not a zombie waiting to be reaped. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** A logger that records what it is given. */
export function recordingLogger(): Logger & {
  warnings: string[];
  errors: string[];
  data: (object | undefined)[];
} {
  const warnings: string[] = [];
  const errors: string[] = [];
  const data: (object | undefined)[] = [];
  return {
    warnings,
    errors,
    data,
    warn: (message, extra) => {
      warnings.push(message);
      data.push(extra);
    },
    error: (message, extra) => {
      errors.push(message);
      data.push(extra);
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** `server-everything` in streamable HTTP mode, on a free port. */
export async function startEverythingHttp(fixedPort?: number): Promise<{
  url: string;
  port: number;
  child: ChildProcess;
  /** What the server printed to stdout so far (it logs sessions opened and terminated). */
  stdout(): string;
  stop(): Promise<void>;
}> {
  for (let attempt = 0; ; attempt++) {
    const port = fixedPort ?? (await freePort());
    const child = spawn(process.execPath, [serverEntries.everything, 'streamableHttp'], {
      env: { PATH: process.env.PATH ?? '', PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const stop = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    };
    const up = await new Promise<boolean>((resolve) => {
      let err = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        err += chunk.toString();
        if (err.includes('listening on port')) resolve(true);
        if (err.includes('already in use')) resolve(false);
      });
      child.once('exit', () => resolve(false));
    });
    if (up) return { url: `http://127.0.0.1:${port}/mcp`, port, child, stdout: () => out, stop };
    await stop();
    if (attempt >= 3) throw new Error('could not start server-everything over HTTP');
  }
}

/** Pids of live processes whose command line mentions `needle`. */
export function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmdline.includes(needle)) pids.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** Resolves with the first value a subscription delivers that satisfies `predicate`. */
export function waitFor<T>(
  subscribe: (listener: (value: T) => void) => () => void,
  predicate: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error('condition not met in time'));
    }, timeoutMs);
    const unsubscribe = subscribe((value) => {
      if (!predicate(value)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    });
  });
}

/** The variables a stdio server gets by default, plus what a shell adds on its own. */
export const defaultEnvKeys: ReadonlySet<string> = new Set([
  'HOME',
  'LOGNAME',
  'PATH',
  'SHELL',
  'TERM',
  'USER',
  'PWD',
  'SHLVL',
  '_',
  'OLDPWD',
]);

/**
 * Returns a `createMcpClientManager` whose managers (with a recording logger
 * unless given one) are all shut down after each test, passed or failed, so
 * no test leaves processes behind.
 */
export function managersShutDownAfterEach(): (
  options: McpClientManagerOptions,
) => McpClientManager {
  const live: McpClientManager[] = [];
  afterEach(async () => {
    await Promise.all(live.splice(0).map((m) => m.shutdown()));
  });
  return (options) => {
    const manager = createMcpClientManager({ logger: recordingLogger(), ...options });
    live.push(manager);
    return manager;
  };
}

/** Resolves with the status once `predicate` holds for it (checked now, then on every change). */
export function statusReaches(
  manager: McpClientManager,
  predicate: (status: McpServerStatus[]) => boolean,
  timeoutMs?: number,
): Promise<McpServerStatus[]> {
  const now = manager.status();
  if (predicate(now)) return Promise.resolve(now);
  return waitFor((fn) => manager.on('status', fn), predicate, timeoutMs);
}
