import { deserializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { parseMessage, toolResultSchema } from './fast-parse.js';

type Outcome = { ok: true; data: unknown } | { ok: false; error: string };

function outcomeOf(parse: () => unknown): Outcome {
  try {
    return { ok: true, data: parse() };
  } catch (error) {
    return { ok: false, error: (error as Error).name };
  }
}

const text = (t: string) => ({ type: 'text', text: t });

// Results: what a server may answer to tools/call, plain and not.
const results: unknown[] = [
  { content: [text('Echo: hi')] },
  { content: [text('a'), text('b')], isError: false },
  { content: [text('boom')], isError: true },
  { content: [] },
  {},
  { structuredContent: { a: 1 } },
  { content: [text('{"a":1}')], structuredContent: { a: 1 }, isError: false },
  // Not plain: each goes to the SDK's schema.
  { content: [text('x')], _meta: { progressToken: 1 } },
  { content: [text('x')], extra: 'kept' },
  { content: [{ type: 'text', text: 'x', annotations: { priority: 0.5 } }] },
  { content: [{ type: 'text', text: 'x', unknown: 1 }] },
  { content: [{ type: 'image', data: 'AAAA', mimeType: 'image/png' }] },
  { content: [{ type: 'text', text: 1 }] },
  { content: [{ type: 'text' }] },
  { content: [null] },
  { content: 'text' },
  { content: {} },
  { isError: 'yes' },
  { structuredContent: [1, 2] },
  { structuredContent: null },
  [],
  null,
  'text',
  JSON.parse('{"__proto__": {"isError": true}, "content": []}') as unknown,
  JSON.parse('{"content": [], "structuredContent": {"a": 1, "__proto__": {"a": "x"}}}') as unknown,
];

describe('toolResultSchema', () => {
  it.each(results.map((result) => [JSON.stringify(result), result]))(
    'accepts and returns what the SDK schema does: %s',
    (_, result) => {
      const fast = toolResultSchema.safeParse(result);
      const sdk = CallToolResultSchema.safeParse(result);
      expect(fast.success).toBe(sdk.success);
      if (sdk.success) expect(fast.data).toStrictEqual(sdk.data);
      // Its errors are the SDK's own (the call's failure names them).
      else expect(fast.error?.name).toBe(sdk.error.name);
    },
  );

  it('takes a plain text result as it is, without the schema', () => {
    const result = { content: [text('Echo: hi')] };
    // The SDK's parse returns a copy; the fast path, the object itself.
    expect(CallToolResultSchema.parse(result)).not.toBe(result);
    expect(toolResultSchema.safeParse(result).data).toBe(result);
  });

  it('gives a result without content an empty one, as the schema does', () => {
    const parsed = toolResultSchema.safeParse({ structuredContent: { a: 1 } });
    expect(parsed.data).toEqual({ content: [], structuredContent: { a: 1 } });
  });
});

// Messages: what a stdio server may write on a line.
const messages: unknown[] = [
  { jsonrpc: '2.0', id: 1, result: { content: [text('hi')] } },
  { jsonrpc: '2.0', id: 'req-1', result: {} },
  { jsonrpc: '2.0', id: 0, result: { tools: [] } },
  { result: { content: [] }, id: 7, jsonrpc: '2.0' },
  // Not plain: each goes to the SDK's schema.
  { jsonrpc: '2.0', id: 1, result: { _meta: { progressToken: 'p' } } },
  { jsonrpc: '2.0', id: 1, result: { _meta: 'bad' } },
  { jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'no such method' } },
  { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1 } },
  { jsonrpc: '2.0', id: 3, method: 'elicitation/create', params: { message: 'hi' } },
  { jsonrpc: '2.0', id: 1, result: {}, extra: 1 },
  { jsonrpc: '1.0', id: 1, result: {} },
  { jsonrpc: '2.0', id: 1.5, result: {} },
  { jsonrpc: '2.0', id: 2 ** 60, result: {} },
  { jsonrpc: '2.0', id: null, result: {} },
  { jsonrpc: '2.0', id: 1, result: [] },
  { jsonrpc: '2.0', id: 1, result: null },
  { jsonrpc: '2.0', id: 1 },
  { jsonrpc: '2.0', result: {} },
  [],
  'text',
];

describe('parseMessage', () => {
  it.each(messages.map((message) => [JSON.stringify(message)]))(
    'parses a line as the SDK does: %s',
    (line) => {
      expect(outcomeOf(() => parseMessage(line))).toEqual(
        outcomeOf(() => deserializeMessage(line)),
      );
    },
  );

  it('throws on a line that is not JSON, and takes a CRLF line end', () => {
    expect(() => parseMessage('Server started')).toThrow(SyntaxError);
    expect(parseMessage('{"jsonrpc":"2.0","id":1,"result":{}}\r')).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: {},
    });
  });
});
