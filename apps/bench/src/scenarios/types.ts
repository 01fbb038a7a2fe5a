/** One target of a scenario, reported pass/fail (never asserted). */
export interface TargetResult {
  /** What is compared, e.g. `gateway / floor (CPU per delta)`. */
  metric: string;
  value: number;
  /** `≤ 1.0`, `< 1 ms`, ... */
  target: string;
  pass: boolean;
  unit?: string;
}

export interface ScenarioResult {
  id: number;
  name: string;
  /** Measured numbers (medians), for the JSON file. */
  measurements: Record<string, number | number[] | string>;
  targets: TargetResult[];
  /** Bars for the chart: label → value (ratios to the floor). */
  bars?: { label: string; value: number }[];
  note?: string;
  /** Wall time the scenario took (not a measurement: for keeping `--quick` quick). */
  seconds?: number;
}

/** Sizes of the run: `--quick` shrinks them so the whole bench stays under a minute. */
export interface BenchConfig {
  quick: boolean;
  server: string;
  rounds: number;
  warmups: number;
  peer: boolean;
}
