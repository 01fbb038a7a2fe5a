import type Anthropic from '@anthropic-ai/sdk';
import { linkAbort } from './abort.js';
import type { RunParams, RunResult, ThinkingOption } from './agent-runner-types.js';
import type { LogEntry } from './event-log-types.js';
import type { GatewayEvent, Usage } from './events.js';
import { createEventLog } from './memory-event-log.js';
import type { RunnerConfig } from './run-context.js';
import { tapLog } from './tap-log.js';
import type { RunnerSpan } from './telemetry.js';
import type { SubAgentDispatch } from './tool-calls.js';
import type { ToolDefinition, ToolExecutor } from './tools.js';

/** A sub-agent: a tool the model calls with `{ task }` to delegate to a child run. */
export interface SubAgentConfig {
  /** Tool name (`^[a-zA-Z0-9_-]{1,64}$`). */
  name: string;
  /** Tool description: tells the model when to delegate. */
  description: string;
  /** The child run's system prompt. */
  systemPrompt: string;
  /** Tools of the parent's executor the child may not use. @default [] */
  excludedTools?: string[];
  /** Model turns of the child run. @default 10 */
  maxTurns?: number;
  /** The child is cancelled after this long; the call fails with `tool_timeout`. @default 300000 */
  timeoutMs?: number;
  /** @default the parent's model */
  model?: string;
  /** @default the parent's maxTokens */
  maxTokens?: number;
  /** @default the parent's thinking */
  thinking?: ThinkingOption;
}

/** What a sub-agent call returns to the parent model. */
export interface SubAgentResult {
  /** The child's final text. */
  response: string;
  /**
   * Names of the tools the child ran, in the order their first call
   * finished, each once. A call that never ran (denied, expired, unknown,
   * invalid input) does not count.
   */
  tools_used: string[];
  usage: Usage;
}

/** Default `maxTurns` of a sub-agent. */
export const DEFAULT_SUB_AGENT_MAX_TURNS = 10;
/** Default `timeoutMs` of a sub-agent. */
export const DEFAULT_SUB_AGENT_TIMEOUT_MS = 300_000;

/** The tool definition the model sees for a sub-agent. */
export function subAgentToolDefinition(sub: SubAgentConfig): ToolDefinition {
  return {
    name: sub.name,
    description: sub.description,
    input_schema: {
      type: 'object',
      properties: {
        task: {
          type: 'string',
          description: 'The task to delegate, with all the context it needs.',
        },
      },
      required: ['task'],
    },
  };
}

/** How a child run is tied to its parent. Internal. */
export interface ParentLink {
  /** The parent's tool call span: the child's run span is its child. */
  span: RunnerSpan;
  /** The child's spend, passed up as it happens (so a cancel keeps it). */
  onSpend: (spend: Spend) => void;
  /** The agent's name, for its run span. */
  agentName: string;
  /** The top-level run: what the child's tool calls report as `rootRunId`. */
  rootRunId: string;
}

/** Tokens spent and what they cost; `failed` for a failed model attempt. */
export interface Spend {
  usage: Usage;
  costUsd: number | null;
  failed: boolean;
}

/** Runs a child run with the child's settings (injected to avoid an import cycle). */
export type RunChild = (
  config: RunnerConfig,
  params: RunParams,
  parent: ParentLink,
) => Promise<RunResult>;

// What a sub-agent's events keep in the parent's log: what a person follows
// and decides. Its run_start, usage and terminal event stay in its own log.
const MIRRORED: ReadonlySet<GatewayEvent['type']> = new Set([
  'thinking_delta',
  'text_delta',
  'tool_use',
  'tool_approval_request',
  'tool_approval_decision',
  'tool_result',
  'elicitation_request',
  'elicitation_response',
  'stream_retry',
]);

// Tool errors that mean the tool never ran: it is not in `tools_used`.
const NOT_RUN: ReadonlySet<string> = new Set([
  'unknown_tool',
  'invalid_input',
  'approval_required',
  'approval_timeout',
  'user_denied',
  'server_unavailable',
]);

/**
 * One dispatcher per sub-agent for a run. Each call runs a child run whose
 * events (deltas, tool calls, approvals, retries) are appended to the
 * parent's log through `emit`, marked with `parent_tool_use_id`; it is
 * cancelled with the parent's signal or after `timeoutMs`. Its spend reaches
 * `onSpend` turn by turn.
 */
export function createSubAgentDispatchers(
  parent: RunnerConfig,
  runChild: RunChild,
  emit: (event: GatewayEvent) => Promise<LogEntry>,
  onSpend: (spend: Spend) => void,
): Map<string, SubAgentDispatch> {
  const dispatchers = new Map<string, SubAgentDispatch>();
  for (const sub of parent.subAgents) {
    const config = childConfig(parent, sub);
    const timeoutMs = sub.timeoutMs ?? DEFAULT_SUB_AGENT_TIMEOUT_MS;
    dispatchers.set(sub.name, async (call, toolCtx, span) => {
      const task = (call.input as { task?: unknown } | null)?.task;
      if (typeof task !== 'string' || task.trim() === '') {
        return {
          error: { code: 'invalid_input', message: 'input needs a non-empty string "task"' },
        };
      }
      const controller = new AbortController();
      const unlink = linkAbort(toolCtx.signal, controller);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      const own = createEventLog({
        meta: {
          sessionId: toolCtx.sessionId,
          parentRunId: toolCtx.runId,
          toolUseId: call.id,
          subAgent: sub.name,
        },
      });
      const used = new Set<string>();
      // The child's own log keeps everything; what a person must see is
      // appended to the parent's log too. Returning the parent's entry keeps
      // `discarded_from_seq` in the parent's numbering.
      const log = tapLog(own, async (event) => {
        const entry = await own.append(event);
        if (!MIRRORED.has(event.type)) return entry;
        if (event.type === 'tool_result' && !(event.error && NOT_RUN.has(event.error.code)))
          used.add(event.name);
        // A nested sub-agent's events keep their nearest parent.
        const parentId = (event as { parent_tool_use_id?: string }).parent_tool_use_id ?? call.id;
        return emit({ ...event, parent_tool_use_id: parentId } as GatewayEvent);
      });
      try {
        const result = await runChild(
          config,
          {
            messages: [{ role: 'user', content: task }],
            system: sub.systemPrompt,
            log,
            signal: controller.signal,
            // The parent's session: a person approves the child's calls there.
            sessionId: toolCtx.sessionId,
          },
          { span, onSpend, agentName: sub.name, rootRunId: toolCtx.rootRunId ?? toolCtx.runId },
        );
        if (timedOut) {
          return {
            error: {
              code: 'tool_timeout',
              message: `sub-agent ${sub.name} timed out after ${timeoutMs} ms`,
            },
          };
        }
        if (result.error?.code === 'cancelled') {
          return { error: { code: 'cancelled', message: 'the run was cancelled' } };
        }
        if (result.error) {
          return {
            error: {
              code: 'tool_error',
              message: `sub-agent ${sub.name} failed (${result.error.code}): ${result.error.message}`,
            },
          };
        }
        const output: SubAgentResult = {
          response: finalText(result.messages),
          tools_used: [...used],
          usage: result.usage,
        };
        return { result: output, source: 'local' };
      } finally {
        clearTimeout(timer);
        unlink();
      }
    });
  }
  return dispatchers;
}

function childConfig(parent: RunnerConfig, sub: SubAgentConfig): RunnerConfig {
  return {
    ...parent,
    model: sub.model ?? parent.model,
    maxTokens: sub.maxTokens ?? parent.maxTokens,
    thinking: sub.thinking ?? parent.thinking,
    maxTurns: sub.maxTurns ?? DEFAULT_SUB_AGENT_MAX_TURNS,
    // The child's limit is the sub-agent's timeoutMs, enforced by its dispatcher.
    timeoutMs: undefined,
    tools: withoutTools(parent.tools, sub.excludedTools ?? []),
    // The parent counts the child's spend in its own onUsage; children do not nest.
    hooks: { onToolResult: parent.hooks.onToolResult, onToolTiming: parent.hooks.onToolTiming },
    subAgents: [],
  };
}

function withoutTools(
  tools: ToolExecutor | undefined,
  excluded: string[],
): ToolExecutor | undefined {
  if (!tools || excluded.length === 0) return tools;
  const hidden = new Set(excluded);
  return {
    definitions: async () => (await tools.definitions()).filter((def) => !hidden.has(def.name)),
    execute: (call, ctx) =>
      hidden.has(call.name)
        ? Promise.resolve({
            error: { code: 'unknown_tool', message: `no tool named ${call.name}` },
          })
        : tools.execute(call, ctx),
    ...(tools.isSequential
      ? { isSequential: (name: string) => tools.isSequential?.(name) === true }
      : {}),
  };
}

function finalText(messages: Anthropic.MessageParam[]): string {
  const last = messages.at(-1);
  if (!last || last.role !== 'assistant') return '';
  if (typeof last.content === 'string') return last.content;
  return last.content
    .filter((block): block is Anthropic.TextBlockParam => block.type === 'text')
    .map((block) => block.text)
    .join('');
}
