/** Default reconnection delay sent to clients in the stream's first message (`retry:`). */
export const DEFAULT_RETRY_MS = 1000;

/** Default idle time after which a `heartbeat` event is sent. */
export const DEFAULT_HEARTBEAT_MS = 15_000;

/**
 * The exact bytes of a heartbeat: a named event with empty JSON data and no
 * `id:` line, because an `id:` line (even an empty one) would move the
 * client's resume position.
 */
export const HEARTBEAT_MESSAGE = 'event: heartbeat\ndata: {}\n\n';

/**
 * Response headers of every SSE answer. `content-type` is exactly
 * `text/event-stream`: the format is always UTF-8, so no charset is added.
 * `x-accel-buffering: no` stops nginx from buffering the stream.
 * `connection: keep-alive` is dropped by the Node adapter on HTTP/2, which
 * forbids connection-specific headers.
 */
export const SSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
});
