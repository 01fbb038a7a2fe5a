/**
 * OpenTelemetry spans of MCP requests (`tools/call`, `tools/list`), after
 * the MCP semantic conventions: a CLIENT span named `{method} {tool}`,
 * child of the active span (the runner's `execute_tool` span for a tool
 * call). `@opentelemetry/api` is an optional peer dependency, loaded once per
 * process like `@claude-gateway/core` does: without it, or without a
 * registered tracer provider, a request gets no span and pays one check.
 * Internal: the manager's option is `tracing`.
 */
import type { TracerProviderLike } from '@claude-gateway/core';

/** An attribute value, as OpenTelemetry takes it. */
export type SpanAttributeValue = string | number | boolean | string[];

/** Attributes of a span (`undefined` values are left out). */
export type SpanAttributes = Record<string, SpanAttributeValue | undefined>;

// The few parts of @opentelemetry/api used here, typed locally so that the
// published .d.ts never names the optional package.
interface OtelSpan {
  setAttributes(attributes: Record<string, SpanAttributeValue>): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
  isRecording(): boolean;
}

interface OtelTracer {
  startSpan(
    name: string,
    options?: { kind?: number; attributes?: Record<string, SpanAttributeValue> },
    context?: unknown,
  ): OtelSpan;
}

interface OtelApi {
  trace: {
    getTracerProvider(): TracerProviderLike;
    setSpan(context: unknown, span: OtelSpan): unknown;
  };
  context: {
    active(): unknown;
    with<T>(context: unknown, fn: () => T): T;
  };
}

const SPAN_KIND_CLIENT = 2;
const STATUS_ERROR = 2;
const INSTRUMENTATION_SCOPE = '@claude-gateway/mcp';

let loading: Promise<OtelApi | undefined> | undefined;

/** `@opentelemetry/api`, or `undefined` when it is not installed. Loaded once. */
function loadApi(): Promise<OtelApi | undefined> {
  loading ??= import('@opentelemetry/api').then(
    (module: unknown) => {
      const api = (module as { default?: OtelApi } & Partial<OtelApi>) ?? {};
      const found = api.trace && api.context ? (api as OtelApi) : api.default;
      return found?.trace && found.context ? found : undefined;
    },
    () => undefined,
  );
  return loading;
}

function clean(attributes: SpanAttributes): Record<string, SpanAttributeValue> {
  const out: Record<string, SpanAttributeValue> = {};
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Telemetry never fails a call: a throwing tracer gives `fallback`. */
function guard<T>(fallback: T, step: () => T): T {
  try {
    return step();
  } catch {
    return fallback;
  }
}

/** The span of one MCP request. */
export class McpSpan {
  readonly #api: OtelApi;
  readonly #span: OtelSpan;
  readonly #parent: unknown;
  #ended = false;

  constructor(api: OtelApi, span: OtelSpan, parent: unknown) {
    this.#api = api;
    this.#span = span;
    this.#parent = parent;
  }

  /** Runs `fn` with this span active (an HTTP client span of the request nests in it). */
  activate<T>(fn: () => T): T {
    let context: unknown;
    try {
      context = this.#api.trace.setSpan(this.#parent, this.#span);
    } catch {
      return fn();
    }
    let entered = false;
    try {
      return this.#api.context.with(context, () => {
        entered = true;
        return fn();
      });
    } catch (error) {
      // A context manager that failed before calling `fn`: run it plainly.
      if (!entered) return fn();
      throw error;
    }
  }

  /** Sets attributes (`undefined` values are skipped). */
  set(attributes: SpanAttributes): void {
    if (!this.#ended) guard(undefined, () => this.#span.setAttributes(clean(attributes)));
  }

  /** Marks the span failed: status `ERROR` and `error.type`. */
  fail(errorType: string, message: string): void {
    if (this.#ended) return;
    guard(undefined, () => {
      this.#span.setAttributes({ 'error.type': errorType });
      this.#span.setStatus({ code: STATUS_ERROR, message });
    });
  }

  /** Ends the span; later calls are ignored. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    guard(undefined, () => this.#span.end());
  }
}

/** What the manager's `tracing` option becomes. */
export type McpTracingSetting = boolean | { tracerProvider?: TracerProviderLike };

/** @internal Starts the spans of one manager's requests. */
export class McpTracer {
  readonly #provider: TracerProviderLike | undefined;
  #api: OtelApi | undefined;
  #tracer: OtelTracer | undefined;
  #loaded: Promise<void> | undefined;

  private constructor(provider: TracerProviderLike | undefined) {
    this.#provider = provider;
  }

  /** A tracer for `setting`, or `undefined` when tracing is off. */
  static create(setting: McpTracingSetting | undefined): McpTracer | undefined {
    if (setting === false) return undefined;
    return new McpTracer(typeof setting === 'object' ? setting.tracerProvider : undefined);
  }

  /** Loads the API (once); spans start only after it resolved. */
  load(): Promise<void> {
    this.#loaded ??= loadApi().then((api) => {
      if (!api) return;
      this.#tracer = guard(undefined, () => {
        const provider = this.#provider ?? api.trace.getTracerProvider();
        return provider.getTracer(INSTRUMENTATION_SCOPE) as OtelTracer;
      });
      if (this.#tracer) this.#api = api;
    });
    return this.#loaded;
  }

  /**
   * A CLIENT span, child of the active context, or `undefined` when
   * nothing records it (no API, no provider, not sampled).
   */
  start(name: string, attributes: SpanAttributes): McpSpan | undefined {
    const api = this.#api;
    const tracer = this.#tracer;
    if (!api || !tracer) return undefined;
    return guard(undefined, () => {
      const parent = api.context.active();
      const span = tracer.startSpan(
        name,
        { kind: SPAN_KIND_CLIENT, attributes: clean(attributes) },
        parent,
      );
      return span.isRecording() ? new McpSpan(api, span, parent) : undefined;
    });
  }
}
