import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Hosts a person reaches as `localhost` (they accept 127.0.0.1). */
const LOCALHOST_HOSTS = new Set(['127.0.0.1', 'localhost', '0.0.0.0', '::']);

/** The URL to print for a server listening on `host`:`port` (`localhost` for loopback and any-address). */
export function displayUrl(host: string, port: number): string {
  if (LOCALHOST_HOSTS.has(host)) return `http://localhost:${port}`;
  return host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}

/** Starts listening; rejects on `EADDRINUSE` and the like. Resolves with the actual port. */
export async function listen(server: Server, port: number, host: string): Promise<number> {
  const failed = once(server, 'error');
  server.listen(port, host);
  await Promise.race([
    once(server, 'listening'),
    failed.then(([error]) => Promise.reject(error as Error)),
  ]);
  return (server.address() as AddressInfo).port;
}

/** Stops accepting connections now; `finish()` then drops the idle and open ones and resolves when closed. */
export function stopAccepting(server: Server): { finish(): Promise<void> } {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Idle keep-alive connections would otherwise hold the port until they time out.
  server.closeIdleConnections();
  return {
    finish() {
      server.closeAllConnections();
      return closed;
    },
  };
}
