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
