/** Default of `maxSchemaCost`: subschemas a schema may expand to, `$ref`s followed. */
export const DEFAULT_MAX_SCHEMA_COST = 10_000;

// Keywords whose value is one subschema.
const ONE = [
  'additionalItems',
  'additionalProperties',
  'contains',
  'else',
  'if',
  'not',
  'propertyNames',
  'then',
  'unevaluatedItems',
  'unevaluatedProperties',
];
// Keywords whose value is an array of subschemas.
const MANY = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
// Keywords whose value maps names to subschemas (`definitions` and `$defs`
// are not here: they cost only where a `$ref` uses them).
const MAPS = ['dependentSchemas', 'patternProperties', 'properties'];

/**
 * @internal The size of `schema` with every `$ref` expanded where it is used
 * — an upper bound on the subschemas a validator runs per node of the
 * input. A schema whose `$ref`s fan out (`a0: { anyOf: [a1, a1] }`, `a1:
 * { anyOf: [a2, a2] }`, ...) is small as text but exponential to validate;
 * this finds it in time linear in the text. A `$ref` back into a schema it
 * is part of (recursion, which consumes the input's depth) counts 1.
 *
 * @throws Error when the size is over `limit`, or a `$ref` is not a local
 * JSON pointer (`#`, `#/$defs/x`, ...) and so cannot be measured.
 */
export function checkSchemaCost(schema: unknown, limit: number): number {
  const done = new Map<object, number>();
  const refs = new Map<string, number>();
  const active = new Set<unknown>();
  let total = 0;

  const over = (): never => {
    throw new Error(
      `the schema expands to more than ${limit} subschemas with its $refs followed (maxSchemaCost)`,
    );
  };

  const resolve = (ref: string): unknown => {
    if (!ref.startsWith('#') || (ref.length > 1 && ref[1] !== '/')) {
      throw new Error(
        `$ref ${JSON.stringify(ref)} is not a local JSON pointer; it cannot be checked`,
      );
    }
    let node: unknown = schema;
    for (const raw of ref.slice(2).split('/')) {
      if (ref.length === 1) break;
      const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) {
        throw new Error(`$ref ${JSON.stringify(ref)} cannot be resolved`);
      }
      node = (node as Record<string, unknown>)[key];
    }
    return node;
  };

  const cost = (node: unknown): number => {
    if (typeof node === 'boolean') return 1;
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return 0;
    const known = done.get(node);
    if (known !== undefined) return known;
    // A cycle through plain object references (not JSON): treat as recursion.
    if (active.has(node)) return 1;
    active.add(node);
    const record = node as Record<string, unknown>;
    let sum = 1;
    const add = (n: number) => {
      sum += n;
      if (sum > limit) over();
    };
    if (typeof record.$id === 'string' && node !== schema) {
      // A nested base URI changes what `#...` means below it.
      throw new Error('a nested $id cannot be checked');
    }
    if (typeof record.$ref === 'string') add(refCost(record.$ref));
    for (const key of ONE) if (key in record) add(cost(record[key]));
    for (const key of MANY) {
      const list = record[key];
      if (Array.isArray(list)) for (const item of list) add(cost(item));
    }
    const items = record.items;
    if (Array.isArray(items)) for (const item of items) add(cost(item));
    else add(cost(items));
    for (const key of MAPS) {
      const map = record[key];
      if (typeof map === 'object' && map !== null) {
        for (const value of Object.values(map)) add(cost(value));
      }
    }
    const dependencies = record.dependencies;
    if (typeof dependencies === 'object' && dependencies !== null) {
      for (const value of Object.values(dependencies)) add(cost(value));
    }
    active.delete(node);
    done.set(node, sum);
    return sum;
  };

  const refCost = (ref: string): number => {
    const known = refs.get(ref);
    if (known !== undefined) return known;
    const target = resolve(ref);
    if (active.has(target)) return 1; // recursion
    const value = cost(target);
    refs.set(ref, value);
    return value;
  };

  total = cost(schema);
  if (total > limit) over();
  return total;
}

/**
 * @internal How many JSON values `input` holds (itself, every array item and
 * property value, nested), counting no further than `stopAt`.
 */
export function countValues(input: unknown, stopAt: number): number {
  let count = 0;
  const stack: unknown[] = [input];
  while (stack.length > 0 && count <= stopAt) {
    const value = stack.pop();
    count += 1;
    // A loop, not a spread: a spread of a huge array overflows the call stack.
    const children: readonly unknown[] | undefined = Array.isArray(value)
      ? (value as unknown[])
      : typeof value === 'object' && value !== null
        ? Object.values(value)
        : undefined;
    if (children) for (const child of children) stack.push(child);
  }
  return count;
}
