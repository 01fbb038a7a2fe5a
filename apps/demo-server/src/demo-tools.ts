import { defineTool, type LocalTool } from '@claude-gateway/dispatch';
import { MAX_SANDBOX_FILE_BYTES, type Sandbox } from './sandbox.js';

/** A one-click prompt the page offers. */
export interface DemoPrompt {
  label: string;
  text: string;
}

const FORECASTS = ['sunny', 'partly cloudy', 'light rain', 'windy', 'overcast', 'clear skies'];

/** A canned forecast that is the same for the same city. */
function forecastFor(city: string): { city: string; forecast: string; temperature_c: number } {
  let hash = 0;
  for (const char of city.toLowerCase()) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return {
    city,
    forecast: FORECASTS[hash % FORECASTS.length] ?? 'sunny',
    temperature_c: 8 + (hash % 20),
  };
}

/** The name of the gated demo tool. */
export const GATED_TOOL = 'write_file';

/**
 * The demo's local tools: `get_weather`, `get_time`, `list_files`, and
 * `write_file`, which needs a person's approval and really writes into the
 * sandbox folder.
 */
export function createDemoTools(sandbox: Sandbox): LocalTool[] {
  return [
    defineTool<{ city: string }>({
      name: 'get_weather',
      description: 'The weather forecast for a city (canned demo data, no network).',
      inputSchema: {
        type: 'object',
        properties: { city: { type: 'string', minLength: 1, maxLength: 100 } },
        required: ['city'],
      },
      handler: ({ city }) => forecastFor(city),
    }),
    defineTool<{ timezone?: string }>({
      name: 'get_time',
      description:
        'The current date and time, in UTC or in an IANA time zone such as Europe/Paris.',
      inputSchema: {
        type: 'object',
        properties: { timezone: { type: 'string', maxLength: 64 } },
      },
      handler: ({ timezone = 'UTC' }) => {
        const now = new Date();
        let local: string;
        try {
          local = now.toLocaleString('en-GB', { timeZone: timezone, timeZoneName: 'short' });
        } catch {
          throw new Error(`unknown time zone "${timezone}"`);
        }
        return { iso: now.toISOString(), timezone, local };
      },
    }),
    defineTool<{ name: string; content: string }>({
      name: GATED_TOOL,
      description:
        'Writes a text file into the demo sandbox folder. A person must approve every call.',
      inputSchema: {
        type: 'object',
        properties: {
          name: {
            type: 'string',
            description: 'A plain file name such as notes.txt (no folders).',
            pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$',
          },
          content: {
            type: 'string',
            description: 'The text to write.',
            maxLength: MAX_SANDBOX_FILE_BYTES,
          },
        },
        required: ['name', 'content'],
      },
      needsApproval: true,
      handler: ({ name, content }) => sandbox.write(name, content),
    }),
    defineTool({
      name: 'list_files',
      description: 'Lists the files in the demo sandbox folder with their sizes.',
      inputSchema: { type: 'object', properties: {} },
      handler: async () => ({
        files: (await sandbox.list()).map(({ name, size }) => ({ name, size })),
      }),
    }),
  ];
}

/**
 * The page's one-click prompts. Each names a tool (the demo model calls a
 * tool its message names; Claude follows the request), one of them the gated
 * one; the MCP prompt only when MCP is on.
 */
export function demoPrompts(options: { mcp: boolean }): DemoPrompt[] {
  return [
    { label: 'Weather', text: 'What is the weather in "Lisbon"? Use get_weather.' },
    { label: 'Time', text: 'What time is it right now? Use get_time.' },
    {
      label: 'Write a file (needs approval)',
      text: 'Use write_file to save "hello.txt" with the text "Hello from the claude-gateway demo!"',
    },
    { label: 'List files', text: 'Use list_files to show what is in the sandbox folder.' },
    ...(options.mcp
      ? [{ label: 'MCP echo', text: 'Use the MCP tool echo to repeat "hello over MCP".' }]
      : []),
    { label: 'Long answer', text: 'Explain in detail how resumable streaming works here.' },
  ];
}
