/** Median wall time of `fn` over `runs` runs, after one warm-up. */
export async function medianMs(fn: () => Promise<void> | void, runs = 7): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Heap bytes retained by what `build` returns, measured around a forced GC. */
export function retainedBytes(build: () => unknown): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = build();
  gc();
  const after = process.memoryUsage().heapUsed;
  // Keep `kept` alive until after the measurement.
  if (kept === Symbol.for('never')) console.log(kept);
  return after - before;
}

export function report(name: string, value: number, floor: number, unit: string, target: number) {
  const ratio = value / floor;
  const verdict = ratio <= target ? 'ok' : 'OVER TARGET';
  console.log(
    `${name.padEnd(44)} ${value.toFixed(2).padStart(10)} ${unit.padEnd(6)} floor ${floor
      .toFixed(2)
      .padStart(9)}  ratio ${ratio.toFixed(2).padStart(6)}  (target ≤ ${target})  ${verdict}`,
  );
  return ratio <= target;
}
