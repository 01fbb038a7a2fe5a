import { derivedId, sha256 } from './ids.js';
import { inputFromSchema } from './schema-input.js';
import { estimateTokens } from './turn-events.js';
import type { MockBlock, MockRequestInfo, MockTurn, Script } from './types.js';

/** Options of `createDemoModel`. */
export interface DemoModelOptions {
  /** Milliseconds between streamed events, so a UI shows the stream arriving. @default 0 */
  delayMs?: number;
}

type Json = Record<string, unknown>;

const LONG_REQUEST =
  /\b(long|longer|detail|detailed|details|story|explain|essay|elaborate|paragraphs?|thorough)\b/i;

const SHORT_CLOSINGS = [
  'This answer comes from the offline demo model, so it is short and canned.',
  'I am the offline demo model: no API key is set, so my answers are scripted.',
  'The demo model answers offline; set an API key to talk to Claude.',
];

const LONG_SENTENCES = [
  'Every word you are reading arrives as its own streamed delta, exactly as the Messages API sends them.',
  'The gateway writes each delta to an event log, so a browser that drops its connection can resume without losing or repeating anything.',
  'Tool calls travel through the same log: first the call with its complete input, then its result with how long it took.',
  'A tool that needs approval pauses the run until a person decides, and the decision is recorded for the audit trail.',
  'Thinking, when it is enabled, streams before the answer and is kept in the history with its signature.',
  'Usage is counted per turn, including the tokens written to and read from the prompt cache, and priced per model.',
  'If the upstream model is overloaded or stalls, the runner retries with backoff and tells every reader about it.',
  'Cancelling a run stops the model call and any running tool promptly, and the log ends with a clear error.',
  'Nothing here needs a network connection: the demo model lives in the testing package and is fully deterministic.',
];

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function blocksOf(content: unknown): Json[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? content.filter(isRecord) : [];
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return blocksOf(content)
    .filter((b) => b.type === 'text' && typeof b.text === 'string')
    .map((b) => String(b.text))
    .join('\n');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** Where `tool` is first named in `text` (its name, or with spaces for underscores), or -1. */
function mentionAt(text: string, name: string): number {
  let best = -1;
  for (const form of new Set([name, name.replace(/_/g, ' ')])) {
    const match = new RegExp(`(?<![A-Za-z0-9_])${escapeRegExp(form)}(?![A-Za-z0-9_])`, 'i').exec(
      text,
    );
    if (match && (best === -1 || match.index < best)) best = match.index;
  }
  return best;
}

function quotedPhrases(text: string): string[] {
  return [...text.matchAll(/"([^"\n]{1,200})"|“([^”\n]{1,200})”/g)].map((m) => m[1] ?? m[2] ?? '');
}

function resultText(block: Json): string {
  const content = block.content;
  if (content === undefined) return '(no content)';
  if (typeof content === 'string') return content;
  const text = textOf(content);
  return text !== '' ? text : JSON.stringify(content);
}

function customTools(body: Json): { name: string; schema: unknown }[] {
  if (!Array.isArray(body.tools)) return [];
  return body.tools
    .filter(isRecord)
    .filter(
      (t) =>
        typeof t.name === 'string' &&
        (t.type === undefined || t.type === null || t.type === 'custom'),
    )
    .map((t) => ({ name: String(t.name), schema: t.input_schema }));
}

function thinkingEnabled(body: Json): boolean {
  return (
    isRecord(body.thinking) &&
    (body.thinking.type === 'enabled' || body.thinking.type === 'adaptive')
  );
}

function answerToolResults(
  results: Json[],
  previous: Json | undefined,
): { thinking: string; text: string } {
  const names = new Map<string, string>();
  for (const b of blocksOf(previous?.content)) {
    if (b.type === 'tool_use') names.set(String(b.id), String(b.name));
  }
  const lines = results.map((r) => {
    const name = names.get(String(r.tool_use_id)) ?? 'tool';
    const quote = clip(resultText(r), 200);
    return r.is_error === true
      ? `The \`${name}\` tool failed: "${quote}".`
      : `The \`${name}\` tool returned: "${quote}".`;
  });
  const failed = results.some((r) => r.is_error === true);
  return {
    thinking: `I have ${results.length === 1 ? 'the tool result' : `${results.length} tool results`}. I should report ${failed ? 'what went wrong' : 'what came back'} and quote it briefly.`,
    text: `${lines.join(' ')} ${failed ? 'I could not finish that step.' : 'That is what I found.'}`,
  };
}

/** The tools to call: those the message names, within what `tool_choice` allows or forces. */
function chooseTools(body: Json, tools: { name: string; schema: unknown }[], said: string) {
  const choice = isRecord(body.tool_choice) ? body.tool_choice : {};
  if (choice.type === 'none') return [];
  if (choice.type === 'tool') return tools.filter((t) => t.name === choice.name).slice(0, 1);
  const named = tools
    .map((tool) => ({ tool, at: mentionAt(said, tool.name) }))
    .filter((m) => m.at >= 0)
    .sort((a, b) => a.at - b.at)
    .map((m) => m.tool);
  const first = tools[0];
  if (choice.type === 'any' && named.length === 0 && first) return [first];
  return choice.disable_parallel_tool_use === true ? named.slice(0, 1) : named;
}

function demoTurn(body: Json, options: DemoModelOptions, callCount: () => number): MockTurn {
  const messages = Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
  const tools = customTools(body);
  const seed = sha256(JSON.stringify([body.system ?? null, tools.map((t) => t.name), messages]));
  const pick = <T>(list: readonly T[], salt: number): T =>
    list[(seed[salt % seed.length] ?? 0) % list.length] as T;
  const lastUserAt = messages.map((m) => m.role).lastIndexOf('user');
  const lastUser = messages[lastUserAt];
  const delay = options.delayMs !== undefined ? { delayMs: options.delayMs } : {};
  const withThinking = (thinking: string, rest: MockBlock[]): MockBlock[] =>
    thinkingEnabled(body) ? [{ type: 'thinking', thinking }, ...rest] : rest;

  const results = blocksOf(lastUser?.content).filter((b) => b.type === 'tool_result');
  // Results followed by the person's own words (the next message after a
  // cancelled tool call joins that turn): the words are the request.
  const saidAfterResults = blocksOf(lastUser?.content).some(
    (b) => b.type === 'text' && typeof b.text === 'string' && b.text.trim() !== '',
  );
  if (results.length > 0 && !saidAfterResults) {
    const { thinking, text } = answerToolResults(results, messages[lastUserAt - 1]);
    return { ...delay, blocks: withThinking(thinking, [{ type: 'text', text }]) };
  }

  const said = textOf(lastUser?.content);
  const named = chooseTools(body, tools, said);
  if (named.length > 0) {
    const quoted = quotedPhrases(said);
    const list = named.map((t) => `\`${t.name}\``).join(' and ');
    // Tool ids are unique per call, as the real API's are: the same prompt sent
    // twice is two calls (approval records key on the id), yet a fresh model
    // fed the same requests gives the same ids again.
    const turnNumber = callCount();
    const calls: MockBlock[] = named.map((tool, i) => ({
      type: 'tool_use',
      id: derivedId('toolu', `${seed.toString('hex')}:${turnNumber}:${i}`),
      name: tool.name,
      input: inputFromSchema(tool.schema, quoted),
    }));
    return {
      ...delay,
      blocks: withThinking(
        `The user named the ${list} tool${named.length > 1 ? 's' : ''}. I will call ${named.length > 1 ? 'them' : 'it'} with input that fits the schema, then report the result.`,
        [
          {
            type: 'text',
            text: `I'll use the ${list} tool${named.length > 1 ? 's' : ''} for that.`,
          },
          ...calls,
        ],
      ),
    };
  }

  const echo = said.trim() === '' ? 'nothing in words' : `"${clip(said, 80)}"`;
  const toolHint =
    tools.length > 0
      ? ` I can call ${tools.map((t) => `\`${t.name}\``).join(', ')}: name one in your message and I will use it.`
      : '';
  let text: string;
  if (LONG_REQUEST.test(said)) {
    const paragraphs = [0, 1, 2].map((p) =>
      [0, 1, 2]
        .map((s) => LONG_SENTENCES[((seed[p * 3 + s] ?? 0) + p * 3 + s) % LONG_SENTENCES.length])
        .join(' '),
    );
    text = `You asked for something longer about ${echo}, so here is a fuller answer.\n\n${paragraphs.join('\n\n')}\n\n${pick(SHORT_CLOSINGS, 9)}${toolHint}`;
  } else {
    text = `You said ${echo}. ${pick(SHORT_CLOSINGS, 7)}${toolHint}`;
  }
  const thinking = `The user wrote ${echo}. No tool is named, so I answer in text${LONG_REQUEST.test(said) ? ' and at length, as asked' : ''}.`;

  const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : Infinity;
  if (estimateTokens(text) > maxTokens) {
    return {
      ...delay,
      stopReason: 'max_tokens',
      blocks: withThinking(thinking, [
        { type: 'text', text: text.slice(0, Math.max(1, maxTokens * 4)) },
      ]),
    };
  }
  return { ...delay, blocks: withThinking(thinking, [{ type: 'text', text }]) };
}

/**
 * The offline "demo model": a deterministic script that behaves plausibly.
 *
 * - Streams thinking first when the request enables thinking (as the real API
 *   does only then), then text.
 * - Calls every offered tool that the latest user message names (by name, or
 *   with spaces for underscores), with input built from the tool's schema;
 *   quoted phrases in the message fill string properties.
 * - After `tool_result` blocks, answers with a short text quoting the results.
 * - Otherwise answers in text, longer when asked (`long`, `detail`, `story`,
 *   `explain`...), and never calls a tool.
 *
 * The same request always gets the same answer (tool ids included).
 */
export function createDemoModel(options: DemoModelOptions = {}): Script {
  let toolTurns = 0;
  const callCount = (): number => ++toolTurns;
  return (request: MockRequestInfo) =>
    demoTurn(request.body as unknown as Json, options, callCount);
}
