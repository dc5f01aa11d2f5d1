// Small shared helpers of the diagnoses. Pure.

import { plural } from '../../format.js';
import type { RequestRecord, StageSummary } from '../../types.js';

/** What every diagnosis reads: the stage summaries and the request records of one run. */
export interface RunData {
  stages: StageSummary[];
  requests: RequestRecord[];
}

/** The request records of each stage (by 1-based stage index), grouped in one pass. */
export function groupByStage(requests: readonly RequestRecord[]): Map<number, RequestRecord[]> {
  const out = new Map<number, RequestRecord[]>();
  for (const r of requests) {
    let list = out.get(r.stage);
    if (list === undefined) {
      list = [];
      out.set(r.stage, list);
    }
    list.push(r);
  }
  return out;
}

/** Median (mean of the two middle values for an even count); null for an empty list. Does not modify `values`. */
export { medianOf as median } from '../../sample-stats.js';

export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Time from the request being written to its first chunk: ttfc without connection setup / socket wait. */
export function serverTtfc(r: RequestRecord): number | null {
  if (r.ttfc === null) return null;
  return Math.max(0, r.ttfc - (r.connect ?? 0));
}

/** The closed stage with the fewest users that ran and has successful requests: the reference ("single user") stage. */
export function referenceStage(stages: readonly StageSummary[]): StageSummary | null {
  let ref: StageSummary | null = null;
  for (const s of stages) {
    if (s.skipped || s.succeeded === 0 || s.rate) continue;
    if (ref === null || s.users < ref.users) ref = s;
  }
  return ref;
}

export { ms, pct } from '../../format.js';

/** `1.1×`, `10.4×`, `120×`. */
export function times(x: number): string {
  if (!Number.isFinite(x)) return `${x}×`;
  return x >= 99.5 ? `${Math.round(x)}×` : `${x.toFixed(1)}×`;
}

/** Rounds for evidence objects (readable JSON, no float noise). */
export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export const users = (n: number): string => plural(n, 'user');
