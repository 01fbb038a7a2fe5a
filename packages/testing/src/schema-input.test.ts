import { describe, expect, test } from 'vitest';
import { inputFromSchema } from './schema-input.js';

describe('inputFromSchema', () => {
  test('only required properties, with values fitting their names, types, enums and bounds', () => {
    const input = inputFromSchema({
      type: 'object',
      properties: {
        path: { type: 'string' },
        url: { type: 'string' },
        when: { type: 'string', format: 'date-time' },
        mode: { type: 'string', enum: ['fast', 'slow'] },
        limit: { type: 'integer', maximum: 3 },
        ratio: { type: 'number', minimum: 10 },
        force: { type: 'boolean' },
        optional: { type: 'string' },
      },
      required: ['path', 'url', 'when', 'mode', 'limit', 'ratio', 'force'],
    });
    expect(input).toEqual({
      path: 'notes.txt',
      url: 'https://example.com',
      when: '2025-01-15T09:30:00Z',
      mode: 'fast',
      limit: 3,
      ratio: 10,
      force: true,
    });
  });

  test('const, default, anyOf, nullable types, arrays with minItems and nested objects', () => {
    const input = inputFromSchema({
      type: 'object',
      properties: {
        kind: { const: 'fixed' },
        lang: { type: 'string', default: 'fr' },
        choice: { anyOf: [{ type: 'null' }, { type: 'integer' }] },
        maybe: { type: ['null', 'boolean'] },
        tags: { type: 'array', items: { type: 'string' }, minItems: 2 },
        owner: { type: 'object', properties: { email: { type: 'string' } }, required: ['email'] },
      },
      required: ['kind', 'lang', 'choice', 'maybe', 'tags', 'owner'],
    });
    expect(input).toEqual({
      kind: 'fixed',
      lang: 'fr',
      choice: 1,
      maybe: true,
      tags: ['example', 'example'],
      owner: { email: 'ada@example.com' },
    });
  });

  test('quoted phrases fill free string properties in order; no schema gives {}', () => {
    const schema = {
      type: 'object',
      properties: {
        from: { type: 'string' },
        unit: { type: 'string', enum: ['c', 'f'] },
        to: { type: 'string' },
      },
      required: ['from', 'unit', 'to'],
    };
    expect(inputFromSchema(schema, ['Oslo', 'Rome'])).toEqual({
      from: 'Oslo',
      unit: 'c',
      to: 'Rome',
    });
    expect(inputFromSchema(undefined)).toEqual({});
    expect(inputFromSchema({ type: 'object' })).toEqual({});
  });
});
