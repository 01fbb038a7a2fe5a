import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { anySignal } from './any-signal.js';

describe('anySignal', () => {
  it('aborts with the reason of the first input that aborts', () => {
    const a = new AbortController();
    const b = new AbortController();
    const { signal } = anySignal([a.signal, undefined, b.signal]);
    expect(signal.aborted).toBe(false);
    b.abort(new Error('b went first'));
    a.abort(new Error('a went second'));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('b went first');
  });

  it('is aborted at once when an input already is', () => {
    const { signal } = anySignal([new AbortController().signal, AbortSignal.abort('early')]);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('early');
  });

  it('removes its listeners from the inputs on dispose and after aborting', () => {
    const long = new AbortController();
    const other = new AbortController();
    const first = anySignal([long.signal, other.signal]);
    expect(getEventListeners(long.signal, 'abort')).toHaveLength(1);
    first.dispose();
    expect(getEventListeners(long.signal, 'abort')).toHaveLength(0);
    expect(getEventListeners(other.signal, 'abort')).toHaveLength(0);
    expect(first.signal.aborted).toBe(false);

    const second = anySignal([long.signal, other.signal]);
    other.abort();
    expect(second.signal.aborted).toBe(true);
    expect(getEventListeners(long.signal, 'abort')).toHaveLength(0);
  });

  it('never aborts with no inputs', () => {
    expect(anySignal([]).signal.aborted).toBe(false);
  });
});
