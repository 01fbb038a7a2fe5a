import { expectTypeOf, test } from 'vitest';
import { defineTool, type LocalTool, type ToolHandlerContext } from './define-tool.js';
import { createToolDispatcher } from './tool-dispatcher.js';

test('the generic types the handler input; tools of different inputs share one array', () => {
  const add = defineTool<{ a: number; b: number }>({
    name: 'add',
    description: '',
    inputSchema: { type: 'object' },
    handler: (input, context) => {
      expectTypeOf(input).toEqualTypeOf<{ a: number; b: number }>();
      expectTypeOf(context).toEqualTypeOf<ToolHandlerContext>();
      return input.a + input.b;
    },
    needsApproval: (input) => input.a > 10,
  });
  const shout = defineTool<{ text: string }>({
    name: 'shout',
    description: '',
    inputSchema: { type: 'object' },
    handler: ({ text }) => text.toUpperCase(),
  });
  expectTypeOf(add).toEqualTypeOf<LocalTool>();
  createToolDispatcher({ tools: [add, shout] });

  defineTool<{ a: number }>({
    name: 'wrong',
    description: '',
    inputSchema: { type: 'object' },
    // @ts-expect-error the input has no `text`
    handler: ({ text }) => String(text),
  });
  // @ts-expect-error the schema must be an object schema
  defineTool({ name: 'x', description: '', inputSchema: { type: 'string' }, handler: () => 1 });
});
