// Test helper (not exported): a TCP proxy that cuts every connection after a
// random number of server-to-client bytes, to drop SSE streams at arbitrary
// points — inside the HTTP headers, inside a chunk, inside a UTF-8 sequence.
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/** Options of {@link startCuttingProxy}. */
export interface CuttingProxyOptions {
  /** Where to forward to (127.0.0.1). */
  targetPort: number;
  /** A seeded PRNG in [0, 1), so a failure can be replayed. */
  random: () => number;
  /** Each connection is cut after 1..maxBytes bytes sent to the client. */
  maxBytes: number;
  /** Start with cutting on. @default true */
  cutting?: boolean;
}

/** A running proxy. */
export interface CuttingProxy {
  readonly port: number;
  /** Connections cut so far. */
  readonly cuts: number;
  /**
   * Client connections open now that have carried a request. (undici opens
   * a spare connection now and then; an unused one is not counted.)
   */
  readonly openConnections: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Turns cutting on or off for new connections. */
  cutting: boolean;
  /** Resolves once no client connection that carried a request is open. */
  whenIdle(): Promise<void>;
  close(): Promise<void>;
}

export { seededRandom } from '@claude-gateway/testing';

/** Starts a cutting proxy on 127.0.0.1, port 0. */
export async function startCuttingProxy(options: CuttingProxyOptions): Promise<CuttingProxy> {
  const sockets = new Set<Socket>();
  const clientSockets = new Set<Socket>();
  const idleWaiters: (() => void)[] = [];
  let cuts = 0;
  let connections = 0;
  let cutting = options.cutting ?? true;

  const server = createServer((client) => {
    connections += 1;
    sockets.add(client);
    const upstream = connect(options.targetPort, '127.0.0.1');
    sockets.add(upstream);
    // Without these, Nagle's algorithm and delayed ACKs stall each small write ~40 ms.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    let budget = cutting ? 1 + Math.floor(options.random() * options.maxBytes) : Infinity;
    const abrupt = options.random() < 0.5;

    client.on('data', (data: Buffer) => {
      clientSockets.add(client);
      upstream.write(data);
    });
    upstream.on('data', (data: Buffer) => {
      if (budget === 0) return;
      if (data.length < budget) {
        budget -= data.length;
        client.write(data);
        return;
      }
      const head = data.subarray(0, budget);
      budget = 0;
      cuts += 1;
      upstream.destroy();
      // Half the cuts are a clean FIN (the body just ends), half a reset.
      if (abrupt) client.write(head, () => client.resetAndDestroy());
      else client.end(head);
    });
    upstream.on('end', () => client.end());
    client.on('end', () => upstream.end());
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('close', () => {
      sockets.delete(upstream);
      if (budget !== 0) client.destroy();
    });
    client.on('close', () => {
      sockets.delete(client);
      clientSockets.delete(client);
      upstream.destroy();
      if (clientSockets.size === 0) for (const wake of idleWaiters.splice(0)) wake();
    });
  });

  const openClients = (): number => clientSockets.size;

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    port,
    get cuts() {
      return cuts;
    },
    get openConnections() {
      return openClients();
    },
    get connections() {
      return connections;
    },
    get cutting() {
      return cutting;
    },
    set cutting(value: boolean) {
      cutting = value;
    },
    whenIdle: () =>
      openClients() === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve)),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
