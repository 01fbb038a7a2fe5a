import type { IncomingMessage, ServerResponse } from 'node:http';
import { consoleLogger, type Logger, errorDetail } from '@claude-gateway/core';
import { drained } from '@claude-gateway/sse-adapters/node';
import { toWebRequest, type NodeRequest } from './node-request.js';

/** Options of {@link toNodeListener}. */
export interface NodeListenerOptions {
  /** Where a handler that threw (it should not) or a failed write is reported. @default consoleLogger */
  logger?: Logger;
}

function writeHead(res: ServerResponse, response: Response): void {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  if (response.statusText) res.writeHead(response.status, response.statusText, headers);
  else res.writeHead(response.status, headers);
}

function internalError(res: ServerResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code: 'internal', message: 'internal error' } });
  res.writeHead(500, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

/** Copies `body` to `res`, waiting for `drain` when the socket is full; stops when the client leaves. */
async function pipeBody(res: ServerResponse, body: ReadableStream<Uint8Array>): Promise<void> {
  const reader = body.getReader();
  // The client leaving cancels the reader, so an SSE stream stops reading its log.
  const onClose = (): void => void reader.cancel().catch(() => undefined);
  res.once('close', onClose);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) return;
      if (!res.write(value)) await drained(res);
    }
    if (!res.destroyed && !res.writableEnded) res.end();
  } finally {
    res.off('close', onClose);
    reader.releaseLock();
  }
}

/**
 * Mounts a web handler (`createGatewayHandler`) on `node:http`:
 * `http.createServer(toNodeListener(handler))`.
 *
 * - The request becomes a web `Request` at the edge: URL from the `Host`
 *   header, body as a stream (read at the handler's pace), and a signal
 *   that aborts when the client disconnects.
 * - The answer is written with backpressure (`drain`); when the client
 *   leaves, the response body is cancelled, so an event stream stops
 *   reading its log (the run itself goes on).
 * - An answer carrying `connection: close` (a body too large to drain)
 *   closes the connection after it is sent.
 *
 * Works for Express too (`gatewayRouter` from `./express` uses it), which
 * passes `req.originalUrl` and, when a body parser ran first, `req.body`.
 */
export function toNodeListener(
  handler: (request: Request) => Promise<Response>,
  options: NodeListenerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const logger = options.logger ?? consoleLogger;

  const serve = async (req: NodeRequest, res: ServerResponse): Promise<void> => {
    let converted: ReturnType<typeof toWebRequest>;
    try {
      converted = toWebRequest(req, res);
    } catch {
      const body = JSON.stringify({
        error: { code: 'invalid_request', message: 'bad request URL' },
      });
      res.writeHead(400, { 'content-type': 'application/json', connection: 'close' });
      res.end(body);
      return;
    }
    const response = await handler(converted.request);
    if (res.destroyed || res.writableEnded) {
      await response.body?.cancel().catch(() => undefined);
      return;
    }
    writeHead(res, response);
    if (response.body === null) {
      res.end();
      return;
    }
    res.flushHeaders();
    await pipeBody(res, response.body);
  };

  return (req, res) => {
    serve(req, res).catch((error: unknown) => {
      logger.error('server: the node listener failed', { error: errorDetail(error) });
      internalError(res);
    });
  };
}
