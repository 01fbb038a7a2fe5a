import { describeApiContract } from './contract-api.js';
import { describeRunsContract } from './contract-runs.js';
import type { Mount } from './http.js';

/** The whole HTTP API contract, for one mount. */
export function describeHttpContract(name: string, mount: Mount): void {
  describeApiContract(name, mount);
  describeRunsContract(name, mount);
}
