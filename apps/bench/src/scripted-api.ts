// Child process: the scripted Messages API every scenario streams from. It runs
// in its own process so its CPU never counts against the server being measured.
//
// The first user message picks the answer:
//   `text <n>`          one text block of n deltas
//   `tools <turns>`     thinking + two tool calls per turn for <turns> turns, then text
//   `wait`              one call to the gated `approve_me` tool, then text
import type { MockBlock, MockRequestInfo, MockTurn } from '@claude-gateway/testing';
import { startMockAnthropic } from '@claude-gateway/testing';

/** `n` text chunks of about four characters, like real tokens. */
export function tokens(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `t${i % 1000} `);
}

function firstUserText(request: MockRequestInfo): string {
  const first = request.body.messages[0];
  if (!first) return '';
  if (typeof first.content === 'string') return first.content;
  const block = first.content.find((b) => b.type === 'text');
  return block && block.type === 'text' ? block.text : '';
}

function assistantTurns(request: MockRequestInfo): number {
  return request.body.messages.filter((m) => m.role === 'assistant').length;
}

function textBlock(n: number): MockBlock {
  const chunks = tokens(n);
  return { type: 'text', text: chunks.join(''), chunks };
}

let ids = 0;

function answer(request: MockRequestInfo): MockTurn {
  const [kind, arg] = firstUserText(request).split(' ');
  const n = Number(arg ?? 0);
  if (kind === 'text') return { blocks: [textBlock(n)] };
  const turn = assistantTurns(request);
  if (kind === 'tools') {
    if (turn >= n) return { blocks: [textBlock(40)] };
    const thinking = tokens(20);
    return {
      blocks: [
        { type: 'thinking', thinking: thinking.join(''), chunks: thinking },
        textBlock(10),
        { type: 'tool_use', id: `toolu_${++ids}`, name: 'lookup', input: { q: `a${turn}` } },
        { type: 'tool_use', id: `toolu_${++ids}`, name: 'lookup', input: { q: `b${turn}` } },
      ],
    };
  }
  if (kind === 'wait') {
    if (turn >= 1) return { blocks: [textBlock(5)] };
    return { blocks: [{ type: 'tool_use', id: `toolu_${++ids}`, name: 'approve_me', input: {} }] };
  }
  return { blocks: [textBlock(3)] };
}

const mock = await startMockAnthropic({ script: answer, recordRequests: false });
process.send?.({ url: mock.url });
process.on('disconnect', () => {
  void mock.close().then(() => process.exit(0));
});
