import { spawn, type ChildProcess } from 'node:child_process';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { parseMessage } from './fast-parse.js';
import { LineReader, responseIdOf } from './line-reader.js';

/** Default of `maxMessageBytes`: the largest message read from a server (the SDK's own cap). */
export const DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/** Options of {@link ProcessGroupTransport}. */
export interface ProcessGroupTransportOptions {
  command: string;
  args?: readonly string[];
  /** Added to the default set (HOME, LOGNAME, PATH, SHELL, TERM, USER). */
  env?: Record<string, string>;
  cwd?: string;
  /** Start from the whole `process.env` instead of the default set. @default false */
  inheritEnv?: boolean;
  /** How long each shutdown step waits before the next, harsher one. @default 2000 */
  killGraceMs?: number;
  /** How many bytes of the latest stderr to keep. @default 16384 */
  stderrLimit?: number;
  /**
   * The largest message (one line of stdout) read from the server. A longer
   * one is dropped as it streams in; when it was the answer to a request,
   * that request fails with an error saying so (a tool call becomes
   * `mcp_error`), and the server stays connected.
   * @default 10_485_760 (10 MiB)
   */
  maxMessageBytes?: number;
}

const POLL_MS = 25;

// Not unref'd: a script that awaits close() and then ends must not exit
// halfway, leaving the group alive.
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    // EPERM means something lives there that we may not signal: still alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

async function waitGroupGone(pgid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (groupAlive(pgid)) {
    if (Date.now() >= until) return false;
    await delay(POLL_MS);
  }
  return true;
}

/**
 * An MCP stdio client transport whose server runs in its own process group
 * (spawned `detached`), so that closing it — or the server dying — takes
 * every process the server started with it: grandchildren launched through
 * `npx` or a shell included. The SDK's `StdioClientTransport` cannot do this
 * (it spawns without `detached`).
 *
 * Close sequence: stdin is closed, then after `killGraceMs` the group gets
 * SIGTERM, then after another `killGraceMs` SIGKILL.
 */
export class ProcessGroupTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private child: ChildProcess | undefined;
  private readonly lines: LineReader;
  private stderrChunks: string[] = [];
  private stderrBytes = 0;
  private exited: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private closedNotified = false;
  /** Exit code or signal of the server, once it has exited. */
  exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(private readonly options: ProcessGroupTransportOptions) {
    this.lines = new LineReader(options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
  }

  /**
   * The server's pid, which is also its process group id; `undefined` once
   * closed, so that a later signal can never reach another group that
   * reuses the id.
   */
  get pid(): number | undefined {
    return this.closedNotified ? undefined : this.child?.pid;
  }

  /** The latest stderr output of the server (bounded). */
  stderrTail(): string {
    return this.stderrChunks.join('');
  }

  start(): Promise<void> {
    if (this.child) return Promise.reject(new Error('ProcessGroupTransport already started'));
    const { command, args = [], env, cwd, inheritEnv = false } = this.options;
    const base = inheritEnv ? { ...process.env } : getDefaultEnvironment();
    return new Promise<void>((resolve, reject) => {
      const child = spawn(command, [...args], {
        env: { ...base, ...env },
        cwd,
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
        shell: false,
        windowsHide: true,
      });
      this.child = child;
      this.exited = new Promise<void>((done) => {
        child.once('exit', (code, signal) => {
          this.exitInfo = { code, signal };
          done();
        });
        child.once('error', () => done());
      });
      child.once('error', (error) => {
        reject(error);
        this.onerror?.(error);
        this.notifyClosed();
      });
      child.once('spawn', () => resolve());
      // 'exit', not 'close': a grandchild holding the pipes open would delay
      // 'close' forever. The rest of the group is killed on the way out.
      child.once('exit', () => {
        void this.close();
      });
      child.stdin?.on('error', (error) => this.onerror?.(error));
      child.stdout?.on('error', (error) => {
        this.onerror?.(error);
        void this.close();
      });
      // A server that closes its stdout can never answer again, even if it
      // keeps running: the connection is over.
      child.stdout?.once('end', () => {
        void this.close();
      });
      child.stderr?.on('error', () => undefined);
      child.stdout?.on('data', (chunk: Buffer) => this.read(chunk));
      child.stderr?.on('data', (chunk: Buffer) => this.recordStderr(chunk.toString('utf8')));
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || this.closing || !stdin.writable)
      return Promise.reject(new Error('Not connected'));
    // Settled by the write's own callback (flushed, or failed): waiting for
    // 'drain' instead would leave a listener per blocked write, and none
    // would ever fire if the pipe broke.
    return new Promise<void>((resolve, reject) => {
      stdin.write(serializeMessage(message), (error) => {
        if (error) reject(error);
        else resolve();
      });
    });
  }

  /** Ends the server and its whole process group; bounded by about 2 × `killGraceMs`. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const child = this.child;
    const grace = this.options.killGraceMs ?? 2000;
    const pid = child?.pid;
    if (child && pid !== undefined) {
      try {
        child.stdin?.end();
      } catch {
        // The pipe may already be broken.
      }
      const exited = this.exited ?? Promise.resolve();
      await Promise.race([exited, delay(grace)]);
      // Even if the leader left on its own, its group may live on.
      if (groupAlive(pid)) {
        signalGroup(pid, 'SIGTERM');
        if (!(await waitGroupGone(pid, grace))) {
          signalGroup(pid, 'SIGKILL');
          await waitGroupGone(pid, grace);
        }
      }
      await Promise.race([exited, delay(grace)]);
      child.stdout?.destroy();
      child.stderr?.destroy();
      child.stdin?.destroy();
    }
    this.lines.clear();
    this.notifyClosed();
  }

  private read(chunk: Buffer): void {
    for (const event of this.lines.push(chunk)) {
      if (this.closedNotified) return;
      if ('oversized' in event) {
        this.dropOversized(event.oversized);
        continue;
      }
      let message: JSONRPCMessage;
      try {
        // JSON allows the \r of a CRLF line end as trailing whitespace.
        message = parseMessage(event.line.toString('utf8'));
      } catch (error) {
        // Log lines on stdout and the like: reported, skipped.
        this.onerror?.(error as Error);
        continue;
      }
      this.onmessage?.(message);
    }
  }

  /**
   * A message over `maxMessageBytes` was dropped. When it answered one of
   * our requests, that request gets an error answer in its place, so only
   * that call fails and the connection stays up.
   */
  private dropOversized(dropped: { bytes: number; head: string; tail: string }): void {
    const limit = this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const message = `the MCP server sent a message of ${dropped.bytes} bytes, over the ${limit}-byte limit (maxMessageBytes); it was dropped`;
    const id = responseIdOf(dropped.head, dropped.tail);
    this.onerror?.(new Error(message));
    if (id === undefined) return;
    this.onmessage?.({
      jsonrpc: '2.0',
      id,
      error: { code: ErrorCode.InternalError, message },
    });
  }

  private notifyClosed(): void {
    if (this.closedNotified) return;
    this.closedNotified = true;
    this.onclose?.();
  }

  private recordStderr(text: string): void {
    const limit = this.options.stderrLimit ?? 16_384;
    this.stderrChunks.push(text);
    this.stderrBytes += text.length;
    while (this.stderrBytes > limit && this.stderrChunks.length > 1) {
      this.stderrBytes -= this.stderrChunks.shift()?.length ?? 0;
    }
    if (this.stderrBytes > limit) {
      const only = this.stderrChunks[0] ?? '';
      this.stderrChunks = [only.slice(only.length - limit)];
      this.stderrBytes = limit;
    }
  }
}
