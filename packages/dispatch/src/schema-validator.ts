import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';

/** A compiled JSON Schema check: `undefined` when the input is valid, else the validator's message. */
export type InputCheck = (input: unknown) => string | undefined;

type AjvLike = Pick<Ajv, 'compile' | 'errorsText'>;

/**
 * Compiles tool input schemas with ajv. One ajv instance per draft, made on
 * first use: tool schemas from MCP servers may declare draft 2020-12 or
 * 2019-09 in `$schema`, which the default (draft-07) instance refuses.
 * Unknown keywords and formats are ignored (`strict: false`) because tool
 * schemas come from many authors; ajv's own logging is off, since a library
 * must not write to the console.
 */
export class SchemaCompiler {
  #draft7: AjvLike | undefined;
  #draft2019: AjvLike | undefined;
  #draft2020: AjvLike | undefined;

  /** @throws Error when the schema does not compile. */
  compile(schema: object): InputCheck {
    const ajv = this.#instanceFor(schema);
    // A top-level `$id` would be registered in the shared instance, and a
    // second schema with the same id (another tool, or a source's changed
    // list) would then fail to compile.
    const { $id: _id, ...anonymous } = schema as { $id?: unknown };
    const validate: ValidateFunction = ajv.compile(anonymous);
    return (input) =>
      validate(input) ? undefined : ajv.errorsText(validate.errors, { dataVar: 'input' });
  }

  #instanceFor(schema: object): AjvLike {
    const declared = (schema as { $schema?: unknown }).$schema;
    const options = { strict: false, logger: false, allErrors: false } as const;
    if (typeof declared === 'string' && declared.includes('2020-12')) {
      return (this.#draft2020 ??= new Ajv2020(options));
    }
    if (typeof declared === 'string' && declared.includes('2019-09')) {
      return (this.#draft2019 ??= new Ajv2019(options));
    }
    return (this.#draft7 ??= new Ajv(options));
  }
}
