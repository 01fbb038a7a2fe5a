// HTTP helpers of the server's tests: mounts on port 0 and a small client.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A mounted handler listening on 127.0.0.1. */
export interface TestServer {
  url: string;
  close(): Promise<void>;
}

/** Mounts a handler: `node`, `express` or `hono`. */
export type Mount = (handler: (request: Request) => Promise<Response>) => Promise<TestServer>;

/** Listens on port 0 and tracks sockets so `close()` never waits on a stream. */
export async function listen(server: Server): Promise<TestServer> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export { createServer };

/** One parsed SSE message. */
export interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
}

/** A log entry as it arrives over SSE. */
export interface WireEntry {
  seq: number;
  type: string;
  event: Record<string, unknown>;
}

function parseBlock(block: string): SseMessage {
  const message: SseMessage = {};
  for (const line of block.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const field = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data')
      message.data = message.data === undefined ? value : `${message.data}\n${value}`;
    else if (field === 'id' || field === 'event' || field === 'retry') message[field] = value;
  }
  return message;
}

/** An open SSE response read message by message. */
export class SseReader {
  private buffer = '';
  private readonly decoder = new TextDecoder();
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  /** Every message so far, heartbeats and `retry:` included. */
  readonly messages: SseMessage[] = [];

  constructor(readonly response: Response) {
    this.reader = response.body!.getReader();
  }

  /** The next message, or `undefined` when the stream ended. */
  async next(): Promise<SseMessage | undefined> {
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const message = parseBlock(block);
        this.messages.push(message);
        return message;
      }
      const { done, value } = await this.reader.read();
      if (done) return undefined;
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  /** The next log entry (skipping heartbeats and `retry:`), or `undefined` at the end. */
  async nextEntry(): Promise<WireEntry | undefined> {
    for (;;) {
      const message = await this.next();
      if (!message) return undefined;
      if (message.id === undefined || message.data === undefined) continue;
      const event = JSON.parse(message.data) as Record<string, unknown>;
      return { seq: Number(message.id), type: String(event.type), event };
    }
  }

  /** Entries until one of `type` (returned last), or the end. */
  async until(type: string): Promise<WireEntry[]> {
    const entries: WireEntry[] = [];
    for (;;) {
      const entry = await this.nextEntry();
      if (!entry) return entries;
      entries.push(entry);
      if (entry.type === type) return entries;
    }
  }

  /** Every remaining entry. */
  async rest(): Promise<WireEntry[]> {
    const entries: WireEntry[] = [];
    for (let entry = await this.nextEntry(); entry; entry = await this.nextEntry()) {
      entries.push(entry);
    }
    return entries;
  }

  /** Stops reading (the client leaves). */
  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }
}

/** A small client of one mounted API. */
export class Api {
  constructor(
    readonly base: string,
    public token?: string,
  ) {}

  /** A raw request; `json` is sent as an `application/json` body. */
  request(
    method: string,
    path: string,
    init: {
      json?: unknown;
      body?: string;
      headers?: Record<string, string>;
      token?: string | null;
    } = {},
  ): Promise<Response> {
    const headers = new Headers(init.headers);
    const token = init.token === null ? undefined : (init.token ?? this.token);
    if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
    let body: string | undefined = init.body;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
    return fetch(`${this.base}${path}`, { method, headers, body });
  }

  async json<T = Record<string, unknown>>(
    method: string,
    path: string,
    init?: Parameters<Api['request']>[2],
  ): Promise<{ status: number; headers: Headers; body: T }> {
    const response = await this.request(method, path, init);
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text === '' ? undefined : JSON.parse(text)) as T,
    };
  }

  /** `POST /sessions`; sets this client's token. */
  async createSession(): Promise<{ session_id: string; created_at: number; token: string | null }> {
    const { status, body } = await this.json<{
      session_id: string;
      created_at: number;
      token: string | null;
    }>('POST', '/sessions');
    if (status !== 201) throw new Error(`createSession answered ${status}`);
    if (body.token !== null) this.token = body.token;
    return body;
  }

  /** `POST /sessions/:id/runs`; the run id. */
  async startRun(sessionId: string, message: string): Promise<string> {
    const { status, body } = await this.json<{ run_id: string }>(
      'POST',
      `/sessions/${sessionId}/runs`,
      { json: { message } },
    );
    if (status !== 202) throw new Error(`startRun answered ${status}: ${JSON.stringify(body)}`);
    return body.run_id;
  }

  /** `GET /runs/:id/events` as a reader (check `response.status` first). */
  async events(
    runId: string,
    headers: Record<string, string> = {},
    query = '',
  ): Promise<SseReader> {
    const response = await this.request('GET', `/runs/${runId}/events${query}`, { headers });
    return new SseReader(response);
  }

  /** Every entry of a run, to its end. */
  async allEvents(runId: string, headers: Record<string, string> = {}): Promise<WireEntry[]> {
    const reader = await this.events(runId, headers);
    if (reader.response.status !== 200) {
      throw new Error(`events answered ${reader.response.status}`);
    }
    return reader.rest();
  }
}
