/**
 * OpenTelemetry spans of a run, its model attempts, tool calls and approval
 * waits. `@opentelemetry/api` is an optional peer dependency: it is loaded
 * on the first run (once per process) and, when it is missing or no tracer
 * provider is registered, every span here is {@link NO_SPAN} and costs a
 * property read. Internal: the runner's option is `tracing`.
 */

/** An attribute value, as OpenTelemetry takes it. */
export type SpanAttributeValue = string | number | boolean | string[];

/** Attributes of a span. */
export type SpanAttributes = Record<string, SpanAttributeValue | undefined>;

// The few parts of @opentelemetry/api the runner uses, typed here so that
// the published .d.ts never names the optional package.
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

/**
 * What the `tracing` option accepts as `tracerProvider`: an OpenTelemetry
 * `TracerProvider` (e.g. a `NodeTracerProvider`).
 */
export interface TracerProviderLike {
  getTracer(name: string, version?: string): unknown;
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
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) out[key] = value;
  return out;
}

class OtelRunnerSpan implements RunnerSpan {
  readonly recording = true;
  readonly #api: OtelApi;
  readonly #tracer: OtelTracer;
  readonly #span: OtelSpan;
  readonly #context: unknown;
  #ended = false;

  constructor(api: OtelApi, tracer: OtelTracer, span: OtelSpan, parentContext: unknown) {
    this.#api = api;
    this.#tracer = tracer;
    this.#span = span;
    this.#context = api.trace.setSpan(parentContext, span);
  }

  child(name: string, attributes: SpanAttributes): RunnerSpan {
    return guard(NO_SPAN, () => {
      const span = this.#tracer.startSpan(
        name,
        { kind: SPAN_KIND_INTERNAL, attributes: clean(attributes) },
        this.#context,
      );
      return new OtelRunnerSpan(this.#api, this.#tracer, span, this.#context);
    });
  }

  set(attributes: SpanAttributes): void {
    if (!this.#ended) guard(undefined, () => this.#span.setAttributes(clean(attributes)));
  }

  fail(errorType: string, message: string): void {
    if (this.#ended) return;
    guard(undefined, () => {
      this.#span.setAttributes({ 'error.type': errorType });
      this.#span.setStatus({ code: STATUS_ERROR, message });
    });
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    guard(undefined, () => this.#span.end());
  }

  activate<T>(fn: () => T): T {
    let entered = false;
    try {
      return this.#api.context.with(this.#context, () => {
        entered = true;
        return fn();
      });
    } catch (error) {
      // A context manager that failed before calling `fn`: run it plainly.
      if (!entered) return fn();
      throw error;
    }
  }
}

/** Telemetry is never allowed to fail a run: a throwing tracer gives `fallback`. */
function guard<T>(fallback: T, step: () => T): T {
  try {
    return step();
  } catch {
    return fallback;
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
  const api = await loadApi();
  if (!api) return NO_SPAN;
  return guard(NO_SPAN, () => {
    const provider = setting.tracerProvider ?? api.trace.getTracerProvider();
    const tracer = provider.getTracer(INSTRUMENTATION_SCOPE) as OtelTracer;
    const active = api.context.active();
    const span = tracer.startSpan(
      name,
      { kind: SPAN_KIND_INTERNAL, attributes: clean(attributes) },
      active,
    );
    if (!span.isRecording()) return NO_SPAN;
    return new OtelRunnerSpan(api, tracer, span, active);
  });
}
