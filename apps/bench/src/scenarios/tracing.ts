// Scenario 11: what the runner's OpenTelemetry support costs when nobody
// registered a tracer provider (the default for every user who does not
// trace): `tracing` left on (the API is loaded, spans do not record) against
// `tracing: false` (no span code runs at all). Tool-loop runs in this
// process against an in-process scripted API, CPU of this process per run;
// the scripted API's CPU is in both and dilutes nothing away (same script).
import {
  createAgentRunner,
  createEventLog,
  type AgentRunner,
  type ToolExecutor,
} from '@claude-gateway/core';
import { startMockAnthropic, type MockRequestInfo, type MockTurn } from '@claude-gateway/testing';
import { interleavedMedians } from '../measure.js';
import type { BenchConfig, ScenarioResult } from './types.js';

const ID = 11;
const TURNS = 5;

/** Five tool turns of two calls each, with text, then an answer. */
function script(request: MockRequestInfo): MockTurn {
  const turn = request.body.messages.filter((m) => m.role === 'assistant').length;
  if (turn >= TURNS) return { blocks: [{ type: 'text', text: 'All done. '.repeat(20) }] };
  return {
    blocks: [
      { type: 'text', text: 'Let me look that up for you. '.repeat(4) },
      { type: 'tool_use', id: `toolu_${turn}_a`, name: 'lookup', input: { value: 'a' } },
      { type: 'tool_use', id: `toolu_${turn}_b`, name: 'lookup', input: { value: 'b' } },
    ],
  };
}

const tools: ToolExecutor = {
  definitions: () => [
    {
      name: 'lookup',
      description: 'Looks a value up',
      input_schema: { type: 'object', properties: { value: { type: 'string' } } },
    },
  ],
  execute: (call) => Promise.resolve({ result: `found ${JSON.stringify(call.input)}` }),
};

const silent = { warn: () => {}, error: () => {} };

const gc = (globalThis as { gc?: () => void }).gc;

async function cpuOfRuns(runner: AgentRunner, runs: number): Promise<number> {
  // Earlier scenarios' garbage (this process ran their HTTP clients) is
  // collected now, not in the middle of a sample.
  gc?.();
  const before = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const result = await runner.run({
      messages: [{ role: 'user', content: 'look up a and b' }],
      log: createEventLog(),
    });
    if (result.error) throw new Error(`run failed: ${result.error.code}`);
  }
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

export async function tracingOff(config: BenchConfig): Promise<ScenarioResult> {
  const runs = config.quick ? 10 : 30;
  const mock = await startMockAnthropic({ script, logger: silent, recordRequests: false });
  try {
    const runner = (tracing: boolean) =>
      createAgentRunner({
        apiKey: 'bench',
        baseURL: mock.url,
        model: 'claude-haiku-4-5',
        tools,
        tracing,
        logger: silent,
      });
    const on = runner(true);
    const off = runner(false);
    const medians = await interleavedMedians(
      { default: () => cpuOfRuns(on, runs), off: () => cpuOfRuns(off, runs) },
      Math.max(config.rounds, 5),
      config.warmups,
    );
    const ratio = medians.default.median / medians.off.median;
    return {
      id: ID,
      name: `${runs} tool-loop runs (${TURNS} turns × 2 calls): tracing on without a provider against tracing: false`,
      measurements: {
        cpuUsPerRunDefault: medians.default.median / runs,
        cpuUsPerRunOff: medians.off.median / runs,
        samplesDefault: medians.default.samples,
        samplesOff: medians.off.samples,
      },
      targets: [
        {
          metric: 'tracing on, no provider / tracing: false (CPU per run)',
          value: ratio,
          target: '≤ 1.05',
          pass: ratio <= 1.05,
        },
      ],
      bars: [
        { label: 'tracing: false', value: 1 },
        { label: 'default, no provider', value: ratio },
      ],
      note: 'in-process: CPU of the orchestrator, the scripted API included (same for both)',
    };
  } finally {
    await mock.close();
  }
}
