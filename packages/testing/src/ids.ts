import { createHash, randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** SHA-256 of a string, as raw bytes. */
export function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Bytes as base62 text of `length` characters (id bodies look like the real API's). */
export function base62(bytes: Buffer, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) {
    const byte = bytes[i % bytes.length] ?? 0;
    out += BASE62[(byte + Math.floor(i / bytes.length) * 7) % 62];
  }
  return out;
}

/** A random id with the real API's shape: `msg_01` + 22 base62 characters. */
export function randomId(prefix: 'msg' | 'toolu' | 'srvtoolu' | 'req'): string {
  return `${prefix}_01${base62(randomBytes(24), 22)}`;
}

/** A deterministic id derived from `seed` (same seed, same id). */
export function derivedId(prefix: 'msg' | 'toolu', seed: string): string {
  return `${prefix}_01${base62(sha256(seed), 22)}`;
}

const SIGNATURE_MARK = 'mock-thinking-signature:';

/**
 * The fake signature the server gives a thinking block: a base64 blob bound to
 * the thinking text, so the server can tell when a block comes back altered.
 */
export function thinkingSignature(thinking: string): string {
  return Buffer.concat([
    Buffer.from(SIGNATURE_MARK),
    sha256(thinking),
    sha256(`sig:${thinking}`),
  ]).toString('base64');
}

/**
 * Checks a signature the server may have issued: `true` when it is ours and
 * matches the text, `false` when it is ours and does not, `undefined` when it
 * is not one of ours (a signature from a script, accepted as is).
 */
export function verifyThinkingSignature(thinking: string, signature: string): boolean | undefined {
  const raw = Buffer.from(signature, 'base64');
  if (raw.subarray(0, SIGNATURE_MARK.length).toString() !== SIGNATURE_MARK) return undefined;
  return signature === thinkingSignature(thinking);
}
