import {
  CallToolResultSchema,
  JSONRPCMessageSchema,
  type CallToolResult,
  type JSONRPCMessage,
} from '@modelcontextprotocol/sdk/types.js';

// Checks of what a server sends most often, written out by hand: a tool's
// answer is a JSON-RPC result whose content is text. Two of the zod checks
// the SDK runs on every answer are the costly ones: the message as one of
// four JSON-RPC shapes (its stdio transport), then the tools/call result as
// one of five content block shapes. 2–5 µs a call on a local server, more
// than all our own work on the call. (The SDK's Protocol also checks the
// shape of each response with zod on its way in; that stays.) Each check
// here accepts only what the SDK's schema accepts, and returns what its parse
// would return; anything else (a request, a notification, an error, a
// `_meta`, an image, an unknown field) goes to the SDK's schema, which decides.

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** True when `value`'s keys are among `a`, `b` and `c`. */
function onlyKeys(value: JsonObject, a: string, b: string, c?: string): boolean {
  for (const key in value) {
    if (key !== a && key !== b && key !== c) return false;
  }
  return true;
}

/** `{ jsonrpc: "2.0", id, result }` and nothing else, as the SDK's strict result-response schema wants. */
function isPlainResultResponse(value: unknown): value is JSONRPCMessage {
  if (!isObject(value) || !onlyKeys(value, 'jsonrpc', 'id', 'result')) return false;
  const { id, result } = value;
  return (
    value.jsonrpc === '2.0' &&
    (typeof id === 'string' || Number.isSafeInteger(id)) &&
    isObject(result) &&
    // The SDK checks a result's `_meta` (a progress token, a related task).
    !Object.hasOwn(result, '_meta')
  );
}

/**
 * @internal One line of a stdio server, parsed and validated as the SDK's
 * `deserializeMessage` does (same result, same errors), with a fast path for
 * plain result responses.
 */
export function parseMessage(line: string): JSONRPCMessage {
  const value: unknown = JSON.parse(line);
  return isPlainResultResponse(value) ? value : JSONRPCMessageSchema.parse(value);
}

/** A text block with no annotations nor `_meta`. */
const isPlainText = (block: unknown): boolean =>
  isObject(block) &&
  block.type === 'text' &&
  typeof block.text === 'string' &&
  onlyKeys(block, 'type', 'text');

/** `content` of text blocks (or none), `isError`, `structuredContent`, and nothing else. */
function isPlainToolResult(value: unknown): value is JsonObject {
  if (!isObject(value) || !onlyKeys(value, 'content', 'isError', 'structuredContent')) {
    return false;
  }
  const { content, isError, structuredContent } = value;
  if (content !== undefined) {
    if (!Array.isArray(content)) return false;
    for (const block of content) if (!isPlainText(block)) return false;
  }
  return (
    (isError === undefined || typeof isError === 'boolean') &&
    (structuredContent === undefined ||
      // The SDK's record schema leaves out an own `__proto__` key (JSON.parse makes one).
      (isObject(structuredContent) && !Object.hasOwn(structuredContent, '__proto__')))
  );
}

type SafeParse =
  { success: true; data: CallToolResult } | ReturnType<typeof CallToolResultSchema.safeParse>;

/**
 * @internal The result schema handed to the SDK's `callTool`: the SDK's own
 * `CallToolResultSchema`, with a fast path for text results. The SDK calls
 * `safeParse` of a schema that is not a zod 4 one.
 */
export const toolResultSchema = {
  safeParse(data: unknown): SafeParse {
    if (isPlainToolResult(data)) {
      const result = (
        data.content === undefined ? { ...data, content: [] } : data
      ) as CallToolResult;
      return { success: true, data: result };
    }
    return CallToolResultSchema.safeParse(data);
  },
} as unknown as typeof CallToolResultSchema;
