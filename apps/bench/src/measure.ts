import { fetchJson } from './http-client.js';

/** The median of `values` (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The sum of `values`. */
export function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

/** The mean of `values` without the largest `share` of them (0.01: the top 1%). */
export function trimmedMean(values: readonly number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const kept = sorted.slice(0, sorted.length - Math.floor(sorted.length * share));
  return sum(kept) / kept.length;
}

/** A percentile (0–100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(0, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[rank] ?? Number.NaN;
}

/** Server CPU time (user + system, µs) spent while `work` runs. */
export async function serverCpu(server: string, work: () => Promise<unknown>): Promise<number> {
  const before = await fetchJson<{ cpuUs: number }>(`${server}/cpu`);
  await work();
  const after = await fetchJson<{ cpuUs: number }>(`${server}/cpu`);
  return after.cpuUs - before.cpuUs;
}

/** Server heap after a forced GC (bytes). */
export async function serverHeap(server: string): Promise<{ heap: number; rss: number }> {
  return fetchJson<{ heap: number; rss: number }>(`${server}/gc`, 'POST');
}

/**
 * Runs each contender `warmups` times (JIT), then `rounds` interleaved rounds,
 * so a change in machine load hits all of them alike; the order turns by one
 * each round (a b c, b c a, c a b, ...), so no contender always runs first
 * after a pause. Returns each one's median and its samples, round by round.
 */
export async function interleavedMedians<K extends string>(
  contenders: Record<K, () => Promise<number>>,
  rounds: number,
  warmups = 1,
): Promise<Record<K, { median: number; samples: number[] }>> {
  const keys = Object.keys(contenders) as K[];
  for (let i = 0; i < warmups; i++) for (const key of keys) await contenders[key]();
  const samples = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[(round + i) % keys.length]!;
      samples[key].push(await contenders[key]());
    }
  }
  return Object.fromEntries(
    keys.map((k) => [k, { median: median(samples[k]), samples: samples[k] }]),
  ) as Record<K, { median: number; samples: number[] }>;
}
