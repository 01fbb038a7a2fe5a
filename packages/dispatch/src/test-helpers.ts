// Shared by the tests of this package; not part of the public API.
import {
  createEventLog,
  type EventOfType,
  type GatewayEventType,
  type Logger,
  type MemoryEventLog,
  type ToolContext,
  type ToolDefinition,
  type ToolOutcome,
  type ToolSource,
  type ToolSourceCallOptions,
} from '@claude-gateway/core';
import { defineTool } from './define-tool.js';

/** A logger that remembers what it was told (`data`: the objects, in order). */
export function recordingLogger(): Logger & {
  warnings: string[];
  errors: string[];
  data: (object | undefined)[];
} {
  const warnings: string[] = [];
  const errors: string[] = [];
  const data: (object | undefined)[] = [];
  return {
    warnings,
    errors,
    data,
    warn: (message, extra) => void (warnings.push(message), data.push(extra)),
    error: (message, extra) => void (errors.push(message), data.push(extra)),
  };
}

/** A tool context over a fresh memory log. */
export function makeContext(
  overrides: Partial<ToolContext> = {},
): ToolContext & { log: MemoryEventLog; controller: AbortController } {
  const controller = new AbortController();
  const log = createEventLog({ id: overrides.runId ?? 'run-1' });
  return {
    signal: controller.signal,
    sessionId: 'session-1',
    runId: log.id,
    callIndex: 0,
    ...overrides,
    log,
    controller,
  };
}

/** Resolves with the first event of `type` appended to `log` after `afterSeq`. */
export async function waitForEvent<T extends GatewayEventType>(
  log: MemoryEventLog,
  type: T,
  afterSeq = 0,
): Promise<EventOfType<T>> {
  const controller = new AbortController();
  try {
    for await (const entry of log.read({ afterSeq, signal: controller.signal })) {
      if (entry.event.type === type) return entry.event as EventOfType<T>;
    }
  } finally {
    controller.abort();
  }
  throw new Error(`log ended without a ${type} event`);
}

/** The events of a log, in order. */
export async function eventsOf(log: MemoryEventLog): Promise<{ type: string }[]> {
  const controller = new AbortController();
  const events: { type: string }[] = [];
  const last = log.lastSeq();
  if (last === 0) return events;
  for await (const entry of log.read({ signal: controller.signal })) {
    events.push(entry.event);
    if (entry.seq >= last) break;
  }
  controller.abort();
  return events;
}

/** A scripted {@link ToolSource}, standing in for an MCP client manager. */
export interface FakeSource extends ToolSource {
  tools: ToolDefinition[];
  calls: { name: string; input: unknown; options: ToolSourceCallOptions | undefined }[];
  listCount: number;
}

export function fakeSource(
  label: string,
  tools: ToolDefinition[],
  answer: (
    name: string,
    input: unknown,
    options: ToolSourceCallOptions | undefined,
  ) => ToolOutcome | Promise<ToolOutcome> = (name, input) => ({
    result: { from: label, name, input },
    source: `mcp:${label}`,
  }),
): FakeSource {
  const source: FakeSource = {
    tools,
    calls: [],
    listCount: 0,
    listTools: () => {
      source.listCount += 1;
      return Promise.resolve(source.tools);
    },
    callTool: async (name, input, options) => {
      source.calls.push({ name, input, options });
      return answer(name, input, options);
    },
  };
  return source;
}

/** An object schema with the given required string properties. */
export function objectSchema(...required: string[]): ToolDefinition['input_schema'] {
  return {
    type: 'object',
    properties: Object.fromEntries(required.map((key) => [key, { type: 'string' }])),
    required,
    additionalProperties: false,
  };
}

/** A local tool that echoes its `text`. */
export const echo = defineTool<{ text: string }>({
  name: 'echo',
  description: 'Echoes its text',
  inputSchema: objectSchema('text'),
  handler: ({ text }) => ({ echoed: text }),
});

/** A tool call. */
export const call = (name: string, input: unknown, id = 'toolu_1') => ({ id, name, input });

/** A promise and the function that resolves it: "the handler has started". */
export function latch(): { reached: Promise<void>; reach: () => void } {
  let reach!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  return { reached, reach };
}
