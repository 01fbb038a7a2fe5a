type Schema = Record<string, unknown>;

function isRecord(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A plausible string for a property, chosen by its format and name. */
function plausibleString(name: string, schema: Schema, quoted: string[]): string {
  const format = typeof schema.format === 'string' ? schema.format : '';
  if (format === 'date-time') return '2025-01-15T09:30:00Z';
  if (format === 'date') return '2025-01-15';
  if (format === 'email') return 'ada@example.com';
  if (format === 'uri' || format === 'url') return 'https://example.com';
  // A quoted phrase in the user's message is the most plausible value there is.
  const fromUser = quoted.shift();
  if (fromUser !== undefined) return fromUser;
  const n = name.toLowerCase();
  if (/(^|_)(city|location|place)$/.test(n)) return 'Paris';
  if (/url|uri|link|website/.test(n)) return 'https://example.com';
  if (/email/.test(n)) return 'ada@example.com';
  if (/path|file/.test(n)) return 'notes.txt';
  if (/dir|folder/.test(n)) return '.';
  if (/command|cmd/.test(n)) return 'echo hello';
  if (/date/.test(n)) return '2025-01-15';
  if (/time/.test(n)) return '09:30';
  if (/(^|_)(id|key)$/.test(n)) return 'demo-1';
  if (/name|user|author/.test(n)) return 'Ada';
  if (/query|search|term|q$/.test(n)) return 'claude gateway';
  if (/lang/.test(n)) return 'en';
  if (/unit/.test(n)) return 'celsius';
  if (/expr|formula/.test(n)) return '2 + 2';
  return 'example';
}

function plausibleNumber(name: string, schema: Schema, integer: boolean): number {
  const min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
  const max = typeof schema.maximum === 'number' ? schema.maximum : undefined;
  const n = name.toLowerCase();
  let value = /limit|count|max|size|top|num/.test(n) ? 5 : /^(a|b|x|y)$/.test(n) ? 3 : 1;
  if (min !== undefined && value < min) value = min;
  if (max !== undefined && value > max) value = max;
  return integer ? Math.round(value) : value;
}

function valueFor(name: string, schema: unknown, quoted: string[], depth: number): unknown {
  if (!isRecord(schema)) return 'example';
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('default' in schema) return schema.default;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options: unknown = schema[key];
    if (Array.isArray(options)) {
      const usable: unknown = (options as unknown[]).find((o) => isRecord(o) && o.type !== 'null');
      if (usable !== undefined) return valueFor(name, usable, quoted, depth);
    }
  }
  const type: unknown = Array.isArray(schema.type)
    ? (schema.type as unknown[]).find((t) => t !== 'null')
    : schema.type;
  switch (type) {
    case 'integer':
      return plausibleNumber(name, schema, true);
    case 'number':
      return plausibleNumber(name, schema, false);
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array': {
      const count =
        typeof schema.minItems === 'number' && schema.minItems > 1 ? schema.minItems : 1;
      if (depth > 4) return [];
      return Array.from({ length: count }, () =>
        valueFor(name.replace(/s$/, ''), schema.items, quoted, depth + 1),
      );
    }
    case 'object':
      return depth > 4 ? {} : inputFromSchema(schema, quoted, depth + 1);
    default:
      return isRecord(schema.properties)
        ? inputFromSchema(schema, quoted, depth + 1)
        : plausibleString(name, schema, quoted);
  }
}

/**
 * Builds a tool input from its JSON schema: every required property gets a
 * plausible value (enum's first value, default, a value fitting its name and
 * type). Quoted phrases from the user's message fill string properties first.
 */
export function inputFromSchema(
  schema: unknown,
  quoted: string[] = [],
  depth = 0,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isRecord(schema) || !isRecord(schema.properties)) return out;
  const required = Array.isArray(schema.required)
    ? schema.required.filter((r) => typeof r === 'string')
    : [];
  for (const name of required) {
    out[name] = valueFor(name, schema.properties[name], quoted, depth);
  }
  return out;
}
