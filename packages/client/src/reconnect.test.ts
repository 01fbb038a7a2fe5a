import { describe, expect, it } from 'vitest';
import { GatewayClientError } from './gateway-client-error.js';
import { reconnectDelay, resolveReconnect, retryAfterMs } from './reconnect.js';

describe('reconnectDelay', () => {
  const options = resolveReconnect({ maxDelayMs: 30_000, random: () => 0.5 });

  it('waits exactly the server retry before the first reconnect', () => {
    expect(reconnectDelay(1, 1000, options)).toBe(1000);
  });

  it('then backs off exponentially with jitter in the upper half, capped', () => {
    const low = resolveReconnect({ random: () => 0 });
    const high = resolveReconnect({ random: () => 0.999999 });
    expect(reconnectDelay(2, 1000, low)).toBe(1000);
    expect(reconnectDelay(2, 1000, high)).toBeCloseTo(2000, 0);
    expect(reconnectDelay(3, 1000, options)).toBe(3000);
    expect(reconnectDelay(20, 1000, high)).toBeLessThanOrEqual(30_000);
    expect(reconnectDelay(20, 1000, low)).toBe(15_000);
    expect(reconnectDelay(5000, 1000, options)).toBeLessThanOrEqual(30_000);
  });

  it('does not busy-loop on retry: 0 and honours retry-after within the cap', () => {
    expect(reconnectDelay(3, 0, options)).toBeGreaterThan(0);
    expect(reconnectDelay(1, 10, options, 5000)).toBe(5000);
    expect(reconnectDelay(1, 10, options, 60_000)).toBe(30_000);
  });

  it('refuses bad options with invalid_options', () => {
    const error = (() => {
      try {
        resolveReconnect({ maxDelayMs: -1 });
      } catch (e) {
        return e;
      }
    })();
    expect(GatewayClientError.isInstance(error) && error.code).toBe('invalid_options');
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs(new Response(null, { headers: { 'retry-after': '2' } }))).toBe(2000);
    const now = Date.parse('2025-01-01T00:00:00Z');
    const later = new Response(null, {
      headers: { 'retry-after': 'Wed, 01 Jan 2025 00:00:03 GMT' },
    });
    expect(retryAfterMs(later, now)).toBe(3000);
    expect(retryAfterMs(new Response(null))).toBe(0);
  });
});
