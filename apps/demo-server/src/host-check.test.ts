import { describe, expect, it } from 'vitest';
import { foreignHostError, isAllowedHost } from './host-check.js';

describe('isAllowedHost', () => {
  it('answers localhost, IP addresses and the allowed names only', () => {
    for (const name of [
      'localhost',
      'LOCALHOST',
      'app.localhost',
      '127.0.0.1',
      '10.1.2.3',
      '[::1]',
      '[fe80::1]',
    ]) {
      expect(isAllowedHost(name), name).toBe(true);
    }
    for (const name of [
      'evil.example',
      '127.0.0.1.evil.example',
      'localhost.evil.example',
      '[evil]',
      '',
    ]) {
      expect(isAllowedHost(name), name).toBe(false);
    }
    expect(isAllowedHost('demo.internal', ['Demo.Internal'])).toBe(true);
    // Entries are names as a URL spells them: port, trailing dot, IDN.
    expect(isAllowedHost('demo.internal', ['demo.internal:3000'])).toBe(true);
    expect(isAllowedHost('demo.internal.', ['demo.internal'])).toBe(true);
    expect(isAllowedHost('localhost.')).toBe(true);
    expect(isAllowedHost('xn--bcher-kva.example', ['bücher.example'])).toBe(true);
    expect(isAllowedHost('other.internal', ['demo.internal'])).toBe(false);
  });
});

describe('foreignHostError', () => {
  it('lets a loopback Host header through and refuses any other with forbidden_origin', () => {
    expect(foreignHostError('localhost:3000')).toBeUndefined();
    expect(foreignHostError('127.0.0.1:3000')).toBeUndefined();
    expect(foreignHostError('[::1]:3000')).toBeUndefined();
    expect(foreignHostError('evil.example:3000')).toEqual({
      error: {
        code: 'forbidden_origin',
        message: expect.stringContaining('evil.example') as unknown,
      },
    });
    expect(foreignHostError(undefined)?.error.code).toBe('forbidden_origin');
    expect(foreignHostError('not a host')?.error.code).toBe('forbidden_origin');
  });
});
