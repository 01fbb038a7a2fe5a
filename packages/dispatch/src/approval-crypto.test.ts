import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { callDigest, createNonce, nonceEquals } from './approval-crypto.js';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof crypto>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

describe('approval crypto', () => {
  it('compares nonces with timingSafeEqual, whatever their lengths', () => {
    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    const nonce = createNonce();
    expect(nonceEquals(nonce, nonce)).toBe(true);
    const flipped = `${nonce.slice(0, -1)}${nonce.endsWith('A') ? 'B' : 'A'}`;
    expect(nonceEquals(flipped, nonce)).toBe(false);
    expect(nonceEquals('short', nonce)).toBe(false);
    expect(spy).toHaveBeenCalledTimes(3);
    expect(nonceEquals(undefined, nonce)).toBe(false);
  });

  it('makes 32-byte base64url nonces, each new', () => {
    const nonces = new Set(Array.from({ length: 100 }, createNonce));
    expect(nonces.size).toBe(100);
    for (const nonce of nonces) expect(Buffer.from(nonce, 'base64url')).toHaveLength(32);
  });

  it('digests name and input canonically: key order does not matter, content does', () => {
    const digest = callDigest('t', { a: 1, b: [1, { c: 2, d: 3 }] });
    expect(callDigest('t', { b: [1, { d: 3, c: 2 }], a: 1 })).toBe(digest);
    expect(callDigest('u', { a: 1, b: [1, { c: 2, d: 3 }] })).not.toBe(digest);
    expect(callDigest('t', { a: 1, b: [1, { c: 2, d: 4 }] })).not.toBe(digest);
    expect(callDigest('t', { a: '1', b: [1, { c: 2, d: 3 }] })).not.toBe(digest);
  });
});
