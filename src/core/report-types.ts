// The JSON report's type: every step's section put together. Above types.ts and the sections' own
// types (server/, capacity/, history/), so types.ts stays at the bottom.

import type { CapacitySection } from './capacity/types.js';
import type { HistorySection } from './history/section.js';
import type { ServerSection } from './server/types.js';
import type { CriterionResult, Diagnosis, ErrorSample, PresetName, RequestRecord, StageSummary, WarmupSummary } from './types.js';
import type { BaselineSection, CompareSection, MergeSection, RepeatSection, ScalingEfficiency, ShardInfo } from './section-types.js';

/** The JSON report (schemaVersion 1): a contract, users parse it. Fields may be added, never renamed. */
export interface Report {
  schemaVersion: 1;
  tool: { name: 'ttfc-gate'; version: string };
  target: { method: string; url: string; preset: PresetName; commit?: string | null };
  config: Record<string, unknown>; // the effective config, secrets redacted
  environment: { node: string; platform: string; cpus: number };
  startedAt: string;
  finishedAt: string;
  passed: boolean;
  smokeFailed: boolean;
  /** The run was cancelled: the figures are partial and the gate did not pass. */
  cancelled?: boolean;
  percentileMethod: string;
  stages: StageSummary[];
  criteria: CriterionResult[];
  diagnoses: Diagnosis[];
  errorSamples: ErrorSample[];
  /** Without `gaps`, except in a shard's report (the merge pools inter-event latency from them). */
  requests: RequestRecord[];
  /** How the intervals were computed (stage `ttfcInterval`, criterion `interval`). */
  intervalMethod?: string;
  /** Throughput scaling per stage against the reference (fewest users) stage. */
  efficiency?: ScalingEfficiency[];
  /** The comparison with `baseline`; null when no baseline was given. */
  baseline?: BaselineSection | null;
  /** `repeat` > 1: which run each stage comes from and the spread over the runs; null for a single run. */
  repeat?: RepeatSection | null;
  /** `warmup` > 0: the warm-up requests (left out of every figure); null without warm-up. */
  warmup?: WarmupSummary | null;
  /** Health probe, monitors and logs during the stages; null when none of health-url, monitor, metrics-url, logs-command is set. */
  server?: ServerSection | null;
  /** Same-run A/B against `compare-url`; null when none was set. */
  compare?: CompareSection | null;
  /** A shard's report (`shard: K/N`): its identity, plan and timing; requests then keep their `gaps`. */
  shard?: ShardInfo;
  /** A merged report (`mode: merge`): the shards it was merged from. */
  merge?: MergeSection;
  /** The capacity search (`capacity`): the most users that met the SLO; absent without it. */
  capacity?: CapacitySection | null;
  /** history-path: what the history held, the trend, whether this run was recorded; absent without history-path. */
  history?: HistorySection;
}
