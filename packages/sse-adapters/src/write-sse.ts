import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import type { EventLog } from '@claude-gateway/core';
import { SSE_HEADERS } from './constants.js';
import { drained } from './drained.js';
import { errorBody, errorStatus } from './error-body.js';
import { nodeLastEventId, type NodeRequest } from './node-last-event-id.js';
import { LogFollower } from './log-follower.js';
import type { SSEStreamOptions } from './sse-stream.js';

/** A Node response: HTTP/1 `ServerResponse` or the HTTP/2 compatibility response. */
export type NodeResponse = ServerResponse | Http2ServerResponse;

/** Options of {@link writeSSE}. */
export interface WriteSSEOptions extends SSEStreamOptions {
  /**
   * Send entries strictly after this seq.
   * @default the request's `Last-Event-ID` header, else its `?lastEventId=`, else 0
   */
  afterSeq?: number;
  /** Extra response headers (CORS and the like); they override the SSE defaults. */
  headers?: Record<string, string>;
}

/** The members of both Node response classes that this adapter uses. */
interface ResponseLike {
  readonly destroyed: boolean;
  readonly writableEnded: boolean;
  readonly headersSent: boolean;
  readonly socket?: { readonly destroyed?: boolean } | null;
  writeHead(status: number, headers: Record<string, string>): unknown;
  write(chunk: string): boolean;
  end(chunk?: string): unknown;
  destroy(error?: Error): unknown;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

/** Answers a setup error as JSON: `{ "error": { "code", "message" } }`. */
export function writeErrorResponse(
  res: NodeResponse,
  error: unknown,
  headers: Record<string, string> = {},
): void {
  const out = res as unknown as ResponseLike;
  if (out.headersSent || out.destroyed) return;
  const body = JSON.stringify(errorBody(error));
  out.writeHead(errorStatus(error), {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
  });
  out.end(body);
}

/**
 * Streams `log` to a Node response as Server-Sent Events and resolves when
 * the stream is over: after the terminal entry, when the client disconnects
 * (`close`), or when `signal` aborts. Never rejects for a client going away
 * or a failing log (the connection is dropped so the client reconnects).
 *
 * @throws GatewayError `invalid_options` for bad numeric options (before anything is written).
 *
 * - It reads the log directly (no web stream in between) and writes all the
 *   entries the log holds past the client's position as one `res.write`
 *   (up to 512 entries), each entry encoded once however many readers follow
 *   the log. The bytes are the same as one message at a time.
 * - Backpressure: when `res.write()` returns `false` it waits for `drain`
 *   before reading more from the log, so a paused client costs at most the
 *   socket's high-water mark plus one chunk.
 * - A disconnect stops this reader only; the run and other readers go on.
 * - A bad `Last-Event-ID` / `?lastEventId=` answers 400 with
 *   `{ "error": { "code": "invalid_last_event_id", "message" } }`; a closed
 *   log with nothing after the position answers 204 (an `EventSource`
 *   stops reconnecting).
 * - On HTTP/2 the `connection` header is left out (the protocol forbids it).
 *
 * @example
 * ```ts
 * http.createServer(async (req, res) => {
 *   const log = await store.open(runIdFrom(req.url));
 *   if (log) await writeSSE(req, res, log);
 * });
 * ```
 */
export async function writeSSE(
  req: NodeRequest,
  res: NodeResponse,
  log: EventLog,
  options: WriteSSEOptions = {},
): Promise<void> {
  const out = res as unknown as ResponseLike;
  const { headers: extra = {}, ...streamOptions } = options;
  let afterSeq = options.afterSeq;
  if (afterSeq === undefined) {
    try {
      afterSeq = nodeLastEventId(req) ?? 0;
    } catch (error) {
      writeErrorResponse(res, error, extra);
      return;
    }
  }
  if (log.closed && (await log.lastSeq()) <= afterSeq) {
    if (!out.headersSent && !out.destroyed) {
      out.writeHead(204, extra);
      out.end();
    }
    return;
  }
  // The client may have left while the checks above waited.
  if (out.destroyed || out.writableEnded || out.socket?.destroyed === true) return;

  // Bad options throw here: the server's bug, not the client's, for the caller to see.
  const follower = new LogFollower(log, { ...streamOptions, afterSeq }, []);
  // `close` on the response is the client going away (or the end we wrote):
  // the follower stops, which also wakes a wait for the log.
  let gone = false;
  const onClose = (): void => {
    gone = true;
    follower.finish();
  };
  out.once('close', onClose);

  const headers: Record<string, string> = { ...SSE_HEADERS, ...extra };
  if (req.httpVersionMajor >= 2) delete headers.connection;
  // No flushHeaders(): the retry line below is written at once and takes
  // the headers with it, in one write instead of two.
  out.writeHead(200, headers);

  try {
    if (!out.write(follower.retryMessage) && !gone) await drained(out);
    for (;;) {
      const text = await follower.next();
      if (text === undefined || gone) break;
      // The terminal entry's chunk goes out with the end of the response.
      if (follower.finished) {
        if (!out.destroyed && !out.writableEnded) out.end(text);
        break;
      }
      if (!out.write(text) && !gone) await drained(out);
    }
    if (!out.destroyed && !out.writableEnded) out.end();
  } catch {
    // The log failed mid-stream (the follower logged it): drop the connection
    // so the client reconnects with its Last-Event-ID instead of seeing a
    // clean end.
    out.destroy();
  } finally {
    out.off('close', onClose);
    follower.finish();
  }
}
