/**
 * OpenTelemetry spans of a run, its model attempts, tool calls and approval
 * waits. `@opentelemetry/api` is an optional peer dependency: it is loaded
 * on the first run (once per process) and, when it is missing or no tracer
 * provider is registered, every span here is {@link NO_SPAN} and costs a
 * property read. Internal: the runner's option is `tracing`.
 *
 * Also the low-level pieces other claude-gateway packages (`@claude-gateway/mcp`)
 * build their spans on, exported from the package: {@link loadOpenTelemetry},
 * the `*Like` types, {@link definedAttributes} and {@link guardTelemetry}.
 */

/** An attribute value, as OpenTelemetry takes it. */
export type SpanAttributeValue = string | number | boolean | string[];

/** Attributes of a span; `undefined` values are left out (see {@link definedAttributes}). */
export type SpanAttributes = Record<string, SpanAttributeValue | undefined>;

// The few parts of @opentelemetry/api claude-gateway uses are typed here, so
// that the published .d.ts never names the optional package.

/**
 * The part of an OpenTelemetry `Span` that claude-gateway packages use.
 * Low-level: for packages that build their own spans on {@link loadOpenTelemetry}.
 */
export interface OpenTelemetrySpanLike {
  /** Sets attributes on the span. */
  setAttributes(attributes: Record<string, SpanAttributeValue>): unknown;
  /** Sets the status; `code` 2 is `ERROR`. */
  setStatus(status: { code: number; message?: string }): unknown;
  /** Ends the span. */
  end(): void;
  /** False when nothing records the span (no provider, not sampled). */
  isRecording(): boolean;
}

/**
 * The part of an OpenTelemetry `Tracer` that claude-gateway packages use:
 * what a {@link TracerProviderLike}'s `getTracer` returns.
 */
export interface OpenTelemetryTracerLike {
  /** Starts a span, child of the span in `context` (`kind` 0 is `INTERNAL`, 2 is `CLIENT`). */
  startSpan(
    name: string,
    options?: { kind?: number; attributes?: Record<string, SpanAttributeValue> },
    context?: unknown,
  ): OpenTelemetrySpanLike;
}

/**
 * What the `tracing` option accepts as `tracerProvider`: an OpenTelemetry
 * `TracerProvider` (e.g. a `NodeTracerProvider`).
 */
export interface TracerProviderLike {
  getTracer(name: string, version?: string): unknown;
}

/**
 * The part of the `@opentelemetry/api` module that claude-gateway packages
 * use, as {@link loadOpenTelemetry} gives it.
 */
export interface OpenTelemetryApiLike {
  /** The `trace` API. */
  trace: {
    /** The global tracer provider (a no-op one when none is registered). */
    getTracerProvider(): TracerProviderLike;
    /** `context` with `span` as its active span. */
    setSpan(context: unknown, span: OpenTelemetrySpanLike): unknown;
  };
  /** The `context` API. */
  context: {
    /** The active context. */
    active(): unknown;
    /** Runs `fn` with `context` active. */
    with<T>(context: unknown, fn: () => T): T;
  };
}

const SPAN_KIND_INTERNAL = 0;
const STATUS_ERROR = 2;
const INSTRUMENTATION_SCOPE = '@claude-gateway/core';

/** A span of the runner, or {@link NO_SPAN}. */
export interface RunnerSpan {
  /** False for {@link NO_SPAN}: callers skip building attributes. */
  readonly recording: boolean;
  /** Starts a child span. */
  child(name: string, attributes: SpanAttributes): RunnerSpan;
  /** Sets attributes (`undefined` values are skipped). */
  set(attributes: SpanAttributes): void;
  /** Marks the span failed: status `ERROR` and `error.type`. */
  fail(errorType: string, message: string): void;
  /** Ends the span; later calls are ignored. */
  end(): void;
  /** Runs `fn` with this span as the active one, so the SDK's own spans become its children. */
  activate<T>(fn: () => T): T;
}

/** The span that records nothing. */
export const NO_SPAN: RunnerSpan = Object.freeze({
  recording: false,
  child: () => NO_SPAN,
  set: () => {},
  fail: () => {},
  end: () => {},
  activate: <T>(fn: () => T): T => fn(),
});

let loading: Promise<OpenTelemetryApiLike | undefined> | undefined;

/**
 * The optional peer dependency `@opentelemetry/api`, or `undefined` when it
 * is not installed. Imported on the first call, once per process: later
 * calls return the same promise (the cost of a call is one property read).
 * Low-level: shared by the claude-gateway packages that record spans.
 */
export function loadOpenTelemetry(): Promise<OpenTelemetryApiLike | undefined> {
  loading ??= import('@opentelemetry/api').then(
    (module: unknown) => {
      const api =
        (module as { default?: OpenTelemetryApiLike } & Partial<OpenTelemetryApiLike>) ?? {};
      const found = api.trace && api.context ? (api as OpenTelemetryApiLike) : api.default;
      return found?.trace && found.context ? found : undefined;
    },
    () => undefined,
  );
  return loading;
}

/**
 * `attributes` without their `undefined` values, as OpenTelemetry takes them.
 * A new object; `attributes` is not changed.
 */
export function definedAttributes(attributes: SpanAttributes): Record<string, SpanAttributeValue> {
  const out: Record<string, SpanAttributeValue> = {};
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/**
 * Runs one telemetry `step`, giving `fallback` when it throws: telemetry is
 * never allowed to fail a run or a call, whatever the tracer does.
 */
export function guardTelemetry<T>(fallback: T, step: () => T): T {
  try {
    return step();
  } catch {
    return fallback;
  }
}

/**
 * One OpenTelemetry span whose every call is guarded ({@link guardTelemetry}):
 * attributes, failure, end (once), and running code in a context. Low-level:
 * the base of the spans claude-gateway packages record.
 */
export class GuardedSpan {
  /** The API the span came from. */
  protected readonly api: OpenTelemetryApiLike;
  /** The span itself. */
  protected readonly span: OpenTelemetrySpanLike;
  #ended = false;

  constructor(api: OpenTelemetryApiLike, span: OpenTelemetrySpanLike) {
    this.api = api;
    this.span = span;
  }

  /** Sets attributes (`undefined` values are skipped); ignored once ended. */
  set(attributes: SpanAttributes): void {
    if (!this.#ended)
      guardTelemetry(undefined, () => this.span.setAttributes(definedAttributes(attributes)));
  }

  /** Marks the span failed: status `ERROR` and `error.type`; ignored once ended. */
  fail(errorType: string, message: string): void {
    if (this.#ended) return;
    guardTelemetry(undefined, () => {
      this.span.setAttributes({ 'error.type': errorType });
      this.span.setStatus({ code: STATUS_ERROR, message });
    });
  }

  /** Ends the span; later calls are ignored. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    guardTelemetry(undefined, () => this.span.end());
  }

  /**
   * Runs `fn` with `context` active. A context manager that fails before
   * calling `fn` does not stop it: `fn` then runs plainly.
   */
  protected runIn<T>(context: unknown, fn: () => T): T {
    let entered = false;
    try {
      return this.api.context.with(context, () => {
        entered = true;
        return fn();
      });
    } catch (error) {
      if (!entered) return fn();
      throw error;
    }
  }
}

class OtelRunnerSpan extends GuardedSpan implements RunnerSpan {
  readonly recording = true;
  readonly #tracer: OpenTelemetryTracerLike;
  readonly #context: unknown;

  constructor(
    api: OpenTelemetryApiLike,
    tracer: OpenTelemetryTracerLike,
    span: OpenTelemetrySpanLike,
    parentContext: unknown,
  ) {
    super(api, span);
    this.#tracer = tracer;
    this.#context = api.trace.setSpan(parentContext, span);
  }

  child(name: string, attributes: SpanAttributes): RunnerSpan {
    return guardTelemetry(NO_SPAN, () => {
      const span = this.#tracer.startSpan(
        name,
        { kind: SPAN_KIND_INTERNAL, attributes: definedAttributes(attributes) },
        this.#context,
      );
      return new OtelRunnerSpan(this.api, this.#tracer, span, this.#context);
    });
  }

  activate<T>(fn: () => T): T {
    return this.runIn(this.#context, fn);
  }
}

/** The runner's `tracing` setting after validation. */
export type TracingSetting = false | { tracerProvider?: TracerProviderLike };

/**
 * Starts the span of a run: a child of `parent` (a sub-agent's run under its
 * tool call) or of the active context. {@link NO_SPAN} when tracing is off,
 * the API is not installed, or the span does not record (no provider).
 */
export async function startRunSpan(
  setting: TracingSetting,
  name: string,
  attributes: SpanAttributes,
  parent?: RunnerSpan,
): Promise<RunnerSpan> {
  if (setting === false) return NO_SPAN;
  if (parent) return parent.child(name, attributes);
  const api = await loadOpenTelemetry();
  if (!api) return NO_SPAN;
  return guardTelemetry(NO_SPAN, () => {
    const provider = setting.tracerProvider ?? api.trace.getTracerProvider();
    const tracer = provider.getTracer(INSTRUMENTATION_SCOPE) as OpenTelemetryTracerLike;
    const active = api.context.active();
    const span = tracer.startSpan(
      name,
      { kind: SPAN_KIND_INTERNAL, attributes: definedAttributes(attributes) },
      active,
    );
    if (!span.isRecording()) return NO_SPAN;
    return new OtelRunnerSpan(api, tracer, span, active);
  });
}
