import { connect, createServer, constants } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEventLog } from '@claude-gateway/core';
import { writeSSE } from './write-sse.js';
import { COMPLETE, delta, parseSSE } from './test-utils.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('writeSSE over HTTP/2', () => {
  it('streams without the connection header, which HTTP/2 forbids', async () => {
    const log = createEventLog();
    await log.append(delta(1));
    const done: Promise<void>[] = [];
    const server = createServer((req, res) => done.push(writeSSE(req, res, log)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const { port } = server.address() as AddressInfo;
    const session = connect(`http://127.0.0.1:${port}`);
    cleanups.push(() => session.close());

    const stream = session.request({ ':path': '/e', 'last-event-id': '0' });
    const headers = await new Promise<Record<string, unknown>>((resolve) =>
      stream.once('response', (h) => resolve(h)),
    );
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (text += chunk));
    const ended = new Promise<void>((resolve) => stream.once('end', resolve));
    await vi.waitFor(() => expect(text).toContain('id: 1\n'));
    await log.append(COMPLETE);
    await ended;

    expect(headers[constants.HTTP2_HEADER_STATUS]).toBe(200);
    expect(headers['content-type']).toBe('text/event-stream');
    expect(headers['x-accel-buffering']).toBe('no');
    expect(headers.connection).toBeUndefined();
    expect(parseSSE(text).map((m) => m.id)).toEqual([undefined, '1', '2']);
    await done[0];
    expect(log.waitingReaders).toBe(0);
  });
});
