import { GatewayError } from '@claude-gateway/core';
import { describe, expect, it } from 'vitest';
import { checkSchemaCost, countValues } from './schema-cost.js';
import { createSchemaValidator } from './schema-validator.js';
import { call, fakeSource, makeContext, recordingLogger } from './test-helpers.js';
import { createToolDispatcher } from './tool-dispatcher.js';

/** `a0: { anyOf: [a1, a1] }`, `a1: { anyOf: [a2, a2] }`, ...: 2^depth subschemas to validate. */
function refBomb(depth: number) {
  const definitions: Record<string, object> = {};
  for (let i = 0; i < depth; i += 1) {
    const next = { $ref: `#/definitions/a${i + 1}` };
    definitions[`a${i}`] = { anyOf: [next, next] };
  }
  definitions[`a${depth}`] = { type: 'string' };
  return {
    type: 'object' as const,
    properties: { x: { $ref: '#/definitions/a0' } },
    definitions,
  };
}

describe('schemas that are exponential to validate', () => {
  it('are measured with their $refs followed, and refused past maxSchemaCost', () => {
    // a3 = 1; each a_i = 1 + 2 × (the $ref node + a_{i+1}); then x's $ref and the root.
    expect(checkSchemaCost(refBomb(3), 10_000)).toBe(
      1 + 1 + (1 + 2 * (1 + (1 + 2 * (1 + (1 + 2 * (1 + 1)))))),
    );
    // 2^40 subschemas for one value: ajv would run for hours.
    expect(() => createSchemaValidator().compile(refBomb(40))).toThrow(
      /expands to more than 10000 subschemas with its \$refs followed \(maxSchemaCost\)/,
    );
    expect(() => createSchemaValidator({ maxSchemaCost: 10 }).compile(refBomb(3))).toThrow(
      /maxSchemaCost/,
    );
    expect(() => createSchemaValidator({ maxSchemaCost: 0 })).toThrow(GatewayError);
  });

  it('lets the source validate a source tool with such a schema', async () => {
    const logger = recordingLogger();
    const source = fakeSource('bomb', [
      { name: 'bomb', description: '', input_schema: refBomb(40) },
    ]);
    const dispatcher = createToolDispatcher({ sources: [source], logger });
    const outcome = await dispatcher.execute(call('bomb', { x: 5 }), makeContext());
    expect(outcome).toMatchObject({ source: 'mcp:bomb', result: { name: 'bomb' } });
    expect(logger.warnings).toEqual([
      'input schema of source tool "bomb" does not compile; the source validates its input',
    ]);
  });

  it('still takes recursive schemas and $defs, and refuses what it cannot measure', () => {
    const validator = createSchemaValidator();
    const tree = validator.compile({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#' } } },
      required: ['name'],
    });
    expect(
      tree({ name: 'a', children: [{ name: 'b', children: [{ name: 'c' }] }] }),
    ).toBeUndefined();
    expect(tree({ name: 'a', children: [{ children: [] }] })).toBe(
      "input/children/0 must have required property 'name'",
    );
    const defs = validator.compile({
      type: 'object',
      properties: { p: { $ref: '#/$defs/point' } },
      $defs: { point: { type: 'array', items: { type: 'number' } } },
    });
    expect(defs({ p: [1, 'x'] })).toBe('input/p/1 must be number');
    expect(() => validator.compile({ $ref: 'https://example.com/other.json' })).toThrow(
      /not a local JSON pointer/,
    );
    expect(() => validator.compile({ $ref: '#/$defs/missing' })).toThrow(/cannot be resolved/);
  });

  it('refuses an input with more values than maxValidationWork allows for the schema', () => {
    const schema = { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'number' }] } };
    expect(checkSchemaCost(schema, 100)).toBe(4);
    const check = createSchemaValidator({ maxValidationWork: 400 }).compile(schema);
    expect(check(Array.from({ length: 50 }, () => 1))).toBeUndefined();
    expect(check(Array.from({ length: 150 }, () => 1))).toBe(
      "input has more than 100 values, too many to validate against this tool's schema",
    );
    expect(countValues({ a: [1, 2, { b: null }] }, 100)).toBe(6);
  });
});

describe('uniqueItems', () => {
  it('finds duplicates among 20,000 object items in linear time, whatever the key order', () => {
    const check = createSchemaValidator().compile({ type: 'array', uniqueItems: true });
    const items = Array.from({ length: 20_000 }, (_, i) => ({ a: i, b: [i, { c: i }] }));
    expect(check(items)).toBeUndefined();
    expect(check([...items, { b: [7, { c: 7 }], a: 7 }])).toBe(
      'input must NOT have duplicate items (items ## 20000 and 7 are identical)',
    );
    expect(check([1, '1', [1], { a: 1 }, null])).toBeUndefined();
    expect(createSchemaValidator().compile({ type: 'array', uniqueItems: false })([1, 1])).toBe(
      undefined,
    );
  });
});
