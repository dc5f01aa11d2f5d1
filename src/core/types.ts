// Shared types of the core. Nothing here knows about GitHub.

// At the bottom of the core: this file imports only the leaf of metric names, so every layer can
// use it. The JSON report, which puts every step's section together, is in report-types.ts.

import type { LatencyMetric, MetricUnit, MonitorUnit, OptionalLatency } from './metric-names.js';

export type { LatencyMetric, MetricUnit, StatName } from './metric-names.js';

export type FailureCategory =
  | 'http_4xx'
  | 'http_5xx'
  | 'timeout'
  | 'connection'
  | 'stream_error'
  | 'empty'
  | 'protocol'
  /** In flight when the run was cancelled (SIGINT/SIGTERM): issued, so counted, but neither success nor a server failure. */
  | 'cancelled';

export const FAILURE_CATEGORIES: readonly FailureCategory[] = ['http_4xx', 'http_5xx', 'timeout', 'connection', 'stream_error', 'empty', 'protocol', 'cancelled'];

export interface Stats {
  n: number;
  min: number | null;
  avg: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  stddev: number | null;
}

/** A closed stage (`USERSxREQUESTS`): that many users, each sending its requests one after another. */
export interface ClosedStage {
  kind?: 'closed';
  users: number;
  requestsPerUser: number;
}

/** An open stage (`R/s:D`): requests arrive at `rate` per second for `durationMs`, whatever the server does. */
export interface RateStage {
  kind: 'rate';
  /** Arrivals per second (offered rate). */
  rate: number;
  durationMs: number;
}

export type Stage = ClosedStage | RateStage;

/** The one guard of the union: an arrival-rate stage (the rest are closed USERSxREQUESTS). */
export const isRate = (s: Stage): s is RateStage => s.kind === 'rate';

/** How the arrivals of rate stages are spaced: exponential gaps (Poisson) or equal ones. */
export type ArrivalProcess = 'poisson' | 'uniform';

/** What a rate stage measured of its own load (StageSummary.rate). */
export interface RateFigures {
  /** The stage as written: arrivals per second and how long they arrive. */
  offered: number;
  durationMs: number;
  arrival: ArrivalProcess;
  seed: number;
  /** Arrivals in the seeded schedule; each was sent (issued) or dropped. */
  scheduled: number;
  /** Arrivals not sent because max-in-flight requests were open (never delayed instead). */
  dropped: number;
  /** Requests sent per second of the arrival window. */
  achieved: number;
  maxInFlight: number;
  /** Most requests open at once. */
  peakInFlight: number;
  /** The client's lateness: scheduled arrival → request written (handed to a new connection) (ms), over every sent request. */
  lateness: Stats;
}

/** Goodput of a stage (StageSummary.goodput): the requests that met every `goodput` line. */
export interface GoodputFigures {
  /** The lines, as written. */
  slo: string[];
  /** Successful requests that met every line. */
  good: number;
  /** good / stage wall time (req/s). */
  perSec: number;
  /** good / (issued + dropped): 0..1, null when nothing was issued. */
  rate: number | null;
  /** Per line: how many successful requests missed it (or had nothing to measure it by). */
  missed: Record<string, number>;
}

export type StreamFormat = 'auto' | 'sse' | 'ndjson' | 'raw';
export type PresetName = 'generic' | 'openai' | 'ragflow';

/** One request's outcome. Times are ms since the request's t0 (monotonic clock), null when never reached. */
export interface RequestRecord {
  stage: number; // 1-based stage index
  user: number; // 1-based
  iteration: number; // 1-based
  startedAt: number; // epoch ms, sub-ms precision
  status: number | null;
  ok: boolean;
  category: FailureCategory | null;
  error: string | null; // short, server-provided or client message (never contains secrets)
  /** t0 → its new socket connected (the TLS handshake included); 0 on a reused socket; null when no socket connected for it. */
  connect: number | null;
  ttfb: number | null;
  ttfc: number | null;
  ttft: number | null;
  total: number | null;
  stall: number | null; // largest gap between consecutive events after the first
  events: number;
  bytes: number;
  tokens?: number; // completion tokens, when the preset sees usage
  /** Rate stages: scheduled arrival → request written on a reused connection, or handed to a new one (ms); TTFC and total count from the scheduled arrival. */
  lateness?: number;
  /** First reasoning token (ms; openai preset: `reasoning_content` / `reasoning`), when the model streamed reasoning. Also counts for ttft. */
  ttfr?: number;
  /** The response's Content-Encoding (gzip, br, deflate…) when it was compressed; absent otherwise. */
  encoding?: string;
  /** Sent a second time on a new connection: the server closed the reused one before any byte of the response (a keep-alive race). */
  retried?: boolean;
  /** Gaps between consecutive events (ms). Kept in memory for pooled itl stats; not written to the JSON report. */
  gaps?: number[];
  /**
   * Per-token gaps (ms), when the server sent usage with every content chunk (vLLM continuous_usage_stats):
   * each chunk's gap since the last token-carrying chunk, divided over the tokens it brought. Like gaps:
   * in memory, and in a shard's report.
   */
  tokenGaps?: number[];
}

/** The requests a closed stage's client had on the wire (peak, time-weighted mean) and how long its users took to get their first request there (load/concurrency.ts). */
export interface StageConcurrency {
  peak: number;
  mean: number;
  startSpreadMs: number;
  /**
   * Stage start → the moment the client was back to take connections' completions, done with starting
   * its users (the start loop, and the connects and writes it queued): no new connection's `connect`
   * can end earlier, however fast the handshake. Absent in reports written before it.
   */
  startBusyMs?: number;
  /**
   * A merged stage: each shard's client's own figures, its users a block of the stage's. The stage's
   * peak and mean are their sums (the peak an upper bound: the shards' peaks need not coincide), its
   * start spread and busy time the longest of them. Absent when a shard reported no figures.
   */
  shards?: ShardConcurrency[];
}

/** One shard's client at a merged stage: its users (`firstUser` on) and what it had on the wire. */
export interface ShardConcurrency extends Omit<StageConcurrency, 'shards'> {
  shard: number;
  firstUser: number;
  users: number;
}

/** One stage's figures; a Stats per latency metric (the table in analysis/metrics.ts; tpot and ttft_reasoning only when measured). */
export interface StageSummary extends Record<Exclude<LatencyMetric, OptionalLatency>, Stats>, Partial<Record<OptionalLatency, Stats>> {
  index: number; // 1-based
  users: number;
  requestsPerUser: number;
  skipped: boolean; // not run (smoke test failed)
  issued: number;
  succeeded: number;
  failed: number;
  successRate: number; // 0..1 (1 when issued is 0 and the stage was skipped: see `skipped`)
  failures: Record<FailureCategory, number>;
  durationMs: number;
  /** Connections the stage's users opened (one each, plus reconnects); absent when not known (older reports). */
  connections?: number;
  /** A closed stage: the concurrency this client achieved (merged shards: their clients'); absent on rate stages and older reports. */
  concurrency?: StageConcurrency;
  /** Requests sent a second time because the server closed their reused connection before answering (see RequestRecord.retried); absent in older reports. */
  retries?: number;
  /** Successful + failed requests completed per second of stage wall time; null when none succeeded (or the stage was skipped). */
  rps: number | null;
  /** Events of the successful requests per second of stage wall time; null like rps. */
  eventsPerSec: number | null;
  /** Present when the server reported usage (openai preset): completion tokens per second. */
  tokens?: {
    total: number;
    /** all completion tokens of the stage / stage wall time */
    perSec: number;
    /** per request: (tokens − 1) / (total − first token), i.e. 1 / TPOT, over successful requests with more than one token */
    perRequest: Stats;
    /** Output tokens per request (from usage). */
    output?: Stats;
  };
  /** What `itl` is the gap between: `token` when every request sent per-chunk usage, else `event` (an event may carry several tokens). */
  itlPer?: 'token' | 'event';
  /** A rate stage (`R/s:D`): users and requestsPerUser are 0, and this says what was offered and sent. */
  rate?: RateFigures;
  /** With `goodput` lines: the requests that met them all (added by the analysis). */
  goodput?: GoodputFigures;
  /**
   * Present when the server reported no usage (no `tokens`): how fast the stream came once it started —
   * per request, the events after the first chunk / (total − ttfc) in seconds. Named for what it counts:
   * events, not tokens (an event may carry several tokens, or none).
   */
  streamRate?: {
    unit: 'events/s';
    perRequest: Stats;
  };
  /** Present when reasoning tokens were seen: time to first reasoning token. */
  ttfr?: Stats;
  /** Seeded bootstrap confidence intervals of TTFC avg and p95 over the successful requests (added by the gate). */
  ttfcInterval?: StageInterval;
  /** Server-side figures of the stage (health probe, log errors, monitors), when the server side is on (added by the gate). */
  server?: StageServerFigures;
}

/** The server figures of one stage, as the metrics read them (put on the stage by server/metrics.ts). */
export interface StageServerFigures {
  health?: Stats & { errors: number };
  logErrors?: number;
  /** Per monitor: this stage's min / avg / max and the run's growth (idle-after / idle-before − 1). */
  monitors?: Record<string, { unit: MonitorUnit; n: number; min: number | null; avg: number | null; max: number | null; growth: number | null }>;
}

/** A confidence interval of one statistic. */
export interface IntervalRange {
  low: number;
  high: number;
}

/** The TTFC intervals of a stage (null when the stage has no successful request). */
export interface StageInterval {
  /** Confidence level, e.g. 0.95. */
  level: number;
  avg: IntervalRange | null;
  p95: IntervalRange | null;
}

export type Severity = 'fail' | 'warn';
export type CompareOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** A metric reference as used by criteria: `success_rate`, `errors`, `errors_5xx`, `timeouts`, `rps`, or `ttfc.p95`. */
export interface MetricRef {
  name: string; // as written, e.g. "ttfc.p95"
  baseline: boolean; // `baseline.ttfc.p95`
  /** `compare.ttfc.p95`: the same figure of the compare target (same-run A/B). */
  compare?: boolean;
  /** `history.ttfc.p95`: the median of the figure over the history's latest passing runs (history-path). */
  history?: boolean;
}

export type CriterionValue =
  | {
      kind: 'number';
      value: number; // normalised: ms for durations, percent for success_rate, counts, req/s
      /** A monitor's threshold: the unit it was written in (null: a bare number), checked against the monitor's once known. */
      sampleUnit?: { unit: 'bytes' | '%' | null; text: string; column: number };
    }
  /** factor × metric + offset (`compare.ttfc.p95 + 200ms`; offset in the metric's unit, absent = 0). */
  | { kind: 'factor'; factor: number; metric: MetricRef; offset?: number };

export interface Criterion {
  text: string; // the line as written (trimmed)
  line: number; // 1-based
  users: number | null; // @USERS: scope, null = every stage
  /** `@2/s:` scope: the rate stage(s) with that offered rate (users is then null). */
  rate?: number;
  metric: MetricRef;
  op: CompareOp;
  value: CriterionValue;
  severity: Severity;
}

export type CriterionStatus = 'pass' | 'fail' | 'skipped' | 'inconclusive';

export interface CriterionResult {
  text: string;
  users: number | null; // the stage's users this result is about (null when skipped without a stage, or a rate stage)
  /** The offered rate of the rate stage this result is about (arrivals/s). */
  rate?: number;
  severity: Severity;
  status: CriterionStatus;
  actual: number | null;
  threshold: number | null;
  unit: MetricUnit;
  reason?: string; // why skipped / inconclusive
  /** The 1-based index of the stage this result is about (absent when skipped without a stage). */
  stage?: number;
  /** Bootstrap interval of the measured value (avg / p50 / p90 / p95 / p99 of a duration metric). */
  interval?: IntervalRange & { level: number };
  /** The interval straddles the threshold: under `verdict: strict` the point value still decided (status pass / fail). */
  inconclusive?: boolean;
  /**
   * The parsed metric and comparison, for the reports (which cell to mark, which operator to show).
   * Kept in memory only (not enumerable): the JSON report's criteria stay as they were.
   */
  readonly metric?: string;
  readonly op?: CompareOp;
}

export interface Diagnosis {
  kind:
    | 'serialized'
    | 'saturated'
    | 'buffered'
    | 'corked'
    | 'regression'
    | 'improvement'
    | 'connect_storm'
    | 'smoke'
    | 'unresponsive'
    | 'memory_growth'
    | 'shard_late'
    | 'shards_out_of_step'
    | 'queue'
    | 'client_late'
    | 'client_limit'
    | 'drift';
  users: number | null;
  /** The offered rate of the rate stage this is about (users is then null). */
  rate?: number;
  message: string;
  /**
   * The reading in a line, without the stage (the report puts "at 10 and 20 users" before it): the same
   * text on every stage that shows the same reading, so the report can say it once for all of them.
   * Absent on kinds that do not set it (the report then shortens `message`).
   */
  summary?: string;
  evidence: Record<string, unknown>;
}

export interface RunResult {
  startedAt: string; // ISO
  finishedAt: string; // ISO
  stages: StageSummary[];
  requests: RequestRecord[];
  smokeFailed: boolean;
  /** Sample error messages per category, first few only. */
  errorSamples: ErrorSample[];
  /** The warm-up requests sent before stage 1 (not part of any figure), when `warmup` > 0. */
  warmup?: WarmupSummary;
  /** Same-run A/B: the compare target's side, measured in rounds alternating with this one. */
  compare?: CompareSide;
  /** Stopped by a cancel (SIGINT/SIGTERM): the stages not reached are skipped. */
  cancelled?: boolean;
  /** When and with which users each stage ran (by position; absent for stages not run). */
  stageTimings?: StageTiming[];
}

/** The compare target's side of a run: its stages and records, paired with the head's by stage index and iteration (= round). */
export interface CompareSide {
  stages: StageSummary[];
  requests: RequestRecord[];
  errorSamples: ErrorSample[];
  /** The compare target had no success in the first stage (the run's smokeFailed is then true too). */
  smokeFailed: boolean;
  /** Per stage that ran: which side went first in each round, `H` head or `B` base (e.g. `HB BH HB`). */
  order: Array<{ stage: number; rounds: string }>;
  warmup?: WarmupSummary;
}

/** When a stage ran on this machine and with which global user numbers. */
export interface StageTiming {
  index: number;
  /** Global user numbers firstUser … firstUser + users − 1 (users 0: none here). */
  firstUser: number;
  users: number;
  /** Epoch ms the stage was scheduled to start (start-at), null without a schedule. */
  scheduledAt: number | null;
  /** Epoch ms the stage started here, and how long it ran. */
  startedAt: number;
  durationMs: number;
  /** startedAt − scheduledAt when positive (0 on time, or without a schedule). */
  lateMs: number;
}

export interface WarmupSummary {
  /** Requests sent (fewer than asked when the target could not be reached). */
  requests: number;
  succeeded: number;
  /** Time to first chunk of each warm-up request, in order (null: no chunk). */
  ttfc: (number | null)[];
}

export interface ErrorSample {
  stage: number;
  category: FailureCategory;
  status: number | null;
  message: string;
}
