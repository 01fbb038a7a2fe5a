import { GatewayError } from '@claude-gateway/core';
import { describe, expect, it } from 'vitest';
import { linearRegExp } from './linear-regexp.js';
import { createSchemaValidator } from './schema-validator.js';
import { call, fakeSource, makeContext, recordingLogger } from './test-helpers.js';
import { createToolDispatcher } from './tool-dispatcher.js';

// With a backtracking engine this pattern takes time exponential in the
// length of a string of `a`s that fails to match: about 2 s at 27
// characters, twice that per character more.
const EVIL = '^(a+)+$';
const evilSchema = {
  type: 'object' as const,
  properties: { s: { type: 'string', pattern: EVIL } },
};

describe('linearRegExp', () => {
  it('matches anywhere in the string, with ECMAScript spellings', () => {
    expect(linearRegExp('b+', 'u').test('abbc')).toBe(true);
    expect(linearRegExp('^b+$', 'u').test('abbc')).toBe(false);
    expect(linearRegExp('^\\u00e9\\/(?<year>\\d{4})$', 'u').test('é/2024')).toBe(true);
    expect(linearRegExp('^[\\p{L}]+$', 'u').test('Zoë')).toBe(true);
  });

  it('is not a backtracking engine: it refuses lookaround and backreferences', () => {
    // A backtracking engine (RegExp) takes both; RE2 cannot, by design.
    expect(() => linearRegExp('^(?=.*\\d)', 'u')).toThrow(
      /not supported by the linear-time engine/,
    );
    expect(() => linearRegExp('(a)\\1', 'u')).toThrow(/lookaround and backreferences/);
    expect(linearRegExp(EVIL, 'u')).not.toBeInstanceOf(RegExp);
  });

  it('answers ^(a+)+$ against long strings of a', () => {
    const evil = linearRegExp(EVIL, 'u');
    expect(evil.test(`${'a'.repeat(30)}!`)).toBe(false);
    expect(evil.test(`${'a'.repeat(100_000)}!`)).toBe(false);
    expect(evil.test('a'.repeat(100_000))).toBe(true);
  });
});

describe('createSchemaValidator: untrusted patterns', () => {
  it('runs pattern and patternProperties on the linear engine by default', () => {
    const validator = createSchemaValidator();
    expect(() => validator.compile({ type: 'string', pattern: '(?<=a)b' })).toThrow(
      /not supported by the linear-time engine/,
    );
    expect(() =>
      validator.compile({ type: 'object', patternProperties: { '(x)\\1': { type: 'number' } } }),
    ).toThrow(/not supported/);
    const check = validator.compile(evilSchema);
    expect(check({ s: `${'a'.repeat(30)}!` })).toBe('input/s must match pattern "^(a+)+$"');
    expect(check({ s: 'a'.repeat(30) })).toBeUndefined();
    const keys = validator.compile({
      type: 'object',
      patternProperties: { [EVIL]: { type: 'number' } },
    });
    expect(keys({ [`${'a'.repeat(30)}`]: 'x' })).toMatch(/must be number/);
    expect(keys({ [`${'a'.repeat(30)}!`]: 'x' })).toBeUndefined();
  });

  it('keeps two patterns of one schema apart', () => {
    const check = createSchemaValidator().compile({
      type: 'object',
      properties: { a: { type: 'string', pattern: '^a$' }, b: { type: 'string', pattern: '^b$' } },
    });
    expect(check({ a: 'a', b: 'b' })).toBeUndefined();
    expect(check({ a: 'a', b: 'a' })).toBe('input/b must match pattern "^b$"');
  });

  it('takes another engine through regExp', () => {
    const seen: string[] = [];
    const validator = createSchemaValidator({
      regExp: (pattern, flags) => {
        seen.push(pattern);
        return new RegExp(pattern, flags);
      },
    });
    const check = validator.compile({ type: 'string', pattern: '^(?=x)x$' });
    expect(check('x')).toBeUndefined();
    expect(seen).toEqual(['^(?=x)x$']);
    expect(() => createSchemaValidator({ regExp: 'x' as never })).toThrow(GatewayError);
  });

  it('refuses an input over maxInputBytes before validating it', () => {
    const check = createSchemaValidator({ maxInputBytes: 20 }).compile(evilSchema);
    expect(check({ s: 'aaaa' })).toBeUndefined();
    // `{"s":""}` and 8 × 2 bytes of `é`: 24, over 20.
    expect(check({ s: 'é'.repeat(8) })).toBe(
      'input is 24 bytes as JSON, more than the 20 bytes a tool input may have',
    );
    expect(() => createSchemaValidator({ maxInputBytes: 0 })).toThrow(GatewayError);
  });

  it('answers invalid_input for a source tool with ^(a+)+$ and a 30-character input', async () => {
    const source = fakeSource('evil', [
      { name: 'lookup', description: '', input_schema: evilSchema },
    ]);
    const dispatcher = createToolDispatcher({ sources: [source], logger: recordingLogger() });
    const outcome = await dispatcher.execute(
      call('lookup', { s: `${'a'.repeat(30)}!` }),
      makeContext(),
    );
    expect(outcome).toEqual({
      error: { code: 'invalid_input', message: 'input/s must match pattern "^(a+)+$"' },
    });
    expect(source.calls).toEqual([]);
  });

  it('lets the source validate a tool whose pattern the engine refuses', async () => {
    const logger = recordingLogger();
    const source = fakeSource('strict', [
      {
        name: 'password',
        description: '',
        input_schema: {
          type: 'object',
          properties: { p: { type: 'string', pattern: '^(?=.*\\d)' } },
        },
      },
    ]);
    const dispatcher = createToolDispatcher({ sources: [source], logger });
    const outcome = await dispatcher.execute(call('password', { p: 'x1' }), makeContext());
    expect(outcome).toMatchObject({ source: 'mcp:strict' });
    expect(logger.warnings).toEqual([
      'input schema of source tool "password" does not compile; the source validates its input',
    ]);
  });
});
