import { describe, expect, it } from 'vitest';
import { addCost, costOf, DEFAULT_PRICING, findModelPrice } from './pricing.js';

describe('pricing', () => {
  it('knows the current Opus, Sonnet and Haiku 4.x models by id and dated alias', () => {
    for (const id of [
      'claude-opus-4-5',
      'claude-opus-4-5-20251101',
      'claude-opus-4-1',
      'claude-opus-4-1-20250805',
      'claude-opus-4-20250514',
      'claude-sonnet-4-5',
      'claude-sonnet-4-5-20250929',
      'claude-sonnet-4-20250514',
      'claude-haiku-4-5',
      'claude-haiku-4-5-20251001',
    ]) {
      expect(findModelPrice(id), id).toBeDefined();
    }
    expect(findModelPrice('claude-opus-4-1')).toEqual({
      inputPerMTok: 15,
      outputPerMTok: 75,
      cacheWritePerMTok: 18.75,
      cacheReadPerMTok: 1.5,
      cacheWrite1hPerMTok: 30,
    });
    expect(findModelPrice('claude-haiku-4-5-20251001')).toEqual(
      DEFAULT_PRICING['claude-haiku-4-5'],
    );
  });

  it('matches a dated snapshot by prefix, but never another model', () => {
    expect(findModelPrice('claude-sonnet-4-5-20991231')).toEqual(
      DEFAULT_PRICING['claude-sonnet-4-5'],
    );
    expect(findModelPrice('claude-opus-4-9')).toBeUndefined();
    expect(findModelPrice('claude-opus-4')).toBeUndefined();
    expect(findModelPrice('claude-haiku-4-5-fast')).toBeUndefined();
    expect(findModelPrice('gpt-4')).toBeUndefined();
  });

  it('lets overrides add and replace entries', () => {
    const custom = { inputPerMTok: 1, outputPerMTok: 2, cacheWritePerMTok: 3, cacheReadPerMTok: 4 };
    expect(findModelPrice('my-model', { 'my-model': custom })).toBe(custom);
    expect(findModelPrice('claude-haiku-4-5', { 'claude-haiku-4-5': custom })).toBe(custom);
    expect(findModelPrice('my-model-20260101', { 'my-model': custom })).toBe(custom);
  });

  it('prices cache writes and reads at their own rates; unknown is null', () => {
    // 150k input in all: below the long-context threshold.
    const usage = {
      input_tokens: 50_000,
      output_tokens: 50_000,
      cache_creation_input_tokens: 50_000,
      cache_read_input_tokens: 50_000,
    };
    expect(costOf(usage, findModelPrice('claude-sonnet-4-5'))).toBe((3 + 15 + 3.75 + 0.3) * 0.05);
    expect(costOf(usage, undefined)).toBeNull();
    expect(addCost(0.1, 0.2)).toBe(0.3);
    expect(addCost(0.1, null)).toBeNull();
  });

  it('charges the long-context rates above 200k input tokens, per request', () => {
    const sonnet = findModelPrice('claude-sonnet-4-6');
    // Exactly 200k in all (cache reads count): still the standard rates.
    const atLimit = {
      input_tokens: 100_000,
      output_tokens: 10_000,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 100_000,
    };
    expect(costOf(atLimit, sonnet)).toBe((100_000 * 3 + 10_000 * 15 + 100_000 * 0.3) / 1e6);
    // One token more: the whole request at 2 × input, 1.5 × output.
    const above = { ...atLimit, input_tokens: 100_001 };
    expect(costOf(above, sonnet)).toBe((100_001 * 6 + 10_000 * 22.5 + 100_000 * 0.6) / 1e6);
    // A model without long-context rates keeps one rate at every length.
    const haiku = findModelPrice('claude-haiku-4-5');
    expect(haiku?.longContext).toBeUndefined();
    expect(costOf(above, haiku)).toBe((100_001 * 1 + 10_000 * 5 + 100_000 * 0.1) / 1e6);
  });

  it('lets a user add long-context rates to their own entry', () => {
    const custom = {
      inputPerMTok: 1,
      outputPerMTok: 2,
      cacheWritePerMTok: 0,
      cacheReadPerMTok: 0,
      longContext: {
        aboveInputTokens: 10,
        inputPerMTok: 10,
        outputPerMTok: 20,
        cacheWritePerMTok: 0,
        cacheReadPerMTok: 0,
      },
    };
    const usage = {
      input_tokens: 11,
      output_tokens: 1,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    };
    expect(costOf(usage, custom)).toBe((11 * 10 + 20) / 1e6);
    expect(costOf({ ...usage, input_tokens: 10 }, custom)).toBe((10 * 1 + 2) / 1e6);
  });
});
