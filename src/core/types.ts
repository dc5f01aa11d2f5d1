// Shared types of the core. Nothing here knows about GitHub.

export type FailureCategory =
  | 'http_4xx'
  | 'http_5xx'
  | 'timeout'
  | 'connection'
  | 'stream_error'
  | 'empty'
  | 'protocol';

export const FAILURE_CATEGORIES: readonly FailureCategory[] = [
  'http_4xx',
  'http_5xx',
  'timeout',
  'connection',
  'stream_error',
  'empty',
  'protocol',
];

/** Latency metrics measured per request (ms from t0). `connect` = socket ready/queue wait before the request is written. */
export type LatencyMetric = 'connect' | 'ttfb' | 'ttfc' | 'ttft' | 'total' | 'itl' | 'stall';
export const LATENCY_METRICS: readonly LatencyMetric[] = ['connect', 'ttfb', 'ttfc', 'ttft', 'total', 'itl', 'stall'];

export type StatName = 'min' | 'avg' | 'p50' | 'p90' | 'p95' | 'p99' | 'max' | 'stddev';
export const STAT_NAMES: readonly StatName[] = ['min', 'avg', 'p50', 'p90', 'p95', 'p99', 'max', 'stddev'];

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

export interface Stage {
  users: number;
  requestsPerUser: number;
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
  connect: number | null;
  ttfb: number | null;
  ttfc: number | null;
  ttft: number | null;
  total: number | null;
  stall: number | null; // largest gap between consecutive events after the first
  events: number;
  bytes: number;
  tokens?: number; // completion tokens, when the preset sees usage
  /** First reasoning token (ms; openai preset: `reasoning_content` / `reasoning`), when the model streamed reasoning. Also counts for ttft. */
  ttfr?: number;
  /** Gaps between consecutive events (ms). Kept in memory for pooled itl stats; not written to the JSON report. */
  gaps?: number[];
}

export interface StageSummary {
  index: number; // 1-based
  users: number;
  requestsPerUser: number;
  skipped: boolean; // not run (smoke test failed)
  issued: number;
  succeeded: number;
  failed: number;
  successRate: number; // 0..1 (1 when issued is 0 and the stage was skipped: see `skipped`)
  failures: Record<FailureCategory, number>;
  connect: Stats;
  ttfb: Stats;
  ttfc: Stats;
  ttft: Stats;
  total: Stats;
  itl: Stats;
  stall: Stats;
  durationMs: number;
  rps: number; // successful + failed requests completed per second of stage wall time
  eventsPerSec: number;
  /** Present when the server reported usage (openai preset): completion tokens per second. */
  tokens?: {
    total: number;
    /** all completion tokens of the stage / stage wall time */
    perSec: number;
    /** per request: tokens / (total - ttft), over successful requests with more than one token */
    perRequest: Stats;
  };
  /** Present when reasoning tokens were seen: time to first reasoning token. */
  ttfr?: Stats;
}

export type Severity = 'fail' | 'warn';
export type CompareOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** A metric reference as used by criteria: `success_rate`, `errors`, `errors_5xx`, `timeouts`, `rps`, or `ttfc.p95`. */
export interface MetricRef {
  name: string; // as written, e.g. "ttfc.p95"
  baseline: boolean; // `baseline.ttfc.p95`
}

export type CriterionValue =
  | { kind: 'number'; value: number } // normalised: ms for durations, percent for success_rate, counts, req/s
  | { kind: 'factor'; factor: number; metric: MetricRef };

export interface Criterion {
  text: string; // the line as written (trimmed)
  line: number; // 1-based
  users: number | null; // @USERS: scope, null = every stage
  metric: MetricRef;
  op: CompareOp;
  value: CriterionValue;
  severity: Severity;
}

export type CriterionStatus = 'pass' | 'fail' | 'skipped' | 'inconclusive';

export interface CriterionResult {
  text: string;
  users: number | null; // the stage's users this result is about (null when skipped without a stage)
  severity: Severity;
  status: CriterionStatus;
  actual: number | null;
  threshold: number | null;
  unit: 'ms' | '%' | 'count' | 'rps';
  reason?: string; // why skipped / inconclusive
}

export interface Diagnosis {
  kind: 'serialized' | 'saturated' | 'buffered' | 'regression' | 'connect_storm' | 'smoke';
  users: number | null;
  message: string;
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
}

export interface ErrorSample {
  stage: number;
  category: FailureCategory;
  status: number | null;
  message: string;
}

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
  percentileMethod: string;
  stages: StageSummary[];
  criteria: CriterionResult[];
  diagnoses: Diagnosis[];
  errorSamples: ErrorSample[];
  requests: Omit<RequestRecord, 'gaps'>[];
}
