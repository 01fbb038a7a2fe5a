// Prints the results and writes results/latest.json and results/latest.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ScenarioResult } from './scenarios/types.js';

export interface BenchRun {
  date: string;
  node: string;
  platform: string;
  cpus: number;
  quick: boolean;
  rounds: number;
  seconds: number;
  scenarios: ScenarioResult[];
  failed: { id: number; name: string; error: string }[];
}

const fmt = (value: number): string =>
  Math.abs(value) >= 100
    ? value.toFixed(0)
    : Math.abs(value) >= 10
      ? value.toFixed(1)
      : value.toFixed(2);

/** A text bar of `value` on a scale where `scale` fills `width` cells. */
export function bar(value: number, scale: number, width = 40): string {
  const cells = Math.max(0, (value / scale) * width);
  const full = Math.floor(cells);
  const parts = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
  const rest = parts[Math.floor((cells - full) * 8)] ?? '';
  return '█'.repeat(Math.min(full, width)) + (full < width ? rest : '');
}

export function printScenario(result: ScenarioResult): void {
  const took = result.seconds === undefined ? '' : ` (${result.seconds.toFixed(1)} s)`;
  console.log(`\n${result.id}. ${result.name}${took}`);
  for (const t of result.targets) {
    const value = `${fmt(t.value)}${t.unit ? ` ${t.unit}` : ''}`;
    console.log(
      `   ${t.metric.padEnd(58)} ${value.padStart(10)}  target ${t.target.padEnd(18)} ${t.pass ? 'pass' : 'MISSED'}`,
    );
  }
}

function markdown(run: BenchRun): string {
  const lines: string[] = [
    '# claude-gateway benchmark',
    '',
    `${run.date} · node ${run.node} · ${run.platform} · ${run.cpus} CPUs · ${run.quick ? '`--quick` sizes' : 'full sizes'} · medians of at least ${run.rounds} interleaved rounds (\`rounds\` in latest.json where more) · ${run.seconds.toFixed(0)} s`,
    '',
    'Every ratio is against a floor measured in the same run on the same machine: CPU time of the',
    'server process (`process.cpuUsage()`), never wall time. The floor writes the raw',
    '`@anthropic-ai/sdk` stream straight to `res.write` as SSE; the scripted Messages API and the',
    'HTTP clients run in other processes. Targets are reported, never asserted.',
    '',
    '| # | scenario | measure | value | target | result |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const s of run.scenarios) {
    for (const t of s.targets) {
      lines.push(
        `| ${s.id} | ${s.name} | ${t.metric} | ${fmt(t.value)}${t.unit ? ` ${t.unit}` : ''} | ${t.target} | ${t.pass ? 'pass' : '**missed**'} |`,
      );
    }
  }
  for (const f of run.failed)
    lines.push(
      `| ${f.id} | ${f.name} | did not run: ${f.error.replace(/\|/g, '/')} | | | **error** |`,
    );
  const charted = run.scenarios.filter((s) => s.bars && s.bars.length > 0);
  if (charted.length > 0) {
    lines.push('', '## Cost relative to the floor (shorter is cheaper)', '', '```text');
    const scale = Math.max(1, ...charted.flatMap((s) => s.bars!.map((b) => b.value)));
    for (const s of charted) {
      lines.push(`${s.id}. ${s.name}`);
      for (const b of s.bars!)
        lines.push(`   ${b.label.padEnd(24)} ${bar(b.value, scale)} ${b.value.toFixed(2)}×`);
      lines.push('');
    }
    lines.push('```');
  }
  const notes = run.scenarios.filter((s) => s.note);
  if (notes.length > 0) {
    lines.push('', '## Notes', '');
    for (const s of notes) lines.push(`- ${s.id}: ${s.note}`);
  }
  const missed = run.scenarios.flatMap((s) =>
    s.targets.filter((t) => !t.pass).map((t) => `${s.id}. ${s.name}: ${t.metric}`),
  );
  lines.push('', '## Missed targets', '');
  if (missed.length === 0 && run.failed.length === 0) lines.push('None in this run.');
  for (const m of missed) lines.push(`- ${m}`);
  for (const f of run.failed) lines.push(`- ${f.id}. ${f.name}: did not run (${f.error})`);
  return `${lines.join('\n')}\n`;
}

export function writeResults(run: BenchRun): { json: string; md: string } {
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const json = `${dir}latest.json`;
  const md = `${dir}latest.md`;
  writeFileSync(json, `${JSON.stringify(run, null, 2)}\n`);
  writeFileSync(md, markdown(run));
  return { json, md };
}
