// The one table of metrics: every figure a criterion, an interval, the baseline or a report can name,
// with its unit, how it is read from a stage summary, whether it has a bootstrap interval, and how it
// is labelled. Adding a metric is one entry here (plus its measurement in stats.ts). Pure.
//
// The table is a list of families. A family resolves names to metrics: a single name (`rps`), or a
// pattern (`ttfc.p95`: a latency and a statistic; a family like `monitor.NAME.max` resolves a name
// it has never seen). A metric may also be read from another run's stage through a prefix (see
// OTHER_SIDES): `baseline.ttfc.p95` is the same metric on the baseline's matching stage.

import { SERVER_METRIC_FAMILIES } from '../server/metrics.js';
import type { RequestRecord, StageSummary, Stats } from '../types.js';

/**
 * How a metric's values are written and compared: a duration, a percentage, a count, a rate. A new
 * unit also needs its name below, its formatting (format.ts) and its suffixes in the parser (parse.ts).
 */
export type MetricUnit = 'ms' | '%' | 'count' | 'rps' | 'sample' | 'bytes' | 'tps';

/** What a value of each unit is, for error messages. */
export const UNIT_NAME: Readonly<Record<MetricUnit, string>> = {
  ms: 'a duration',
  '%': 'a percentage',
  count: 'a count',
  rps: 'a rate (requests/s)',
  sample: 'a monitor value',
  bytes: 'a size',
  tps: 'a rate (output tokens/s)',
};

/** The first token of a response, content or reasoning (TPOT and tokens/s count from it). */
export function firstToken(r: RequestRecord): number | null {
  if (r.ttfr === undefined) return r.ttft;
  return r.ttft === null ? r.ttfr : Math.min(r.ttft, r.ttfr);
}

/** TPOT of a request: (total − first token) / (output tokens − 1); null without usage or with one token. */
export function tpotOf(r: RequestRecord): number | null {
  const first = firstToken(r);
  if (r.tokens === undefined || r.tokens < 2 || r.total === null || first === null) return null;
  return (r.total - first) / (r.tokens - 1);
}

/**
 * Latencies measured per request (ms from the request's t0), with how a request's samples are read.
 * `connect` = connection setup before the request is written (0 on a reused socket); `itl` = the gaps between
 * consecutive events (several a request, pooled; per token when the server sent usage with every chunk);
 * `stall` = the largest of them; `tpot` = time per output token after the first (usage); `ttft_reasoning`
 * = the first reasoning token (`ttft` is then the first content token).
 * In the order criteria list them (the headline metric first).
 */
const LATENCY_SAMPLES = {
  ttfc: (r: RequestRecord) => r.ttfc,
  ttft: (r: RequestRecord) => r.ttft,
  ttfb: (r: RequestRecord) => r.ttfb,
  total: (r: RequestRecord) => r.total,
  itl: (r: RequestRecord) => r.tokenGaps ?? r.gaps ?? [],
  connect: (r: RequestRecord) => r.connect,
  stall: (r: RequestRecord) => r.stall,
  tpot: tpotOf,
  ttft_reasoning: (r: RequestRecord) => r.ttfr ?? null,
} satisfies Record<string, (r: RequestRecord) => number | null | readonly number[]>;

export type LatencyMetric = keyof typeof LATENCY_SAMPLES;
/** Latencies a stage summary carries only when some request measured them (usage, reasoning). */
export type OptionalLatency = 'tpot' | 'ttft_reasoning';
export const OPTIONAL_LATENCIES: readonly OptionalLatency[] = ['tpot', 'ttft_reasoning'];
export const LATENCY_METRICS = Object.keys(LATENCY_SAMPLES) as LatencyMetric[];

export type StatName = 'min' | 'avg' | 'p50' | 'p90' | 'p95' | 'p99' | 'max' | 'stddev';
export const STAT_NAMES: readonly StatName[] = ['min', 'avg', 'p50', 'p90', 'p95', 'p99', 'max', 'stddev'];

/** The statistics a confidence interval is computed for (min / max / stddev have no useful bootstrap). */
export const INTERVAL_STATS = ['avg', 'p50', 'p90', 'p95', 'p99'] as const;
export type IntervalStat = (typeof INTERVAL_STATS)[number];

/** The samples of a latency over the given (successful) requests, in order (itl: every gap). */
export function latencySamples(requests: Iterable<RequestRecord>, metric: LatencyMetric): number[] {
  const read = LATENCY_SAMPLES[metric];
  const out: number[] = [];
  for (const r of requests) {
    const v = read(r);
    if (typeof v === 'number') out.push(v);
    else if (v !== null) for (const x of v) out.push(x);
  }
  return out;
}

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

const finite = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function single(m: Metric): MetricFamily {
  return { written: m.name, single: true, resolve: (name) => (name === m.name ? m : null) };
}

/** `<latency>.<stat>`: a statistic of a latency over the stage's successful requests. */
const latencies: MetricFamily = {
  written: `${LATENCY_METRICS.join('|')}.${STAT_NAMES.join('|')}`,
  single: false,
  resolve(name) {
    const dot = name.indexOf('.');
    const base = name.slice(0, dot) as LatencyMetric;
    const stat = name.slice(dot + 1) as StatName;
    if (dot < 0 || !LATENCY_METRICS.includes(base) || !STAT_NAMES.includes(stat)) return null;
    const interval = (INTERVAL_STATS as readonly string[]).includes(stat) ? { metric: base, stat: stat as IntervalStat } : undefined;
    return {
      name,
      unit: 'ms',
      label: `${base.toUpperCase()} ${stat}`,
      read: (s) => finite((s[base] as Stats | undefined)?.[stat]),
      ...(interval ? { interval } : {}),
      samples: `${base} samples`,
    };
  },
};

/** `<name>.<stat>` over a Stats a stage may carry (`output_tokens.avg`, `lateness.p99`), with no bootstrap interval. */
function statsFamily(name: string, unit: MetricUnit, label: string, stats: (s: StageSummary) => Stats | undefined, extra: Partial<Metric> = {}): MetricFamily {
  return {
    written: `${name}.${STAT_NAMES.join('|')}`,
    single: false,
    resolve(full) {
      const stat = full.slice(name.length + 1) as StatName;
      if (!full.startsWith(`${name}.`) || !STAT_NAMES.includes(stat)) return null;
      return { name: full, unit, label: `${label} ${stat}`, read: (s) => finite(stats(s)?.[stat]), ...extra };
    },
  };
}

const isRateStage = (s: StageSummary): boolean => s.rate !== undefined;
const NO_GOODPUT = (): string => 'no goodput figures (set goodput)';
const NO_USAGE = (): string => 'no token usage from the server (openai preset: stream_options.include_usage)';

/** Goodput, the LLM's token figures and the rate stages' own (see docs/open-model.md). */
const OPEN_MODEL_FAMILIES: readonly MetricFamily[] = [
  single({ name: 'goodput', unit: 'rps', label: 'goodput', read: (s) => finite(s.goodput?.perSec), missing: NO_GOODPUT }),
  single({ name: 'goodput_rate', unit: '%', label: 'goodput rate', read: (s) => (s.goodput?.rate == null ? null : s.goodput.rate * 100), missing: NO_GOODPUT, cell: 'goodput' }),
  single({ name: 'tokens_per_sec', unit: 'tps', label: 'output tokens/s', read: (s) => finite(s.tokens?.perSec), missing: NO_USAGE }),
  single({ name: 'dropped', unit: 'count', label: 'dropped arrivals', read: (s) => s.rate?.dropped ?? null, appliesTo: isRateStage, cell: 'success' }),
  single({ name: 'achieved_rate', unit: 'rps', label: 'achieved rate', read: (s) => finite(s.rate?.achieved), appliesTo: isRateStage }),
  statsFamily('output_tokens', 'count', 'output tokens', (s) => s.tokens?.output, { missing: NO_USAGE }),
  statsFamily('tokens_per_sec', 'tps', 'output tokens/s per request', (s) => s.tokens?.perRequest, { missing: NO_USAGE }),
  statsFamily('lateness', 'ms', 'client lateness', (s) => s.rate?.lateness, { appliesTo: isRateStage }),
];

/**
 * Every metric family. A new family is one entry: a single name (`single({ name: 'log_errors', … })`)
 * or a pattern resolved on demand (`monitor.NAME.max`: NAME taken from the name, read from the stage).
 */
export const METRIC_FAMILIES: readonly MetricFamily[] = [
  single({ name: 'success_rate', unit: '%', label: 'success rate', read: (s) => s.successRate * 100, cell: 'success' }),
  single({ name: 'errors', unit: 'count', label: 'errors', read: (s) => s.failed, cell: 'success' }),
  single({ name: 'errors_5xx', unit: 'count', label: '5xx errors', read: (s) => s.failures?.http_5xx ?? 0, cell: 'success' }),
  single({ name: 'timeouts', unit: 'count', label: 'timeouts', read: (s) => s.failures?.timeout ?? 0, cell: 'success' }),
  single({ name: 'rps', unit: 'rps', label: 'throughput', read: (s) => s.rps }),
  // The capacity search's result (capacity/): one figure of the run, judged by capacity/criteria.ts, not read from a stage.
  single({ name: 'capacity', unit: 'count', label: 'capacity (users)', read: () => null, scope: 'run', missing: () => 'no capacity search (set capacity)' }),
  latencies,
  ...OPEN_MODEL_FAMILIES,
  ...SERVER_METRIC_FAMILIES,
];

/**
 * Prefixes that read a metric from another side's matching stage instead of this run's: `baseline.`
 * the baseline report's stage with as many users, `compare.` the compare target's stage of the same
 * index (same-run A/B, measured in rounds alternating with this one), `history.` the median over the
 * latest passing runs of the history file (history-path) at the stage's key.
 */
export const OTHER_SIDES = ['baseline', 'compare', 'history'] as const;
export type OtherSide = (typeof OTHER_SIDES)[number];

const resolved = new Map<string, Metric | null>();

/** The metric with this name (`ttfc.p95`), or null if there is none. */
export function metric(name: string): Metric | null {
  let m = resolved.get(name);
  if (m === undefined) {
    m = null;
    for (const f of METRIC_FAMILIES) if ((m = f.resolve(name))) break;
    resolved.set(name, m);
  }
  return m;
}

/** Every metric name, as listed in an error: `success_rate, errors, … or ttfc|ttft….min|…`. */
export function expectedMetrics(): string {
  const singles = METRIC_FAMILIES.filter((f) => f.single).map((f) => f.written);
  const patterns = METRIC_FAMILIES.filter((f) => !f.single).map((f) => f.written);
  return [singles.join(', '), ...patterns].join(' or ');
}

/** The value of a metric on a stage (null when there is nothing to measure, or no such metric). */
export function metricValue(stage: StageSummary, name: string): number | null {
  return metric(name)?.read(stage) ?? null;
}

/** The unit of a metric (`ttfc.p95` → `ms`, `success_rate` → `%`, …), or null if it is not one. */
export function metricUnit(name: string): MetricUnit | null {
  return metric(name)?.unit ?? null;
}

/** The latency statistics of a stage, one entry per latency (computeStats over each latency's samples); the optional ones only when measured. */
export function latencyStats(requests: readonly RequestRecord[], compute: (values: number[]) => Stats): Pick<StageSummary, LatencyMetric> {
  const out: Partial<Record<LatencyMetric, Stats>> = {};
  for (const m of LATENCY_METRICS) {
    const samples = latencySamples(requests, m);
    if (samples.length > 0 || !(OPTIONAL_LATENCIES as readonly string[]).includes(m)) out[m] = compute(samples);
  }
  return out as Pick<StageSummary, LatencyMetric>;
}
