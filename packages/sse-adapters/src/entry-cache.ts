import type { LogEntry } from '@claude-gateway/core';
import { encodeEntry } from './encode-sse.js';

/** Slots of one log's cache: the last this many entries' texts are kept. */
export const ENTRY_CACHE_SLOTS = 1024;

let encodings = 0;

/**
 * The SSE text of a log's recent entries, shared by every reader of that log
 * in this process, so an entry is encoded once however many readers follow
 * it. A hit needs the very entry object (the memory log hands every reader
 * the same one); a store that builds new objects per reader just misses.
 * Slot `seq % 1024`, so it never holds more than the last 1024 entries, and
 * it is dropped when the log's last reader finishes. Texts are stored only
 * while the log has more than one reader. Internal.
 */
export class EntryTexts {
  /** Followers of the log using this cache. */
  users = 0;
  readonly #entries: (LogEntry | undefined)[] = [];
  readonly #texts: string[] = [];

  /** {@link encodeEntry}, remembered for the entry object. */
  text(entry: LogEntry): string {
    const slot = entry.seq & (ENTRY_CACHE_SLOTS - 1);
    if (this.#entries[slot] === entry) return this.#texts[slot]!;
    const text = encodeEntry(entry);
    encodings++;
    // A log's only reader stores nothing: no one else would read the text,
    // and holding it would only make the GC copy it around.
    if (this.users <= 1) return text;
    this.#entries[slot] = entry;
    this.#texts[slot] = text;
    return text;
  }
}

const caches = new WeakMap<object, EntryTexts>();

/** The shared cache of `log`'s entries; {@link releaseEntryTexts} it when done. */
export function acquireEntryTexts(log: object): EntryTexts {
  let cache = caches.get(log);
  if (!cache) {
    cache = new EntryTexts();
    caches.set(log, cache);
  }
  cache.users++;
  return cache;
}

/** Gives up a cache from {@link acquireEntryTexts}; the last user drops it. */
export function releaseEntryTexts(log: object, cache: EntryTexts): void {
  cache.users--;
  if (cache.users <= 0 && caches.get(log) === cache) caches.delete(log);
}

/** How many entries were encoded (cache misses) in this process so far; for tests. */
export function entryEncodings(): number {
  return encodings;
}
