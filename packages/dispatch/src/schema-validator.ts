import { GatewayError } from '@claude-gateway/core';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';

/** A compiled JSON Schema check: `undefined` when the input is valid, else the validator's message. */
export type InputCheck = (input: unknown) => string | undefined;

/**
 * Compiles tool input schemas into {@link InputCheck}s. Make one with
 * {@link createSchemaValidator} and pass it to every dispatcher of the
 * process, so the validator's own setup is paid once; or implement it over
 * another JSON Schema library.
 */
export interface SchemaValidator {
  /** @throws Error when the schema does not compile. */
  compile(schema: object): InputCheck;
}

/** Default of `maxCached`: compiled schemas a validator keeps. */
export const DEFAULT_MAX_CACHED_SCHEMAS = 1_000;

/** Options of {@link createSchemaValidator}. */
export interface SchemaValidatorOptions {
  /**
   * Compiled schemas kept, by their JSON text, least recently used dropped
   * first: dispatchers sharing the validator compile a schema they all use
   * once.
   * @default 1_000
   */
  maxCached?: number;
}

type AjvLike = Pick<Ajv, 'compile' | 'errorsText' | 'removeSchema'>;

/**
 * Creates the ajv-based {@link SchemaValidator}. One ajv instance per draft,
 * made on first use: tool schemas from MCP servers may declare draft 2020-12
 * or 2019-09 in `$schema`, which the default (draft-07) instance refuses.
 * Unknown keywords and formats are ignored (`strict: false`) because tool
 * schemas come from many authors; ajv's own logging is off, since a library
 * must not write to the console. The first compile of each draft costs a few
 * tens of milliseconds (ajv compiles its meta-schema); later ones, well under
 * one.
 *
 * @throws GatewayError `invalid_options` for a bad `maxCached`.
 */
export function createSchemaValidator(options: SchemaValidatorOptions = {}): SchemaValidator {
  const maxCached = options.maxCached ?? DEFAULT_MAX_CACHED_SCHEMAS;
  if (!Number.isInteger(maxCached) || maxCached < 0) {
    throw new GatewayError('invalid_options', 'maxCached must be a non-negative integer');
  }
  const instances = new Map<'draft7' | '2019' | '2020', AjvLike>();
  // Insertion order doubles as recency: a hit is moved to the end.
  const cache = new Map<string, InputCheck>();

  const instanceFor = (schema: object): AjvLike => {
    const declared = (schema as { $schema?: unknown }).$schema;
    const draft =
      typeof declared !== 'string'
        ? 'draft7'
        : declared.includes('2020-12')
          ? '2020'
          : declared.includes('2019-09')
            ? '2019'
            : 'draft7';
    let ajv = instances.get(draft);
    if (!ajv) {
      const settings = { strict: false, logger: false, allErrors: false } as const;
      ajv =
        draft === '2020'
          ? new Ajv2020(settings)
          : draft === '2019'
            ? new Ajv2019(settings)
            : new Ajv(settings);
      instances.set(draft, ajv);
    }
    return ajv;
  };

  const build = (schema: object): InputCheck => {
    const ajv = instanceFor(schema);
    // A top-level `$id` would be registered in the shared instance, and a
    // second schema with the same id (another tool, or a source's changed
    // list) would then fail to compile.
    const { $id: _id, ...anonymous } = schema as { $id?: unknown };
    const validate: ValidateFunction = ajv.compile(anonymous);
    // ajv caches every compiled schema by identity; the cache above holds
    // what is worth keeping, so ajv's copy would only grow.
    ajv.removeSchema(anonymous);
    return (input) =>
      validate(input) ? undefined : ajv.errorsText(validate.errors, { dataVar: 'input' });
  };

  return {
    compile(schema) {
      let key: string | undefined;
      try {
        key = JSON.stringify(schema);
      } catch {
        key = undefined; // not JSON (a cycle): compile it, uncached
      }
      if (key === undefined || maxCached === 0) return build(schema);
      const hit = cache.get(key);
      if (hit) {
        cache.delete(key);
        cache.set(key, hit);
        return hit;
      }
      const check = build(schema);
      cache.set(key, check);
      if (cache.size > maxCached) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
      return check;
    },
  };
}
