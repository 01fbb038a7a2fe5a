/** What {@link LineReader.push} found: a whole line, or the ends of one that was too long. */
export type LineEvent =
  | { line: Buffer }
  | {
      /** Bytes of a line over the limit, which was dropped; `head` and `tail` are kept for diagnosis. */
      oversized: { bytes: number; head: string; tail: string };
    };

// How much of each end of a dropped line is kept.
const KEEP = 512;

/**
 * @internal Splits a byte stream into `\n`-terminated lines, holding at most
 * `maxLineBytes` of a line: a longer line is dropped as it streams in (only
 * its first and last bytes are kept) and reported once it ends, so one huge
 * message neither grows memory without bound nor ends the stream. Each byte
 * is looked at once (the SDK's `ReadBuffer` rescans and copies the whole
 * buffer on every chunk).
 */
export class LineReader {
  #chunks: Buffer[] = [];
  #size = 0;
  // While dropping a line that is too long: its size so far and its ends.
  #dropping: { bytes: number; head: Buffer; tail: Buffer } | undefined;

  constructor(private readonly maxLineBytes: number) {}

  /** Takes the next chunk; returns the lines it completed, in order. */
  push(chunk: Buffer): LineEvent[] {
    const events: LineEvent[] = [];
    let rest = chunk;
    for (;;) {
      const newline = rest.indexOf(10);
      const part = newline === -1 ? rest : rest.subarray(0, newline);
      this.#take(part);
      if (newline === -1) return events;
      events.push(this.#endLine());
      rest = rest.subarray(newline + 1);
    }
  }

  /** Forgets any partial line. */
  clear(): void {
    this.#chunks = [];
    this.#size = 0;
    this.#dropping = undefined;
  }

  #take(part: Buffer): void {
    if (part.length === 0) return;
    const dropping = this.#dropping;
    if (dropping) {
      dropping.bytes += part.length;
      if (dropping.head.length < KEEP) {
        dropping.head = Buffer.concat([
          dropping.head,
          part.subarray(0, KEEP - dropping.head.length),
        ]);
      }
      dropping.tail = lastBytes(Buffer.concat([dropping.tail, lastBytes(part)]));
      return;
    }
    if (this.#size + part.length <= this.maxLineBytes) {
      this.#chunks.push(part);
      this.#size += part.length;
      return;
    }
    const held = Buffer.concat([...this.#chunks, part.subarray(0, KEEP)]);
    this.#dropping = {
      bytes: this.#size + part.length,
      head: held.subarray(0, KEEP),
      tail: lastBytes(Buffer.concat([lastBytes(held), lastBytes(part)])),
    };
    this.#chunks = [];
    this.#size = 0;
  }

  #endLine(): LineEvent {
    const dropping = this.#dropping;
    if (dropping) {
      this.#dropping = undefined;
      return {
        oversized: {
          bytes: dropping.bytes,
          head: dropping.head.toString('utf8'),
          tail: dropping.tail.toString('utf8'),
        },
      };
    }
    const line = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    this.#chunks = [];
    this.#size = 0;
    return { line };
  }
}

function lastBytes(buffer: Buffer): Buffer {
  return buffer.length <= KEEP ? buffer : buffer.subarray(buffer.length - KEEP);
}

const ID = String.raw`("id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.){0,200}"))`;
const TAIL_ID = new RegExp(`${ID}\\s*\\}\\s*$`);
const HEAD_ID = new RegExp(`^\\s*\\{\\s*(?:"jsonrpc"\\s*:\\s*"2\\.0"\\s*,\\s*)?${ID}`);

/**
 * @internal The JSON-RPC id of a dropped line when it was a response (a
 * `result` or `error` and no `method`), found at either end of it, where
 * JSON-RPC libraries write it; `undefined` when the ends do not say.
 */
export function responseIdOf(head: string, tail: string): string | number | undefined {
  const method = head.search(/"method"\s*:/);
  const answer = head.search(/"(?:result|error)"\s*:/);
  if (answer === -1 || (method !== -1 && method < answer)) return undefined;
  const match = TAIL_ID.exec(tail) ?? HEAD_ID.exec(head);
  const raw = match?.[2];
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as string | number;
  } catch {
    return undefined;
  }
}
