// Scenario 7: 1,000 `echo` calls through the MCP client manager against the
// SDK's own `Client` on the same stdio server; CPU of this process (the
// client side) per call, medians of interleaved rounds. Also the manager with
// `tracing: false`: what its OpenTelemetry spans cost when no tracer provider
// is registered (the API is installed in this workspace, so the default
// manager loads it and starts non-recording spans).
import { fileURLToPath } from 'node:url';
import { createMcpClientManager } from '@claude-gateway/mcp';
import { seededRandom } from '@claude-gateway/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { cpuPinning } from '../cpu-pinning.js';
import { median } from '../measure.js';
import type { BenchConfig, ScenarioResult } from './types.js';

const pinning = cpuPinning();

// Every server (the SDK Client's and the managers') on the same core.
const server = pinning.wrap(process.execPath, [
  '--conditions=@claude-gateway/source',
  '--import',
  'tsx',
  fileURLToPath(new URL('../mcp-echo-server.ts', import.meta.url)),
]);

const gc = (globalThis as { gc?: () => void }).gc;

function cpu(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

/** A shuffled copy (Fisher–Yates). */
function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export async function mcpCalls(config: BenchConfig): Promise<ScenarioResult> {
  const calls = config.quick ? 300 : 1000;
  const logger = { warn: () => undefined, error: (m: string) => console.error(m) };
  const manager = createMcpClientManager({
    servers: { bench: { ...server, cwd: process.cwd() } },
    logger,
  });
  const untraced = createMcpClientManager({
    servers: { bench: { ...server, cwd: process.cwd() } },
    logger,
    tracing: false,
  });
  for (const status of await Promise.all([manager.startup(), untraced.startup()])) {
    if (status[0]?.state !== 'ready') throw new Error(`MCP server not ready: ${status[0]?.error}`);
  }
  const client = new Client({ name: 'bench', version: '0.0.0' });
  await client.connect(new StdioClientTransport({ ...server, cwd: process.cwd() }));
  // The control: a second, identical SDK Client on its own server process.
  // What it costs over the first is what this measurement cannot tell apart.
  const twin = new Client({ name: 'bench', version: '0.0.0' });
  await twin.connect(new StdioClientTransport({ ...server, cwd: process.cwd() }));

  type Contender = 'sdk' | 'twin' | 'sdkProgress' | 'manager' | 'untraced';
  const contenders: [Contender, (i: number) => Promise<void>][] = [
    [
      'sdk',
      async (i) => {
        const result = await client.callTool({ name: 'echo', arguments: { message: `m${i}` } });
        if (result.isError) throw new Error('sdk echo failed');
      },
    ],
    [
      'twin',
      async (i) => {
        const result = await twin.callTool({ name: 'echo', arguments: { message: `m${i}` } });
        if (result.isError) throw new Error('sdk echo failed');
      },
    ],
    // For reference: the SDK Client asking for progress as the manager does
    // (a progress token in every request, so progress can reset the idle limit).
    [
      'sdkProgress',
      async (i) => {
        const result = await client.callTool(
          { name: 'echo', arguments: { message: `m${i}` } },
          undefined,
          { onprogress: () => undefined },
        );
        if (result.isError) throw new Error('sdk echo failed');
      },
    ],
    [
      'manager',
      async (i) => {
        const outcome = await manager.callTool('echo', { message: `m${i}` });
        if (outcome.error) throw new Error(`manager echo failed: ${outcome.error.message}`);
      },
    ],
    [
      'untraced',
      async (i) => {
        const outcome = await untraced.callTool('echo', { message: `m${i}` });
        if (outcome.error) throw new Error(`manager echo failed: ${outcome.error.message}`);
      },
    ],
  ];
  // A call is a round trip to another process, and what it costs here swings
  // with the scheduler (is the other core asleep when the request lands?) by
  // ±20% from one moment to the next. So the contenders take turns call by
  // call, in a new shuffled order each time, each call timed on its own: all
  // of them meet the same conditions. A round is `calls` calls of each; its
  // ratios are per round, and the result is their median.
  const random = seededRandom(7);
  const round = async (): Promise<Record<Contender, number>> => {
    gc?.();
    const totals: Record<Contender, number> = {
      sdk: 0,
      twin: 0,
      sdkProgress: 0,
      manager: 0,
      untraced: 0,
    };
    for (let i = 0; i < calls; i++) {
      // A fresh order each time: what one call leaves running (a write's
      // callback, a timer) lands in the next one's time, so no contender may
      // always follow the same one.
      for (const [name, call] of shuffled(contenders, random)) {
        const start = cpu();
        await call(i);
        totals[name] += cpu() - start;
      }
    }
    return totals;
  };
  const rounds = Math.max(config.rounds, 7);
  const unpin = pinning.pinSelf();
  try {
    for (let i = 0; i < config.warmups; i++) await round();
    const samples: Record<Contender, number>[] = [];
    for (let i = 0; i < rounds; i++) samples.push(await round());
    const perCall = (name: Contender) => median(samples.map((s) => s[name])) / calls;
    const ratioOf = (a: Contender, b: Contender) => median(samples.map((s) => s[a] / s[b]));
    const medians = Object.fromEntries(
      contenders.map(([name]) => [
        name,
        { median: perCall(name) * calls, samples: samples.map((s) => s[name]) },
      ]),
    ) as Record<Contender, { median: number; samples: number[] }>;
    const ratio = ratioOf('manager', 'sdk');
    const tracing = ratioOf('manager', 'untraced');
    return {
      id: 7,
      name: `MCP: ${calls} echo calls, manager vs the SDK Client`,
      measurements: {
        calls,
        rounds,
        sdk_cpu_us_per_call: medians.sdk.median / calls,
        manager_cpu_us_per_call: medians.manager.median / calls,
        sdk_samples_us: medians.sdk.samples,
        manager_samples_us: medians.manager.samples,
        untraced_cpu_us_per_call: medians.untraced.median / calls,
        untraced_samples_us: medians.untraced.samples,
        sdk_progress_cpu_us_per_call: medians.sdkProgress.median / calls,
        sdk_progress_samples_us: medians.sdkProgress.samples,
        sdk_progress_over_sdk: ratioOf('sdkProgress', 'sdk'),
        twin_cpu_us_per_call: perCall('twin'),
        twin_samples_us: medians.twin.samples,
        twin_over_sdk: ratioOf('twin', 'sdk'),
        ratio,
        tracing_on_over_off: tracing,
      },
      targets: [
        {
          metric: 'manager / SDK Client (client CPU per call)',
          value: ratio,
          target: '≤ 1.1',
          pass: ratio <= 1.1,
        },
        {
          metric: 'tracing on, no provider / tracing: false (client CPU per call)',
          value: tracing,
          target: '≤ 1.05',
          pass: tracing <= 1.05,
        },
      ],
      note: `${
        pinning.active
          ? 'every MCP server pinned to CPU 1 and this process to CPU 0 (taskset)'
          : 'not pinned to CPUs (no taskset, or one CPU): expect more spread between rounds'
      }; the contenders take turns call by call (in a shuffled order each time), each call timed on its own, and a ratio is the median of the rounds' ratios; "a second SDK Client" is an identical client on its own server process, a control for what the measurement cannot tell apart; the manager sends a progress token with every call (so that progress resets the idle limit): "SDK Client + progress" is the SDK Client doing the same, for reference (no target)`,
      bars: [
        { label: 'SDK Client', value: 1 },
        { label: 'a second SDK Client (control)', value: ratioOf('twin', 'sdk') },
        { label: 'SDK Client + progress', value: ratioOf('sdkProgress', 'sdk') },
        { label: 'MCP client manager', value: ratio },
      ],
    };
  } finally {
    unpin();
    await client.close();
    await twin.close();
    await Promise.all([manager.shutdown(), untraced.shutdown()]);
  }
}
