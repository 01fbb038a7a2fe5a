// The streaming handlers measured against each other: the whole claude-gateway
// stack, the floor (the raw SDK stream written straight to `res.write`), and
// the peer (the Vercel AI SDK's `streamText` piped to the response).
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createAnthropic } from '@ai-sdk/anthropic';
import Anthropic from '@anthropic-ai/sdk';
import { createAgentRunner, createMemoryEventStore, type AgentRunner } from '@claude-gateway/core';
import { createToolDispatcher, defineTool } from '@claude-gateway/dispatch';
import { writeSSE } from '@claude-gateway/sse-adapters/node';
import { jsonSchema, stepCountIs, streamText, tool } from 'ai';

export const MODEL = 'claude-sonnet-4-6';
export const MAX_TOKENS = 64_000;
export const THINKING_BUDGET = 2048;

const SSE_HEAD = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/** What every tool of the tool-loop scenario does: a small, fixed answer. */
export function lookup(input: { q?: unknown }): { q: unknown; answer: string } {
  return { q: input.q, answer: `the answer to ${String(input.q)}` };
}

const LOOKUP_SCHEMA = {
  type: 'object' as const,
  properties: { q: { type: 'string' as const } },
  required: ['q'],
};

export interface StreamingHandlers {
  gateway(res: ServerResponse, req: IncomingMessage, prompt: string, tools: boolean): Promise<void>;
  floor(res: ServerResponse, prompt: string, tools: boolean): Promise<void>;
  peer(res: ServerResponse, prompt: string, tools: boolean): Promise<void>;
  runner(tools: boolean): AgentRunner;
}

export function createStreamingHandlers(mockUrl: string): StreamingHandlers {
  const events = createMemoryEventStore();
  const plainRunner = createAgentRunner({
    apiKey: 'bench',
    baseURL: mockUrl,
    model: MODEL,
    maxTokens: MAX_TOKENS,
  });
  const toolRunner = createAgentRunner({
    apiKey: 'bench',
    baseURL: mockUrl,
    model: MODEL,
    maxTokens: MAX_TOKENS,
    thinking: { budgetTokens: THINKING_BUDGET },
    tools: createToolDispatcher({
      tools: [
        defineTool<{ q: string }>({
          name: 'lookup',
          description: 'Looks a word up.',
          inputSchema: LOOKUP_SCHEMA,
          handler: (input) => lookup(input),
        }),
      ],
    }),
  });
  const client = new Anthropic({ apiKey: 'bench', baseURL: mockUrl, maxRetries: 0 });
  const anthropic = createAnthropic({ apiKey: 'bench', baseURL: `${mockUrl}/v1` });
  let runs = 0;

  return {
    runner: (tools) => (tools ? toolRunner : plainRunner),

    // The whole stack: runner → memory event log → writeSSE.
    async gateway(res, req, prompt, tools) {
      const log = await events.create(`run-${++runs}`);
      const runner = tools ? toolRunner : plainRunner;
      void runner.run({ messages: [{ role: 'user', content: prompt }], log });
      await writeSSE(req, res, log);
    },

    // The floor: the SDK's stream, each event written as one SSE message; for
    // tools, a hand-written loop (accumulate blocks, run the calls, go again).
    async floor(res, prompt, tools) {
      res.writeHead(200, SSE_HEAD);
      const messages: Anthropic.MessageParam[] = [{ role: 'user', content: prompt }];
      let id = 0;
      for (;;) {
        const stream = await client.messages.create({
          model: MODEL,
          max_tokens: MAX_TOKENS,
          messages,
          stream: true,
          ...(tools
            ? {
                thinking: { type: 'enabled', budget_tokens: THINKING_BUDGET },
                tools: [
                  { name: 'lookup', description: 'Looks a word up.', input_schema: LOOKUP_SCHEMA },
                ],
              }
            : {}),
        });
        const blocks: Record<string, unknown>[] = [];
        const json: string[] = [];
        let stop: string | null = null;
        for await (const event of stream) {
          const frame = `id: ${++id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
          if (!res.write(frame)) await once(res, 'drain');
          if (!tools) continue;
          if (event.type === 'content_block_start') {
            blocks[event.index] = { ...event.content_block };
            json[event.index] = '';
          } else if (event.type === 'content_block_delta') {
            const block = blocks[event.index]!;
            const delta = event.delta;
            if (delta.type === 'text_delta') block.text = `${block.text as string}${delta.text}`;
            else if (delta.type === 'thinking_delta')
              block.thinking = `${block.thinking as string}${delta.thinking}`;
            else if (delta.type === 'signature_delta') block.signature = delta.signature;
            else if (delta.type === 'input_json_delta') json[event.index] += delta.partial_json;
          } else if (event.type === 'message_delta') stop = event.delta.stop_reason;
        }
        if (!tools || stop !== 'tool_use') break;
        const results: Anthropic.ToolResultBlockParam[] = [];
        blocks.forEach((block, i) => {
          if (block.type !== 'tool_use') return;
          block.input = JSON.parse(json[i] || '{}');
          const result = JSON.stringify(lookup(block.input as { q?: unknown }));
          results.push({ type: 'tool_result', tool_use_id: block.id as string, content: result });
          const frame = `id: ${++id}\nevent: tool_result\ndata: ${JSON.stringify({ tool_use_id: block.id, result })}\n\n`;
          res.write(frame);
        });
        messages.push({
          role: 'assistant',
          content: blocks as unknown as Anthropic.ContentBlockParam[],
        });
        messages.push({ role: 'user', content: results });
      }
      res.end();
    },

    // The peer: the Vercel AI SDK, `streamText` piped to the response.
    async peer(res, prompt, tools) {
      const result = streamText({
        model: anthropic(MODEL),
        maxOutputTokens: MAX_TOKENS,
        prompt,
        ...(tools
          ? {
              providerOptions: {
                anthropic: { thinking: { type: 'enabled', budgetTokens: THINKING_BUDGET } },
              },
              tools: {
                lookup: tool({
                  description: 'Looks a word up.',
                  inputSchema: jsonSchema<{ q: string }>(LOOKUP_SCHEMA),
                  execute: (input) => Promise.resolve(lookup(input)),
                }),
              },
              stopWhen: stepCountIs(20),
            }
          : {}),
      });
      const closed = once(res, 'close');
      // It resolves when piping started, not when the answer is over.
      await result.pipeUIMessageStreamToResponse(res, { sendReasoning: true });
      await closed;
    },
  };
}
