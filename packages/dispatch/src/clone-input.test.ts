import { describe, expect, it, vi } from 'vitest';
import { cloneInput } from './clone-input.js';

const nested = { q: 'a', n: 1.5, ok: true, none: null, list: [1, 'two', { three: [3] }] };

describe('cloneInput', () => {
  it.each([
    ['a plain object', nested],
    ['an array', [nested, [], {}]],
    ['primitives', 'text'],
    ['undefined values', { a: undefined, b: [undefined] }],
    ['numbers JSON cannot hold', { nan: Number.NaN, negativeZero: -0, big: 10n }],
    ['an object without a prototype', Object.assign(Object.create(null) as object, { a: 1 })],
    ['a date and a map', { when: new Date(0), map: new Map([[1, 2]]) }],
    // eslint-disable-next-line no-sparse-arrays -- the hole is the point
    ['an array with a hole', [1, , 3]],
    ['an array with an extra key', Object.assign([1, 2], { extra: true })],
    ['a class instance', { at: new URLSearchParams('a=1') }],
    ['a __proto__ key from JSON', JSON.parse('{"__proto__": {"x": 1}, "a": 1}') as unknown],
    ['a deep value', JSON.parse(`${'['.repeat(100)}1${']'.repeat(100)}`) as unknown],
  ])('copies %s as structuredClone does', (_, input) => {
    const copy = cloneInput(input);
    expect(copy).toStrictEqual(structuredClone(input));
    if (typeof input === 'object' && input !== null) expect(copy).not.toBe(input);
  });

  it('copies deeply: changing the input leaves the copy as it was', () => {
    const input = structuredClone(nested);
    const copy = cloneInput(input) as typeof nested;
    (input.list[2] as { three: number[] }).three.push(4);
    input.q = 'changed';
    expect(copy).toEqual(nested);
  });

  it('copies JSON by hand: structuredClone (slow to start) only for the rest', () => {
    const spy = vi.spyOn(globalThis, 'structuredClone');
    try {
      cloneInput(nested);
      expect(spy).not.toHaveBeenCalled();
      cloneInput({ when: new Date(0) });
      expect(spy).toHaveBeenCalledOnce();
    } finally {
      spy.mockRestore();
    }
  });

  it('copies a cycle (through structuredClone)', () => {
    const input: Record<string, unknown> = { a: 1 };
    input.self = input;
    const copy = cloneInput(input) as Record<string, unknown>;
    expect(copy).not.toBe(input);
    expect(copy.self).toBe(copy);
  });

  it('keeps an object that two places share shared, as structuredClone does', () => {
    // Copied by hand, each place would get its own copy: 2^16 leaves here.
    let shared: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 16; i++) shared = { x: shared, y: shared };
    const copy = cloneInput(shared) as Record<string, unknown>;
    expect(copy).not.toBe(shared);
    expect(copy.x).toBe(copy.y);
  });

  it('copies own keys only', () => {
    const proto = Object.prototype as Record<string, unknown>;
    // Polluted only around the copy: vitest itself would not survive it.
    proto.polluted = true;
    let keys: string[];
    try {
      keys = Object.keys(cloneInput({ a: 1 }) as object);
    } finally {
      delete proto.polluted;
    }
    expect(keys).toEqual(['a']);
  });

  it('uses an input whose getter throws as it is', () => {
    const input = {
      get boom(): never {
        throw new Error('boom');
      },
    };
    expect(cloneInput(input)).toBe(input);
  });

  it('uses what structuredClone refuses as it is', () => {
    const input = { fn: () => 1, deep: { symbol: Symbol('s') } };
    expect(cloneInput(input)).toBe(input);
    const withSymbol = { s: Symbol('s') };
    expect(cloneInput(withSymbol)).toBe(withSymbol);
  });
});
