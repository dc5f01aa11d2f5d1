// The types of the report's sections that put figures side by side: against a baseline, against the
// compare target (A/B), across repeats, across shards, and the scaling per stage. Above types.ts (they
// are built from its stage summaries), below report-types.ts.

import type { ErrorSample, RequestRecord, StageSummary, StageTiming, WarmupSummary } from './types.js';

/** One shard's identity and contribution: in a shard's report, and per shard in a merged report. */
export interface ShardInfo {
  index: number;
  count: number;
  /** The machine the shard ran on (os.hostname()). */
  host: string;
  /** Hash of the plan (target, stages, timing, body, headers, shard count): shards of one run share it. */
  planId: string;
  /** The schedule's start (ISO), null without start-at. */
  startAt: string | null;
  /** Largest lateness of a stage start against the schedule (ms; 0: on time). */
  lateMs: number;
  /** Merged reports add offsetMs: this shard's start of the stage − the earliest shard's (null: no users here). */
  stages: Array<StageTiming & { requests: number; offsetMs?: number | null }>;
  /** Merged reports: the shard report's file as given. */
  file?: string;
}

/** A merged run: its shards and how far their stage starts spread. */
export interface MergeSection {
  count: number;
  planId: string;
  /** Bound on the spread of one stage's starts over the shards before they are flagged (ms). */
  boundMs: number;
  shards: ShardInfo[];
  /** Per stage: the latest start − the earliest start over the shards that ran users in it (ms). */
  startSpread: Array<{ index: number; ms: number; flagged: boolean }>;
}

/** A ratio head / base of a statistic and its interval (null bounds: too few samples for one). */
export interface RatioInterval {
  ratio: number | null;
  low: number | null;
  high: number | null;
}

export interface CompareStage {
  /** The stage (1-based), the same plan on both sides. */
  index: number;
  users: number;
  requestsPerUser: number;
  /** A rate stage: its offered rate (both sides got the same seeded schedule at once; order is `together`). */
  rate?: number;
  /** Which side went first in each round: `H` head, `B` base (`HB BH HB`). */
  order: string;
  /** The compare target's figures of the stage (as a stage of `stages`). */
  base: StageSummary;
  /** head / base per `metric.stat` (`ttfc.avg`, `ttfc.p95`, `ttft.p50`, `total.avg`, …) with the paired bootstrap interval. */
  ratios: Record<string, RatioInterval>;
  /** Success rates in percent, the difference head − base in percentage points and its interval. */
  successRate: { head: number | null; base: number | null; difference: number | null; low: number | null; high: number | null };
  /** The interval of TTFC avg or p95 lies wholly above 1 + threshold (regressed) or below 1 / (1 + threshold) (improved). */
  regressed: boolean;
  improved: boolean;
  /** The statistic that decided (`ttfc.avg` or `ttfc.p95`), null when neither. */
  flagged: string | null;
}

export interface CompareSection {
  /** The compare target, without secrets. */
  url: string;
  /** regression-threshold (0.2 = 20%). */
  threshold: number;
  level: number;
  /** How the rounds were scheduled and the intervals computed. */
  method: string;
  /** The compare target had no success in the first stage. */
  smokeFailed: boolean;
  stages: CompareStage[];
  /** Users of the stages that are regressions / improvements against the compare target. */
  regressions: number[];
  improvements: number[];
  /** The same for rate stages, by offered rate (arrivals/s). */
  regressionRates?: number[];
  improvementRates?: number[];
  /** The compare target's requests (pair with `requests` by stage and iteration = round) and error samples. */
  requests: Omit<RequestRecord, 'gaps'>[];
  errorSamples: ErrorSample[];
  /** The compare target's warm-up, when `warmup` > 0. */
  warmup?: WarmupSummary | null;
}

export interface ScalingEfficiency {
  index: number;
  users: number;
  /** rps of this stage / rps of the reference stage. */
  throughputRatio: number | null;
  /** users / users of the reference stage. */
  usersRatio: number | null;
  /** throughputRatio / usersRatio: 1 = perfect scaling, 1 / usersRatio = none. */
  efficiency: number | null;
}

/** A change of one figure against the baseline. */
export interface BaselineDelta {
  current: number | null;
  baseline: number | null;
  /** (current − baseline) / baseline, null when not comparable. */
  change: number | null;
  /** `▲ 12%`, `▼ 4.5%`, `±0%`; success rate in percentage points (`▼ 3.3 pp`); '' when not comparable. */
  text: string;
  regressed: boolean;
}

export interface BaselineStage {
  /** This run's stage (1-based) and the matched baseline stage. */
  index: number;
  baselineIndex: number;
  users: number;
  /** A rate stage: its offered rate (matched with the baseline's stage of the same rate). */
  rate?: number;
  ttfcAvg: BaselineDelta;
  ttfcP95: BaselineDelta;
  successRate: BaselineDelta;
  regressed: boolean;
}

export interface BaselineSection {
  /** The path as given. */
  source: string;
  /** Whether the baseline could be read; when false, `messages[0]` says why and nothing was compared. */
  loaded: boolean;
  /** Regression threshold for TTFC avg / p95 (0.2 = 20% slower). */
  threshold: number;
  toolVersion: string | null;
  startedAt: string | null;
  commit: string | null;
  /** Load problems, warnings and mismatches (stages on one side only, another URL…), one sentence each. */
  messages: string[];
  stages: BaselineStage[];
  /** Users of the stages that are regressions. */
  regressions: number[];
  /** Offered rates of the rate stages that are regressions. */
  regressionRates?: number[];
}

export interface RepeatSpread {
  min: number | null;
  max: number | null;
  /** One value per run (null: no successful request, or skipped). */
  values: (number | null)[];
}

export interface RepeatSection {
  /** Runs asked for (`repeat`) and run (fewer when a run failed its smoke test). */
  requested: number;
  runs: number;
  /** Per stage (by position): the 0-based run whose stage is reported (the median by TTFC avg). */
  chosenRuns: number[];
  spread: Array<{ index: number; users: number; chosenRun: number; ttfcAvg: RepeatSpread; ttfcP95: RepeatSpread; successRate: RepeatSpread }>;
}
