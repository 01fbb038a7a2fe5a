import { GatewayError } from '@claude-gateway/core';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { linearRegExp, type PatternEngine } from './linear-regexp.js';
import { checkSchemaCost, countValues, DEFAULT_MAX_SCHEMA_COST } from './schema-cost.js';
import { uniqueItemsKeyword } from './unique-items.js';

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

/** Default of `maxInputBytes`: the largest input (as JSON, in UTF-8 bytes) a check looks at. */
export const DEFAULT_MAX_INPUT_BYTES = 1_048_576;

/**
 * Default of `maxValidationWork`: the product of a schema's cost and the
 * number of values in an input that a check takes on.
 */
export const DEFAULT_MAX_VALIDATION_WORK = 20_000_000;

/** Options of {@link createSchemaValidator}. */
export interface SchemaValidatorOptions {
  /**
   * Compiled schemas kept, by their JSON text, least recently used dropped
   * first: dispatchers sharing the validator compile a schema they all use
   * once.
   * @default 1_000
   */
  maxCached?: number;
  /**
   * Compiles `pattern` and `patternProperties`. The default runs every
   * pattern in time linear in the input, so a schema from an untrusted
   * source (an MCP server) cannot stall the process with a pattern such as
   * `^(a+)+$`; it refuses lookaround and backreferences. Pass
   * `(p, f) => new RegExp(p, f)` only for a validator that sees trusted
   * schemas alone.
   * @default linearRegExp
   */
  regExp?: PatternEngine;
  /**
   * The largest input a check accepts, measured as its JSON text in UTF-8
   * bytes; a larger one answers `invalid_input` before any keyword runs.
   * `Infinity` for no limit.
   * @default 1_048_576
   */
  maxInputBytes?: number;
  /**
   * How many subschemas a schema may expand to with its `$ref`s followed;
   * a larger one (such as `$ref`s that fan out, which are exponential to
   * validate) does not compile. So does one with a `$ref` that is not a
   * local JSON pointer, or a nested `$id`, which cannot be measured.
   * @default 10_000
   */
  maxSchemaCost?: number;
  /**
   * Work a check may do: its schema's cost (above) times the number of
   * values in the input. A larger input answers `invalid_input` before any
   * keyword runs.
   * @default 20_000_000
   */
  maxValidationWork?: number;
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
 * No schema can stall the process: `pattern` and `patternProperties` run on
 * a linear-time engine ({@link linearRegExp}) and inputs over
 * `maxInputBytes` are refused before validation.
 *
 * @throws GatewayError `invalid_options` for a bad `maxCached`, `maxInputBytes` or `regExp`.
 */
export function createSchemaValidator(options: SchemaValidatorOptions = {}): SchemaValidator {
  const maxCached = options.maxCached ?? DEFAULT_MAX_CACHED_SCHEMAS;
  if (!Number.isInteger(maxCached) || maxCached < 0) {
    throw new GatewayError('invalid_options', 'maxCached must be a non-negative integer');
  }
  const maxInputBytes = options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  if (!(maxInputBytes > 0)) {
    throw new GatewayError('invalid_options', 'maxInputBytes must be > 0');
  }
  const maxSchemaCost = options.maxSchemaCost ?? DEFAULT_MAX_SCHEMA_COST;
  const maxWork = options.maxValidationWork ?? DEFAULT_MAX_VALIDATION_WORK;
  if (!(maxSchemaCost > 0) || !(maxWork > 0)) {
    throw new GatewayError('invalid_options', 'maxSchemaCost and maxValidationWork must be > 0');
  }
  const pattern = options.regExp ?? linearRegExp;
  if (typeof pattern !== 'function') {
    throw new GatewayError('invalid_options', 'regExp must be a function');
  }
  // ajv wants `code` (used only for standalone code, which we never emit)
  // and keys compiled patterns by `toString()`, so each gets its own.
  const regExp = Object.assign(
    (source: string, flags: string) => {
      const compiled = pattern(source, flags);
      return {
        test: (input: string) => compiled.test(input),
        toString: () => `/${source}/${flags}`,
      };
    },
    { code: 'claudeGatewayPattern' },
  );
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
      const settings = {
        strict: false,
        logger: false,
        allErrors: false,
        code: { regExp },
      } as const;
      const made =
        draft === '2020'
          ? new Ajv2020(settings)
          : draft === '2019'
            ? new Ajv2019(settings)
            : new Ajv(settings);
      // ajv's own compares every pair of items: quadratic.
      made.removeKeyword('uniqueItems');
      made.addKeyword(uniqueItemsKeyword);
      ajv = made;
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
    // Before ajv: a schema that is exponential to validate is refused.
    const cost = checkSchemaCost(anonymous, maxSchemaCost);
    const validate: ValidateFunction = ajv.compile(anonymous);
    // ajv caches every compiled schema by identity; the cache above holds
    // what is worth keeping, so ajv's copy would only grow.
    ajv.removeSchema(anonymous);
    return (input) => {
      const size = inputBytes(input);
      if (size > maxInputBytes) {
        return `input is ${size} bytes as JSON, more than the ${maxInputBytes} bytes a tool input may have`;
      }
      // A value takes at least one byte, so only a large input needs counting.
      const allowed = Math.floor(maxWork / cost);
      if (size > allowed) {
        const values = countValues(input, allowed);
        if (values > allowed) {
          return `input has more than ${allowed} values, too many to validate against this tool's schema`;
        }
      }
      return validate(input) ? undefined : ajv.errorsText(validate.errors, { dataVar: 'input' });
    };
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

const encoder = new TextEncoder();

/** UTF-8 bytes of `input` as JSON; 0 when it is not JSON (a cycle, a BigInt). */
function inputBytes(input: unknown): number {
  try {
    const text = JSON.stringify(input);
    return text === undefined ? 0 : encoder.encode(text).length;
  } catch {
    return 0;
  }
}
