// CPU pinning for the MCP scenario (Linux `taskset`): each MCP server on one
// core, this process on the other, so that every contender's round trips
// cross cores the same way. Unpinned, the scheduler places each server
// process on its own terms and two identical managers differ by 20% in
// client CPU per call; pinned, they agree within a few percent.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

export interface Pinning {
  /** Whether processes are pinned (`taskset` present and 2+ CPUs). */
  readonly active: boolean;
  /** `command` and `args` that run `command args` on the servers' core. */
  wrap(command: string, args: string[]): { command: string; args: string[] };
  /** Pins this process (all its threads) to the other core; returns the undo. */
  pinSelf(): () => void;
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pinning when the machine allows it, else a no-op. */
export function cpuPinning(): Pinning {
  const active = cpus().length >= 2 && process.platform === 'linux' && hasTaskset();
  if (!active) {
    return { active, wrap: (command, args) => ({ command, args }), pinSelf: () => () => {} };
  }
  const pid = String(process.pid);
  return {
    active,
    wrap: (command, args) => ({ command: 'taskset', args: ['-c', '1', command, ...args] }),
    pinSelf() {
      // "pid 123's current affinity list: 0,1"
      const before = execFileSync('taskset', ['-cp', pid], { encoding: 'utf8' })
        .split(':')
        .pop()
        ?.trim();
      execFileSync('taskset', ['-a', '-cp', '0', pid], { stdio: 'ignore' });
      return () => {
        if (before) execFileSync('taskset', ['-a', '-cp', before, pid], { stdio: 'ignore' });
      };
    },
  };
}
