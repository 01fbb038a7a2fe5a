import { GatewayError, type LogEntry } from '@claude-gateway/core';

/** One Server-Sent Events message. */
export interface SSEMessage {
  /** The `id:` field; omitted when undefined. Must not contain CR, LF or NUL. */
  id?: string | number;
  /** The `event:` field; omitted when undefined. Must not contain CR or LF. */
  event?: string;
  /** The payload; split into one `data:` line per line (CRLF, LF or CR). */
  data?: string;
  /** The `retry:` field (reconnection delay in ms); omitted when undefined. */
  retry?: number;
}

const LINE_BREAK = /\r\n|\r|\n/;

function checkField(name: string, value: string, forbidden: RegExp): void {
  if (forbidden.test(value)) {
    throw new GatewayError('invalid_options', `SSE ${name} must not contain line breaks`);
  }
}

/**
 * Encodes one SSE message, fields in the order `retry`, `id`, `event`,
 * `data`, ended by a blank line. Multi-line data becomes several `data:`
 * lines, which the client joins back with `\n` (so a CRLF or CR in the data
 * arrives as LF, as the SSE format defines).
 *
 * @throws GatewayError `invalid_options` when `id` or `event` holds a line
 * break (or `id` a NUL), or `retry` is not a non-negative integer.
 */
export function encodeSSE(message: SSEMessage): string {
  let out = '';
  if (message.retry !== undefined) {
    if (!Number.isInteger(message.retry) || message.retry < 0) {
      throw new GatewayError('invalid_options', 'SSE retry must be a non-negative integer');
    }
    out += `retry: ${message.retry}\n`;
  }
  if (message.id !== undefined) {
    const id = String(message.id);
    // A NUL makes the client ignore the whole id field.
    checkField('id', id, /[\r\n\0]/);
    out += `id: ${id}\n`;
  }
  if (message.event !== undefined) {
    checkField('event', message.event, /[\r\n]/);
    out += `event: ${message.event}\n`;
  }
  if (message.data !== undefined) {
    for (const line of message.data.split(LINE_BREAK)) out += `data: ${line}\n`;
  }
  return `${out}\n`;
}

const TYPE_NEEDS_CHECK = /[\r\n]/;

/**
 * One log entry as an SSE message: `id: <seq>`, `event: <type>`, `data: <event JSON>`.
 * The same bytes as `encodeSSE({ id, event, data })`, built directly: a seq
 * is a plain integer and `JSON.stringify` never emits a raw line break, so
 * the data is always one line.
 *
 * @throws GatewayError `invalid_options` when the event type holds a line break.
 */
export function encodeEntry(entry: LogEntry): string {
  const type = entry.event.type;
  if (!Number.isSafeInteger(entry.seq) || TYPE_NEEDS_CHECK.test(type)) {
    return encodeSSE({ id: entry.seq, event: type, data: JSON.stringify(entry.event) });
  }
  return `id: ${entry.seq}\nevent: ${type}\ndata: ${JSON.stringify(entry.event)}\n\n`;
}
