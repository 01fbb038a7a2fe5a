import { GatewayError } from '@claude-gateway/core';
import { describe, expect, it } from 'vitest';
import { defineTool } from './define-tool.js';

const base = {
  name: 'ok_name-1',
  description: 'A tool',
  inputSchema: { type: 'object' as const },
  handler: () => 'done',
};

describe('defineTool', () => {
  it('returns a frozen tool with what it was given', () => {
    const tool = defineTool({ ...base, timeoutMs: 5, needsApproval: true });
    expect(tool).toMatchObject({ name: 'ok_name-1', timeoutMs: 5, needsApproval: true });
    expect(Object.isFrozen(tool)).toBe(true);
  });

  it.each(['', 'has space', 'dot.name', 'x'.repeat(65), 'ünïcode'])(
    'refuses the name %j',
    (name) => {
      expect(() => defineTool({ ...base, name })).toThrow(GatewayError);
    },
  );

  it('refuses a missing schema or handler and a non-positive timeout', () => {
    const bad = [
      { ...base, inputSchema: null },
      // The Messages API takes object schemas only.
      { ...base, inputSchema: { type: 'string' } },
      { ...base, inputSchema: { properties: {} } },
      { ...base, handler: 'nope' },
      { ...base, timeoutMs: 0 },
      { ...base, timeoutMs: Number.NaN },
    ];
    for (const spec of bad) {
      expect(() => defineTool(spec as never)).toThrow(
        expect.objectContaining({ code: 'invalid_options' }),
      );
    }
  });
});
