// Scenario 8: one long run through the whole stack at default retention
// (50,000 entries per log). The heap after (GC) may hold the retained
// entries and little else.
import { count, fetchJson, fetchText } from '../http-client.js';
import { serverHeap } from '../measure.js';
import type { BenchConfig, ScenarioResult } from './types.js';

export async function longRun(config: BenchConfig): Promise<ScenarioResult> {
  const deltas = config.quick ? 60_000 : 200_000;
  const before = await serverHeap(config.server);
  const answer = await fetchText(`${config.server}/stream?stack=gateway&kind=text&n=${deltas}`, {
    method: 'POST',
  });
  // Retention: the reader kept up, so it saw every delta.
  const seen = count(answer.body, 'event: text_delta');
  if (seen !== deltas) throw new Error(`long run: saw ${seen} of ${deltas} deltas`);
  const after = await serverHeap(config.server);
  const { bytes: retained, entries } = await fetchJson<{ bytes: number; entries: number }>(
    `${config.server}/entries-size`,
    'POST',
  );
  const limit = 2 * before.heap + retained;
  return {
    id: 8,
    name: `long run: ${deltas.toLocaleString('en-US')} deltas at default retention`,
    measurements: {
      deltas,
      heap_before: before.heap,
      heap_after: after.heap,
      retained_entries: entries,
      retained_entries_bytes: retained,
      limit_bytes: limit,
    },
    targets: [
      {
        metric: 'heap after / (2 × heap before + retained entries)',
        value: after.heap / limit,
        target: '≤ 1.0',
        pass: after.heap <= limit,
      },
    ],
  };
}
