/**
 * OpenTelemetry spans of MCP requests (`tools/call`, `tools/list`), after
 * the MCP semantic conventions: a CLIENT span named `{method} {tool}`,
 * child of the active span (the runner's `execute_tool` span for a tool
 * call). `@opentelemetry/api` is an optional peer dependency, loaded once per
 * process by `@claude-gateway/core` ({@link loadOpenTelemetry}): without it,
 * or without a registered tracer provider, a request gets no span and pays
 * one check. Internal: the manager's option is `tracing`.
 */
import {
  definedAttributes,
  GuardedSpan,
  guardTelemetry,
  loadOpenTelemetry,
  type OpenTelemetryApiLike,
  type OpenTelemetrySpanLike,
  type OpenTelemetryTracerLike,
  type SpanAttributes,
  type TracerProviderLike,
} from '@claude-gateway/core';

export type { SpanAttributes } from '@claude-gateway/core';

const SPAN_KIND_CLIENT = 2;
const INSTRUMENTATION_SCOPE = '@claude-gateway/mcp';

/** The span of one MCP request. */
export class McpSpan extends GuardedSpan {
  readonly #parent: unknown;

  constructor(api: OpenTelemetryApiLike, span: OpenTelemetrySpanLike, parent: unknown) {
    super(api, span);
    this.#parent = parent;
  }

  /** Runs `fn` with this span active (an HTTP client span of the request nests in it). */
  activate<T>(fn: () => T): T {
    let context: unknown;
    try {
      context = this.api.trace.setSpan(this.#parent, this.span);
    } catch {
      return fn();
    }
    return this.runIn(context, fn);
  }
}

/** What the manager's `tracing` option becomes. */
export type McpTracingSetting = boolean | { tracerProvider?: TracerProviderLike };

/**
 * The global provider before one is registered: `@opentelemetry/api`'s
 * `ProxyTracerProvider`, whose `getDelegateTracer` answers `undefined` until
 * a real provider is set. Its tracers start only non-recording spans then.
 */
interface ProxyProviderLike {
  getDelegateTracer(name: string): unknown;
}

function asProxy(provider: TracerProviderLike): ProxyProviderLike | undefined {
  const candidate = provider as Partial<ProxyProviderLike>;
  return typeof candidate.getDelegateTracer === 'function'
    ? (candidate as ProxyProviderLike)
    : undefined;
}

/** @internal Starts the spans of one manager's requests. */
export class McpTracer {
  readonly #provider: TracerProviderLike | undefined;
  #api: OpenTelemetryApiLike | undefined;
  #tracer: OpenTelemetryTracerLike | undefined;
  /** The global proxy provider, while it has no delegate. */
  #proxy: ProxyProviderLike | undefined;
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
    this.#loaded ??= loadOpenTelemetry().then((api) => {
      if (!api) return;
      this.#tracer = guardTelemetry(undefined, () => {
        const provider = this.#provider ?? api.trace.getTracerProvider();
        if (!this.#provider) this.#proxy = asProxy(provider);
        return provider.getTracer(INSTRUMENTATION_SCOPE) as OpenTelemetryTracerLike;
      });
      if (this.#tracer) this.#api = api;
    });
    return this.#loaded;
  }

  /**
   * Whether a request may get a span: the API is loaded and a provider is
   * there (an explicit one, or a registered global one). False costs the
   * caller nothing more: no attributes to build, no span to start.
   */
  get enabled(): boolean {
    if (!this.#tracer) return false;
    const proxy = this.#proxy;
    if (!proxy) return true;
    // Registered since? Then the proxy's tracers delegate from now on.
    if (
      guardTelemetry(undefined, () => proxy.getDelegateTracer(INSTRUMENTATION_SCOPE)) === undefined
    )
      return false;
    this.#proxy = undefined;
    return true;
  }

  /**
   * A CLIENT span, child of the active context, or `undefined` when
   * nothing records it (no API, no provider, not sampled).
   */
  start(name: string, attributes: SpanAttributes): McpSpan | undefined {
    const api = this.#api;
    const tracer = this.#tracer;
    if (!api || !tracer || !this.enabled) return undefined;
    return guardTelemetry(undefined, () => {
      const parent = api.context.active();
      const span = tracer.startSpan(
        name,
        { kind: SPAN_KIND_CLIENT, attributes: definedAttributes(attributes) },
        parent,
      );
      return span.isRecording() ? new McpSpan(api, span, parent) : undefined;
    });
  }
}
