import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Hosts a person reaches as `localhost` (they accept 127.0.0.1). */
const LOCALHOST_HOSTS = new Set(['127.0.0.1', 'localhost', '0.0.0.0', '::']);

/** The URL to print for a server listening on `host`:`port` (`localhost` for loopback and any-address). */
export function displayUrl(host: string, port: number): string {
  if (LOCALHOST_HOSTS.has(host)) return `http://localhost:${port}`;
  return host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}

/**
 * Starts listening; rejects on `EADDRINUSE` and the like with a message that
 * names the address. Resolves with the actual port. The error listener is
 * removed either way, so a later server error is not an unhandled rejection.
 */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      const reason =
        error.code === 'EADDRINUSE'
          ? `${host}:${port} is already in use (set PORT to another port)`
          : `cannot listen on ${host}:${port}: ${error.message}`;
      reject(new Error(reason, { cause: error }));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
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
