// Scenario 7: 1,000 `echo` calls through the MCP client manager against the
// SDK's own `Client` on the same stdio server; CPU of this process (the
// client side) per call, medians of interleaved rounds.
import { fileURLToPath } from 'node:url';
import { createMcpClientManager } from '@claude-gateway/mcp';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { interleavedMedians } from '../measure.js';
import type { BenchConfig, ScenarioResult } from './types.js';

const server = {
  command: process.execPath,
  args: [
    '--conditions=@claude-gateway/source',
    '--import',
    'tsx',
    fileURLToPath(new URL('../mcp-echo-server.ts', import.meta.url)),
  ],
};

function cpu(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

export async function mcpCalls(config: BenchConfig): Promise<ScenarioResult> {
  const calls = config.quick ? 300 : 1000;
  const manager = createMcpClientManager({
    servers: { bench: { ...server, cwd: process.cwd() } },
    logger: { warn: () => undefined, error: (m) => console.error(m) },
  });
  const status = await manager.startup();
  if (status[0]?.state !== 'ready') throw new Error(`MCP server not ready: ${status[0]?.error}`);
  const client = new Client({ name: 'bench', version: '0.0.0' });
  await client.connect(new StdioClientTransport({ ...server, cwd: process.cwd() }));

  const time = async (call: (i: number) => Promise<unknown>): Promise<number> => {
    const start = cpu();
    for (let i = 0; i < calls; i++) await call(i);
    return cpu() - start;
  };
  try {
    const medians = await interleavedMedians(
      {
        sdk: () =>
          time(async (i) => {
            const result = await client.callTool({ name: 'echo', arguments: { message: `m${i}` } });
            if (result.isError) throw new Error('sdk echo failed');
          }),
        manager: () =>
          time(async (i) => {
            const outcome = await manager.callTool('echo', { message: `m${i}` });
            if (outcome.error) throw new Error(`manager echo failed: ${outcome.error.message}`);
          }),
      },
      config.rounds,
      config.warmups,
    );
    const ratio = medians.manager.median / medians.sdk.median;
    return {
      id: 7,
      name: `MCP: ${calls} echo calls, manager vs the SDK Client`,
      measurements: {
        calls,
        sdk_cpu_us_per_call: medians.sdk.median / calls,
        manager_cpu_us_per_call: medians.manager.median / calls,
        sdk_samples_us: medians.sdk.samples,
        manager_samples_us: medians.manager.samples,
        ratio,
      },
      targets: [
        {
          metric: 'manager / SDK Client (client CPU per call)',
          value: ratio,
          target: '≤ 1.1',
          pass: ratio <= 1.1,
        },
      ],
      bars: [
        { label: 'SDK Client', value: 1 },
        { label: 'MCP client manager', value: ratio },
      ],
    };
  } finally {
    await client.close();
    await manager.shutdown();
  }
}
