// Starts the scripted API and the measured server as child processes.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const EXEC_ARGV = ['--expose-gc', '--conditions=@claude-gateway/source', '--import', 'tsx'];

export interface Child {
  url: string;
  stop(): Promise<void>;
}

function start(file: string, args: string[], extraExecArgv: string[] = []): Promise<Child> {
  const child: ChildProcess = fork(fileURLToPath(new URL(file, import.meta.url)), args, {
    execArgv: [...EXEC_ARGV, ...extraExecArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
    child.once('message', (message) => {
      const url = (message as { url: string }).url;
      resolve({
        url,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.disconnect();
          }),
      });
    });
  });
}

/** The scripted Messages API (`scripted-api.ts`). */
export function startScriptedApi(): Promise<Child> {
  // --no-warnings: the scripted API's drain wait (packages/testing write-turn.ts) adds an
  // abort listener per backpressure wait; reported, not the bench's to fix.
  return start('./scripted-api.ts', [], ['--no-warnings']);
}

/** The server under measurement; `BENCH_CPU_PROF=dir` writes its CPU profile there. */
export function startServer(mockUrl: string): Promise<Child> {
  const dir = process.env.BENCH_CPU_PROF;
  return start(
    './server-process.ts',
    [mockUrl],
    dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [],
  );
}
