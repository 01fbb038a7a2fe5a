import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import { LAST_EVENT_ID_QUERY, resolveLastEventId } from './last-event-id.js';

/** A Node request: HTTP/1 `IncomingMessage` or the HTTP/2 compatibility request. */
export type NodeRequest = IncomingMessage | Http2ServerRequest;

function queryValue(url: string | undefined): string | null {
  if (!url) return null;
  const question = url.indexOf('?');
  if (question === -1) return null;
  return new URLSearchParams(url.slice(question + 1)).get(LAST_EVENT_ID_QUERY);
}

/**
 * The resume position of a Node request: the `Last-Event-ID` header, else
 * the `?lastEventId=` query parameter (the header wins). `undefined` when
 * neither is present.
 *
 * @throws GatewayError `invalid_last_event_id` when the value is not a non-negative integer.
 */
export function nodeLastEventId(req: NodeRequest): number | undefined {
  const header = req.headers['last-event-id'];
  // Node joins repeated unknown headers with ", "; an array is never seen here,
  // but a joined value is rejected as not an integer, which is right.
  const value = Array.isArray(header) ? header.join(', ') : header;
  return resolveLastEventId(value, queryValue(req.url));
}
