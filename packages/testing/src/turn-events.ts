import type Anthropic from '@anthropic-ai/sdk';
import { randomId, thinkingSignature } from './ids.js';
import { encodeSSE, PING_FRAME } from './sse.js';
import type { MockBlock, MockTurn } from './types.js';

/** Token counts of one response, as sent in `message_start` and `message_delta`. */
export interface TurnUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  /** Of `cache_creation_input_tokens`, how many were 1-hour writes. @default 0 */
  cache_creation_1h_input_tokens?: number;
  /** Web search requests, sent as `server_tool_use` when set. */
  web_search_requests?: number;
}

/** One frame of a response stream; `delta` marks `content_block_delta` frames (faults count them). */
export interface StreamFrame {
  frame: string;
  delta: boolean;
}

/** What the server answers for one turn: the stream frames and the equivalent complete message. */
export interface RenderedTurn {
  message: Anthropic.Message;
  frames: StreamFrame[];
}

/** Splits text into word-sized pieces, each keeping its trailing whitespace. */
export function wordChunks(text: string): string[] {
  const pieces = text.match(/\S+\s*|\s+/g);
  return pieces ?? [text];
}

/** Splits a string into `count` pieces of similar size (by code point, never empty). */
export function splitEvenly(text: string, count: number): string[] {
  const chars = Array.from(text);
  const n = Math.max(1, Math.min(Math.floor(count), chars.length));
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const from = Math.floor((i * chars.length) / n);
    const to = Math.floor(((i + 1) * chars.length) / n);
    out.push(chars.slice(from, to).join(''));
  }
  return out.length > 0 ? out : [''];
}

/** Rough token count of a text, the usual ~4 characters per token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function blockText(block: MockBlock): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'thinking':
      return block.thinking;
    case 'redacted_thinking':
      return block.data;
    case 'tool_use':
    case 'server_tool_use':
      return JSON.stringify(block.input ?? {});
    case 'web_search_tool_result':
      return '';
  }
}

/** The output token count the server reports when the turn does not say. */
export function estimateOutputTokens(blocks: readonly MockBlock[]): number {
  return Math.max(
    1,
    blocks.reduce((sum, b) => sum + estimateTokens(blockText(b)), 0),
  );
}

/** The stop reason of a turn: its own, else `tool_use` when it calls a tool, else `end_turn`. */
export function turnStopReason(turn: MockTurn): Anthropic.StopReason {
  if (turn.stopReason) return turn.stopReason;
  return (turn.blocks ?? []).some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
}

/**
 * Renders a scripted turn into the exact event sequence of the streaming
 * Messages API and the equivalent non-streaming message.
 */
export function renderTurn(
  turn: MockTurn,
  model: string,
  usage: TurnUsage,
  messageId = randomId('msg'),
): RenderedTurn {
  const blocks = turn.blocks ?? [];
  const stopReason = turnStopReason(turn);
  const content: Anthropic.ContentBlock[] = [];
  const frames: StreamFrame[] = [];
  const push = (event: string, data: unknown, delta = false) =>
    frames.push({ frame: encodeSSE(event, data), delta });

  const startUsage = {
    input_tokens: usage.input_tokens,
    cache_creation_input_tokens: usage.cache_creation_input_tokens,
    cache_read_input_tokens: usage.cache_read_input_tokens,
    cache_creation: cacheCreation(usage),
    output_tokens: 1,
    ...serverToolUse(usage),
    service_tier: 'standard',
  };
  push('message_start', {
    type: 'message_start',
    message: {
      id: messageId,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: startUsage,
    },
  });

  blocks.forEach((block, index) => {
    switch (block.type) {
      case 'text': {
        push('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'text', text: '' },
        });
        for (const text of block.chunks ?? wordChunks(block.text)) {
          push(
            'content_block_delta',
            { type: 'content_block_delta', index, delta: { type: 'text_delta', text } },
            true,
          );
        }
        content.push({
          type: 'text',
          text: block.chunks ? block.chunks.join('') : block.text,
        } as Anthropic.TextBlock);
        break;
      }
      case 'thinking': {
        const signature = block.signature ?? thinkingSignature(block.thinking);
        push('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'thinking', thinking: '', signature: '' },
        });
        for (const thinking of block.chunks ?? wordChunks(block.thinking)) {
          push(
            'content_block_delta',
            { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking } },
            true,
          );
        }
        push(
          'content_block_delta',
          { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature } },
          true,
        );
        const thinking = block.chunks ? block.chunks.join('') : block.thinking;
        content.push({ type: 'thinking', thinking, signature });
        break;
      }
      case 'redacted_thinking': {
        push('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'redacted_thinking', data: block.data },
        });
        content.push({ type: 'redacted_thinking', data: block.data });
        break;
      }
      case 'tool_use': {
        const id = block.id ?? randomId('toolu');
        const input = block.input ?? {};
        push('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id, name: block.name, input: {} },
        });
        for (const partial_json of splitEvenly(
          block.rawJson ?? JSON.stringify(input),
          block.partialChunks ?? 3,
        )) {
          push(
            'content_block_delta',
            {
              type: 'content_block_delta',
              index,
              delta: { type: 'input_json_delta', partial_json },
            },
            true,
          );
        }
        content.push({ type: 'tool_use', id, name: block.name, input } as Anthropic.ToolUseBlock);
        break;
      }
      case 'server_tool_use': {
        const id = block.id ?? randomId('srvtoolu');
        const name = block.name ?? 'web_search';
        const input = block.input ?? {};
        push('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'server_tool_use', id, name, input: {} },
        });
        push(
          'content_block_delta',
          {
            type: 'content_block_delta',
            index,
            delta: { type: 'input_json_delta', partial_json: JSON.stringify(input) },
          },
          true,
        );
        content.push({ type: 'server_tool_use', id, name, input } as Anthropic.ContentBlock);
        break;
      }
      case 'web_search_tool_result': {
        const result = {
          type: 'web_search_tool_result',
          tool_use_id: block.tool_use_id,
          content: block.content ?? [
            {
              type: 'web_search_result',
              url: 'https://example.com/',
              title: 'Example',
              encrypted_content: 'mock-encrypted-content',
              page_age: null,
            },
          ],
        };
        push('content_block_start', { type: 'content_block_start', index, content_block: result });
        content.push(result as unknown as Anthropic.ContentBlock);
        break;
      }
    }
    push('content_block_stop', { type: 'content_block_stop', index });
  });

  // The API sends its ping right after the first content_block_start.
  frames.splice(blocks.length > 0 ? 2 : 1, 0, { frame: PING_FRAME, delta: false });

  push('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: {
      input_tokens: usage.input_tokens,
      cache_creation_input_tokens: usage.cache_creation_input_tokens,
      cache_read_input_tokens: usage.cache_read_input_tokens,
      output_tokens: usage.output_tokens,
      ...serverToolUse(usage),
    },
  });
  push('message_stop', { type: 'message_stop' });

  const message = {
    id: messageId,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: {
      input_tokens: usage.input_tokens,
      cache_creation_input_tokens: usage.cache_creation_input_tokens,
      cache_read_input_tokens: usage.cache_read_input_tokens,
      cache_creation: cacheCreation(usage),
      ...serverToolUse(usage),
      output_tokens: usage.output_tokens,
      service_tier: 'standard',
    },
  } as unknown as Anthropic.Message;
  return { message, frames };
}

function cacheCreation(usage: TurnUsage) {
  const oneHour = Math.min(
    usage.cache_creation_1h_input_tokens ?? 0,
    usage.cache_creation_input_tokens,
  );
  return {
    ephemeral_5m_input_tokens: usage.cache_creation_input_tokens - oneHour,
    ephemeral_1h_input_tokens: oneHour,
  };
}

function serverToolUse(usage: TurnUsage) {
  return usage.web_search_requests === undefined
    ? {}
    : {
        server_tool_use: { web_search_requests: usage.web_search_requests, web_fetch_requests: 0 },
      };
}
