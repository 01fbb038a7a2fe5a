// Helpers shared by this package's tests (not part of the public API).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { EventLog, GatewayEvent } from '@claude-gateway/core';
import { EventSource } from 'eventsource';

export interface TestServer {
  url: string;
  server: Server;
  sockets: Set<Socket>;
  /** Destroys every open connection (a network failure, as the client sees it). */
  killConnections(): void;
  close(): Promise<void>;
}

/** Serves `listener` or an already-built server on 127.0.0.1, port 0. */
export async function startServer(
  listenerOrServer: ((req: IncomingMessage, res: ServerResponse) => void) | Server,
): Promise<TestServer> {
  const server =
    typeof listenerOrServer === 'function' ? createServer(listenerOrServer) : listenerOrServer;
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    sockets,
    killConnections() {
      for (const socket of sockets) socket.destroy();
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export interface ParsedMessage {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
}

/** A minimal SSE parser for LF-only streams, enough to check what we write. */
export function parseSSE(text: string): ParsedMessage[] {
  const messages: ParsedMessage[] = [];
  for (const block of text.split('\n\n')) {
    if (block === '') continue;
    const message: ParsedMessage = {};
    for (const line of block.split('\n')) {
      const colon = line.indexOf(':');
      const field = line.slice(0, colon);
      const value = line.slice(colon + 2);
      if (field === 'data')
        message.data = message.data === undefined ? value : `${message.data}\n${value}`;
      else if (field === 'id' || field === 'event' || field === 'retry') message[field] = value;
    }
    messages.push(message);
  }
  return messages;
}

/** A text delta with a known payload. */
export function delta(i: number, pad = 0): GatewayEvent {
  return { type: 'text_delta', text: `t${i}${'x'.repeat(pad)}` };
}

/** Appends `count` deltas, yielding to the event loop every `batch` appends. */
export async function appendMany(
  log: EventLog,
  count: number,
  { from = 1, batch = 200, pad = 0 }: { from?: number; batch?: number; pad?: number } = {},
): Promise<void> {
  for (let i = from; i < from + count; i++) {
    await log.append(delta(i, pad));
    if ((i - from + 1) % batch === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Reads a web stream to its end as text. */
export async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

/** Reads from `reader` until the decoded text satisfies `until`; returns all text read. */
export async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  until: (text: string) => boolean,
  initial = '',
): Promise<string> {
  const decoder = new TextDecoder();
  let text = initial;
  while (!until(text)) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

export const COMPLETE: GatewayEvent = {
  type: 'stream_complete',
  stop_reason: 'end_turn',
  usage: {
    input_tokens: 1,
    output_tokens: 2,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  },
  cost_usd: 0,
  turns: 1,
};

/**
 * A real EventSource on `url` that records the seq of every `text_delta` and
 * closes itself on `stream_complete` (then `complete` resolves).
 */
export function followDeltas(url: string): {
  source: EventSource;
  seqs: number[];
  complete: Promise<void>;
} {
  const source = new EventSource(url);
  const seqs: number[] = [];
  source.addEventListener('text_delta', (event) => seqs.push(Number(event.lastEventId)));
  const complete = new Promise<void>((resolve) =>
    source.addEventListener('stream_complete', () => {
      source.close();
      resolve();
    }),
  );
  return { source, seqs, complete };
}
