import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import {
  createSandbox,
  MAX_SANDBOX_FILE_BYTES,
  MAX_SANDBOX_FILES,
  type Sandbox,
} from './sandbox.js';

let root: string;
let sandbox: Sandbox;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'demo-sandbox-test-'));
  await writeFile(join(root, 'outside.txt'), 'outside');
  const dir = await mkdtemp(join(root, 'box-'));
  sandbox = createSandbox(dir);
});
afterEach(() => rm(root, { recursive: true, force: true }));

test('writes a file and lists it with its size and content', async () => {
  expect(await sandbox.write('notes.txt', 'héllo')).toEqual({
    path: join(sandbox.dir, 'notes.txt'),
    bytes: 6,
  });
  expect(await readFile(join(sandbox.dir, 'notes.txt'), 'utf8')).toBe('héllo');
  expect(await sandbox.list()).toEqual([{ name: 'notes.txt', size: 6, content: 'héllo' }]);
});

test('only plain file names: no folders, no dot files, no ..', async () => {
  for (const name of ['../outside.txt', 'a/b.txt', '.hidden', '..', 'a..b', '', '/etc/passwd']) {
    await expect(sandbox.write(name, 'x'), name).rejects.toMatchObject({ code: 'invalid_input' });
  }
  expect(await readFile(join(root, 'outside.txt'), 'utf8')).toBe('outside');
  expect(await sandbox.list()).toEqual([]);
});

test('never writes through a link placed in the folder', async () => {
  await symlink(join(root, 'outside.txt'), join(sandbox.dir, 'link.txt'));
  await expect(sandbox.write('link.txt', 'changed')).rejects.toMatchObject({
    code: 'invalid_input',
  });
  expect(await readFile(join(root, 'outside.txt'), 'utf8')).toBe('outside');
  expect(await sandbox.list()).toEqual([]); // links are not listed either
});

test('size and file count are capped', async () => {
  await expect(
    sandbox.write('big.txt', 'x'.repeat(MAX_SANDBOX_FILE_BYTES + 1)),
  ).rejects.toMatchObject({ code: 'invalid_input' });
  for (let i = 0; i < MAX_SANDBOX_FILES; i++) await writeFile(join(sandbox.dir, `f${i}.txt`), '');
  await expect(sandbox.write('one-more.txt', 'x')).rejects.toMatchObject({ code: 'tool_error' });
  await expect(sandbox.write('f1.txt', 'overwrite')).resolves.toMatchObject({ bytes: 9 });
});

test('a big file someone else put there is listed with its size and only its head', async () => {
  await writeFile(join(sandbox.dir, 'huge.log'), 'y'.repeat(MAX_SANDBOX_FILE_BYTES * 2));
  const [file] = await sandbox.list();
  expect(file?.size).toBe(MAX_SANDBOX_FILE_BYTES * 2);
  expect(file?.content.length).toBe(MAX_SANDBOX_FILE_BYTES);
});
