// The names every layer shares about a metric: units, statistics, latencies, and reading a number
// that may be missing. A leaf: it imports nothing, so types.ts, the metric table and the server side
// can all stand on it without a cycle.

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

/** How a monitor's values are measured: bytes, a percentage, or a bare number (threads, connections…). */
export type MonitorUnit = 'bytes' | '%' | 'number';

export type StatName = 'min' | 'avg' | 'p50' | 'p90' | 'p95' | 'p99' | 'max' | 'stddev';
export const STAT_NAMES: readonly StatName[] = ['min', 'avg', 'p50', 'p90', 'p95', 'p99', 'max', 'stddev'];

/** The statistics a confidence interval is computed for (min / max / stddev have no useful bootstrap). */
export const INTERVAL_STATS = ['avg', 'p50', 'p90', 'p95', 'p99'] as const;
export type IntervalStat = (typeof INTERVAL_STATS)[number];

/**
 * Latencies measured per request, in the order criteria list them (the headline metric first); how
 * each is read from a request is in analysis/metrics.ts.
 */
export type LatencyMetric = 'ttfc' | 'ttft' | 'ttfb' | 'total' | 'itl' | 'connect' | 'stall' | 'tpot' | 'ttft_reasoning';
export const LATENCY_METRICS: readonly LatencyMetric[] = ['ttfc', 'ttft', 'ttfb', 'total', 'itl', 'connect', 'stall', 'tpot', 'ttft_reasoning'];

/** Latencies a stage summary carries only when some request measured them (usage, reasoning). */
export type OptionalLatency = 'tpot' | 'ttft_reasoning';
export const OPTIONAL_LATENCIES: readonly OptionalLatency[] = ['tpot', 'ttft_reasoning'];

/** A number that may be missing or not finite, as null. */
export const finite = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
