import {
  errorMessage,
  type Logger,
  type ToolDefinition,
  type ToolSource,
} from '@claude-gateway/core';
import type { InputCheck, SchemaCompiler } from './schema-validator.js';

/** Where a source tool's calls go. */
export interface SourceRoute {
  source: ToolSource;
  definition: ToolDefinition;
}

interface CompiledCheck {
  schemaJson: string;
  /** `null`: the schema did not compile; the source validates on its own. */
  check: InputCheck | null;
}

/**
 * Maps tool names to the sources that list them. Sources may change their
 * lists (an MCP server restarts with other tools), so the map is rebuilt on
 * every `definitions()` and whenever a call names a tool it does not know.
 * Names held by a local tool never route to a source; between sources the
 * first in the array wins. Each clash is warned once.
 */
export class SourceRouter {
  readonly #sources: readonly ToolSource[];
  readonly #localNames: ReadonlySet<string>;
  readonly #compiler: SchemaCompiler;
  readonly #logger: Logger;
  #routes = new Map<string, SourceRoute>();
  // The last list each source gave: kept when a later listing fails.
  readonly #lastLists = new Map<ToolSource, ToolDefinition[]>();
  readonly #checks = new Map<string, CompiledCheck>();
  readonly #warned = new Set<string>();
  #refreshing: Promise<void> | undefined;

  constructor(
    sources: readonly ToolSource[],
    localNames: ReadonlySet<string>,
    compiler: SchemaCompiler,
    logger: Logger,
  ) {
    this.#sources = sources;
    this.#localNames = localNames;
    this.#compiler = compiler;
    this.#logger = logger;
  }

  /** Re-lists every source and returns the definitions that route to one. */
  async definitions(): Promise<ToolDefinition[]> {
    await this.refresh();
    return [...this.#routes.values()].map((route) => route.definition);
  }

  /** The route for `name`, re-listing the sources first when it is unknown. */
  async resolve(name: string): Promise<SourceRoute | undefined> {
    if (this.#sources.length === 0 || this.#localNames.has(name)) return undefined;
    const known = this.#routes.get(name);
    if (known) return known;
    await this.refresh();
    return this.#routes.get(name);
  }

  /** The compiled input check of a routed tool; `undefined` when none applies. */
  check(name: string, route: SourceRoute): InputCheck | undefined {
    const schema = route.definition.input_schema;
    let schemaJson: string;
    try {
      schemaJson = JSON.stringify(schema);
    } catch {
      return undefined;
    }
    const cached = this.#checks.get(name);
    if (cached?.schemaJson === schemaJson) return cached.check ?? undefined;
    let check: InputCheck | null;
    try {
      check = this.#compiler.compile(schema);
    } catch (error) {
      check = null;
      this.#logger.warn(
        `input schema of source tool "${name}" does not compile; the source validates its input`,
        { tool: name, error: errorMessage(error) },
      );
    }
    this.#checks.set(name, { schemaJson, check });
    return check ?? undefined;
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
      this.#sources.map(async (source, index) => {
        try {
          const tools = await source.listTools();
          this.#lastLists.set(source, tools);
          return tools;
        } catch (error) {
          this.#logger.warn('a tool source failed to list its tools; using its last list', {
            source: index,
            error: errorMessage(error),
          });
          return this.#lastLists.get(source) ?? [];
        }
      }),
    );
    const routes = new Map<string, SourceRoute>();
    lists.forEach((tools, index) => {
      const source = this.#sources[index];
      if (!source) return;
      for (const definition of tools) {
        const name = definition.name;
        if (this.#localNames.has(name)) {
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
    for (const name of this.#checks.keys()) {
      if (!routes.has(name)) this.#checks.delete(name);
    }
  }

  #warnOnce(key: string, message: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.#logger.warn(message, { tool: key.slice(key.indexOf(':') + 1) });
  }
}
