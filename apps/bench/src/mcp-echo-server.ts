// A stdio MCP server with one `echo` tool, for the MCP scenario.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'bench-echo', version: '0.0.0' });
server.registerTool(
  'echo',
  { description: 'Echoes the message back.', inputSchema: { message: z.string() } },
  ({ message }) => ({ content: [{ type: 'text', text: message }] }),
);
await server.connect(new StdioServerTransport());
