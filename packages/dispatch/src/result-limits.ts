import {
  toolResultText,
  type ToolOutcome,
  type ToolResultContentBlock,
} from '@claude-gateway/core';

/** Default of `maxResultBytes`: the text of a result the model and readers get. */
export const DEFAULT_MAX_RESULT_BYTES = 100_000;

/** Default of `maxMediaBytes`: decoded bytes of the images and documents of one result. */
export const DEFAULT_MAX_MEDIA_BYTES = 5_242_880;

/** The limits {@link limitOutcome} applies. */
export interface ResultLimits {
  maxResultBytes: number;
  maxMediaBytes: number;
}

const encoder = new TextEncoder();

/** UTF-8 length of `text`, without encoding it. */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i += 1;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** The longest prefix of `text` that fits `maxBytes` of UTF-8, never splitting a character. */
function utf8Prefix(text: string, maxBytes: number): string {
  // encodeInto writes whole characters only, so `read` is a safe cut.
  const { read } = encoder.encodeInto(text, new Uint8Array(maxBytes));
  return text.slice(0, read);
}

function truncationMarker(total: number, kept: number): string {
  return `\n[truncated by claude-gateway: ${total} bytes, only the first ${kept} are shown]`;
}

/** `text` cut to `maxBytes` with a visible marker, or as it is when it fits. */
function capText(text: string, maxBytes: number): { text: string; bytes: number } {
  const bytes = utf8Bytes(text);
  if (bytes <= maxBytes) return { text, bytes };
  const kept = utf8Prefix(text, maxBytes);
  return { text: kept + truncationMarker(bytes, utf8Bytes(kept)), bytes: maxBytes };
}

const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;
type ImageType = (typeof IMAGE_TYPES)[number];
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The type the first bytes of base64 `data` say, among the four images and PDF. */
function sniff(data: string): ImageType | 'application/pdf' | undefined {
  let head: string;
  try {
    head = atob(data.slice(0, 12).replace(/=+$/, ''));
  } catch {
    return undefined; // too short to say anything
  }
  if (head.startsWith('\x89PNG')) return 'image/png';
  if (head.startsWith('\xff\xd8\xff')) return 'image/jpeg';
  if (head.startsWith('GIF8')) return 'image/gif';
  if (head.startsWith('RIFF') && head.slice(8, 12) === 'WEBP') return 'image/webp';
  if (head.startsWith('%PDF')) return 'application/pdf';
  return undefined;
}

function decodedBytes(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.floor((data.length * 3) / 4) - padding;
}

type Checked = { block: ToolResultContentBlock; mediaBytes: number } | { omitted: string };

function checkBase64(data: unknown): string | undefined {
  if (typeof data !== 'string' || data.length === 0) return 'it is empty';
  if (!BASE64.test(data)) return 'its data is not base64';
  return undefined;
}

function checkImage(block: ToolResultContentBlock & { type: 'image' }): Checked {
  const source = block.source as { type?: unknown; media_type?: unknown; data?: unknown };
  if (source.type === 'url' || source.type === 'file') return { block, mediaBytes: 0 };
  if (source.type !== 'base64') return { omitted: 'its source is not supported' };
  const problem = checkBase64(source.data);
  if (problem) return { omitted: problem };
  const data = source.data as string;
  const declared = source.media_type;
  if (!IMAGE_TYPES.includes(declared as ImageType)) {
    return { omitted: `media type ${String(declared)} is not supported` };
  }
  const actual = sniff(data);
  if (actual === undefined || actual === 'application/pdf') {
    return { omitted: `its data is not an image of type ${String(declared)}` };
  }
  // The API refuses an image whose bytes say another type than declared.
  const fixed =
    actual === declared ? block : { ...block, source: { ...block.source, media_type: actual } };
  return { block: fixed as ToolResultContentBlock, mediaBytes: decodedBytes(data) };
}

function checkDocument(block: ToolResultContentBlock & { type: 'document' }): Checked {
  const source = block.source as {
    type?: unknown;
    media_type?: unknown;
    data?: unknown;
    content?: unknown;
  };
  switch (source.type) {
    case 'url':
    case 'file':
      return { block, mediaBytes: 0 };
    case 'base64': {
      const problem = checkBase64(source.data);
      if (problem) return { omitted: problem };
      if (
        source.media_type !== 'application/pdf' ||
        sniff(source.data as string) !== 'application/pdf'
      ) {
        return { omitted: 'it is not a PDF' };
      }
      return { block, mediaBytes: decodedBytes(source.data as string) };
    }
    case 'text':
      if (typeof source.data !== 'string' || source.data.length === 0) {
        return { omitted: 'it is empty' };
      }
      return { block, mediaBytes: utf8Bytes(source.data) };
    case 'content': {
      const empty =
        source.content === undefined ||
        source.content === '' ||
        (Array.isArray(source.content) && source.content.length === 0);
      if (empty) return { omitted: 'it is empty' };
      return { block, mediaBytes: utf8Bytes(toolResultText(source.content)) };
    }
    default:
      return { omitted: 'its source is not supported' };
  }
}

/**
 * Bounds what a tool hands back before it reaches the log, every reader and
 * the model: the result's text (a string as it is, anything else as JSON)
 * and the text of its content blocks share `maxResultBytes`, past which the
 * text is cut and ends with a visible `[truncated by claude-gateway: ...]`
 * line (the result is then that string); an error message is cut the same
 * way. Images and documents are checked (a supported media type that their
 * bytes confirm, non-empty base64) and share `maxMediaBytes` of decoded
 * bytes; one that fails a check or does not fit is replaced by a text block
 * saying why it was left out.
 */
export function limitOutcome(outcome: ToolOutcome, limits: ResultLimits): ToolOutcome {
  const { maxResultBytes, maxMediaBytes } = limits;
  // An interceptor may hand back anything; the runner judges that shape.
  if (typeof outcome !== 'object' || outcome === null) return outcome;
  if (outcome.error !== undefined) {
    const message = outcome.error.message;
    if (typeof message !== 'string') return outcome;
    const capped = capText(message, maxResultBytes);
    return capped.text === message
      ? outcome
      : { ...outcome, error: { ...outcome.error, message: capped.text } };
  }
  let budget = maxResultBytes;
  let result = outcome.result;
  const content = outcome.content;
  const noContent = !Array.isArray(content) || content.length === 0;
  const text = toolResultText(result); // a string result is its own text: no work
  // Well under the limit (3 bytes per UTF-16 unit at most): no need to count.
  if (noContent && text.length * 3 <= budget) return outcome;
  const capped = capText(text, budget);
  budget -= capped.bytes;
  if (capped.text !== text) result = capped.text;
  if (noContent) return result === outcome.result ? outcome : { ...outcome, result };
  let media = maxMediaBytes;
  const blocks: ToolResultContentBlock[] = [];
  for (const block of content) {
    if (block.type === 'image' || block.type === 'document') {
      const checked = block.type === 'image' ? checkImage(block) : checkDocument(block);
      if ('omitted' in checked) {
        blocks.push({ type: 'text', text: `[${block.type} omitted: ${checked.omitted}]` });
      } else if (checked.mediaBytes > media) {
        blocks.push({
          type: 'text',
          text: `[${block.type} omitted: ${checked.mediaBytes} bytes, over the ${maxMediaBytes}-byte limit for the images and documents of one result]`,
        });
      } else {
        media -= checked.mediaBytes;
        blocks.push(checked.block);
      }
    } else if (block.type === 'text') {
      const kept = capText(block.text, Math.max(budget, 0));
      budget -= kept.bytes;
      blocks.push(kept.text === block.text ? block : { ...block, text: kept.text });
    } else {
      const json = toolResultText(block);
      const bytes = utf8Bytes(json);
      if (bytes > budget) {
        blocks.push({
          type: 'text',
          text: `[${block.type} omitted: ${bytes} bytes, over what is left of the ${maxResultBytes}-byte result limit]`,
        });
      } else {
        budget -= bytes;
        blocks.push(block);
      }
    }
  }
  return { ...outcome, result, content: blocks };
}
