// Scenario 6: resume from near the end of a closed log. The server records
// each request's handler time (request in → response finished), so the
// client's own latency does not count; 100,000 entries against 1,000.
import { fetchJson, fetchText } from '../http-client.js';
import { percentile } from '../measure.js';
import type { BenchConfig, ScenarioResult } from './types.js';

async function setup(config: BenchConfig, size: number): Promise<string> {
  const { id } = await fetchJson<{ id: string }>(
    `${config.server}/resume/setup?size=${size}`,
    'POST',
  );
  return id;
}

async function read(config: BenchConfig, id: string, size: number): Promise<void> {
  const answer = await fetchText(`${config.server}/resume/read?id=${id}`, {
    headers: { 'last-event-id': String(size - 10) },
  });
  if (!answer.body.includes(`id: ${size}\n`)) throw new Error('resume missed the end of the log');
}

async function timesOf(config: BenchConfig, id: string): Promise<number[]> {
  return (await fetchJson<{ times: number[] }>(`${config.server}/resume/times?id=${id}`)).times;
}

export async function resume(config: BenchConfig): Promise<ScenarioResult> {
  const requests = config.quick ? 100 : 300;
  // Both logs exist before anything is timed, and their reads alternate, so
  // the collection that follows building 100,000 entries (or any change in
  // load) falls on both sizes alike.
  const logs = [
    { size: 1_000, id: await setup(config, 1_000) },
    { size: 100_000, id: await setup(config, 100_000) },
  ];
  for (let i = 0; i < 20; i++) for (const log of logs) await read(config, log.id, log.size);
  for (const log of logs) await timesOf(config, log.id);
  for (let i = 0; i < requests; i++) for (const log of logs) await read(config, log.id, log.size);
  const [small = Number.NaN, large = Number.NaN] = await Promise.all(
    logs.map(async (log) => percentile(await timesOf(config, log.id), 50)),
  );
  await fetchJson(`${config.server}/resume/drop`, 'POST');
  const flat = large / small;
  return {
    id: 6,
    name: 'resume from near the end of a closed 100,000-event log',
    measurements: { requests, p50_ms_1k: small, p50_ms_100k: large, ratio_100k_over_1k: flat },
    targets: [
      {
        metric: 'p50 handler time, 100,000-event log',
        value: large,
        unit: 'ms',
        target: '< 1 ms',
        pass: large < 1,
      },
      {
        metric: 'flat: p50 100,000 events / p50 1,000 events',
        value: flat,
        target: '≤ 1.5',
        pass: flat <= 1.5,
      },
    ],
  };
}
