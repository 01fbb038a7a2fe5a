import type { ToolOutcome, ToolResultContentBlock } from '@claude-gateway/core';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

type McpBlock = CallToolResult['content'][number];

const imageTypes = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
type ImageMediaType = 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp';

/** `image/jpg`, `IMAGE/PNG` or `image/webp; q=1` as the API spells it. */
function imageMediaType(mimeType: string): string {
  const type = (mimeType.split(';')[0] ?? '').trim().toLowerCase();
  return type === 'image/jpg' ? 'image/jpeg' : type;
}

function imageBlock(mimeType: string, data: string): ToolResultContentBlock | undefined {
  const mediaType = imageMediaType(mimeType);
  if (!imageTypes.has(mediaType)) return undefined;
  return {
    type: 'image',
    source: { type: 'base64', media_type: mediaType as ImageMediaType, data },
  };
}

/** An MCP block the model can see, as an Anthropic block; `undefined` for text (it goes in `result`). */
function toAnthropicBlock(block: McpBlock): ToolResultContentBlock | undefined {
  switch (block.type) {
    case 'text':
      return undefined;
    case 'image':
      return (
        imageBlock(block.mimeType, block.data) ?? {
          type: 'text',
          text: `[image of type ${block.mimeType} omitted: not supported]`,
        }
      );
    case 'audio':
      return { type: 'text', text: `[audio of type ${block.mimeType} omitted: not supported]` };
    case 'resource_link':
      return {
        type: 'text',
        text: `[resource ${block.uri}${block.name ? ` "${block.name}"` : ''}]`,
      };
    case 'resource': {
      const resource = block.resource;
      if ('text' in resource && typeof resource.text === 'string') {
        return { type: 'text', text: `[resource ${resource.uri}]\n${resource.text}` };
      }
      if ('blob' in resource && resource.mimeType === 'application/pdf') {
        return {
          type: 'document',
          source: { type: 'base64', media_type: 'application/pdf', data: resource.blob },
        };
      }
      const image =
        'blob' in resource && resource.mimeType
          ? imageBlock(resource.mimeType, resource.blob)
          : undefined;
      if (image) return image;
      return {
        type: 'text',
        text: `[resource ${resource.uri} of type ${resource.mimeType ?? 'unknown'}]`,
      };
    }
    default:
      return undefined;
  }
}

function joinedText(content: readonly McpBlock[]): string | undefined {
  let text: string | undefined;
  for (const block of content) {
    if (block.type === 'text') text = text === undefined ? block.text : `${text}\n${block.text}`;
  }
  return text;
}

// What a JSON text can start with (after whitespace): an object, an array,
// a string, a number, true, false or null.
const JSON_START = /^\s*[[{"\-0-9tfn]/;

/** False when `text` cannot be JSON: a cheap test that spares most plain text a throw. */
function looksLikeJson(text: string): boolean {
  return JSON_START.test(text);
}

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { text };
  }
}

/**
 * Maps an MCP `CallToolResult` to an outcome: `structuredContent`, else the
 * text parsed as JSON, else `{ text }`; images and other blocks go to
 * `content` as Anthropic blocks. `isError: true` becomes `mcp_error` with the
 * server's text.
 */
export function mapCallToolResult(result: CallToolResult, source: string): ToolOutcome {
  const content = Array.isArray(result.content) ? result.content : [];
  const text = joinedText(content);
  if (result.isError === true) {
    return { error: { code: 'mcp_error', message: text || 'the tool reported an error' }, source };
  }
  const blocks: ToolResultContentBlock[] = [];
  for (const block of content) {
    const mapped = toAnthropicBlock(block);
    if (mapped) blocks.push(mapped);
  }
  let value: unknown = null;
  if (result.structuredContent !== undefined) {
    value = result.structuredContent;
  } else if (text !== undefined) {
    value = looksLikeJson(text) ? parseOr(text) : { text };
  }
  return blocks.length > 0 ? { result: value, content: blocks, source } : { result: value, source };
}
