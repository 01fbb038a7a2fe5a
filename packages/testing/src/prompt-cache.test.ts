import { describe, expect, it } from 'vitest';
import { createPromptCache } from './prompt-cache.js';

const request = (text: string) => ({
  model: 'claude-sonnet-4-6',
  system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
  messages: [
    { role: 'user', content: [{ type: 'text', text, cache_control: { type: 'ephemeral' } }] },
  ],
});

describe('createPromptCache', () => {
  it('reads a prefix it has seen and writes one it has not', () => {
    const cache = createPromptCache();
    const first = cache.usageFor(request('hello'));
    expect(first.cache_read_input_tokens).toBe(0);
    expect(first.cache_creation_input_tokens).toBeGreaterThan(0);
    const again = cache.usageFor(request('hello'));
    expect(again.cache_read_input_tokens).toBe(first.cache_creation_input_tokens);
  });

  it('stays bounded, forgetting the least recently used prefixes', () => {
    const cache = createPromptCache(0, 10);
    for (let i = 0; i < 100; i++) cache.usageFor(request(`message ${i}`));
    expect(cache.size).toBe(10);
    // The shared system prefix is used by every request, so it is never the oldest.
    const fresh = cache.usageFor(request('a new message'));
    expect(fresh.cache_read_input_tokens).toBeGreaterThan(0);
    // An old conversation's prefix was forgotten: written again, not read.
    const old = cache.usageFor(request('message 0'));
    expect(old.cache_read_input_tokens).toBe(fresh.cache_read_input_tokens);
  });
});
