import { GatewayError } from '@claude-gateway/core';

/** The query parameter read when a client cannot set the `Last-Event-ID` header. */
export const LAST_EVENT_ID_QUERY = 'lastEventId';

const DIGITS = /^[0-9]+$/;

/**
 * Parses one `Last-Event-ID` value. `undefined`, `null` and the empty string
 * mean "no position" (a client whose id was reset sends none).
 *
 * @throws GatewayError `invalid_last_event_id` when the value is not a
 * non-negative integer — never a silent restart from 0.
 */
export function parseLastEventIdValue(value: string | null | undefined): number | undefined {
  if (value === undefined || value === null) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  const seq = DIGITS.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(seq)) {
    throw new GatewayError('invalid_last_event_id', 'Last-Event-ID must be a non-negative integer');
  }
  return seq;
}

/**
 * The header value when present (it wins), else the query value.
 * @throws GatewayError `invalid_last_event_id` for a value that is not a non-negative integer.
 */
export function resolveLastEventId(
  header: string | null | undefined,
  query: string | null | undefined,
): number | undefined {
  const fromHeader = parseLastEventIdValue(header);
  return fromHeader !== undefined ? fromHeader : parseLastEventIdValue(query);
}

/**
 * The resume position of a request: the `Last-Event-ID` header, or the
 * `?lastEventId=` query parameter for clients that cannot set headers. The
 * header wins. `undefined` when neither is present (start from the beginning).
 *
 * @throws GatewayError `invalid_last_event_id` when the value that counts is
 * not a non-negative integer; HTTP adapters answer it with 400.
 */
export function parseLastEventId(request: Request): number | undefined {
  const query = new URL(request.url).searchParams.get(LAST_EVENT_ID_QUERY);
  return resolveLastEventId(request.headers.get('last-event-id'), query);
}
