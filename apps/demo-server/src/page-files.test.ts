import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { servePage } from './page-files.js';

let root: string;
let serve: (request: Request) => Promise<Response | undefined>;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'demo-page-test-'));
  await mkdir(join(root, 'page', 'assets'), { recursive: true });
  await writeFile(join(root, 'page', 'index.html'), '<!doctype html><title>x</title>');
  await writeFile(join(root, 'page', 'app.js'), 'console.log(1)');
  await writeFile(join(root, 'page', 'app.css'), 'body{}');
  await writeFile(join(root, 'page', 'assets', 'blob.bin'), 'x');
  await writeFile(join(root, 'secret.txt'), 'secret');
  serve = servePage(join(root, 'page'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const get = (path: string, method = 'GET') =>
  serve(new Request(`http://localhost${path}`, { method }));

test('index.html at /, and each file with its content type', async () => {
  const index = await get('/');
  expect(index?.status).toBe(200);
  expect(index?.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(await index?.text()).toContain('<title>x</title>');
  expect((await get('/app.js'))?.headers.get('content-type')).toBe(
    'text/javascript; charset=utf-8',
  );
  expect((await get('/app.css'))?.headers.get('content-type')).toBe('text/css; charset=utf-8');
  expect((await get('/assets/blob.bin'))?.headers.get('content-type')).toBe(
    'application/octet-stream',
  );
  const head = await get('/app.js', 'HEAD');
  expect(head?.headers.get('content-length')).toBe('14');
  expect(await head?.text()).toBe('');
});

test('nothing outside the folder, however the path is spelled', async () => {
  // secret.txt exists one level up: only the containment check keeps it out.
  for (const path of [
    '/..%2fsecret.txt',
    '/%2e%2e/secret.txt',
    '/%2e%2e%2fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/%2fetc%2fpasswd',
    '/app.js%00.html',
    '/%E0%A4%A',
  ]) {
    expect(await get(path), path).toBeUndefined();
  }
});

test('only GET and HEAD of existing files; folders and missing files fall through', async () => {
  expect(await get('/app.js', 'POST')).toBeUndefined();
  expect(await get('/assets')).toBeUndefined();
  expect(await get('/missing.js')).toBeUndefined();
});
