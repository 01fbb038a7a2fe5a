const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Fills in, on `content`, the `default` of each property of `schema` that
 * `content` leaves out (MCP elicitation, SEP-1034), recursing into nested
 * objects and `anyOf` / `oneOf` / `allOf` branches. Mutates and returns
 * `content`; anything that is not an object is returned as it is.
 */
export function applySchemaDefaults(schema: unknown, content: unknown, depth = 0): unknown {
  if (depth > 32 || !isPlainObject(schema) || !isPlainObject(content)) return content;
  const properties = schema.properties;
  if (isPlainObject(properties)) {
    for (const [key, property] of Object.entries(properties)) {
      if (!isPlainObject(property)) continue;
      if (content[key] === undefined && Object.hasOwn(property, 'default')) {
        content[key] = structuredClone(property.default);
      }
      if (content[key] !== undefined) applySchemaDefaults(property, content[key], depth + 1);
    }
  }
  for (const keyword of ['anyOf', 'oneOf', 'allOf'] as const) {
    const branches = schema[keyword];
    if (!Array.isArray(branches)) continue;
    for (const branch of branches) applySchemaDefaults(branch, content, depth + 1);
  }
  return content;
}
