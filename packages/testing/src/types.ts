import type Anthropic from '@anthropic-ai/sdk';

/** One content block the scripted model streams. */
export type MockBlock =
  | {
      type: 'text';
      /** The complete text of the block. */
      text: string;
      /** Exact deltas to send; default: the text split into word-sized chunks. */
      chunks?: string[];
    }
  | {
      type: 'thinking';
      /** The complete thinking text. */
      thinking: string;
      /** Sent as one `signature_delta`. @default a deterministic fake signature */
      signature?: string;
      /** Exact `thinking_delta` pieces; default: word-sized chunks. */
      chunks?: string[];
    }
  /** Sent whole in its `content_block_start`, with no deltas. */
  | { type: 'redacted_thinking'; data: string }
  | {
      type: 'tool_use';
      /** @default a generated `toolu_...` id */
      id?: string;
      /** The tool's name. */
      name: string;
      /** The complete input; streamed as JSON in `input_json_delta` pieces. */
      input: unknown;
      /** How many `input_json_delta` pieces the JSON is split into. @default 3 */
      partialChunks?: number;
      /**
       * Streamed instead of `input`'s JSON: e.g. JSON cut short, as the API
       * sends when `max_tokens` ends a turn in the middle of a call.
       * @default JSON.stringify(input)
       */
      rawJson?: string;
    }
  /**
   * A server tool call (web search...), run by the API itself: streamed like
   * a `tool_use`, but answered in the same turn by a result block.
   */
  | {
      type: 'server_tool_use';
      /** @default a generated `srvtoolu_...` id */
      id?: string;
      /** @default 'web_search' */
      name?: string;
      input: unknown;
    }
  /** The result of a server web search, sent whole in its `content_block_start`. */
  | {
      type: 'web_search_tool_result';
      /** The `server_tool_use` id it answers. */
      tool_use_id: string;
      /** @default one result about the query */
      content?: unknown[];
    };

/** A failure the scripted server produces on demand. */
export type MockFault =
  /** An HTTP error before any streaming (429 with `retry-after`, 500, 529 `overloaded_error`, 400, 401...). */
  | {
      type: 'http_error';
      /** The HTTP status. */
      status: number;
      /** Anthropic error type; @default derived from status (429 rate_limit_error, 529 overloaded_error, 500 api_error...) */
      errorType?: string;
      /** @default a message like the API's for that error type */
      message?: string;
      /** Seconds, sent as the `retry-after` header. */
      retryAfter?: number;
      /** Milliseconds, sent as the `retry-after-ms` header (the API sends both; clients prefer this one). */
      retryAfterMs?: number;
      /** More response headers, e.g. `{ 'x-should-retry': 'false' }`. @default {} */
      headers?: Record<string, string>;
    }
  /** An `event: error` in the middle of the stream after N content deltas. */
  | {
      type: 'stream_error';
      /** Content deltas sent before the error (0: before `message_start`). */
      afterDeltas: number;
      /** @default 'overloaded_error' */
      errorType?: 'overloaded_error' | 'api_error';
      /** @default 'Overloaded' or 'Internal server error' */
      message?: string;
    }
  /**
   * Headers (and N deltas) sent, then silence until the client gives up.
   * `afterDeltas` @default 0 (headers only)
   */
  | { type: 'stall'; afterDeltas?: number }
  /**
   * The connection is destroyed after N deltas.
   * `afterDeltas` @default 0 (no response at all: a connection error)
   */
  | { type: 'drop'; afterDeltas?: number };

/** What the scripted model does for one request. */
export interface MockTurn {
  /** The content blocks, streamed in order. @default [] */
  blocks?: MockBlock[];
  /** @default 'tool_use' when a tool_use block is present, else 'end_turn' */
  stopReason?: Anthropic.StopReason;
  /** Token counts reported; unspecified counts are estimated deterministically. */
  usage?: Partial<{
    input_tokens: number;
    output_tokens: number;
    cache_creation_input_tokens: number;
    cache_read_input_tokens: number;
    /** Of `cache_creation_input_tokens`, how many were 1-hour writes (sent in `cache_creation`). @default 0 */
    cache_creation_1h_input_tokens: number;
    /** Web search requests, sent as `usage.server_tool_use` when set. @default not sent */
    web_search_requests: number;
  }>;
  /** Milliseconds between streamed events. @default 0 */
  delayMs?: number;
  /**
   * While waiting `delayMs`, send an `event: ping` every this many ms, as the
   * API keeps a slow stream alive. @default 0 (no extra pings)
   */
  pingEveryMs?: number;
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
  /** `POST`, `GET`... */
  method: string;
  /** The path without the query string (`/v1/messages`). */
  path: string;
  /** Header names lowercased; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** Parsed JSON body (or the raw string when it was not JSON). */
  body: unknown;
  /** Milliseconds since the epoch. */
  receivedAt: number;
}

/**
 * Where the server reports what a person should know (a script that threw).
 * Same shape as `Logger` in `@claude-gateway/core`.
 */
export interface MockLogger {
  warn(message: string, data?: object): void;
  error(message: string, data?: object): void;
}

/** Options of `startMockAnthropic`. */
export interface MockAnthropicOptions {
  /** What the model answers. @default `createDemoModel()` */
  script?: Script;
  /** @default 0 (a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /**
   * Credentials accepted as `x-api-key` or `Authorization: Bearer` (401
   * `authentication_error` otherwise). A request without either is always refused.
   * @default any non-empty value
   */
  credentials?: string[];
  /**
   * Prompt-cache simulation: a prefix ending at a `cache_control` breakpoint
   * is cached only when it has at least this many (estimated) tokens.
   * @default 0 (the real API's minimum is 1024 or more, depending on the model)
   */
  cacheMinTokens?: number;
  /**
   * Which requests `requests` keeps: `true` every one, `false` none, a number
   * the last N (older ones are dropped as new ones arrive). A long-running
   * server (the demo) passes `false` or a small number so memory stays bounded.
   * @default true
   */
  recordRequests?: boolean | number;
  /** @default console */
  logger?: MockLogger;
}

/** A running scripted Messages API server. */
export interface MockAnthropic {
  /** Base URL for the SDK: `new Anthropic({ baseURL: mock.url, apiKey: 'test' })`. */
  url: string;
  /** The port the server listens on. */
  port: number;
  /** The requests received, in order: every one, or the last ones `recordRequests` keeps. */
  requests: RecordedRequest[];
  /** Replaces the script (and resets the turn index for list scripts). */
  setScript(script: Script): void;
  /** Stops the server and destroys open connections (stalled ones too). */
  close(): Promise<void>;
}
