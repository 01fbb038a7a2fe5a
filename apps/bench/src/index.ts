// `pnpm bench [--quick]`: the whole claude-gateway stack against floors and a
// peer measured in the same run, as ratios of server CPU time. Prints
// pass/fail per target, writes results/latest.json and results/latest.md.
// It never fails on a missed target (exit code 1 only when a scenario errors).
import { cpus } from 'node:os';
import { closeIdleSockets } from './http-client.js';
import { startScriptedApi, startServer } from './processes.js';
import { printScenario, writeResults, type BenchRun } from './report.js';
import { fanOut } from './scenarios/fan-out.js';
import { idleSessions } from './scenarios/idle-sessions.js';
import { longRun } from './scenarios/long-run.js';
import { mcpCalls } from './scenarios/mcp.js';
import { redisStores } from './scenarios/redis.js';
import { resume } from './scenarios/resume.js';
import { concurrentRuns, textBurst, toolLoop } from './scenarios/streaming.js';
import { tracingOff } from './scenarios/tracing.js';
import type { BenchConfig, ScenarioResult } from './scenarios/types.js';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const only = [...args]
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',')
  .map(Number);
const started = performance.now();

const SCENARIOS: {
  id: number;
  name: string;
  run: (config: BenchConfig) => Promise<ScenarioResult>;
}[] = [
  { id: 1, name: 'text burst', run: textBurst },
  { id: 2, name: 'concurrent runs', run: concurrentRuns },
  { id: 3, name: 'tool loop', run: toolLoop },
  { id: 4, name: 'fan-out', run: fanOut },
  { id: 5, name: 'idle sessions', run: idleSessions },
  { id: 6, name: 'resume', run: resume },
  { id: 7, name: 'MCP calls', run: mcpCalls },
  { id: 8, name: 'long run memory', run: longRun },
  { id: 10, name: 'Redis against memory', run: redisStores },
  { id: 11, name: 'tracing off', run: tracingOff },
];

console.log(
  `claude-gateway bench${quick ? ' --quick' : ''} (node ${process.version}, ${cpus().length} CPUs)`,
);
const mock = await startScriptedApi();
const server = await startServer(mock.url);
const config: BenchConfig = {
  quick,
  server: server.url,
  rounds: 3,
  warmups: 2,
  peer: !args.has('--no-peer'),
};

const results: ScenarioResult[] = [];
const failed: BenchRun['failed'] = [];
try {
  for (const scenario of SCENARIOS) {
    if (only && !only.includes(scenario.id)) continue;
    const t0 = performance.now();
    try {
      const result = await scenario.run(config);
      result.seconds = (performance.now() - t0) / 1000;
      results.push(result);
      printScenario(result);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failed.push({ id: scenario.id, name: scenario.name, error: message });
      console.log(`\n${scenario.id}. ${scenario.name}: ERROR ${message}`);
    }
  }
} finally {
  closeIdleSockets();
  await server.stop();
  await mock.stop();
}

const seconds = (performance.now() - started) / 1000;
const run: BenchRun = {
  date: new Date().toISOString(),
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  cpus: cpus().length,
  quick,
  rounds: config.rounds,
  seconds,
  scenarios: results,
  failed,
};
const files = writeResults(run);
const missed = results.flatMap((r) => r.targets).filter((t) => !t.pass).length;
console.log(
  `\n${missed === 0 ? 'every target met' : `${missed} target(s) missed`} · ${seconds.toFixed(1)} s · ${files.md}`,
);
process.exitCode = failed.length > 0 ? 1 : 0;
