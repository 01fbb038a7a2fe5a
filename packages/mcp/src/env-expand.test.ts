import { describe, expect, it } from 'vitest';
import { expandEnv } from './env-expand.js';

describe('expandEnv', () => {
  const env = { HOME: '/home/u', EMPTY: '', TOKEN: 's3cret' };

  it('replaces ${VAR} with its value', () => {
    expect(expandEnv('${HOME}/data and ${TOKEN}', env)).toEqual({
      value: '/home/u/data and s3cret',
      missing: [],
    });
  });

  it('uses the default of ${VAR:-default} when the variable is unset or empty', () => {
    expect(expandEnv('${NOPE:-fallback}|${EMPTY:-x}|${HOME:-y}', env).value).toBe(
      'fallback|x|/home/u',
    );
    expect(expandEnv('${NOPE:-}', env)).toEqual({ value: '', missing: [] });
  });

  it('keeps an empty value for ${VAR} without default, and lists unset variables', () => {
    expect(expandEnv('[${EMPTY}]', env)).toEqual({ value: '[]', missing: [] });
    expect(expandEnv('a${MISSING}b${ALSO}', env)).toEqual({
      value: 'ab',
      missing: ['MISSING', 'ALSO'],
    });
  });

  it('leaves text without references alone', () => {
    expect(expandEnv('$HOME {x} $', env).value).toBe('$HOME {x} $');
  });
});
