import type { Usage } from './events.js';

/** Prices of one model in US dollars per million tokens. */
export interface ModelPrice {
  /** Uncached input tokens. */
  inputPerMTok: number;
  /** Output tokens (thinking included). */
  outputPerMTok: number;
  /** Cache writes with the default 5-minute lifetime. */
  cacheWritePerMTok: number;
  /** Cache reads (hits). */
  cacheReadPerMTok: number;
  /**
   * Cache writes with the 1-hour lifetime.
   * @default 2 × `inputPerMTok`
   */
  cacheWrite1hPerMTok?: number;
  /**
   * The rates of a request whose input (uncached, cache writes and cache
   * reads together) is above `aboveInputTokens`, where the API charges more
   * for long context (the 1M-token window). They apply to the whole request.
   * @default none: one rate at every length
   */
  longContext?: LongContextPrice;
}

/** Rates of a long-context request. See {@link ModelPrice.longContext}. */
export interface LongContextPrice extends Omit<ModelPrice, 'longContext'> {
  /** Input tokens of one request past which these rates apply. @default none */
  aboveInputTokens: number;
}

/** US dollars per web search request ($10 per 1,000 searches). */
export const WEB_SEARCH_PRICE_USD = 0.01;

/** Model id (or alias) → prices. */
export type PricingTable = Readonly<Record<string, ModelPrice>>;

const rates = (
  inputPerMTok: number,
  outputPerMTok: number,
  cacheWritePerMTok: number,
  cacheReadPerMTok: number,
) => ({
  inputPerMTok,
  outputPerMTok,
  cacheWritePerMTok,
  cacheReadPerMTok,
  cacheWrite1hPerMTok: 2 * inputPerMTok,
});

const price = (...args: Parameters<typeof rates>): ModelPrice => Object.freeze(rates(...args));

/** Where the API's long-context rates start: prompts above 200k input tokens. */
export const LONG_CONTEXT_THRESHOLD = 200_000;

const withLongContext = (base: ModelPrice, ...args: Parameters<typeof rates>): ModelPrice =>
  Object.freeze({
    ...base,
    longContext: Object.freeze({ ...rates(...args), aboveInputTokens: LONG_CONTEXT_THRESHOLD }),
  });

// Anthropic list prices (standard tier, prompts up to 200k tokens), per MTok.
// Cache write = 1.25 × input (5-minute cache) or 2 × input (1-hour cache),
// cache read = 0.1 × input.
// Models with the 1M-token context window are charged long-context rates
// (2 × input, 1.5 × output, caches scaled alike) for prompts above 200k.
const OPUS_4 = price(15, 75, 18.75, 1.5);
const OPUS_4_5 = price(5, 25, 6.25, 0.5);
const OPUS_4_6 = withLongContext(OPUS_4_5, 10, 37.5, 12.5, 1);
const SONNET_4 = withLongContext(price(3, 15, 3.75, 0.3), 6, 22.5, 7.5, 0.6); // Sonnet 4, 4.5, 4.6
const HAIKU_4_5 = price(1, 5, 1.25, 0.1);
const HAIKU_3_5 = price(0.8, 4, 1, 0.08);
const HAIKU_3 = price(0.25, 1.25, 0.3, 0.03);

/**
 * Prices of the current Claude models, by model id and alias. A model that is
 * in neither this table nor the `pricing` option costs `null`: the runner
 * never guesses.
 */
export const DEFAULT_PRICING: PricingTable = Object.freeze({
  'claude-opus-4-6': OPUS_4_6,
  'claude-opus-4-5': OPUS_4_5,
  'claude-opus-4-5-20251101': OPUS_4_5,
  'claude-opus-4-1': OPUS_4,
  'claude-opus-4-1-20250805': OPUS_4,
  'claude-opus-4-0': OPUS_4,
  'claude-opus-4-20250514': OPUS_4,
  'claude-sonnet-4-6': SONNET_4,
  'claude-sonnet-4-5': SONNET_4,
  'claude-sonnet-4-5-20250929': SONNET_4,
  'claude-sonnet-4-0': SONNET_4,
  'claude-sonnet-4-20250514': SONNET_4,
  'claude-haiku-4-5': HAIKU_4_5,
  'claude-haiku-4-5-20251001': HAIKU_4_5,
  'claude-3-5-haiku-latest': HAIKU_3_5,
  'claude-3-5-haiku-20241022': HAIKU_3_5,
  'claude-3-haiku-20240307': HAIKU_3,
});

// A dated snapshot of a listed alias: `<alias>-YYYYMMDD`, optionally with a
// provider suffix (`-v1:0`). Only this shape matches by prefix, so the alias
// `claude-opus-4-0` never prices `claude-opus-4-6`, a different model.
const SNAPSHOT_SUFFIX = /^-\d{8}(?:$|[-@:])/;

/**
 * The price of `model`: an exact entry first, else the longest entry of which
 * `model` is a dated snapshot (`<entry>-YYYYMMDD...`). `undefined` when
 * unknown. `overrides` entries win over {@link DEFAULT_PRICING}.
 */
export function findModelPrice(
  model: string,
  overrides: PricingTable = {},
): ModelPrice | undefined {
  const table: PricingTable = { ...DEFAULT_PRICING, ...overrides };
  const exact = Object.hasOwn(table, model) ? table[model] : undefined;
  if (exact) return exact;
  let best: string | undefined;
  for (const id of Object.keys(table)) {
    if (!model.startsWith(id) || !SNAPSHOT_SUFFIX.test(model.slice(id.length))) continue;
    if (best === undefined || id.length > best.length) best = id;
  }
  return best === undefined ? undefined : table[best];
}

/**
 * What the `usage` of one request costs at `modelPrice`, in US dollars (rounded to
 * 1e-9), counting cache reads, 5-minute and 1-hour cache writes at their own
 * rates (the 1-hour rate defaults to 2 × input when there is none) plus
 * web searches at {@link WEB_SEARCH_PRICE_USD} each. A request whose input is
 * above `modelPrice.longContext.aboveInputTokens` is charged the long-context
 * rates. Price each request on its own and sum: the threshold is per request.
 * `null` when `modelPrice` is unknown.
 */
export function costOf(usage: Usage, modelPrice: ModelPrice | undefined): number | null {
  if (!modelPrice) return null;
  const input =
    usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens;
  const long = modelPrice.longContext;
  const price: Omit<ModelPrice, 'longContext'> =
    long && input > long.aboveInputTokens ? long : modelPrice;
  // The 1-hour part of the total; the rest is priced at the 5-minute rate.
  const oneHour = Math.min(
    usage.cache_creation?.ephemeral_1h_input_tokens ?? 0,
    usage.cache_creation_input_tokens,
  );
  const oneHourRate = price.cacheWrite1hPerMTok ?? 2 * price.inputPerMTok;
  const dollars =
    (usage.input_tokens * price.inputPerMTok +
      usage.output_tokens * price.outputPerMTok +
      (usage.cache_creation_input_tokens - oneHour) * price.cacheWritePerMTok +
      oneHour * oneHourRate +
      usage.cache_read_input_tokens * price.cacheReadPerMTok) /
      1_000_000 +
    (usage.server_tool_use?.web_search_requests ?? 0) * WEB_SEARCH_PRICE_USD;
  return roundCost(dollars);
}

/** Sums two costs; unknown (`null`) wins, because a partial sum would be a guess. */
export function addCost(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : roundCost(a + b);
}

function roundCost(dollars: number): number {
  return Math.round(dollars * 1e9) / 1e9;
}
