import { GatewayError } from '@claude-gateway/core';
import { describe, expect, it, vi } from 'vitest';
import { defineTool } from './define-tool.js';
import { createSchemaValidator, type SchemaValidator } from './schema-validator.js';
import {
  call,
  echo,
  fakeSource,
  makeContext,
  objectSchema,
  recordingLogger,
} from './test-helpers.js';
import { createToolDispatcher } from './tool-dispatcher.js';

describe('createSchemaValidator', () => {
  it('answers undefined for valid input and the validator message otherwise', () => {
    const check = createSchemaValidator().compile(objectSchema('a'));
    expect(check({ a: 'x' })).toBeUndefined();
    expect(check({})).toBe("input must have required property 'a'");
  });

  it('compiles an equal schema once, and keeps at most maxCached', () => {
    const validator = createSchemaValidator({ maxCached: 1 });
    const first = validator.compile(objectSchema('a'));
    expect(validator.compile(objectSchema('a'))).toBe(first);
    validator.compile(objectSchema('b'));
    expect(validator.compile(objectSchema('a'))).not.toBe(first);
    expect(() => createSchemaValidator({ maxCached: -1 })).toThrow(GatewayError);
  });

  it('shared by dispatchers, compiles a tool schema once for all of them', async () => {
    const inner = createSchemaValidator();
    const checks = new Set<unknown>();
    const validator = {
      compile: (schema: object) => {
        const check = inner.compile(schema);
        checks.add(check);
        return check;
      },
    };
    for (let i = 0; i < 3; i += 1) {
      const dispatcher = createToolDispatcher({ tools: [echo], validator });
      expect(await dispatcher.execute(call('echo', { text: 'x' }), makeContext())).toMatchObject({
        result: { echoed: 'x' },
      });
    }
    expect(checks.size).toBe(1);
  });

  it('compiles two schemas with the same $id, and drafts 2019-09 and 2020-12', () => {
    const validator = createSchemaValidator();
    const a = validator.compile({ ...objectSchema('a'), $id: 'https://example.com/tool' });
    const b = validator.compile({ ...objectSchema('b'), $id: 'https://example.com/tool' });
    expect(a({ a: 'x' })).toBeUndefined();
    expect(b({ a: 'x' })).toBe("input must have required property 'b'");
    const modern = validator.compile({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'array',
      prefixItems: [{ type: 'number' }],
    });
    expect(modern(['x'])).toBe('input/0 must be number');
    const older = validator.compile({
      $schema: 'https://json-schema.org/draft/2019-09/schema',
      type: 'object',
      dependentRequired: { a: ['b'] },
    });
    expect(older({ a: 1 })).toBe('input must have property b when property a is present');
  });

  it('throws for a schema that does not compile', () => {
    expect(() => createSchemaValidator().compile({ type: 'no-such-type' })).toThrow();
  });
});

describe('createToolDispatcher: schema compilation', () => {
  function countingValidator() {
    const inner = createSchemaValidator();
    const compiled: unknown[] = [];
    const validator: SchemaValidator = {
      compile: (schema) => {
        compiled.push(schema);
        return inner.compile(schema);
      },
    };
    return { validator, compiled };
  }

  it('compiles nothing at creation, and each tool once, on its first call', async () => {
    const { validator, compiled } = countingValidator();
    const source = fakeSource('one', [
      { name: 'search', description: '', input_schema: objectSchema('q') },
    ]);
    const dispatcher = createToolDispatcher({ tools: [echo], sources: [source], validator });
    await dispatcher.definitions();
    expect(compiled).toEqual([]);
    const ctx = makeContext();
    for (let i = 0; i < 3; i += 1) {
      expect(await dispatcher.execute(call('echo', { text: 'x' }), ctx)).toMatchObject({
        result: { echoed: 'x' },
      });
      expect(await dispatcher.execute(call('search', {}), ctx)).toMatchObject({
        error: { code: 'invalid_input' },
      });
    }
    expect(compiled).toEqual([objectSchema('text'), objectSchema('q')]);
    // A source that changes the tool's schema gets it compiled again.
    source.tools = [{ name: 'search', description: '', input_schema: objectSchema('query') }];
    await dispatcher.definitions();
    expect(await dispatcher.execute(call('search', { query: 'x' }), ctx)).toMatchObject({
      source: 'mcp:one',
    });
    expect(compiled).toHaveLength(3);
  });

  it('answers tool_error for a local tool whose schema does not compile, logged once', async () => {
    const logger = recordingLogger();
    const handler = vi.fn();
    const broken = defineTool({
      name: 'broken',
      description: '',
      inputSchema: { type: 'object', properties: { a: { type: 'no-such-type' } } },
      handler,
    });
    const dispatcher = createToolDispatcher({ tools: [broken, echo], logger });
    for (let i = 0; i < 2; i += 1) {
      expect(await dispatcher.execute(call('broken', {}), makeContext())).toEqual({
        error: {
          code: 'tool_error',
          message: expect.stringMatching(/^input schema of tool "broken" does not compile: /),
        },
        source: 'local',
      });
    }
    expect(handler).not.toHaveBeenCalled();
    expect(logger.errors).toHaveLength(1);
    expect(await dispatcher.execute(call('echo', { text: 'x' }), makeContext())).toMatchObject({
      result: { echoed: 'x' },
    });
  });
});
