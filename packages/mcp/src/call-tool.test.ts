import { afterEach, describe, expect, it, vi } from 'vitest';
import { keepTimerListWarm } from './call-tool.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('keepTimerListWarm', () => {
  it("arms a timer that a test's fake timers never see (runAll does not jump 24 days)", () => {
    vi.useFakeTimers();
    const before = Date.now();
    keepTimerListWarm();
    keepTimerListWarm(); // one at a time
    expect(vi.getTimerCount()).toBe(0);
    vi.runAllTimers();
    expect(Date.now() - before).toBeLessThan(1_000);
  });
});
