// Scenario 6: resume from near the end of a closed log. The server records
// each request's handler time (request in → response finished), so the
// client's own latency does not count; 100,000 entries against 1,000.
import { fetchJson, fetchText } from '../http-client.js';
import { percentile } from '../measure.js';
import type { BenchConfig, ScenarioResult } from './types.js';

async function p50(config: BenchConfig, size: number, requests: number): Promise<number> {
  const { id } = await fetchJson<{ id: string }>(
    `${config.server}/resume/setup?size=${size}`,
    'POST',
  );
  const read = async (): Promise<void> => {
    const answer = await fetchText(`${config.server}/resume/read?id=${id}`, {
      headers: { 'last-event-id': String(size - 10) },
    });
    if (!answer.body.includes(`id: ${size}\n`)) throw new Error('resume missed the end of the log');
  };
  for (let i = 0; i < 20; i++) await read();
  await fetchJson(`${config.server}/resume/times`);
  for (let i = 0; i < requests; i++) await read();
  const { times } = await fetchJson<{ times: number[] }>(`${config.server}/resume/times`);
  return percentile(times, 50);
}

export async function resume(config: BenchConfig): Promise<ScenarioResult> {
  const requests = config.quick ? 100 : 300;
  const small = await p50(config, 1_000, requests);
  const large = await p50(config, 100_000, requests);
  const smallAgain = await p50(config, 1_000, requests);
  await fetchJson(`${config.server}/resume/drop`, 'POST');
  const smallP50 = Math.min(small, smallAgain);
  const flat = large / smallP50;
  return {
    id: 6,
    name: 'resume from near the end of a closed 100,000-event log',
    measurements: { requests, p50_ms_1k: smallP50, p50_ms_100k: large, ratio_100k_over_1k: flat },
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
