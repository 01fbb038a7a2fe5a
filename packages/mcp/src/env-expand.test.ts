import { describe, expect, it } from 'vitest';
import { expandEnv, redactor } from './env-expand.js';

describe('expandEnv', () => {
  const env = { HOME: '/home/u', EMPTY: '', TOKEN: 's3cret' };

  it('replaces ${VAR} with its value', () => {
    expect(expandEnv('${HOME}/data and ${TOKEN}', env)).toEqual({
      value: '/home/u/data and s3cret',
      missing: [],
      secrets: ['/home/u', 's3cret'],
    });
  });

  it('uses the default of ${VAR:-default} when the variable is unset or empty', () => {
    expect(expandEnv('${NOPE:-fallback}|${EMPTY:-x}|${HOME:-y}', env).value).toBe(
      'fallback|x|/home/u',
    );
    expect(expandEnv('${NOPE:-}', env)).toEqual({ value: '', missing: [], secrets: [] });
  });

  it('keeps an empty value for ${VAR} without default, and lists unset variables', () => {
    expect(expandEnv('[${EMPTY}]', env)).toEqual({ value: '[]', missing: [], secrets: [] });
    expect(expandEnv('a${MISSING}b${ALSO}', env)).toEqual({
      value: 'ab',
      missing: ['MISSING', 'ALSO'],
      secrets: [],
    });
  });

  it('leaves text without references alone', () => {
    expect(expandEnv('$HOME {x} $', env).value).toBe('$HOME {x} $');
  });

  it('reads own properties only: ${constructor} is unset, not a function', () => {
    expect(expandEnv('[${constructor}][${toString:-d}][${hasOwnProperty}]', env)).toEqual({
      value: '[][d][]',
      missing: ['constructor', 'hasOwnProperty'],
      secrets: [],
    });
    const bare = Object.assign(Object.create(null) as Record<string, string>, { A: 'aaaa' });
    expect(expandEnv('${A}', bare).value).toBe('aaaa');
    expect(expandEnv('${PATH}', process.env).value).toBe(process.env.PATH);
  });
});

describe('redactor', () => {
  it('replaces every expanded value of 4 characters or more, longest first', () => {
    const redact = redactor(['s3cret', 's3cret-and-more', 'ab']);
    expect(redact('url https://x/?k=s3cret-and-more and s3cret, ab')).toBe(
      'url https://x/?k=*** and ***, ab',
    );
    expect(redactor([])('s3cret')).toBe('s3cret');
  });
});
