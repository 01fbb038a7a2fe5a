import { lstat, open, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GatewayError } from '@claude-gateway/core';

/** A plain file name: no folder, no leading dot, nothing a shell or a path would read twice. */
export const SANDBOX_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Largest file `write_file` writes, and most of one file `/demo/files` shows, in bytes. */
export const MAX_SANDBOX_FILE_BYTES = 64 * 1024;

/** Most files the sandbox holds (a new file beyond it is refused) and `/demo/files` lists. */
export const MAX_SANDBOX_FILES = 100;

/** One file of the sandbox, as `/demo/files` shows it. */
export interface SandboxFile {
  name: string;
  size: number;
  /** The file's text (at most {@link MAX_SANDBOX_FILE_BYTES} of it). */
  content: string;
}

/** The folder the gated demo tool writes into. */
export interface Sandbox {
  readonly dir: string;
  /** Writes `content` to `name` in the folder. @throws GatewayError `invalid_input` for a bad name or size, `tool_error` when the folder is full */
  write(name: string, content: string): Promise<{ path: string; bytes: number }>;
  /** Regular files of the folder, by name. */
  list(): Promise<SandboxFile[]>;
}

/** A sandbox over `dir`, which must exist. */
export function createSandbox(dir: string): Sandbox {
  async function fileNames(): Promise<string[]> {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort();
  }

  return {
    dir,
    async write(name, content) {
      if (!SANDBOX_FILE_NAME.test(name) || name.includes('..')) {
        throw new GatewayError(
          'invalid_input',
          `"${name}" is not a plain file name (letters, digits, ".", "_", "-"; no folders)`,
        );
      }
      const bytes = Buffer.byteLength(content, 'utf8');
      if (bytes > MAX_SANDBOX_FILE_BYTES) {
        throw new GatewayError(
          'invalid_input',
          `content is ${bytes} bytes; the sandbox takes at most ${MAX_SANDBOX_FILE_BYTES}`,
        );
      }
      const names = await fileNames();
      if (!names.includes(name) && names.length >= MAX_SANDBOX_FILES) {
        throw new GatewayError(
          'tool_error',
          `the sandbox already holds ${MAX_SANDBOX_FILES} files; overwrite one of them instead`,
        );
      }
      const path = join(dir, name);
      // Never follow a link someone placed in the folder to a file outside it.
      const existing = await lstat(path).catch(() => undefined);
      if (existing && !existing.isFile()) {
        throw new GatewayError('invalid_input', `"${name}" exists and is not a regular file`);
      }
      await writeFile(path, content, 'utf8');
      return { path, bytes };
    },
    async list() {
      const names = (await fileNames()).slice(0, MAX_SANDBOX_FILES);
      const files = await Promise.all(
        names.map(async (name): Promise<SandboxFile | undefined> => {
          try {
            // Only the head of a big file someone else put there is read.
            const file = await open(join(dir, name), 'r');
            try {
              const { size } = await file.stat();
              const head = Buffer.alloc(Math.min(size, MAX_SANDBOX_FILE_BYTES));
              const { bytesRead } = await file.read(head, 0, head.length, 0);
              return { name, size, content: head.subarray(0, bytesRead).toString('utf8') };
            } finally {
              await file.close();
            }
          } catch {
            return undefined; // removed meanwhile
          }
        }),
      );
      return files.filter((f) => f !== undefined);
    },
  };
}
