// Test-only (not exported from the package): start a demo as a child process
// in its own process group, read what it prints, and list the processes it
// started (from /proc), so a test can prove none is left after shutdown.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

/** A process seen in /proc; `start` (clock ticks since boot) tells a reused pid apart. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  start: string;
  cmd: string;
}

function readProcess(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return undefined; // exited, waiting to be reaped
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    return { pid, ppid: Number(fields[1]), start: fields[19] ?? '', cmd };
  } catch {
    return undefined;
  }
}

function allProcesses(): ProcessInfo[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProcess(Number(name)))
    .filter((p) => p !== undefined);
}

/** `root` and every process below it (MCP servers in their own process groups too). */
export function processTree(root: number): ProcessInfo[] {
  const processes = allProcesses();
  const inTree = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of processes) {
      if (inTree.has(p.ppid) && !inTree.has(p.pid)) {
        inTree.add(p.pid);
        grew = true;
      }
    }
  }
  return processes.filter((p) => inTree.has(p.pid));
}

/** Those of `processes` still running (same pid and start time). */
export function stillRunning(processes: ProcessInfo[]): ProcessInfo[] {
  return processes.filter((p) => readProcess(p.pid)?.start === p.start);
}

/**
 * Waits until none of `processes` runs, or `deadlineMs` passes (a bound for a
 * failing test, not a timing assertion); resolves with those left.
 */
export async function waitUntilGone(
  processes: ProcessInfo[],
  deadlineMs: number,
): Promise<ProcessInfo[]> {
  const until = Date.now() + deadlineMs;
  let left = stillRunning(processes);
  while (left.length > 0 && Date.now() < until) {
    await delay(100);
    left = stillRunning(processes);
  }
  return left;
}

/** A child process in its own process group, with its output collected. */
export interface DemoProcess {
  child: ChildProcess;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Last resort for a failing test: SIGKILL to the group and to `processes`. */
  kill(processes?: ProcessInfo[]): void;
}

/** Spawns `command` detached (its own process group) with `env` added to this one's. */
export function startProcess(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string | undefined> },
): DemoProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const wake of waiters) wake();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let done = false;
  void exited.then(() => {
    done = true;
    for (const wake of waiters) wake();
  });
  return {
    child,
    output: () => text,
    exited,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(text);
          if (match) {
            waiters.delete(check);
            resolve(match);
          } else if (done) {
            waiters.delete(check);
            reject(new Error(`the process exited before printing ${String(pattern)}:\n${text}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
    kill(processes = []) {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      for (const p of stillRunning(processes)) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}
