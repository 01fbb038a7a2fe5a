import type { MockBlock, MockFault, MockTurn } from './types.js';

/** Extra settings shared by the turn helpers. */
export type TurnOptions = Omit<MockTurn, 'blocks'>;

/** A turn that answers with one text block. */
export function textTurn(text: string, options: TurnOptions = {}): MockTurn {
  return { ...options, blocks: [{ type: 'text', text }] };
}

/** A turn that thinks, then answers with text (the request should enable thinking). */
export function thinkingTurn(thinking: string, text: string, options: TurnOptions = {}): MockTurn {
  return {
    ...options,
    blocks: [
      { type: 'thinking', thinking },
      { type: 'text', text },
    ],
  };
}

/**
 * A turn that calls one tool (`stop_reason: "tool_use"`), optionally after
 * some text. The id is generated unless given.
 */
export function toolUseTurn(
  name: string,
  input: unknown,
  options: TurnOptions & { id?: string; text?: string; thinking?: string } = {},
): MockTurn {
  const { id, text, thinking, ...rest } = options;
  const blocks: MockBlock[] = [];
  if (thinking !== undefined) blocks.push({ type: 'thinking', thinking });
  if (text !== undefined) blocks.push({ type: 'text', text });
  blocks.push(
    id === undefined ? { type: 'tool_use', name, input } : { type: 'tool_use', id, name, input },
  );
  return { ...rest, blocks };
}

/** A turn that fails with an HTTP error before streaming (429 gets `retry-after` when given). */
export function errorTurn(
  status: number,
  options: Omit<Extract<MockFault, { type: 'http_error' }>, 'type' | 'status'> = {},
): MockTurn {
  return { fault: { type: 'http_error', status, ...options } };
}

/** A 429 `rate_limit_error` with a `retry-after` header (seconds). */
export function rateLimitTurn(retryAfter = 1): MockTurn {
  return errorTurn(429, { retryAfter });
}

/** A 529 `overloaded_error`. */
export function overloadedTurn(): MockTurn {
  return errorTurn(529);
}

/** Streams `text` and sends `event: error` (`overloaded_error` by default) after `afterDeltas` deltas. */
export function midStreamErrorTurn(
  text: string,
  afterDeltas: number,
  errorType: 'overloaded_error' | 'api_error' = 'overloaded_error',
): MockTurn {
  return {
    blocks: [{ type: 'text', text }],
    fault: { type: 'stream_error', afterDeltas, errorType },
  };
}

/** Sends the headers and `afterDeltas` deltas of `text`, then nothing until the client gives up. */
export function stallTurn(text = 'This answer never finishes.', afterDeltas = 0): MockTurn {
  return { blocks: [{ type: 'text', text }], fault: { type: 'stall', afterDeltas } };
}

/** Destroys the connection after `afterDeltas` deltas of `text` (0: before the response starts). */
export function dropTurn(text = 'This answer is cut off.', afterDeltas = 0): MockTurn {
  return { blocks: [{ type: 'text', text }], fault: { type: 'drop', afterDeltas } };
}

/**
 * A turn the streaming classifiers stopped: `text` so far, then
 * `stop_reason: "refusal"`.
 */
export function refusalTurn(text = 'I can’t help with', options: TurnOptions = {}): MockTurn {
  return { ...options, blocks: [{ type: 'text', text }], stopReason: 'refusal' };
}

/**
 * A turn a server tool paused (`stop_reason: "pause_turn"`): some text and a
 * web search with its result; send it back to let the model go on.
 */
export function pauseTurn(
  text = 'Searching…',
  options: TurnOptions & { searchId?: string; query?: string } = {},
): MockTurn {
  const { searchId = 'srvtoolu_paused', query = 'claude', ...rest } = options;
  return {
    ...rest,
    blocks: [
      { type: 'text', text },
      { type: 'server_tool_use', id: searchId, name: 'web_search', input: { query } },
      { type: 'web_search_tool_result', tool_use_id: searchId },
    ],
    stopReason: 'pause_turn',
  };
}

/**
 * A turn `max_tokens` cut in the middle of a tool call: `text`, then a
 * `tool_use` whose JSON input stops half way.
 */
export function maxTokensInToolUseTurn(
  name: string,
  options: TurnOptions & { id?: string; text?: string } = {},
): MockTurn {
  const { id = 'toolu_cut', text = 'Let me call it', ...rest } = options;
  return {
    ...rest,
    blocks: [
      { type: 'text', text },
      { type: 'tool_use', id, name, input: {}, rawJson: '{"path": "/tmp/unfin' },
    ],
    stopReason: 'max_tokens',
  };
}

/** A turn that fills the model's context window (`stop_reason: "model_context_window_exceeded"`). */
export function contextWindowExceededTurn(
  text = 'The answer is long',
  options: TurnOptions = {},
): MockTurn {
  return {
    ...options,
    blocks: [{ type: 'text', text }],
    stopReason: 'model_context_window_exceeded',
  };
}

/** A 400 `invalid_request_error` worded as the API words a prompt above the context window. */
export function promptTooLongTurn(tokens = 210_000, maximum = 200_000): MockTurn {
  return errorTurn(400, {
    errorType: 'invalid_request_error',
    message: `prompt is too long: ${tokens} tokens > ${maximum} maximum`,
  });
}

/** A 413 `request_too_large`: the request body is above the API's size limit. */
export function requestTooLargeTurn(): MockTurn {
  return errorTurn(413, {
    errorType: 'request_too_large',
    message: 'Request exceeds the maximum allowed number of bytes.',
  });
}
