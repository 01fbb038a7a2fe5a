import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh approval nonce: 32 random bytes, base64url. */
export function createNonce(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Compares two nonces in time independent of where they differ. Both sides
 * are hashed first so that inputs of different lengths compare in constant
 * time too (`timingSafeEqual` needs equal lengths).
 */
export function nonceEquals(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/**
 * SHA-256 (base64url) of a tool call's name and input in canonical JSON
 * (object keys sorted), so the same call always has the same digest.
 */
export function callDigest(name: string, input: unknown): string {
  return createHash('sha256')
    .update(canonicalJson([name, input ?? null]), 'utf8')
    .digest('base64url');
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    return canonicalJson((toJSON as () => unknown).call(value));
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
}
