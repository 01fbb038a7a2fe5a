import {
  errorDetail,
  type Logger,
  type ToolDefinition,
  type ToolSource,
} from '@claude-gateway/core';
import type { InputCheck, SchemaValidator } from './schema-validator.js';

/** Where a source tool's calls go. */
export interface SourceRoute {
  source: ToolSource;
  definition: ToolDefinition;
}

interface CompiledCheck {
  /** The schema object it was compiled from (a source may hand the same one back). */
  schema: object;
  schemaJson: string;
  /** `null`: the schema did not compile; the source validates on its own. */
  check: InputCheck | null;
}

/** What the router needs besides the sources. */
export interface SourceRouterSettings {
  /** Names held by local tools: never routed to a source. */
  localNames: ReadonlySet<string>;
  validator: SchemaValidator;
  /** How long one source's `listTools()` may take before its last list is used. */
  listTimeoutMs: number;
  logger: Logger;
}

// setTimeout fires at once for delays past 2^31 - 1 ms.
const MAX_TIMER_MS = 2 ** 31 - 1;

const TIMED_OUT = Symbol('timed out');

/**
 * Maps tool names to the sources that list them. Sources may change their
 * lists (an MCP server restarts with other tools), so the map is rebuilt on
 * every `definitions()` and whenever a call names a tool it does not know.
 * Names held by a local tool never route to a source; between sources the
 * first in the array wins. Each clash is warned once.
 *
 * A listing is bounded: a source that fails, or does not answer within
 * `listTimeoutMs`, is represented by its last list (empty before its first).
 * While a timed-out listing is still pending, that source is not asked
 * again: its last list is used at once, so a hung source costs one timeout,
 * not one per turn.
 */
export class SourceRouter {
  readonly #sources: readonly ToolSource[];
  readonly #settings: SourceRouterSettings;
  #routes = new Map<string, SourceRoute>();
  // The last list each source gave: kept when a later listing fails.
  readonly #lastLists = new Map<ToolSource, ToolDefinition[]>();
  // Sources whose listing timed out and has not settled yet.
  readonly #stuck = new Set<ToolSource>();
  readonly #checks = new Map<string, CompiledCheck>();
  // The `source` of each tool's last outcome, for outcomes the dispatcher makes.
  readonly #labels = new Map<string, string>();
  readonly #warned = new Set<string>();
  #refreshing: Promise<void> | undefined;

  constructor(sources: readonly ToolSource[], settings: SourceRouterSettings) {
    this.#sources = sources;
    this.#settings = settings;
  }

  /** Re-lists every source and returns the definitions that route to one. */
  async definitions(): Promise<ToolDefinition[]> {
    await this.refresh();
    return [...this.#routes.values()].map((route) => route.definition);
  }

  /** The route for `name`, re-listing the sources first when it is unknown. */
  async resolve(name: string): Promise<SourceRoute | undefined> {
    if (this.#sources.length === 0 || this.#settings.localNames.has(name)) return undefined;
    const known = this.#routes.get(name);
    if (known) return known;
    await this.refresh();
    return this.#routes.get(name);
  }

  /** The compiled input check of a routed tool; `undefined` when none applies. */
  check(name: string, route: SourceRoute): InputCheck | undefined {
    const schema = route.definition.input_schema;
    const cached = this.#checks.get(name);
    // The same schema object as last time: no need to compare its text.
    if (cached?.schema === schema) return cached.check ?? undefined;
    let schemaJson: string;
    try {
      schemaJson = JSON.stringify(schema);
    } catch {
      return undefined;
    }
    if (cached?.schemaJson === schemaJson) {
      cached.schema = schema;
      return cached.check ?? undefined;
    }
    let check: InputCheck | null;
    try {
      check = this.#settings.validator.compile(schema);
    } catch (error) {
      check = null;
      this.#settings.logger.warn(
        `input schema of source tool "${name}" does not compile; the source validates its input`,
        { tool: name, error: errorDetail(error) },
      );
    }
    this.#checks.set(name, { schema, schemaJson, check });
    return check ?? undefined;
  }

  /**
   * The `source` label of a routed tool: what its source says
   * (`sourceLabel`), else the label of the tool's last outcome.
   */
  label(name: string, route: SourceRoute): string | undefined {
    let declared: string | undefined;
    try {
      declared = route.source.sourceLabel?.(name);
    } catch {
      declared = undefined;
    }
    return typeof declared === 'string' ? declared : this.#labels.get(name);
  }

  /** Notes the `source` a routed tool's outcome carried. */
  remember(name: string, source: string | undefined): void {
    if (typeof source === 'string' && this.#routes.has(name)) this.#labels.set(name, source);
  }

  /** Re-lists every source (concurrent callers share one listing). */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#list().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #list(): Promise<void> {
    const lists = await Promise.all(
      this.#sources.map((source, index) => this.#listOne(source, index)),
    );
    const routes = new Map<string, SourceRoute>();
    const { localNames } = this.#settings;
    lists.forEach((tools, index) => {
      const source = this.#sources[index];
      if (!source) return;
      for (const definition of tools) {
        const name = definition.name;
        if (localNames.has(name)) {
          this.#warnOnce(
            `local:${name}`,
            `local tool "${name}" hides a source tool of the same name`,
          );
        } else if (routes.has(name)) {
          this.#warnOnce(
            `source:${name}`,
            `two tool sources list "${name}"; the first source in \`sources\` serves it`,
          );
        } else {
          routes.set(name, { source, definition });
        }
      }
    });
    this.#routes = routes;
    for (const cache of [this.#checks, this.#labels]) {
      for (const name of cache.keys()) {
        if (!routes.has(name)) cache.delete(name);
      }
    }
  }

  /** One source's list: fresh when it answers in time, else its last one. */
  async #listOne(source: ToolSource, index: number): Promise<ToolDefinition[]> {
    const last = (): ToolDefinition[] => this.#lastLists.get(source) ?? [];
    if (this.#stuck.has(source)) return last();
    // Settles, never rejects: a listing that ends after its timeout must not
    // become an unhandled rejection.
    const listing = Promise.resolve()
      .then(() => source.listTools())
      .then(
        (tools) => {
          if (Array.isArray(tools)) this.#lastLists.set(source, tools);
          return { tools };
        },
        (error: unknown) => ({ error }),
      );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(
        () => resolve(TIMED_OUT),
        Math.min(this.#settings.listTimeoutMs, MAX_TIMER_MS),
      );
    });
    const settled = await Promise.race([listing, timeout]).finally(() => clearTimeout(timer));
    const { logger, listTimeoutMs } = this.#settings;
    if (settled === TIMED_OUT) {
      this.#stuck.add(source);
      void listing.then(() => this.#stuck.delete(source));
      logger.warn(
        `a tool source did not list its tools within ${listTimeoutMs} ms; using its last list`,
        { source: index, listTimeoutMs },
      );
      return last();
    }
    if ('error' in settled || !Array.isArray(settled.tools)) {
      logger.warn('a tool source failed to list its tools; using its last list', {
        source: index,
        error: 'error' in settled ? errorDetail(settled.error) : 'listTools() gave no array',
      });
      return last();
    }
    return settled.tools;
  }

  #warnOnce(key: string, message: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.#settings.logger.warn(message, { tool: key.slice(key.indexOf(':') + 1) });
  }
}
