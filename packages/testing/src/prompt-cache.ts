import { sha256 } from './ids.js';
import { estimateTokens } from './turn-events.js';

/** Prefixes the simulated cache remembers at most. */
export const DEFAULT_MAX_CACHED_PREFIXES = 10_000;

/** Input token counts of one request. */
export interface InputUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/** Simulates prompt caching across the requests one server receives. */
export interface PromptCache {
  /** Counts the request's input tokens and which of them were written to or read from the cache. */
  usageFor(body: unknown): InputUsage;
  /** Prefixes remembered now. */
  readonly size: number;
}

interface Segment {
  tokens: number;
  text: string;
  breakpoint: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function segment(value: unknown): Segment {
  if (isRecord(value)) {
    const { cache_control, ...rest } = value;
    const text = JSON.stringify(rest);
    return {
      tokens: estimateTokens(text),
      text,
      breakpoint: cache_control !== undefined && cache_control !== null,
    };
  }
  const text = JSON.stringify(value) ?? '';
  return { tokens: estimateTokens(text), text, breakpoint: false };
}

/** The request in cache order (tools, then system, then messages), one segment per block. */
function segments(body: Record<string, unknown>): Segment[] {
  const out: Segment[] = [];
  if (Array.isArray(body.tools)) out.push(...body.tools.map(segment));
  if (typeof body.system === 'string') out.push(segment(body.system));
  else if (Array.isArray(body.system)) out.push(...body.system.map(segment));
  if (Array.isArray(body.messages)) {
    for (const message of body.messages) {
      if (!isRecord(message)) continue;
      out.push(segment(`role:${String(message.role)}`));
      if (Array.isArray(message.content)) out.push(...message.content.map(segment));
      else out.push(segment(message.content));
    }
  }
  return out;
}

/**
 * Creates the cache simulation: the prefix up to each `cache_control`
 * breakpoint is remembered; a later request with the same prefix reads it.
 * @param minTokens prefixes shorter than this are not cached (the real API's minimum is 1024+).
 * @param maxEntries prefixes remembered at most; the least recently used go
 *   first (the real cache expires entries too), so a server that runs for days
 *   does not grow.
 */
export function createPromptCache(
  minTokens = 0,
  maxEntries = DEFAULT_MAX_CACHED_PREFIXES,
): PromptCache {
  // Insertion order is recency order: a hit is moved to the end.
  const cached = new Map<string, true>();
  const remember = (hash: string): void => {
    cached.delete(hash);
    cached.set(hash, true);
    if (cached.size > maxEntries) cached.delete(cached.keys().next().value!);
  };
  return {
    get size() {
      return cached.size;
    },
    usageFor(body) {
      if (!isRecord(body))
        return { input_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
      const all = segments(body);
      const total = Math.max(
        1,
        all.reduce((sum, s) => sum + s.tokens, 0),
      );
      const breakpoints: { hash: string; tokens: number }[] = [];
      let running = 0;
      const hash = sha256(String(body.model));
      let prefix = hash.toString('hex');
      for (const s of all) {
        running += s.tokens;
        prefix = sha256(prefix + s.text).toString('hex');
        if (s.breakpoint && running >= minTokens)
          breakpoints.push({ hash: prefix, tokens: running });
      }
      const last = breakpoints.at(-1);
      if (!last)
        return { input_tokens: total, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
      let read = 0;
      for (let i = breakpoints.length - 1; i >= 0; i--) {
        const b = breakpoints[i];
        if (b && cached.has(b.hash)) {
          read = b.tokens;
          break;
        }
      }
      for (const b of breakpoints) remember(b.hash);
      return {
        input_tokens: Math.max(0, total - last.tokens),
        cache_creation_input_tokens: last.tokens - read,
        cache_read_input_tokens: read,
      };
    },
  };
}
