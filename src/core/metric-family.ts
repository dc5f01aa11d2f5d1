// What a metric is to the table of metrics (analysis/metrics.ts) and to the families that fill it,
// the server side's included. Types and one constructor; below both, so neither imports the other's.

import type { IntervalStat, LatencyMetric, MetricUnit } from './metric-names.js';
import type { StageSummary } from './types.js';

export interface Metric {
  /** As written in criteria: `ttfc.p95`, `success_rate`. */
  name: string;
  unit: MetricUnit;
  /** For humans: `TTFC p95`, `success rate`. */
  label: string;
  /** The value on a stage (criteria units: ms, percent 0..100, a count, req/s); null when there is nothing to measure. */
  read: (stage: StageSummary) => number | null;
  /** The bootstrap interval of this value: the latency whose request samples it is computed from, and the statistic. */
  interval?: { metric: LatencyMetric; stat: IntervalStat };
  /** What a missing value means, after "no " (`ttfc samples`); default: successful requests. */
  samples?: string;
  /** The stage-table cell that shows this value (reports mark it when a criterion on it is missed); default: the name. */
  cell?: string;
  /** Why the value is missing on a stage, when `samples` cannot say it (server-side figures). */
  missing?: (stage: StageSummary) => string;
  /** The unit of the value on a stage when it is only known at run time (a monitor: bytes, %, or a number). */
  unitOn?: (stage: StageSummary) => MetricUnit;
  /** `run`: one figure of the whole run (monitor growth), judged once, on the last stage it applies to. */
  scope?: 'run';
  /** The stages the metric means something at (rate-stage figures: rate stages); an unscoped criterion skips the others. */
  appliesTo?: (stage: StageSummary) => boolean;
}

export interface MetricFamily {
  /** How the family is written in "expected …" of an error: `rps`, `ttfc|ttft….min|avg|…`. */
  written: string;
  /** Whether it is one name (listed first, comma-separated) or a pattern. */
  single: boolean;
  /** The metric of this family with this name, or null. */
  resolve: (name: string) => Metric | null;
}

/** A family of one name. */
export function single(m: Metric): MetricFamily {
  return { written: m.name, single: true, resolve: (name) => (name === m.name ? m : null) };
}
