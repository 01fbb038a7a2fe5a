// Scenario 5: sessions idle on an approval, each with its SSE reader
// connected; server heap per idle session above the baseline, then again
// after every run was approved and finished (nothing may stay behind).
import { fetchJson, fetchText } from '../http-client.js';
import { serverHeap } from '../measure.js';
import type { BenchConfig, ScenarioResult } from './types.js';

const KB = 1024;

export async function idleSessions(config: BenchConfig): Promise<ScenarioResult> {
  const sessions = config.quick ? 200 : 1000;
  // Warm up the code paths once so the baseline holds the compiled code.
  await cycle(config, 5);
  const baseline = await serverHeap(config.server);
  const { idle, after } = await cycle(config, sessions);
  const perSession = (idle.heap - baseline.heap) / sessions;
  const growth = after.heap - baseline.heap;
  const growthPerSession = growth / sessions;
  return {
    id: 5,
    name: `${sessions} concurrent sessions idle on an approval`,
    measurements: {
      sessions,
      baseline_heap: baseline.heap,
      idle_heap: idle.heap,
      after_heap: after.heap,
      idle_rss: idle.rss,
      heap_per_idle_session_bytes: perSession,
      heap_after_finish_above_baseline_bytes: growth,
    },
    targets: [
      {
        metric: 'heap per idle session above the baseline',
        value: perSession / KB,
        unit: 'KB',
        target: '≤ 100 KB',
        pass: perSession <= 100 * KB,
      },
      {
        metric: 'after they finish (GC): heap left per session vs while idle',
        value: growthPerSession / KB,
        unit: 'KB',
        target: '≤ idle (no growth)',
        pass: after.heap <= idle.heap,
      },
    ],
    note:
      'Finished runs stay in the memory event store for its closed-log TTL (10 min by default), ' +
      'so the heap after finishing still holds their closed logs; "no growth" means it is no more than while idle.',
  };
}

async function cycle(config: BenchConfig, sessions: number) {
  const runIds: string[] = [];
  for (let i = 0; i < sessions; i++) {
    runIds.push((await fetchJson<{ runId: string }>(`${config.server}/idle/start`, 'POST')).runId);
  }
  let waiting = 0;
  let markIdle: () => void = () => undefined;
  const allIdle = new Promise<void>((resolve) => (markIdle = resolve));
  const streams = runIds.map((id) => {
    let seen = false;
    return fetchText(`${config.server}/idle/events?id=${id}`, {
      onText: (text) => {
        if (seen || !text.includes('event: tool_approval_request')) return;
        seen = true;
        if (++waiting === sessions) markIdle();
      },
    });
  });
  await allIdle;
  const idle = await serverHeap(config.server);
  await fetchJson(`${config.server}/idle/release`, 'POST');
  for (const answer of await Promise.all(streams)) {
    if (!answer.body.includes('event: stream_complete'))
      throw new Error('an idle run did not complete');
  }
  const after = await serverHeap(config.server);
  return { idle, after };
}
