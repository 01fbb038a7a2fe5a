import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { listen } from './listen.js';

const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
  );
});

describe('listen', () => {
  it('rejects with a clear message when the port is taken, and leaves no error listener', async () => {
    const first = createServer();
    servers.push(first);
    const port = await listen(first, 0, '127.0.0.1');
    const second = createServer();
    const listening = second.listenerCount('listening'); // http.Server has one of its own
    await expect(listen(second, port, '127.0.0.1')).rejects.toThrow(
      `127.0.0.1:${port} is already in use (set PORT to another port)`,
    );
    expect(second.listenerCount('error')).toBe(0);
    expect(second.listenerCount('listening')).toBe(listening);
  });

  it('resolves with the actual port and removes its error listener', async () => {
    const server = createServer();
    servers.push(server);
    const port = await listen(server, 0, '127.0.0.1');
    expect(port).toBeGreaterThan(0);
    expect(server.listenerCount('error')).toBe(0);
  });
});
