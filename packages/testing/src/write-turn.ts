import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { defaultErrorMessage, statusForErrorType } from './api-error.js';
import {
  HttpFailure,
  RATE_LIMIT_HEADERS,
  sendJson,
  sleep,
  untilAborted,
  watchGone,
} from './http-io.js';
import { encodeSSE, PING_FRAME } from './sse.js';
import type { RenderedTurn } from './turn-events.js';
import type { MockTurn } from './types.js';

/** Everything needed to answer one request with a scripted turn. */
export interface TurnResponse {
  req: IncomingMessage;
  res: ServerResponse;
  turn: MockTurn;
  rendered: RenderedTurn;
  requestId: string;
  /** Aborts when the server closes. */
  closing: AbortSignal;
}

/** Waits the turn's `delayMs`, sending a ping every `pingEveryMs` meanwhile. */
async function pause(res: ServerResponse, turn: MockTurn, gone: AbortSignal): Promise<void> {
  const until = Date.now() + (turn.delayMs ?? 0);
  const every = turn.pingEveryMs ?? 0;
  for (;;) {
    const left = until - Date.now();
    if (every <= 0 || left <= every) return sleep(left, gone);
    await sleep(every, gone);
    if (gone.aborted) return;
    res.write(PING_FRAME);
  }
}

/** Lets the bytes already written reach the client, then cuts the connection. */
async function dropAfterFlush(req: IncomingMessage, gone: AbortSignal): Promise<void> {
  const socket = req.socket;
  const flushed = new Promise<void>((resolve) => socket.write('', () => resolve()));
  await Promise.race([flushed, untilAborted(gone)]);
  socket.destroy();
}

/**
 * Streams a turn as Server-Sent Events, applying its delay between events and
 * its fault once `afterDeltas` content deltas were sent (or, when the turn has
 * fewer deltas, just before `message_delta`).
 */
export async function streamTurn({
  req,
  res,
  turn,
  rendered,
  requestId,
  closing,
}: TurnResponse): Promise<void> {
  const gone = watchGone(res, closing);
  const fault = turn.fault?.type === 'http_error' ? undefined : turn.fault;
  const threshold = fault?.afterDeltas ?? 0;
  try {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'request-id': requestId,
      ...RATE_LIMIT_HEADERS,
    });
    res.flushHeaders();
    let deltas = 0;
    for (const [i, { frame, delta }] of rendered.frames.entries()) {
      if (gone.signal.aborted) return;
      if (fault && (deltas >= threshold || frame.startsWith('event: message_delta\n'))) {
        if (fault.type === 'stream_error') {
          const type = fault.errorType ?? 'overloaded_error';
          const error = { type, message: fault.message ?? defaultErrorMessage(type) };
          res.end(encodeSSE('error', { type: 'error', error }));
        } else if (fault.type === 'drop') {
          await dropAfterFlush(req, gone.signal);
        } else {
          await untilAborted(gone.signal);
        }
        return;
      }
      if (i > 0) await pause(res, turn, gone.signal);
      if (gone.signal.aborted) return;
      // `once` with a signal removes its listeners either way: a long turn
      // into a slow reader must not pile abort listeners on `gone.signal`.
      if (!res.write(frame)) {
        await once(res, 'drain', { signal: gone.signal }).catch(() => undefined);
      }
      if (delta) deltas++;
    }
    res.end();
  } finally {
    gone.dispose();
  }
}

/**
 * Answers a turn as one JSON message. Faults map to what a non-streaming
 * client would see: a stream error becomes the matching HTTP error, a stall
 * sends headers and no body, a drop cuts the connection.
 */
export async function answerTurnOnce({
  req,
  res,
  turn,
  rendered,
  requestId,
  closing,
}: TurnResponse): Promise<void> {
  const fault = turn.fault;
  if (fault?.type === 'stream_error') {
    const type = fault.errorType ?? 'overloaded_error';
    throw new HttpFailure(
      statusForErrorType(type),
      type,
      fault.message ?? defaultErrorMessage(type),
    );
  }
  if (fault?.type === 'drop') {
    req.socket.destroy();
    return;
  }
  const gone = watchGone(res, closing);
  try {
    if (fault?.type === 'stall') {
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': requestId });
      res.flushHeaders();
      await untilAborted(gone.signal);
      return;
    }
    await sleep(turn.delayMs ?? 0, gone.signal);
    sendJson(res, 200, rendered.message, { 'request-id': requestId, ...RATE_LIMIT_HEADERS });
  } finally {
    gone.dispose();
  }
}
