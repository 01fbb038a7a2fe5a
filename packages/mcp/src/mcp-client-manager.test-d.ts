import type { ToolDefinition, ToolOutcome, ToolSource } from '@claude-gateway/core';
import { expectTypeOf, it } from 'vitest';
import {
  createMcpClientManager,
  type McpClientManager,
  type McpServerConfig,
  type McpServerStatus,
} from './index.js';

it('is a ToolSource with lifecycle methods', () => {
  const manager = createMcpClientManager({ servers: {} });
  expectTypeOf(manager).toMatchTypeOf<ToolSource>();
  expectTypeOf<McpClientManager['callTool']>().returns.toEqualTypeOf<Promise<ToolOutcome>>();
  expectTypeOf<McpClientManager['listTools']>().returns.toEqualTypeOf<Promise<ToolDefinition[]>>();
  expectTypeOf<McpClientManager['status']>().returns.toEqualTypeOf<McpServerStatus[]>();
  expectTypeOf<McpServerStatus['state']>().toEqualTypeOf<
    'connecting' | 'ready' | 'failed' | 'restarting' | 'closed'
  >();
});

it('takes stdio and http server configs', () => {
  expectTypeOf({ command: 'npx', args: ['-y', 'x'] }).toMatchTypeOf<McpServerConfig>();
  expectTypeOf({ type: 'http' as const, url: 'https://x/mcp' }).toMatchTypeOf<McpServerConfig>();
  // @ts-expect-error an http entry needs a url
  const bad: McpServerConfig = { type: 'http' };
  void bad;
});
