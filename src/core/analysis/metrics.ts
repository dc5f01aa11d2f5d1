// The one table of metrics: every figure a criterion, an interval, the baseline or a report can name,
// with its unit, how it is read from a stage summary, whether it has a bootstrap interval, and how it
// is labelled. Adding a metric is one entry here (plus its measurement in stats.ts). Pure.
//
// The table is a list of families. A family resolves names to metrics: a single name (`rps`), or a
// pattern (`ttfc.p95`: a latency and a statistic; a family like `monitor.NAME.max` resolves a name
// it has never seen). A metric may also be read from another run's stage through a prefix (see
// OTHER_SIDES): `baseline.ttfc.p95` is the same metric on the baseline's matching stage.

import { single, type Metric, type MetricFamily } from '../metric-family.js';
import { finite, INTERVAL_STATS, LATENCY_METRICS, OPTIONAL_LATENCIES, STAT_NAMES, type IntervalStat, type LatencyMetric, type MetricUnit, type StatName } from '../metric-names.js';
import { SERVER_METRIC_FAMILIES } from '../server/metrics.js';
import type { RequestRecord, StageSummary, Stats } from '../types.js';

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
} satisfies Record<LatencyMetric, (r: RequestRecord) => number | null | readonly number[]>;

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

/**
 * Every latency's samples, each as latencySamples gives it (same values, same order), in one pass
 * over the requests into Float64Arrays sized up front: nine passes through the table's readers
 * (one call site for nine functions, arrays grown value by value) cost several times as much at
 * 100,000 requests. A test holds the two equal for every latency.
 */
function allLatencySamples(requests: readonly RequestRecord[]): Record<LatencyMetric, Float64Array> {
  const n = requests.length;
  let gapCount = 0;
  // Indexed loops: this runs once a stage, cold, where a for-of allocates an iterator result per record.
  for (let k = 0; k < n; k++) gapCount += (requests[k]!.tokenGaps ?? requests[k]!.gaps)?.length ?? 0;
  const ttfc = new Float64Array(n);
  const ttft = new Float64Array(n);
  const ttfb = new Float64Array(n);
  const total = new Float64Array(n);
  const itl = new Float64Array(gapCount);
  const connect = new Float64Array(n);
  const stall = new Float64Array(n);
  const tpot = new Float64Array(n);
  const reasoning = new Float64Array(n);
  let [a, b, c, d, e, f, g, h, i] = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  for (let k = 0; k < n; k++) {
    const r = requests[k]!;
    if (typeof r.ttfc === 'number') ttfc[a++] = r.ttfc;
    if (typeof r.ttft === 'number') ttft[b++] = r.ttft;
    if (typeof r.ttfb === 'number') ttfb[c++] = r.ttfb;
    if (typeof r.total === 'number') total[d++] = r.total;
    const gaps = r.tokenGaps ?? r.gaps;
    if (gaps !== undefined) for (let x = 0; x < gaps.length; x++) itl[e++] = gaps[x]!;
    if (typeof r.connect === 'number') connect[f++] = r.connect;
    if (typeof r.stall === 'number') stall[g++] = r.stall;
    const perToken = tpotOf(r);
    if (perToken !== null) tpot[h++] = perToken;
    if (typeof r.ttfr === 'number') reasoning[i++] = r.ttfr;
  }
  return {
    ttfc: ttfc.subarray(0, a),
    ttft: ttft.subarray(0, b),
    ttfb: ttfb.subarray(0, c),
    total: total.subarray(0, d),
    itl: itl.subarray(0, e),
    connect: connect.subarray(0, f),
    stall: stall.subarray(0, g),
    tpot: tpot.subarray(0, h),
    ttft_reasoning: reasoning.subarray(0, i),
  };
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
export function latencyStats(requests: readonly RequestRecord[], compute: (values: ArrayLike<number>) => Stats): Pick<StageSummary, LatencyMetric> {
  const out: Partial<Record<LatencyMetric, Stats>> = {};
  const all = allLatencySamples(requests);
  for (const m of LATENCY_METRICS) {
    const samples = all[m];
    if (samples.length > 0 || !(OPTIONAL_LATENCIES as readonly string[]).includes(m)) out[m] = compute(samples);
  }
  return out as Pick<StageSummary, LatencyMetric>;
}
