import {
  consoleLogger,
  errorDetail,
  errorMessage,
  GatewayError,
  type Logger,
  type ToolCall,
  type ToolContext,
  type ToolDefinition,
  type ToolExecutor,
  type ToolOutcome,
  type ToolSource,
} from '@claude-gateway/core';
import type { ApprovalBroker } from './approval-broker.js';
import { passApprovalGate, type NeedsApproval } from './approval-gate.js';
import { isByteLimit, type LocalTool } from './define-tool.js';
import { runInterceptors, type Interceptor } from './interceptor.js';
import { cloneInput } from './clone-input.js';
import {
  DEFAULT_MAX_MEDIA_BYTES,
  DEFAULT_MAX_RESULT_BYTES,
  limitOutcome,
} from './result-limits.js';
import { callSourceTool, runLocalTool } from './run-tool.js';
import {
  createSchemaValidator,
  type InputCheck,
  type SchemaValidator,
} from './schema-validator.js';
import { SourceRouter } from './source-router.js';
import { thrownToOutcome, toolError } from './tool-errors.js';

/** Default of `timeoutMs`: time limit of a local handler. */
export const DEFAULT_TOOL_TIMEOUT_MS = 60_000;

/** Default of `listTimeoutMs`: how long one source's `listTools()` may take. */
export const DEFAULT_LIST_TIMEOUT_MS = 20_000;

/** Options of {@link createToolDispatcher}. */
export interface ToolDispatcherOptions {
  /** Local tools, from {@link defineTool}. They win name clashes with sources. @default [] */
  tools?: readonly LocalTool[];
  /** Other providers of tools (an MCP client manager...), asked in order. @default [] */
  sources?: readonly ToolSource[];
  /**
   * Where gated calls wait for a person. Without it a gated call answers `approval_required`.
   * @default undefined
   */
  approvals?: ApprovalBroker;
  /** Tool names approved for every session up front: their calls skip the gate. @default [] */
  approvedToolTypes?: Iterable<string>;
  /** Which calls need approval, besides each local tool's own `needsApproval`. @default none */
  needsApproval?: NeedsApproval;
  /** Middleware around every call, outermost first. @default [] */
  interceptors?: readonly Interceptor[];
  /** Time limit of a local handler without its own `timeoutMs`, in ms. @default 60_000 */
  timeoutMs?: number;
  /**
   * Passed to `ToolSource.callTool` as `timeoutMs`; the dispatcher also stops
   * waiting one second after it. Unset, each source applies its own limits
   * (an MCP client manager has per-server ones).
   * @default undefined
   */
  sourceTimeoutMs?: number;
  /**
   * How long one source's `listTools()` may take, in ms. Past it (or when it
   * fails) the source's last list is used, with a warning, and a source
   * whose listing is still pending is not asked again until it answers.
   * Keep it above a source's startup time (an MCP client manager waits for
   * its servers, 15 s by default).
   * @default 20_000
   */
  listTimeoutMs?: number;
  /**
   * Compiles input schemas. Each tool's schema is compiled on its first call,
   * once. Pass one validator to every dispatcher of the process (a dispatcher
   * per request, say) to pay the validator's setup, tens of ms, once.
   * @default createSchemaValidator(), made for this dispatcher
   */
  validator?: SchemaValidator;
  /**
   * Bytes of text a call's outcome may carry to the log, every reader and
   * the model: the result (a string as it is, anything else as JSON) and
   * its text blocks together, or an error message. Past it the text is cut
   * and ends with `[truncated by claude-gateway: N bytes, only the first M
   * are shown]` (the result becomes that string). A local tool's own
   * `maxResultBytes`, then `maxResultBytesByTool`, win. `Infinity` for none.
   * @default 100_000
   */
  maxResultBytes?: number;
  /** Per-tool `maxResultBytes` by tool name (source tools included). @default {} */
  maxResultBytesByTool?: Readonly<Record<string, number>>;
  /**
   * Decoded bytes of the images and documents of one outcome. Each is
   * checked first (a supported media type its bytes confirm, non-empty
   * base64 data); one that fails or does not fit is replaced by a text
   * block saying why. `Infinity` for no size limit.
   * @default 5_242_880 (5 MiB, the Messages API's limit for one image)
   */
  maxMediaBytes?: number;
  /** Where clashes and failures are reported. @default consoleLogger */
  logger?: Logger;
}

/** A {@link ToolExecutor} over local tools and tool sources. */
export interface ToolDispatcher extends ToolExecutor {
  /**
   * Local tools, then every source's tools. Sources are listed again on each
   * call, each bounded by `listTimeoutMs`.
   */
  definitions(): Promise<ToolDefinition[]>;
  /** True for a local tool defined with `sequential: true`: its calls run alone. */
  isSequential(name: string): boolean;
}

/**
 * Creates a tool dispatcher. Each call goes: interceptors → input validation
 * (`invalid_input`) → approval gate → local handler → tool sources. A name
 * no local tool or source serves answers `unknown_tool` before validation:
 * there is no schema to check it against and nothing to approve. `execute`
 * never throws for a tool failure; it returns `{ error }`.
 *
 * Input schemas are compiled on a tool's first call, so creating a
 * dispatcher is cheap; a local tool whose schema does not compile answers
 * `tool_error` (and is logged as an error once).
 *
 * @throws GatewayError `invalid_options` for duplicate local names or bad timeouts.
 */
export function createToolDispatcher(options: ToolDispatcherOptions = {}): ToolDispatcher {
  const logger = options.logger ?? consoleLogger;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
  const sourceTimeoutMs = options.sourceTimeoutMs;
  if (!(timeoutMs > 0)) throw new GatewayError('invalid_options', 'timeoutMs must be > 0');
  if (sourceTimeoutMs !== undefined && !(sourceTimeoutMs > 0 && Number.isFinite(sourceTimeoutMs))) {
    throw new GatewayError('invalid_options', 'sourceTimeoutMs must be a positive finite number');
  }
  const listTimeoutMs = options.listTimeoutMs ?? DEFAULT_LIST_TIMEOUT_MS;
  if (!(listTimeoutMs > 0)) throw new GatewayError('invalid_options', 'listTimeoutMs must be > 0');
  const maxResultBytes = options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES;
  const maxMediaBytes = options.maxMediaBytes ?? DEFAULT_MAX_MEDIA_BYTES;
  const byTool = new Map(Object.entries(options.maxResultBytesByTool ?? {}));
  for (const [what, value] of [
    ['maxResultBytes', maxResultBytes],
    ['maxMediaBytes', maxMediaBytes],
    ...[...byTool].map(([name, value]) => [`maxResultBytesByTool.${name}`, value] as const),
  ] as const) {
    if (!isByteLimit(value)) {
      throw new GatewayError('invalid_options', `${what} must be a positive integer or Infinity`);
    }
  }
  for (const [i, source] of (options.sources ?? []).entries()) {
    const { listTools, callTool } = (source ?? {}) as Partial<ToolSource>;
    if (typeof listTools !== 'function' || typeof callTool !== 'function') {
      throw new GatewayError(
        'invalid_options',
        `sources[${i}] must be a ToolSource (listTools and callTool functions)`,
      );
    }
  }
  const interceptors = [...(options.interceptors ?? [])];
  const approvedToolTypes: ReadonlySet<string> = new Set(options.approvedToolTypes ?? []);
  const globalGate = normalizeNeedsApproval(options.needsApproval);
  let validator = options.validator;

  // `check` is compiled on the tool's first call: an `Error` when it does not compile.
  const locals = new Map<string, { tool: LocalTool; check?: InputCheck | Error }>();
  for (const tool of options.tools ?? []) {
    if (locals.has(tool.name)) {
      throw new GatewayError('invalid_options', `two local tools are named "${tool.name}"`);
    }
    locals.set(tool.name, { tool });
  }
  const lazyValidator: SchemaValidator = {
    compile: (schema) => (validator ??= createSchemaValidator()).compile(schema),
  };
  // Local definitions do not change: made once.
  const own: ToolDefinition[] = [...locals.values()].map(({ tool }) => ({
    name: tool.name,
    description: tool.description,
    input_schema: tool.inputSchema,
  }));
  const hasSources = (options.sources?.length ?? 0) > 0;
  const router = new SourceRouter([...(options.sources ?? [])], {
    localNames: new Set(locals.keys()),
    validator: lazyValidator,
    listTimeoutMs,
    logger,
  });

  const localCheck = (local: { tool: LocalTool; check?: InputCheck | Error }) => {
    if (local.check === undefined) {
      try {
        local.check = lazyValidator.compile(local.tool.inputSchema);
      } catch (error) {
        local.check = new Error(
          `input schema of tool "${local.tool.name}" does not compile: ${errorMessage(error)}`,
        );
        logger.error(local.check.message, { tool: local.tool.name });
      }
    }
    return local.check;
  };

  const ruleGated = async (local: LocalTool | undefined, name: string, input: unknown) => {
    try {
      // isGated answered `needsApproval: true` already.
      const own = local?.needsApproval;
      if (typeof own === 'function' && (await own(input))) return true;
      return await globalGate(name, input);
    } catch (error) {
      // A rule that fails cannot clear a call: gate it.
      logger.error('needsApproval threw; the call is gated', {
        tool: name,
        error: errorDetail(error),
      });
      return true;
    }
  };
  // Without a rule function in play the answer is known at once: a call
  // that needs no gate costs no promise here.
  const globalIsFunction = typeof options.needsApproval === 'function';
  const isGated = (
    local: LocalTool | undefined,
    name: string,
    input: unknown,
  ): boolean | Promise<boolean> => {
    const own = local?.needsApproval;
    if (own === true) return true;
    if (typeof own === 'function' || globalIsFunction) return ruleGated(local, name, input);
    return globalGate(name, input);
  };

  const dispatch = async (call: ToolCall, ctx: ToolContext): Promise<ToolOutcome> => {
    const { name } = call;
    if (ctx.signal.aborted) return toolError('cancelled', `tool ${name} was cancelled`);
    const local = locals.get(name);
    // A source that hangs while listing must not hold a cancelled run.
    const route = local ? undefined : await untilAborted(router.resolve(name), ctx.signal);
    if (route === ABORTED) return toolError('cancelled', `tool ${name} was cancelled`);
    if (!local && !route) return toolError('unknown_tool', `unknown tool "${name}"`);
    // Outcomes the dispatcher makes say where the call was going too.
    const label = () => (local ? 'local' : route ? router.label(name, route) : undefined);

    // A private copy: what is validated, approved and run cannot change
    // under us (the runner's `tool_use` event holds the original).
    const input = cloneInput(call.input);
    const check = local ? localCheck(local) : route ? router.check(name, route) : undefined;
    if (check instanceof Error) return toolError('tool_error', check.message, label());
    const problem = check?.(input);
    if (problem !== undefined) return toolError('invalid_input', problem, label());

    const gate = isGated(local?.tool, name, input);
    const gated = typeof gate === 'boolean' ? gate : await untilAborted(gate, ctx.signal);
    if (gated === ABORTED) return toolError('cancelled', `tool ${name} was cancelled`, label());
    if (gated) {
      const blocked = await passApprovalGate({ id: call.id, name, input }, ctx, {
        broker: options.approvals,
        approvedToolTypes,
        logger,
      });
      if (blocked) return withSource(blocked, label());
    }

    if (local) {
      return runLocalTool(local.tool, input, call, ctx, local.tool.timeoutMs ?? timeoutMs, logger);
    }
    if (!route) return toolError('unknown_tool', `unknown tool "${name}"`);
    const outcome = await callSourceTool(
      route.source,
      name,
      input,
      call,
      ctx,
      sourceTimeoutMs,
      logger,
    );
    // An outcome the source made carries its own label; one the dispatcher
    // made (cancel, time limit, a throw) gets the label the source's
    // outcomes for this tool carry.
    if (outcome.source !== undefined) {
      router.remember(name, outcome.source);
      return outcome;
    }
    return withSource(outcome, label());
  };

  return {
    async definitions() {
      // Fresh copies each time (the caller may change them); without sources, nothing to wait for.
      const mine = own.map((definition) => ({ ...definition }));
      if (!hasSources) return mine;
      return [...mine, ...(await router.definitions())];
    },

    isSequential(name) {
      return locals.get(name)?.tool.sequential === true;
    },

    async execute(call, ctx) {
      const last = async (current: ToolCall): Promise<ToolOutcome> => {
        try {
          return await dispatch(current, ctx);
        } catch (error) {
          logger.error('tool dispatch failed', { tool: current.name, error: errorDetail(error) });
          return thrownToOutcome(error);
        }
      };
      const outcome =
        interceptors.length === 0
          ? await last(call)
          : await runInterceptors(interceptors, call, ctx, last, logger);
      // Last, so that no interceptor or source can get past the limits.
      const limit =
        locals.get(call.name)?.tool.maxResultBytes ?? byTool.get(call.name) ?? maxResultBytes;
      return limitOutcome(outcome, { maxResultBytes: limit, maxMediaBytes });
    },
  };
}

function withSource(outcome: ToolOutcome, source: string | undefined): ToolOutcome {
  return source === undefined || outcome.source !== undefined ? outcome : { ...outcome, source };
}

function normalizeNeedsApproval(
  rule: NeedsApproval | undefined,
): (name: string, input: unknown) => boolean | Promise<boolean> {
  if (rule === undefined) return () => false;
  if (typeof rule === 'function') return rule;
  const names = new Set(rule);
  return (name) => names.has(name);
}

const ABORTED = Symbol('aborted');

/** `work`, or {@link ABORTED} as soon as `signal` aborts. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | typeof ABORTED> {
  if (signal.aborted) return Promise.resolve(ABORTED);
  let onAbort = (): void => {};
  const aborted = new Promise<typeof ABORTED>((resolve) => {
    onAbort = () => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}
