import type Anthropic from '@anthropic-ai/sdk';
import { linkAbort } from './abort.js';
import type { LogEntry } from './event-log-types.js';
import { emptyUsage, type Usage } from './events.js';
import { IncompleteStreamError, StallError } from './retry.js';
import type { RunContext } from './run-context.js';
import { routeSdkWarnings } from './sdk-warnings.js';
import { SseDecoder } from './sse-decoder.js';
import type { RunnerSpan } from './telemetry.js';

const USAGE_COUNTS = [
  'input_tokens',
  'output_tokens',
  'cache_creation_input_tokens',
  'cache_read_input_tokens',
] as const;

function numberOr0(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** A tool call the model made in a turn. */
export interface TurnToolCall {
  id: string;
  name: string;
  input: unknown;
  /** Set when the streamed input was not valid JSON. */
  inputError?: string;
}

/** One complete model turn. */
export interface TurnOutput {
  /** The assistant message content, ready to send back (thinking signatures kept). */
  content: Anthropic.ContentBlockParam[];
  stopReason: string | null;
  usage: Usage;
  toolCalls: TurnToolCall[];
}

/** An `event: error` received in the middle of a stream. */
export class StreamEventError extends Error {
  /** Anthropic error type, e.g. `overloaded_error`. */
  readonly type: string;
  readonly apiMessage: string;

  constructor(type: string, apiMessage: string) {
    super(`${type}: ${apiMessage}`);
    this.name = 'StreamEventError';
    this.type = type;
    this.apiMessage = apiMessage;
  }
}

const TURN_OVER = new Error('the model turn is over');

type DeltaEvent = { type: 'text_delta' | 'thinking_delta'; text: string };

type Building =
  // Text as its parts, joined once at the end: `+=` per delta would keep a
  // chain of cons strings alive (and copied by the GC) for the whole turn.
  | { kind: 'text'; parts: string[]; citations: unknown[] }
  | { kind: 'thinking'; parts: string[]; signature: string }
  | { kind: 'json'; block: Record<string, unknown>; json: string }
  | { kind: 'verbatim'; block: Record<string, unknown> };

/** What one attempt tells its caller besides its result. */
export interface AttemptReport {
  /** Called with the seq of each delta the attempt appended. */
  onDelta(seq: number): void;
  /**
   * Set when the attempt fails: the usage the API reported before the
   * failure (`message_start`'s input, any output so far), billed all the same.
   */
  usage?: Usage;
}

/**
 * One attempt at one model turn: streams it, appends a `thinking_delta` /
 * `text_delta` per upstream delta (reporting the seq of each through
 * `report.onDelta`), and returns the assembled turn. Throws on any failure
 * (the caller decides about retries), leaving the usage reported so far in
 * `report.usage`; a stall — no SSE event, pings included, for
 * `stallTimeoutMs` — aborts the request and throws {@link StallError}. The
 * request runs with `span` active, so the SDK's own span is its child.
 */
export async function streamTurn(
  ctx: RunContext,
  request: Anthropic.MessageCreateParamsStreaming,
  report: AttemptReport,
  span: RunnerSpan,
): Promise<TurnOutput> {
  const stallMs = ctx.config.retry.stallTimeoutMs;
  const attempt = new AbortController();
  const unlink = linkAbort(ctx.signal, attempt);
  let stalled = false;
  // The watchdog: one timer checks when the stream last showed life, instead
  // of a timer cleared and set again for every upstream event.
  let lastLife = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const check = (): void => {
    const quiet = performance.now() - lastLife;
    if (quiet < stallMs) {
      timer = setTimeout(check, stallMs - quiet);
      return;
    }
    stalled = true;
    attempt.abort(new StallError(stallMs));
  };
  const arm = (): void => {
    lastLife = performance.now();
  };

  const turn = new TurnBuilder();
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let complete = false;
  let ended = false;
  try {
    timer = setTimeout(check, stallMs);
    const { client, logger, sdkWarnings } = ctx.config;
    const response = await span.activate(() =>
      routeSdkWarnings(logger, sdkWarnings, () =>
        client.messages.create(request, { signal: attempt.signal, maxRetries: 0 }),
      ).asResponse(),
    );
    arm();
    if (!response.body) throw new Error('Attempted to iterate over a response with no body');
    // Raw SSE (not the SDK's parsed stream) so pings count as signs of life;
    // a network chunk's events are handled in one go, not a promise each.
    reader = response.body.getReader();
    const decoder = new SseDecoder();
    while (!complete && !ended) {
      const read = await reader.read();
      ended = read.done;
      const events = read.done ? decoder.end() : decoder.push(read.value);
      if (events.length > 0) arm();
      for (const sse of events) {
        if (sse.event === 'ping' || !sse.data) continue;
        if (sse.event === 'error') throw streamEventError(sse.data);
        // Events whose body the turn does not use are not parsed.
        if (sse.event === 'content_block_stop') continue;
        if (sse.event === 'message_stop') {
          complete = true;
          break;
        }
        const event = parseEvent(sse.data);
        if (event.type === 'message_stop') {
          complete = true;
          break;
        }
        const delta = turn.apply(event);
        if (delta) {
          let entry: LogEntry;
          try {
            entry = await ctx.log.append(delta);
          } catch (error) {
            throw ctx.appendFailed(error);
          }
          report.onDelta(entry.seq);
        }
      }
    }
    // An aborted body can end the reading quietly: check why it ended.
    if (stalled) throw new StallError(stallMs);
    if (!complete) {
      if (attempt.signal.aborted) throw attempt.signal.reason;
      throw new IncompleteStreamError();
    }
    return turn.finish();
  } catch (error) {
    report.usage = turn.usage();
    if (stalled) throw new StallError(stallMs);
    throw error;
  } finally {
    clearTimeout(timer);
    unlink();
    if (complete) {
      // What follows `message_stop` (the body's end) is read in the
      // background, so the connection goes back to the pool instead of
      // being torn down and opened again for the next turn.
      if (reader && !ended) drainBody(reader, attempt);
    } else {
      // Left early: release the connection (a constant reason: `abort()`
      // alone builds a DOMException, stack and all).
      attempt.abort(TURN_OVER);
      if (reader && !ended) reader.cancel().catch(() => undefined);
    }
  }
}

/** How long the body may go on after `message_stop` before it is cut. */
const DRAIN_MS = 1000;

/** Reads the rest of a finished turn's body, for at most {@link DRAIN_MS}. */
function drainBody(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  attempt: AbortController,
): void {
  const timer = setTimeout(() => {
    attempt.abort(TURN_OVER);
    reader.cancel().catch(() => undefined);
  }, DRAIN_MS);
  timer.unref?.();
  const next = (): void => {
    reader.read().then(
      (read) => (read.done ? clearTimeout(timer) : next()),
      () => clearTimeout(timer),
    );
  };
  next();
}

function parseEvent(data: string): Anthropic.RawMessageStreamEvent {
  try {
    return JSON.parse(data) as Anthropic.RawMessageStreamEvent;
  } catch {
    throw new StreamEventError('api_error', 'malformed event in the stream');
  }
}

function streamEventError(data: string): StreamEventError {
  try {
    const body = JSON.parse(data) as { error?: { type?: unknown; message?: unknown } };
    const type = typeof body.error?.type === 'string' ? body.error.type : 'api_error';
    const message = typeof body.error?.message === 'string' ? body.error.message : data;
    return new StreamEventError(type, message);
  } catch {
    return new StreamEventError('api_error', data);
  }
}

/** Assembles a turn from stream events. */
class TurnBuilder {
  readonly #blocks = new Map<number, Building>();
  #usage: Usage = emptyUsage();
  #stopReason: string | null = null;

  /** Applies one event; returns the log event to append for a delta, if any. */
  apply(event: Anthropic.RawMessageStreamEvent): DeltaEvent | undefined {
    switch (event.type) {
      case 'message_start':
        this.#mergeUsage(event.message.usage as unknown as Record<string, unknown>);
        return undefined;
      case 'message_delta':
        this.#stopReason = event.delta.stop_reason ?? this.#stopReason;
        this.#mergeUsage(event.usage as unknown as Record<string, unknown>);
        return undefined;
      case 'content_block_start':
        return this.#start(event.index, event.content_block as unknown as Record<string, unknown>);
      case 'content_block_delta':
        return this.#delta(event.index, event.delta);
      default:
        return undefined;
    }
  }

  #start(index: number, block: Record<string, unknown>): DeltaEvent | undefined {
    const str = (value: unknown): string => (typeof value === 'string' ? value : '');
    switch (block.type) {
      case 'text': {
        const text = str(block.text);
        this.#blocks.set(index, { kind: 'text', parts: text ? [text] : [], citations: [] });
        return text ? { type: 'text_delta', text } : undefined;
      }
      case 'thinking': {
        const thinking = str(block.thinking);
        this.#blocks.set(index, {
          kind: 'thinking',
          parts: thinking ? [thinking] : [],
          signature: str(block.signature),
        });
        return thinking ? { type: 'thinking_delta', text: thinking } : undefined;
      }
      case 'tool_use':
      case 'server_tool_use':
      case 'mcp_tool_use':
        this.#blocks.set(index, { kind: 'json', block: { ...block }, json: '' });
        return undefined;
      default:
        // redacted_thinking and server tool results go back exactly as received.
        this.#blocks.set(index, { kind: 'verbatim', block: { ...block } });
        return undefined;
    }
  }

  #delta(index: number, delta: Anthropic.RawContentBlockDelta): DeltaEvent | undefined {
    const block = this.#blocks.get(index);
    if (!block) return undefined;
    if (delta.type === 'text_delta' && block.kind === 'text') {
      block.parts.push(delta.text);
      return { type: 'text_delta', text: delta.text };
    }
    if (delta.type === 'thinking_delta' && block.kind === 'thinking') {
      block.parts.push(delta.thinking);
      return { type: 'thinking_delta', text: delta.thinking };
    }
    if (delta.type === 'signature_delta' && block.kind === 'thinking')
      block.signature += delta.signature;
    else if (delta.type === 'input_json_delta' && block.kind === 'json')
      block.json += delta.partial_json;
    else if (delta.type === 'citations_delta' && block.kind === 'text')
      block.citations.push(delta.citation);
    return undefined;
  }

  #mergeUsage(usage: Record<string, unknown> | null | undefined): void {
    if (!usage) return;
    for (const key of USAGE_COUNTS) {
      const value = usage[key];
      if (typeof value === 'number') this.#usage[key] = value;
    }
    const creation = usage['cache_creation'] as Record<string, unknown> | null | undefined;
    const oneHour = numberOr0(creation?.['ephemeral_1h_input_tokens']);
    // Only a nonzero 1-hour part changes the price; otherwise the event stays as it was.
    if (oneHour > 0)
      this.#usage.cache_creation = {
        ephemeral_5m_input_tokens: numberOr0(creation?.['ephemeral_5m_input_tokens']),
        ephemeral_1h_input_tokens: oneHour,
      };
    const server = usage['server_tool_use'] as Record<string, unknown> | null | undefined;
    const searches = numberOr0(server?.['web_search_requests']);
    if (searches > 0) this.#usage.server_tool_use = { web_search_requests: searches };
  }

  /** The usage reported so far. */
  usage(): Usage {
    return { ...this.#usage };
  }

  finish(): TurnOutput {
    const content: Anthropic.ContentBlockParam[] = [];
    const toolCalls: TurnToolCall[] = [];
    const indexes = [...this.#blocks.keys()].sort((a, b) => a - b);
    for (const index of indexes) {
      const block = this.#blocks.get(index)!;
      if (block.kind === 'text') {
        const text = block.parts.join('');
        // The API refuses empty text blocks in a request; drop them.
        if (text === '') continue;
        content.push(
          block.citations.length > 0
            ? ({ type: 'text', text, citations: block.citations } as Anthropic.TextBlockParam)
            : { type: 'text', text },
        );
      } else if (block.kind === 'thinking') {
        const thinking = block.parts.join('');
        content.push({ type: 'thinking', thinking, signature: block.signature });
      } else if (block.kind === 'verbatim') {
        content.push(block.block as unknown as Anthropic.ContentBlockParam);
      } else {
        let input: unknown = block.block.input ?? {};
        let inputError: string | undefined;
        if (block.json.trim() !== '') {
          try {
            input = JSON.parse(block.json);
          } catch {
            inputError = 'the model sent tool input that is not valid JSON';
            input = {};
          }
        }
        const param: Record<string, unknown> = { ...block.block, input };
        content.push(param as unknown as Anthropic.ContentBlockParam);
        if (block.block.type === 'tool_use') {
          const call: TurnToolCall = { id: String(param.id), name: String(param.name), input };
          if (inputError) call.inputError = inputError;
          toolCalls.push(call);
        }
      }
    }
    return { content, stopReason: this.#stopReason, usage: { ...this.#usage }, toolCalls };
  }
}
