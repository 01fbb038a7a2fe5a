import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallClock, CallControl } from './call-control.js';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

const start = (clock: CallClock, idleMs: number, totalMs: number, signal?: AbortSignal) =>
  new CallControl(clock, signal, idleMs, totalMs, undefined);

describe('CallControl and CallClock', () => {
  it('ends a call without progress at its idle limit, and progress moves the limit', () => {
    const clock = new CallClock();
    const quiet = start(clock, 100, 10_000);
    const busy = start(clock, 100, 10_000);
    vi.advanceTimersByTime(60);
    busy.progress();
    vi.advanceTimersByTime(50);
    expect(quiet.signal.aborted).toBe(true);
    expect(quiet.expired).toBe('no answer or progress within 100 ms');
    expect(busy.signal.aborted).toBe(false);
    vi.advanceTimersByTime(49); // 159 ms: 99 ms after its progress
    expect(busy.signal.aborted).toBe(false);
    vi.advanceTimersByTime(2);
    expect(busy.expired).toBe('no answer or progress within 100 ms');
  });

  it("routes a progress notification by token to its call only, and not once it's over", () => {
    const clock = new CallClock();
    const a = start(clock, 100, 10_000);
    const b = start(clock, 100, 10_000);
    const c = start(clock, 100, 10_000);
    expect(new Set([a.progressToken, b.progressToken, c.progressToken]).size).toBe(3);
    expect([...clock]).toEqual([a, b, c]);
    vi.advanceTimersByTime(60);
    clock.progress(String(b.progressToken)); // a token comes back as the server sends it
    clock.progress(c.progressToken + 100); // unknown: ignored
    c.dispose();
    clock.progress(c.progressToken); // over: ignored
    expect([...clock]).toEqual([a, b]);
    vi.advanceTimersByTime(50);
    expect(a.expired).toBe('no answer or progress within 100 ms');
    expect(b.aborted).toBe(false);
    expect(c.aborted).toBe(false); // disposed: no longer watched
    vi.advanceTimersByTime(60);
    expect(b.expired).toBe('no answer or progress within 100 ms');
  });

  it('is the request signal the SDK listens on: listeners once, removable, throwIfAborted', () => {
    const call = start(new CallClock(), 100, 10_000);
    const signal = call.requestSignal;
    const heard: string[] = [];
    const kept = (event: object) => heard.push(`kept:${(event as { type: string }).type}`);
    const removed = () => heard.push('removed');
    signal.addEventListener('abort', kept);
    signal.addEventListener('abort', removed);
    signal.addEventListener('other' as 'abort', removed);
    signal.removeEventListener('abort', removed);
    expect(() => signal.throwIfAborted()).not.toThrow();
    const reason = new Error('stop');
    call.abort(reason);
    call.abort(new Error('again'));
    expect(heard).toEqual(['kept:abort']);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
    expect(() => signal.throwIfAborted()).toThrow(reason);
    expect(call.signal.aborted).toBe(true); // the real one, made late, agrees
    expect(call.signal.reason).toBe(reason);
    call.dispose();
  });

  it('ends a call that keeps reporting progress at its total limit', () => {
    const clock = new CallClock();
    const call = start(clock, 100, 250);
    for (let t = 0; t < 240; t += 40) {
      vi.advanceTimersByTime(40);
      call.progress();
    }
    expect(call.signal.aborted).toBe(false);
    vi.advanceTimersByTime(20);
    expect(call.expired).toBe('it ran over 250 ms in all');
    expect((call.signal.reason as Error).message).toBe('it ran over 250 ms in all');
  });

  it('stops both clocks while paused (a person answering), and the idle limit starts over on resume', () => {
    const clock = new CallClock();
    const call = start(clock, 100, 300);
    vi.advanceTimersByTime(90);
    call.pause();
    vi.advanceTimersByTime(10_000);
    expect(call.signal.aborted).toBe(false);
    call.resume();
    vi.advanceTimersByTime(99);
    expect(call.signal.aborted).toBe(false);
    vi.advanceTimersByTime(2);
    expect(call.expired).toBe('no answer or progress within 100 ms');
  });

  it('keeps one timer for back-to-back calls instead of one each', () => {
    const clock = new CallClock();
    for (let i = 0; i < 50; i++) {
      const call = start(clock, 30_000, 300_000);
      call.dispose();
    }
    expect(vi.getTimerCount()).toBe(1);
    // When it fires with nothing in flight, it is not set again.
    vi.advanceTimersByTime(30_000);
    expect(vi.getTimerCount()).toBe(0);
    // A call with an earlier deadline than the timer's gets the timer moved.
    start(clock, 1000, 300_000);
    const soon = start(clock, 10, 300_000);
    vi.advanceTimersByTime(11);
    expect(soon.signal.aborted).toBe(true);
    clock.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("follows the caller's signal, and forgets it once disposed", () => {
    const clock = new CallClock();
    const caller = new AbortController();
    const call = start(clock, 1000, 1000, caller.signal);
    caller.abort(new Error('stop'));
    expect((call.signal.reason as Error).message).toBe('stop');

    const later = new AbortController();
    const done = start(clock, 1000, 1000, later.signal);
    done.dispose();
    later.abort();
    expect(done.signal.aborted).toBe(false);
    expect([...clock]).toEqual([call]);
    call.dispose();
  });
});
