import { GatewayError, type EventLog, type ToolDefinition } from '@claude-gateway/core';

/** A tool's input schema: a JSON Schema object, as the Messages API takes it. */
export type ToolInputSchema = ToolDefinition['input_schema'];

/** What a local tool's handler gets besides its input. */
export interface ToolHandlerContext {
  /** Aborted when the run is cancelled or the tool times out. */
  signal: AbortSignal;
  /** The `tool_use` id of this call. */
  toolUseId: string;
  /** 0-based index of the call within the run. */
  callIndex: number;
  sessionId: string;
  runId: string;
  /** The run's log (read-only use is expected: the runner writes `tool_result`). */
  log: EventLog;
}

/** What {@link defineTool} takes. `I` is the handler's input type. */
export interface ToolSpec<I = unknown> {
  /** Matches `^[a-zA-Z0-9_-]{1,64}$` (the Messages API rule). */
  name: string;
  description: string;
  /** Validated (ajv) before the handler runs: the handler sees only valid input. */
  inputSchema: ToolInputSchema;
  /**
   * Returns the result (any shape). To fail, throw: a `GatewayError` with a
   * tool code keeps its code, anything else becomes `tool_error` with the
   * error's message.
   */
  handler: (input: I, context: ToolHandlerContext) => unknown;
  /**
   * Gate this tool behind a person's approval: always (`true`) or when the
   * function says so for this input.
   * @default false
   */
  needsApproval?: boolean | ((input: I) => boolean | Promise<boolean>);
  /**
   * Time limit for the handler, in ms (`tool_timeout`); `Infinity` for none.
   * @default the dispatcher's `timeoutMs`
   */
  timeoutMs?: number;
  /**
   * Bytes of result text (and of error message) the model and the log get
   * from this tool; the rest is cut with a visible marker.
   * @default the dispatcher's `maxResultBytes`
   */
  maxResultBytes?: number;
  /**
   * Run alone: the runner runs the calls of one model turn concurrently,
   * but a call to this tool waits for the calls before it to finish, and
   * the calls after it wait for it (for a tool with shared state that
   * concurrent calls would trample).
   * @default false
   */
  sequential?: boolean;
}

/**
 * A local tool, as {@link defineTool} makes it. The input type is erased
 * here, so tools of different input types fit one array; the dispatcher only
 * calls the handler with input its schema accepted.
 */
export interface LocalTool {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: ToolInputSchema;
  readonly handler: (input: unknown, context: ToolHandlerContext) => unknown;
  readonly needsApproval?: boolean | ((input: unknown) => boolean | Promise<boolean>);
  readonly timeoutMs?: number;
  readonly maxResultBytes?: number;
  readonly sequential?: boolean;
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Defines a local tool. Give the input type as a generic so the handler is
 * typed; the schema is what enforces it at run time.
 *
 * @example
 * ```ts
 * const add = defineTool<{ a: number; b: number }>({
 *   name: 'add',
 *   description: 'Adds two numbers',
 *   inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
 *   handler: ({ a, b }) => ({ sum: a + b }),
 * });
 * ```
 * @throws GatewayError `invalid_options` for a bad name, schema type, timeout,
 *   `maxResultBytes` or `sequential`.
 */
export function defineTool<I = unknown>(spec: ToolSpec<I>): LocalTool {
  if (typeof spec.name !== 'string' || !TOOL_NAME.test(spec.name)) {
    throw new GatewayError(
      'invalid_options',
      `tool name ${JSON.stringify(spec.name)} must match ^[a-zA-Z0-9_-]{1,64}$`,
    );
  }
  // The Messages API takes only object schemas (`input_schema.type: "object"`)
  // and refuses the whole request otherwise: every run would fail.
  if (
    typeof spec.inputSchema !== 'object' ||
    spec.inputSchema === null ||
    (spec.inputSchema as { type?: unknown }).type !== 'object'
  ) {
    throw new GatewayError(
      'invalid_options',
      `tool ${spec.name}: inputSchema must be a JSON Schema with type: 'object'`,
    );
  }
  if (typeof spec.handler !== 'function') {
    throw new GatewayError('invalid_options', `tool ${spec.name}: handler must be a function`);
  }
  if (spec.timeoutMs !== undefined && !(spec.timeoutMs > 0)) {
    throw new GatewayError('invalid_options', `tool ${spec.name}: timeoutMs must be > 0`);
  }
  if (spec.sequential !== undefined && typeof spec.sequential !== 'boolean') {
    throw new GatewayError('invalid_options', `tool ${spec.name}: sequential must be a boolean`);
  }
  if (spec.maxResultBytes !== undefined && !isByteLimit(spec.maxResultBytes)) {
    throw new GatewayError(
      'invalid_options',
      `tool ${spec.name}: maxResultBytes must be a positive integer or Infinity`,
    );
  }
  // The input type is a promise the schema keeps; erasing it is what lets
  // tools of different input types share one array.
  return Object.freeze({ ...spec }) as unknown as LocalTool;
}

/** @internal A byte limit: a positive integer, or `Infinity` for none. */
export function isByteLimit(value: unknown): value is number {
  return value === Infinity || (Number.isInteger(value) && (value as number) > 0);
}
