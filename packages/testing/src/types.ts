import type Anthropic from '@anthropic-ai/sdk';

/** One content block the scripted model streams. */
export type MockBlock =
  | {
      type: 'text';
      text: string;
      /** Exact deltas to send; default: the text split into word-sized chunks. */
      chunks?: string[];
    }
  | {
      type: 'thinking';
      thinking: string;
      /** Sent as one `signature_delta`. @default a deterministic fake signature */
      signature?: string;
      chunks?: string[];
    }
  | { type: 'redacted_thinking'; data: string }
  | {
      type: 'tool_use';
      /** @default a generated `toolu_...` id */
      id?: string;
      name: string;
      input: unknown;
      /** How many `input_json_delta` pieces the JSON is split into. @default 3 */
      partialChunks?: number;
    };

/** A failure the scripted server produces on demand. */
export type MockFault =
  /** An HTTP error before any streaming (429 with `retry-after`, 500, 529 `overloaded_error`, 400, 401...). */
  | {
      type: 'http_error';
      status: number;
      /** Anthropic error type; @default derived from status (429 rate_limit_error, 529 overloaded_error, 500 api_error...) */
      errorType?: string;
      message?: string;
      /** Seconds, sent as the `retry-after` header. */
      retryAfter?: number;
    }
  /** An `event: error` in the middle of the stream after N content deltas. */
  | {
      type: 'stream_error';
      afterDeltas: number;
      errorType?: 'overloaded_error' | 'api_error';
      message?: string;
    }
  /** Headers (and N deltas) sent, then silence until the client gives up. */
  | { type: 'stall'; afterDeltas?: number }
  /** The connection is destroyed after N deltas (0: before any byte of the body). */
  | { type: 'drop'; afterDeltas?: number };

/** What the scripted model does for one request. */
export interface MockTurn {
  blocks?: MockBlock[];
  /** @default 'tool_use' when a tool_use block is present, else 'end_turn' */
  stopReason?: Anthropic.StopReason;
  /** Token counts reported; unspecified counts are estimated deterministically. */
  usage?: Partial<{
    input_tokens: number;
    output_tokens: number;
    cache_creation_input_tokens: number;
    cache_read_input_tokens: number;
  }>;
  /** Milliseconds between streamed events. @default 0 */
  delayMs?: number;
  /** Fail this request instead of (or in the middle of) answering it. */
  fault?: MockFault;
}

/** What a script function sees of the incoming request. */
export interface MockRequestInfo {
  /** The parsed request body (`model`, `messages`, `tools`, `system`, ...). */
  body: Anthropic.MessageCreateParams;
  headers: Record<string, string>;
  /** 0-based index of this request among all `POST /v1/messages` received. */
  index: number;
}

/**
 * A list of turns answered in order (one per request), or a function of the
 * request returning the next turn (so tool loops can be scripted).
 */
export type Script = MockTurn[] | ((request: MockRequestInfo) => MockTurn | Promise<MockTurn>);

/** One request the server received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Parsed JSON body (or the raw string when it was not JSON). */
  body: unknown;
  /** Milliseconds since the epoch. */
  receivedAt: number;
}

/** Options of `startMockAnthropic`. */
export interface MockAnthropicOptions {
  script?: Script;
  /** @default 0 (a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
}

/** A running scripted Messages API server. */
export interface MockAnthropic {
  /** Base URL for the SDK: `new Anthropic({ baseURL: mock.url, apiKey: 'test' })`. */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Replaces the script (and resets the turn index for list scripts). */
  setScript(script: Script): void;
  /** Stops the server and destroys open connections (stalled ones too). */
  close(): Promise<void>;
}
