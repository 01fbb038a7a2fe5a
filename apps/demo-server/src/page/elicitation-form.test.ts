import type { GatewayEvent, LogEntry } from '@claude-gateway/core';
import { describe, expect, it } from 'vitest';
import { contentOf, fieldsOf } from './elicitation-form.js';
import { applyEntry, createRunView, type ToolPart } from './state.js';

const schema = {
  type: 'object',
  properties: {
    name: { type: 'string', title: 'Name' },
    email: { type: 'string', format: 'email' },
    agree: { type: 'boolean' },
    count: { type: 'integer', default: 3 },
    color: { type: 'string', enum: ['red', 'blue'] },
    hero: { type: 'string', oneOf: [{ const: 'h1', title: 'Superman' }] },
    tags: { type: 'array', items: { enum: ['a', 'b'] } },
  },
  required: ['name'],
};

const entries = (...events: GatewayEvent[]): LogEntry[] =>
  events.map((event, i) => ({ seq: i + 1, timestamp: 0, event }));

describe('the elicitation form', () => {
  it('makes a field per property, of the right kind, with the defaults', () => {
    const fields = fieldsOf(schema);
    expect(fields.map((f) => [f.key, f.kind, f.required])).toEqual([
      ['name', 'text', true],
      ['email', 'text', false],
      ['agree', 'boolean', false],
      ['count', 'integer', false],
      ['color', 'select', false],
      ['hero', 'select', false],
      ['tags', 'multi', false],
    ]);
    expect(fields[1]?.inputType).toBe('email');
    expect(fields[3]?.initial).toBe(3);
    expect(fields[5]?.options).toEqual([{ value: 'h1', label: 'Superman' }]);
  });

  it("carries the schema's bounds to the inputs, so the browser checks them at the field", () => {
    const fields = fieldsOf({
      type: 'object',
      properties: {
        n: { type: 'number', minimum: 1, maximum: 1000 },
        i: { type: 'integer', minimum: 0 },
        s: { type: 'string', minLength: 2, maxLength: 8 },
        b: { type: 'boolean', minimum: 3 },
      },
    });
    expect(fields.map((f) => f.limits)).toEqual([
      { min: 1, max: 1000 },
      { min: 0 },
      { minLength: 2, maxLength: 8 },
      {},
    ]);
  });

  it('sends typed values and leaves empty optional fields out', () => {
    const fields = fieldsOf(schema);
    expect(
      contentOf(fields, { name: 'Ann', email: '', agree: true, count: '7', tags: ['b'] }),
    ).toEqual({ name: 'Ann', agree: true, count: 7, tags: ['b'] });
  });

  it('shows the question on its tool call until the answer arrives', () => {
    const request = {
      type: 'elicitation_request',
      elicitation_id: 'e1',
      tool_use_id: 'toolu_1',
      server: 'everything',
      message: 'Who?',
      requested_schema: schema,
      nonce: 'n',
      expires_at: 1,
    } as const;
    const list = entries(
      { type: 'tool_use', id: 'toolu_1', name: 'ask', input: {}, turn: 1 },
      request,
      { type: 'elicitation_response', elicitation_id: 'e1', action: 'decline', reason: 'answered' },
    );
    const asked = applyEntry(applyEntry(createRunView('r', 'hi'), list[0]!), list[1]!);
    expect((asked.parts[0] as ToolPart).elicitations).toEqual([{ request, state: 'pending' }]);
    const answered = applyEntry(asked, list[2]!);
    expect((answered.parts[0] as ToolPart).elicitations?.[0]).toMatchObject({
      state: 'decline',
      reason: 'answered',
    });
  });
});
