import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  classifyError,
  IncompleteStreamError,
  parseRetryAfter,
  StallError,
} from './retry.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads retry-after-ms first, then retry-after seconds or an HTTP date', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(
      250,
    );
    expect(parseRetryAfter(new Headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(parseRetryAfter(new Headers({ 'retry-after': '0.05' }), now)).toBe(50);
    expect(
      parseRetryAfter(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }), now),
    ).toBe(3000);
  });
  it('ignores absent, negative, unparsable and over-a-minute values', () => {
    expect(parseRetryAfter(new Headers(), now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter(new Headers({ 'retry-after': '-1' }), now)).toBeUndefined();
    expect(parseRetryAfter(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(parseRetryAfter(new Headers({ 'retry-after': '3600' }), now)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  const options = { baseDelayMs: 100, maxDelayMs: 1000 };
  it('is full jitter below an exponential cap', () => {
    expect(backoffDelay(1, options, undefined, () => 0.999)).toBe(100);
    expect(backoffDelay(3, options, undefined, () => 0.999)).toBe(400);
    expect(backoffDelay(10, options, undefined, () => 0.999)).toBe(999);
    expect(backoffDelay(3, options, undefined, () => 0)).toBe(0);
    expect(backoffDelay(3, options, undefined, () => 0.5)).toBe(200);
  });
  it("uses the server's retry-after when given", () => {
    expect(backoffDelay(1, options, 5000, () => 0)).toBe(5000);
  });
});

describe('classifyError', () => {
  const api = (status: number | undefined, type?: string) =>
    Object.assign(new Error('x'), {
      status,
      type,
      headers: new Headers({ 'retry-after-ms': '10' }),
    });
  it('maps statuses and error types to retry types and run codes', () => {
    expect(classifyError(api(429))).toMatchObject({
      retryable: true,
      type: 'rate_limit_error',
      code: 'rate_limited',
      retryAfterMs: 10,
    });
    expect(classifyError(api(529))).toMatchObject({
      retryable: true,
      type: 'overloaded_error',
      code: 'overloaded',
    });
    expect(classifyError(api(undefined, 'overloaded_error'))).toMatchObject({
      retryable: true,
      code: 'overloaded',
    });
    expect(classifyError(api(500))).toMatchObject({
      retryable: true,
      type: 'api_error',
      code: 'upstream_error',
    });
    expect(classifyError(api(undefined, 'api_error'))).toMatchObject({
      retryable: true,
      code: 'upstream_error',
    });
    expect(classifyError(api(401))).toMatchObject({ retryable: false, code: 'authentication' });
    expect(classifyError(api(403))).toMatchObject({ retryable: false, code: 'authentication' });
    expect(classifyError(api(400))).toMatchObject({ retryable: false, code: 'invalid_request' });
    expect(classifyError(new StallError(5))).toMatchObject({
      retryable: true,
      type: 'stall',
      code: 'stalled',
    });
    expect(classifyError(new IncompleteStreamError())).toMatchObject({
      retryable: true,
      type: 'connection_error',
    });
    expect(classifyError(new TypeError('fetch failed'))).toMatchObject({
      retryable: true,
      type: 'connection_error',
      code: 'upstream_error',
    });
    expect(
      classifyError(Object.assign(new Error('Connection error.'), { name: 'APIConnectionError' })),
    ).toMatchObject({
      retryable: true,
      type: 'connection_error',
    });
    expect(classifyError(new RangeError('bug'))).toMatchObject({
      retryable: false,
      code: 'internal',
    });
  });

  it('does not retry a refused redirect, and says what to do', () => {
    // What the SDK throws when undici refuses a redirect (`redirect: 'error'`).
    const refused = Object.assign(
      new Error('Connection error.', {
        cause: new TypeError('fetch failed', { cause: new Error('unexpected redirect') }),
      }),
      { name: 'APIConnectionError' },
    );
    expect(classifyError(refused)).toMatchObject({
      retryable: false,
      type: 'connection_error',
      code: 'upstream_error',
      message: expect.stringMatching(/redirect.*baseURL/),
    });
    // Any other failure of the transport is still retried.
    const reset = Object.assign(
      new Error('Connection error.', {
        cause: new TypeError('fetch failed', { cause: new Error('other side closed') }),
      }),
      { name: 'APIConnectionError' },
    );
    expect(classifyError(reset)).toMatchObject({ retryable: true, type: 'connection_error' });
  });
});
