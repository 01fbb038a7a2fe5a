/** One Server-Sent Event as the Messages API stream carries it. */
export interface SseEvent {
  /** The `event:` field, or `null` when the message had none. */
  event: string | null;
  /** The `data:` lines, joined with `\n`. */
  data: string;
}

const LF = 10;
const CR = 13;
const BOM = 0xfeff;

/**
 * Decodes an SSE byte stream a network chunk at a time: every complete event
 * in a chunk comes out of one synchronous {@link push}, so the runner handles
 * a chunk without a promise per event. Same rules as the SDK's own parser
 * (`Stream.rawEvents`): lines end with LF, CRLF or CR (a CR at the end of a
 * chunk waits for the next one); a line starting with `:` is a comment;
 * only `event` and `data` fields count; one space after the colon is
 * dropped; a blank line ends an event when it has a non-empty `event` or any `data`; a
 * BOM at the start of a line is ignored; an unterminated event at the end of
 * the stream is dropped. Internal.
 */
export class SseDecoder {
  readonly #decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  // Text after the last line break seen.
  #rest = '';
  #event: string | null = null;
  #data: string[] = [];

  /** The events completed by `chunk`, in order. */
  push(chunk: Uint8Array): SseEvent[] {
    const events: SseEvent[] = [];
    const decoded = this.#decoder.decode(chunk, { stream: true });
    if (decoded.length === 0) return events;
    const text = this.#rest === '' ? decoded : this.#rest + decoded;
    this.#rest = this.#lines(text, events, false);
    return events;
  }

  /** The end of the stream: flushes the decoder; events still open are dropped. */
  end(): SseEvent[] {
    const events: SseEvent[] = [];
    const text = this.#rest + this.#decoder.decode();
    this.#rest = '';
    if (text !== '') this.#lines(text, events, true);
    return events;
  }

  /** Takes every whole line of `text`; returns what is left after the last break. */
  #lines(text: string, events: SseEvent[], final: boolean): string {
    let start = 0;
    const length = text.length;
    if (!text.includes('\r')) {
      // The common case, LF only: the engine's own search finds each break.
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
        this.#line(text, start, end, events);
        start = end + 1;
      }
      if (final && start < length) this.#line(text, start, length, events);
      return final || start === length ? '' : start === 0 ? text : text.slice(start);
    }
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code !== LF && code !== CR) continue;
      // A CR at the very end may be the first half of a CRLF split across chunks.
      if (code === CR && i + 1 === length && !final) break;
      this.#line(text, start, i, events);
      if (code === CR && text.charCodeAt(i + 1) === LF) i++;
      start = i + 1;
    }
    if (final) {
      if (start < length) this.#line(text, start, length, events);
      return '';
    }
    return start === 0 ? text : text.slice(start);
  }

  #line(text: string, from: number, to: number, events: SseEvent[]): void {
    if (from < to && text.charCodeAt(from) === BOM) from++;
    if (from === to) {
      if (!this.#event && this.#data.length === 0) return;
      events.push({
        event: this.#event,
        data: this.#data.length === 1 ? this.#data[0]! : this.#data.join('\n'),
      });
      this.#event = null;
      this.#data = [];
      return;
    }
    const colon = text.indexOf(':', from);
    const nameEnd = colon === -1 || colon >= to ? to : colon;
    if (nameEnd === from) return; // a comment
    const name = nameEnd - from;
    const isData = name === 4 && text.startsWith('data', from);
    if (!isData && !(name === 5 && text.startsWith('event', from))) return;
    let valueStart = nameEnd === to ? to : nameEnd + 1;
    if (valueStart < to && text.charCodeAt(valueStart) === 32) valueStart++;
    const value = text.slice(valueStart, to);
    if (isData) this.#data.push(value);
    else this.#event = value;
  }
}
