/** One Server-Sent Event exactly as the Messages API frames it: `event:` line, `data:` line, blank line. */
export function encodeSSE(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The API's ping, byte for byte (its JSON has a space after the colon). */
export const PING_FRAME = 'event: ping\ndata: {"type": "ping"}\n\n';
