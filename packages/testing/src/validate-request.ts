import { verifyThinkingSignature } from './ids.js';

/** Options of `validateMessagesRequest`. */
export interface ValidateOptions {
  /** `count_tokens` takes no `max_tokens`. @default true */
  requireMaxTokens?: boolean;
}

type Json = Record<string, unknown>;

interface Turn {
  role: string;
  /** Index in `messages` of the first message merged into this turn. */
  index: number;
  /** Blocks with the index of the message each came from. */
  blocks: { block: Json; message: number; position: number }[];
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const TOOL_CHOICES = new Set(['auto', 'any', 'tool', 'none']);
const THINKING_TYPES = new Set(['enabled', 'disabled', 'adaptive', 'between_tools']);

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function blocksOf(content: unknown): Json[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? content.filter(isRecord) : [];
}

function countCacheControl(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + countCacheControl(v), 0);
  if (!isRecord(value)) return 0;
  let n = value.cache_control !== undefined && value.cache_control !== null ? 1 : 0;
  if (Array.isArray(value.content)) n += countCacheControl(value.content);
  return n;
}

function checkMessage(message: unknown, i: number, last: boolean): string | undefined {
  if (!isRecord(message)) return `messages.${i}: Input should be a valid dictionary`;
  const role = message.role;
  if (role !== 'user' && role !== 'assistant' && role !== 'system') {
    return `messages.${i}.role: Input should be 'user' or 'assistant'`;
  }
  const content = message.content;
  if (content === undefined) return `messages.${i}.content: Field required`;
  if (typeof content !== 'string' && !Array.isArray(content)) {
    return `messages.${i}.content: Input should be a valid string or list`;
  }
  const empty = typeof content === 'string' ? content === '' : content.length === 0;
  if (empty && !(last && role === 'assistant')) {
    return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
  }
  if (Array.isArray(content)) {
    for (const [j, block] of content.entries()) {
      if (!isRecord(block) || typeof block.type !== 'string')
        return `messages.${i}.content.${j}.type: Field required`;
      if (block.type === 'text' && (typeof block.text !== 'string' || block.text === '')) {
        return 'messages: text content blocks must be non-empty';
      }
      if (block.type === 'tool_result' && typeof block.tool_use_id !== 'string') {
        return `messages.${i}.content.${j}.tool_result.tool_use_id: Field required`;
      }
      if (
        block.type === 'tool_use' &&
        (typeof block.id !== 'string' || typeof block.name !== 'string')
      ) {
        return `messages.${i}.content.${j}.tool_use: \`id\` and \`name\` are required`;
      }
      if (block.type === 'thinking') {
        if (typeof block.signature !== 'string')
          return `messages.${i}.content.${j}.thinking.signature: Field required`;
        if (verifyThinkingSignature(String(block.thinking), block.signature) === false) {
          return `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`;
        }
      }
    }
  }
  return undefined;
}

/** Consecutive messages with the same role form one turn, as the API merges them. */
function turnsOf(messages: Json[]): Turn[] {
  const turns: Turn[] = [];
  messages.forEach((message, index) => {
    const role = String(message.role);
    if (role === 'system') return;
    const blocks = blocksOf(message.content).map((block, position) => ({
      block,
      message: index,
      position,
    }));
    const previous = turns.at(-1);
    if (previous && previous.role === role) previous.blocks.push(...blocks);
    else turns.push({ role, index, blocks });
  });
  return turns;
}

/** Server tool calls (web search...) of an assistant turn that no result block answers. */
function unansweredServerCalls(turn: Turn): string[] {
  const answered = new Set(
    turn.blocks.flatMap(({ block }) =>
      block.type !== 'tool_result' && typeof block.tool_use_id === 'string'
        ? [block.tool_use_id]
        : [],
    ),
  );
  return turn.blocks
    .filter(({ block }) => block.type === 'server_tool_use' && !answered.has(String(block.id)))
    .map(({ block }) => String(block.id));
}

function checkToolPairs(turns: Turn[]): string | undefined {
  const seen = new Set<string>();
  for (const [t, turn] of turns.entries()) {
    const previous = turns[t - 1];
    if (turn.role === 'assistant') {
      for (const { block, message } of turn.blocks) {
        if (block.type !== 'tool_use') continue;
        const id = String(block.id);
        if (seen.has(id)) return `messages.${message}: \`tool_use\` ids must be unique`;
        seen.add(id);
      }
      // A final assistant turn is a paused one sent back to go on: the API
      // runs its pending server calls. Anywhere else they need their result.
      const unanswered = t < turns.length - 1 ? unansweredServerCalls(turn) : [];
      if (unanswered.length > 0) {
        return `messages.${turn.index}: \`server_tool_use\` ids were found without corresponding result blocks: ${unanswered.join(', ')}. Each \`server_tool_use\` block must be followed by its result block in the same assistant turn.`;
      }
      continue;
    }
    const asked = new Set(
      (previous?.blocks ?? [])
        .filter(({ block }) => block.type === 'tool_use')
        .map(({ block }) => String(block.id)),
    );
    let otherSeen = false;
    for (const { block, message, position } of turn.blocks) {
      if (block.type !== 'tool_result') {
        otherSeen = true;
        continue;
      }
      const id = String(block.tool_use_id);
      if (!asked.has(id)) {
        return `messages.${message}.content.${position}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
      }
      if (otherSeen) {
        return `messages.${message}.content.${position}: \`tool_result\` blocks must come first in the user message content, before any other block`;
      }
      asked.delete(id);
    }
    if (asked.size > 0 && previous) {
      return `messages.${previous.index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${[...asked].join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
    }
  }
  return undefined;
}

function thinkingEnabled(body: Json): boolean {
  const thinking = body.thinking;
  return isRecord(thinking) && (thinking.type === 'enabled' || thinking.type === 'adaptive');
}

function checkThinking(body: Json, turns: Turn[]): string | undefined {
  const thinking = body.thinking;
  if (thinking === undefined || thinking === null) return undefined;
  if (!isRecord(thinking) || !THINKING_TYPES.has(String(thinking.type))) {
    return "thinking: Input tag does not match any of the expected tags: 'enabled', 'disabled', 'adaptive'";
  }
  if (thinking.type === 'enabled') {
    const budget = thinking.budget_tokens;
    if (typeof budget !== 'number' || !Number.isInteger(budget))
      return 'thinking.enabled.budget_tokens: Field required';
    if (budget < 1024)
      return 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024';
    if (typeof body.max_tokens === 'number' && budget >= body.max_tokens) {
      return '`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size';
    }
  }
  if (!thinkingEnabled(body)) return undefined;
  if (body.temperature !== undefined && body.temperature !== 1) {
    return '`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#feature-compatibility';
  }
  if (body.top_k !== undefined) return '`top_k` must be unset when thinking is enabled.';
  const choice = body.tool_choice;
  if (isRecord(choice) && (choice.type === 'any' || choice.type === 'tool')) {
    return 'Thinking may not be enabled when tool_choice forces tool use.';
  }
  // The last assistant turn that called tools, answered by the final user turn, must start with thinking.
  const last = turns.at(-1);
  const assistant = turns.at(-2);
  if (last?.role === 'user' && assistant?.role === 'assistant') {
    const answersTools = last.blocks.some(({ block }) => block.type === 'tool_result');
    const first = assistant.blocks[0];
    if (
      answersTools &&
      first &&
      first.block.type !== 'thinking' &&
      first.block.type !== 'redacted_thinking'
    ) {
      return `messages.${first.message}.content.${first.position}.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${String(first.block.type)}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking`;
    }
  }
  return undefined;
}

function checkTools(body: Json): string | undefined {
  const names = new Set<string>();
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) return 'tools: Input should be a valid list';
    for (const [i, tool] of body.tools.entries()) {
      if (!isRecord(tool)) return `tools.${i}: Input should be a valid dictionary`;
      const custom = tool.type === undefined || tool.type === null || tool.type === 'custom';
      if (typeof tool.name !== 'string') return `tools.${i}.name: Field required`;
      if (custom && !TOOL_NAME.test(tool.name)) {
        return `tools.${i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`;
      }
      if (custom && (!isRecord(tool.input_schema) || tool.input_schema.type !== 'object')) {
        return `tools.${i}.custom.input_schema: Input should be a JSON Schema object with "type": "object"`;
      }
      if (names.has(tool.name)) return 'tools: Tool names must be unique.';
      names.add(tool.name);
    }
  }
  const choice = body.tool_choice;
  if (choice !== undefined) {
    if (!isRecord(choice) || !TOOL_CHOICES.has(String(choice.type))) {
      return "tool_choice: Input tag does not match any of the expected tags: 'auto', 'any', 'tool', 'none'";
    }
    if (choice.type === 'tool' && (typeof choice.name !== 'string' || !names.has(choice.name))) {
      return `tool_choice.tool.name: tool '${String(choice.name)}' is not among the provided tools`;
    }
  }
  return undefined;
}

/**
 * Checks a Messages API request body the way the real API does where it is
 * cheap. Returns the API's error message for the first problem, or `undefined`.
 */
export function validateMessagesRequest(
  body: unknown,
  options: ValidateOptions = {},
): string | undefined {
  if (!isRecord(body)) return 'body: Input should be a valid dictionary';
  if (body.model === undefined) return 'model: Field required';
  if (typeof body.model !== 'string' || body.model === '')
    return 'model: Input should be a valid string';
  if (options.requireMaxTokens !== false) {
    if (body.max_tokens === undefined) return 'max_tokens: Field required';
    if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens)) {
      return 'max_tokens: Input should be a valid integer';
    }
    if (body.max_tokens < 1) return 'max_tokens: Input should be greater than or equal to 1';
  }
  if (body.system !== undefined && typeof body.system !== 'string') {
    if (!Array.isArray(body.system)) return 'system: Input should be a valid string or list';
    const bad = (body.system as unknown[]).findIndex(
      (b) => !isRecord(b) || b.type !== 'text' || typeof b.text !== 'string' || b.text === '',
    );
    if (bad >= 0) return `system.${bad}: system blocks must be non-empty text blocks`;
  }
  if (body.messages === undefined) return 'messages: Field required';
  if (!Array.isArray(body.messages)) return 'messages: Input should be a valid list';
  if (body.messages.length === 0) return 'messages: at least one message is required';
  const messages = body.messages as unknown[];
  for (const [i, message] of messages.entries()) {
    const problem = checkMessage(message, i, i === messages.length - 1);
    if (problem) return problem;
  }
  const turns = turnsOf(messages as Json[]);
  if (turns[0]?.role !== 'user') return 'messages: first message must use the "user" role';
  const lastMessage = messages.at(-1) as Json;
  if (lastMessage.role === 'assistant') {
    const lastBlock = blocksOf(lastMessage.content).at(-1);
    if (lastBlock?.type === 'text' && /\s$/.test(String(lastBlock.text))) {
      return 'messages: final assistant content cannot end with trailing whitespace';
    }
  }
  const cacheBlocks =
    countCacheControl(body.system) + countCacheControl(body.tools) + countCacheControl(messages);
  if (cacheBlocks > 4)
    return `A maximum of 4 blocks with cache_control may be provided. Found ${cacheBlocks}.`;
  return checkTools(body) ?? checkToolPairs(turns) ?? checkThinking(body, turns);
}
