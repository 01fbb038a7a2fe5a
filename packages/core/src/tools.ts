import type Anthropic from '@anthropic-ai/sdk';
import type { ErrorPayload, ToolErrorCode } from './errors.js';
import type { EventLog } from './event-log-types.js';

/** A tool as the Messages API takes it. */
export type ToolDefinition = Anthropic.Tool;

/** A content block a tool may hand back to the model (text, image, document...). */
export type ToolResultContentBlock = Exclude<
  Anthropic.ToolResultBlockParam['content'],
  string | undefined
>[number];

/** One call the model made. */
export interface ToolCall {
  /** The `tool_use` block's id. */
  id: string;
  name: string;
  input: unknown;
}

/**
 * What a tool call came to: a result (any JSON value, plus optional content
 * blocks such as images to forward to the model) or an error with a code.
 * `source` is `local` or `mcp:<server>`; `local` when absent.
 */
export type ToolOutcome = (
  | { result: unknown; content?: ToolResultContentBlock[]; error?: undefined }
  | { error: ErrorPayload<ToolErrorCode>; result?: undefined; content?: undefined }
) & { source?: string };

/** What the runner gives every tool call. */
export interface ToolContext {
  /** Aborted when the run is cancelled. */
  signal: AbortSignal;
  sessionId: string;
  runId: string;
  /**
   * The top-level run the call belongs to: `runId` itself, or for a
   * sub-agent's call, the run that started the sub-agent (whose log shows
   * the call to a person). Approvals are scoped to it. @default runId
   */
  rootRunId?: string;
  /** 0-based index of the call within the run. */
  callIndex: number;
  /** The run's log; the dispatcher appends approval events to it. */
  log: EventLog;
}

/** The runner's port for tools. `ToolDispatcher` implements it. */
export interface ToolExecutor {
  /** Tool schemas offered to the model. Callers always `await` it. */
  definitions(): ToolDefinition[] | Promise<ToolDefinition[]>;
  /** Runs one call. Never throws for a tool failure: returns `{ error }`. */
  execute(call: ToolCall, ctx: ToolContext): Promise<ToolOutcome>;
  /**
   * Optional: true when a call to tool `name` must run alone. The runner runs
   * the calls of one turn concurrently (up to `maxParallelTools`); a call for
   * which this answers true waits for the calls before it to finish, and the
   * calls after it wait for it. Absent: every tool may run concurrently.
   */
  isSequential?(name: string): boolean;
}

/**
 * The tool call a source call belongs to: what a source needs to reach the
 * person behind the run (an MCP server asking for input appends an
 * `elicitation_request` to `log`, scoped to `sessionId`).
 */
export interface ToolSourceCallContext {
  /** The `tool_use` id of the call. */
  toolUseId: string;
  sessionId: string;
  runId: string;
  /** See {@link ToolContext.rootRunId}. @default runId */
  rootRunId?: string;
  /** 0-based index of the call within the run. */
  callIndex: number;
  /** The run's log. */
  log: EventLog;
}

/** Options of {@link ToolSource.callTool}. */
export interface ToolSourceCallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /**
   * The tool call this source call serves, when a dispatcher knows it.
   * Without it, a source treats the call as made outside any run (an MCP
   * server's elicitation is then declined). @default undefined
   */
  context?: ToolSourceCallContext;
}

/** A provider of tools a dispatcher routes to. `McpClientManager` implements it. */
export interface ToolSource {
  /**
   * The tools it serves now. A tool whose input schema changed comes with a
   * new schema object: a dispatcher keeps its compiled check while it gets
   * the same object back.
   */
  listTools(): Promise<ToolDefinition[]>;
  /** Never throws for a tool failure: returns `{ error }`, with `source` set. */
  callTool(name: string, input: unknown, options?: ToolSourceCallOptions): Promise<ToolOutcome>;
  /**
   * Optional: the `source` label (`mcp:<server>`) this source puts on the
   * outcomes of tool `name`, or `undefined` when it does not serve it. A
   * dispatcher that ends a call itself (cancel, time limit) uses it to say
   * where the call went; without it, it uses the label of the tool's last
   * outcome, if any.
   */
  sourceLabel?(name: string): string | undefined;
}
