import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

/** An `IncomingMessage`, possibly with what a framework added (Express). */
export type NodeRequest = IncomingMessage & {
  /** Express: the URL before mount paths were stripped. */
  originalUrl?: string;
  /** A body parser's result, when one ran before the gateway. */
  body?: unknown;
};

/** The request body as a pull-based stream: the socket is read at the handler's pace. */
function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let settle: (() => void) | undefined;
  const wake = (): void => settle?.();
  let failure: Error | undefined;
  let ended = req.readableEnded;
  let cancelled = false;
  const onEnd = (): void => {
    ended = true;
    wake();
  };
  const onError = (error: Error): void => {
    failure = error;
    wake();
  };
  const onClose = (): void => {
    if (!ended) failure ??= new Error('the client closed the connection');
    wake();
  };
  const detach = (): void => {
    req.off('readable', wake);
    req.off('end', onEnd);
    req.off('error', onError);
    req.off('close', onClose);
  };
  req.on('readable', wake);
  req.once('end', onEnd);
  req.once('error', onError);
  req.once('close', onClose);

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          if (cancelled) return;
          const chunk = req.read() as Buffer | null;
          if (chunk !== null) {
            controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
            return;
          }
          if (failure) {
            detach();
            controller.error(failure);
            return;
          }
          if (ended) {
            detach();
            controller.close();
            return;
          }
          await new Promise<void>((resolve) => (settle = resolve));
          settle = undefined;
        }
      },
      cancel() {
        // The handler gave up on the body: stop reading, but keep the socket
        // so the answer still goes out (the listener closes the connection).
        cancelled = true;
        detach();
        wake();
      },
    },
    { highWaterMark: 0 },
  );
}

function hasBody(req: IncomingMessage): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return false;
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length.trim() !== '0';
}

/** A body a parser already read (Express `express.json()` and friends). */
function parsedBody(req: NodeRequest): BodyInit | undefined {
  const body = req.body;
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return new Uint8Array(body);
  return JSON.stringify(body);
}

function headersOf(incoming: IncomingHttpHeaders, dropLength: boolean): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) {
    if (name.startsWith(':') || value === undefined) continue; // HTTP/2 pseudo-headers
    if (dropLength && (name === 'content-length' || name === 'transfer-encoding')) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  return headers;
}

/** The request's absolute URL, from its `Host` header. */
function urlOf(req: NodeRequest): URL {
  const encrypted = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  const protocol = encrypted ? 'https:' : 'http:';
  const authority = req.headers[':authority'];
  const host = req.headers.host ?? (typeof authority === 'string' ? authority : 'localhost');
  const path = req.originalUrl ?? req.url ?? '/';
  return new URL(path.startsWith('/') ? path : `/${path}`, `${protocol}//${host}`);
}

/** What {@link toWebRequest} made, with the state the listener needs. */
export interface WebRequest {
  request: Request;
  /** Aborts the request's signal (the client left, or the response closed). */
  abort(): void;
}

/**
 * Converts a Node request into a web `Request` at the edge: the URL from the
 * `Host` header, the headers, the body as a stream (for methods that carry
 * one), and a signal that aborts when the response closes. The response's
 * `close`, not the request's, marks a client leaving: the request emits
 * `close` as soon as its body is read.
 * @throws TypeError when the URL cannot be built (a bad `Host` header).
 */
export function toWebRequest(req: NodeRequest, res: ServerResponse): WebRequest {
  const url = urlOf(req);
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  res.once('close', abort);

  // A body parser (Express) may have consumed the stream already.
  const consumed = req.readableEnded && req.body !== undefined;
  const preParsed = consumed ? parsedBody(req) : undefined;
  const init: RequestInit & { duplex?: 'half' } = {
    method: req.method ?? 'GET',
    headers: headersOf(req.headers, consumed),
    signal: controller.signal,
  };
  if (preParsed !== undefined) {
    init.body = preParsed;
  } else if (!consumed && hasBody(req)) {
    init.body = bodyStream(req);
    init.duplex = 'half'; // required by fetch for a stream body
  }
  return { request: new Request(url, init), abort };
}
