import type { z } from 'zod';
import { HttpError } from './http-error.js';

/** Default of `maxBodyBytes`: 64 KiB. */
export const DEFAULT_MAX_BODY_BYTES = 65_536;

/**
 * Bytes read and thrown away past `maxBodyBytes` before the 413 goes out,
 * so the client finishes sending and a keep-alive connection stays usable.
 * Beyond it the body is abandoned and the connection closed.
 */
export const DISCARD_LIMIT_BYTES = 1_048_576;

/** The header that tells the mount to close the connection after the answer. */
const CLOSE = { connection: 'close' };

function tooLarge(maxBytes: number, close: boolean): HttpError {
  return new HttpError(
    'payload_too_large',
    `the body is larger than ${maxBytes} bytes`,
    close ? CLOSE : {},
  );
}

function declaredLength(request: Request): number | undefined {
  const header = request.headers.get('content-length');
  if (header === null || !/^\s*\d+\s*$/.test(header)) return undefined;
  return Number(header);
}

/**
 * Reads the body of `request`, at most `maxBytes` of it.
 * @throws HttpError 413 `payload_too_large` (after discarding at most
 *   {@link DISCARD_LIMIT_BYTES} more; past that with `connection: close`),
 *   400 `invalid_request` when the body could not be read.
 */
export async function readBodyBytes(request: Request, maxBytes: number): Promise<Uint8Array> {
  const body = request.body;
  if (body === null) return new Uint8Array(0);
  const declared = declaredLength(request);
  // Giving up leaves the rest unread (no cancel: some servers destroy the
  // socket on cancel, and the 413 would never arrive); `connection: close`
  // tells the mount to drop the connection after the answer.
  if (declared !== undefined && declared > maxBytes + DISCARD_LIMIT_BYTES) {
    throw tooLarge(maxBytes, true);
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total <= maxBytes) chunks.push(value);
      else if (total > maxBytes + DISCARD_LIMIT_BYTES) throw tooLarge(maxBytes, true);
    }
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError('invalid_request', 'the request body could not be read');
  } finally {
    reader.releaseLock();
  }
  if (total > maxBytes) throw tooLarge(maxBytes, false);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Reads and drops a body the handler did not need (a request refused before
 * its body was read), at most {@link DISCARD_LIMIT_BYTES} of it.
 * @returns `true` when it gave up: the connection should be closed.
 */
export async function discardBody(request: Request): Promise<boolean> {
  const body = request.body;
  if (body === null || request.bodyUsed || body.locked) return false;
  const declared = declaredLength(request);
  if (declared !== undefined && declared > DISCARD_LIMIT_BYTES) return true;
  const reader = body.getReader();
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return false;
      total += value.byteLength;
      if (total > DISCARD_LIMIT_BYTES) return true;
    }
  } catch {
    return true;
  } finally {
    reader.releaseLock();
  }
}

function isJsonMediaType(contentType: string | null): boolean {
  if (contentType === null) return false;
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase();
  return mediaType === 'application/json';
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.map(String).join('.');
  return field === '' ? issue.message : `\`${field}\`: ${issue.message}`;
}

/**
 * Reads a JSON object body and checks it against `schema`. An empty body
 * counts as `{}`; a non-empty one must be `application/json`.
 * @throws HttpError 413 `payload_too_large`, 415 `unsupported_media_type`,
 *   400 `invalid_request` (bad JSON, not an object, or a field of the wrong
 *   type, named in the message).
 */
export async function readJsonBody<T>(
  request: Request,
  maxBytes: number,
  schema: z.ZodType<T>,
): Promise<T> {
  const bytes = await readBodyBytes(request, maxBytes);
  let value: unknown = {};
  if (bytes.byteLength > 0) {
    if (!isJsonMediaType(request.headers.get('content-type'))) {
      throw new HttpError('unsupported_media_type', 'the body must be application/json');
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new HttpError('invalid_request', 'the body is not valid UTF-8');
    }
    try {
      value = JSON.parse(text);
    } catch {
      throw new HttpError('invalid_request', 'the body is not valid JSON');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError('invalid_request', 'the body must be a JSON object');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HttpError('invalid_request', issue ? describeIssue(issue) : 'invalid body');
  }
  return parsed.data;
}
