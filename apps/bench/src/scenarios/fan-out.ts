// Scenario 4: one run followed by many SSE readers. Encoding once per entry
// means an extra reader costs little more than its socket writes.
import { count, fetchJson, fetchText } from '../http-client.js';
import { median, serverCpu } from '../measure.js';
import type { BenchConfig, ScenarioResult } from './types.js';

async function fanOutRound(config: BenchConfig, readers: number, deltas: number): Promise<number> {
  const { id } = await fetchJson<{ id: string }>(`${config.server}/fanout/open`, 'POST');
  const bodies = Array.from({ length: readers }, () =>
    fetchText(`${config.server}/fanout/events?id=${id}`),
  );
  for (;;) {
    const { readers: connected } = await fetchJson<{ readers: number }>(
      `${config.server}/fanout/readers?id=${id}`,
    );
    if (connected >= readers) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return serverCpu(config.server, async () => {
    await fetchJson(`${config.server}/fanout/start?id=${id}&n=${deltas}`, 'POST');
    for (const answer of await Promise.all(bodies)) {
      const seen = count(answer.body, 'event: text_delta');
      if (seen !== deltas) throw new Error(`fan-out reader saw ${seen} of ${deltas} deltas`);
    }
  });
}

export async function fanOut(config: BenchConfig): Promise<ScenarioResult> {
  const readers = config.quick ? 40 : 100;
  const deltas = config.quick ? 1000 : 2000;
  for (let i = 0; i < config.warmups; i++) {
    await fanOutRound(config, 1, deltas);
    await fanOutRound(config, readers, deltas);
  }
  const single: number[] = [];
  const many: number[] = [];
  for (let round = 0; round < config.rounds; round++) {
    single.push(await fanOutRound(config, 1, deltas));
    many.push(await fanOutRound(config, readers, deltas));
  }
  const singleCost = median(single) / deltas;
  const perReader = median(many) / readers / deltas;
  const ratio = perReader / singleCost;
  return {
    id: 4,
    name: `fan-out: one run, ${readers} SSE readers, ${deltas} deltas`,
    measurements: {
      readers,
      deltas,
      single_reader_cpu_us_per_delta: singleCost,
      per_reader_cpu_us_per_delta: perReader,
      single_samples_us: single,
      many_samples_us: many,
      ratio,
    },
    targets: [
      {
        metric: 'cost per reader per delta / single-reader cost',
        value: ratio,
        target: '≤ 0.3',
        pass: ratio <= 0.3,
      },
    ],
    bars: [
      { label: 'single reader', value: 1 },
      { label: `each of ${readers} readers`, value: ratio },
    ],
  };
}
