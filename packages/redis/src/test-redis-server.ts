// Shared by the tests of this package; not part of the public API.
// Every test file starts its own redis-server on a free port with a
// temporary directory: a system Redis is never touched.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CANDIDATES = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'];

function findRedisServer(): string | undefined {
  const found = CANDIDATES.find((path) => existsSync(path));
  if (found) return found;
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const path = which.stdout.trim();
  return which.status === 0 && path ? path : undefined;
}

/** The redis-server binary, or `undefined` (then tests skip, except under CI=true). */
export const REDIS_SERVER = findRedisServer();

/** True when the Redis tests of a file should be skipped; says why once. */
export function skipWithoutRedis(): boolean {
  if (REDIS_SERVER) return false;
  if (process.env.CI === 'true') {
    throw new Error('redis-server is required under CI=true (apt-get install redis-server)');
  }
  console.warn(
    'skipping Redis tests: redis-server is not installed (apt-get install redis-server)',
  );
  return true;
}

async function freePort(): Promise<number> {
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

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A redis-server owned by one test file. */
export interface TestRedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** SIGKILLs the server (data on disk stays, with `appendonly`). */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  stop(): Promise<void>;
}

/** Options of {@link startRedisServer}. */
export interface TestRedisServerOptions {
  /** Keep an AOF (fsync always) so a kill and restart loses nothing acknowledged. @default false */
  appendonly?: boolean;
}

/** Starts a private redis-server on a free port with a temporary directory. */
export async function startRedisServer(
  options: TestRedisServerOptions = {},
): Promise<TestRedisServer> {
  if (!REDIS_SERVER) throw new Error('redis-server is not installed');
  const binary = REDIS_SERVER;
  const dir = await mkdtemp(join(tmpdir(), 'cg-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--daemonize',
      'no',
      '--protected-mode',
      'yes',
      '--loglevel',
      'warning',
      ...(options.appendonly
        ? ['--appendonly', 'yes', '--appendfsync', 'always']
        : ['--appendonly', 'no']),
    ];
    const spawned = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = spawned;
    let stderr = '';
    spawned.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<never>((_, reject) =>
      spawned.once('exit', (code) =>
        reject(new Error(`redis-server exited early (${code}): ${stderr}`)),
      ),
    );
    exited.catch(() => undefined);
    // Wait until it accepts connections (or dies trying).
    for (let i = 0; i < 200; i++) {
      if (spawned.exitCode !== null) await exited;
      if (await canConnect(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('redis-server did not start');
  };

  const kill = async (): Promise<void> => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null) return;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    current.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    async stop() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
