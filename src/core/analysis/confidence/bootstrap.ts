// Seeded bootstrap confidence intervals of a stage's latency statistics, cached once per stage,
// metric and statistic; large samples in O(1) per resample. Pure.

import { probit } from 'simple-statistics';
import type { RequestRecord, StageInterval, StageSummary } from '../../types.js';
import { latencySamples } from '../metrics.js';
import { type IntervalStat, type LatencyMetric } from '../../metric-names.js';
import { mulberry32 } from '../../random.js';
import { sortedCopy } from '../../sample-stats.js';

// ---------------------------------------------------------------------------------------------
// Seeded bootstrap

export { mulberry32 } from '../../random.js';

export const DEFAULT_SEED = 0x5eed7fc;
export const DEFAULT_RESAMPLES = 1000;
export const DEFAULT_LEVEL = 0.95;
/**
 * Work bound: past resamples × n = 2 M draws (≈ 20 ms), a resample is not drawn value by value (see
 * largeSampleInterval): the analysis of 100,000 requests stays well under a second.
 */
export const MAX_DRAWS = 2_000_000;
/** Work bound of the paired A/B bootstrap (value by value): resamples × n ≤ 20 M draws, never fewer than 200 resamples. */
export const AB_MAX_DRAWS = 20_000_000;
export const MIN_RESAMPLES = 200;
/**
 * Fewer successful requests than this get no interval: a bootstrap of 1 to 4 values is the values
 * themselves (1 × 1 smoke stage: a zero-width "interval"), so it would look confident when it is not.
 */
const MIN_INTERVAL_SAMPLES = 5;

export const QUANTILE: Record<Exclude<IntervalStat, 'avg'>, number> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

export interface BootstrapOptions {
  resamples?: number;
  /** Confidence level, e.g. 0.95. */
  level?: number;
  seed?: number;
}

export interface Interval {
  stat: IntervalStat;
  /** The statistic on the sample itself (as in the stage summary: mean, or R-7 quantile). */
  point: number;
  low: number;
  high: number;
  n: number;
  level: number;
  resamples: number;
  seed: number;
}

/** R-7 (linear interpolation between closest ranks), the method of stats.ts, on a sorted array. */
export function quantileSorted(s: ArrayLike<number>, p: number): number {
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  const a = s[lo]!;
  return lo + 1 < s.length ? a + (h - lo) * (s[lo + 1]! - a) : a;
}

/**
 * Percentile-bootstrap interval of a statistic: `resamples` samples of n drawn with replacement (a
 * seeded PRNG, so the same values and seed give the same interval), the statistic of each, and the
 * central `level` share of them. The interval always contains the point value. O(resamples × n)
 * up to 2 M draws (each resample's quantile is found by counting draws over the sorted sample,
 * without sorting); past that, largeSampleInterval. Null for an empty sample.
 */
export function bootstrapInterval(values: readonly number[], stat: IntervalStat, opts: BootstrapOptions = {}): Interval | null {
  return values.length === 0 ? null : sortedInterval(sortedCopy(values), stat, opts);
}

/** bootstrapInterval of a sample already sorted (the cache below sorts a stage's samples once for all its statistics). */
function sortedInterval(sorted: Float64Array, stat: IntervalStat, opts: BootstrapOptions): Interval {
  const n = sorted.length;
  const resamples = Math.max(1, Math.floor(opts.resamples ?? DEFAULT_RESAMPLES));
  const level = opts.level ?? DEFAULT_LEVEL;
  const seed = opts.seed ?? DEFAULT_SEED;
  let point: number;
  if (stat === 'avg') {
    let sum = 0;
    for (const v of sorted) sum += v;
    point = sum / n;
  } else {
    point = quantileSorted(sorted, QUANTILE[stat]);
  }
  const base = { stat, point, n, level, resamples, seed };
  if (n === 1) return { ...base, low: point, high: point };
  if (resamples * n > MAX_DRAWS) return largeSampleInterval(sorted, stat, base);

  const rand = mulberry32(seed);
  const out = new Float64Array(resamples);
  const counts = new Uint32Array(n);
  const h = stat === 'avg' ? 0 : (n - 1) * QUANTILE[stat];
  const lo = Math.floor(h);
  const frac = h - lo;
  for (let r = 0; r < resamples; r++) {
    if (stat === 'avg') {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += sorted[(rand() * n) | 0]!;
      out[r] = sum / n;
      continue;
    }
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(rand() * n) | 0]!++;
    // The lo-th and (lo+1)-th smallest draws (0-based): walk the cumulative counts.
    let cum = 0;
    let j = 0;
    while (cum + counts[j]! <= lo) cum += counts[j++]!;
    const a = sorted[j]!;
    let b = a;
    if (frac > 0) {
      if (cum + counts[j]! <= lo + 1) {
        j++;
        while (counts[j] === 0) j++;
      }
      b = sorted[j]!;
    }
    out[r] = a + frac * (b - a);
  }
  out.sort();
  const tail = (1 - level) / 2;
  return {
    ...base,
    low: Math.min(point, quantileSorted(out, tail)),
    high: Math.max(point, quantileSorted(out, 1 - tail)),
  };
}

/** The samples of a latency metric over a stage's successful requests (itl: the pooled gaps), as in stats.ts. */
export function stageSamples(requests: readonly RequestRecord[], stage: number, metric: LatencyMetric): number[] {
  return latencySamples(
    requests.filter((r) => r.stage === stage && r.ok),
    metric,
  );
}

export interface StageIntervals {
  index: number;
  users: number;
  avg: Interval | null;
  p95: Interval | null;
}

/** TTFC (or another metric's) avg and p95 intervals of every stage that ran. */
export function stageIntervals(
  run: { stages: readonly StageSummary[]; requests: readonly RequestRecord[] },
  metric: LatencyMetric = 'ttfc',
  opts: BootstrapOptions = {},
): StageIntervals[] {
  return run.stages
    .filter((s) => !s.skipped)
    .map((s) => {
      const v = stageSamples(run.requests, s.index, metric);
      return { index: s.index, users: s.users, avg: bootstrapInterval(v, 'avg', opts), p95: bootstrapInterval(v, 'p95', opts) };
    });
}

/** How intervals were computed, for the report (stage `ttfcInterval`, criterion `interval`). */
export const INTERVAL_METHOD = `seeded percentile bootstrap over the successful requests of a stage: ${DEFAULT_RESAMPLES} resamples, ${Math.round(DEFAULT_LEVEL * 100)}% level, seed ${DEFAULT_SEED} (the same requests give the same interval)`;

export type IntervalOf = (stage: StageSummary, metric: LatencyMetric, stat: IntervalStat) => Interval | null;

/**
 * The intervals of one run, each computed once per stage, metric and statistic (the criteria and
 * the stage summaries ask for the same ones).
 */
export function intervalCache(requests: readonly RequestRecord[]): IntervalOf {
  const cache = new Map<string, Interval | null>();
  const sorted = new Map<string, Float64Array>();
  return (stage, metric, stat) => {
    const key = `${stage.index}:${metric}:${stat}`;
    let iv = cache.get(key);
    if (iv === undefined) {
      // A stage's samples of a metric are read and sorted once, for all its statistics.
      const sampleKey = `${stage.index}:${metric}`;
      let s = sorted.get(sampleKey);
      if (s === undefined) sorted.set(sampleKey, (s = sortedCopy(stageSamples(requests, stage.index, metric))));
      iv = s.length >= MIN_INTERVAL_SAMPLES ? sortedInterval(s, stat, {}) : null;
      cache.set(key, iv);
    }
    return iv;
  };
}

/** The TTFC avg and p95 intervals a stage summary carries. */
export function ttfcInterval(stage: StageSummary, intervalOf: IntervalOf): StageInterval {
  const range = (iv: Interval | null) => (iv ? { low: iv.low, high: iv.high } : null);
  return { level: DEFAULT_LEVEL, avg: range(intervalOf(stage, 'ttfc', 'avg')), p95: range(intervalOf(stage, 'ttfc', 'p95')) };
}

/**
 * The same bootstrap for a large sample without drawing n values per resample. A quantile: the
 * resample's k-th smallest draw is sorted[⌊U(k) · n⌋], where U(k), the k-th smallest of n uniforms,
 * is Beta(k, n − k + 1)-distributed and the next one follows from it, so each resample costs O(1)
 * (exact, seeded). The mean: its bootstrap distribution at its normal limit, mean ± z · sd / √n
 * (sd with denominator n, as the bootstrap's), which it has converged to at these sizes.
 */
function largeSampleInterval(sorted: Float64Array, stat: IntervalStat, base: Omit<Interval, 'low' | 'high'>): Interval {
  const n = sorted.length;
  const tail = (1 - base.level) / 2;
  const { point } = base;
  if (stat === 'avg') {
    let ss = 0;
    for (const v of sorted) ss += (v - point) * (v - point);
    const half = probit(1 - tail) * Math.sqrt(ss / n / n);
    return { ...base, low: point - half, high: point + half };
  }
  const rand = mulberry32(base.seed);
  const h = (n - 1) * QUANTILE[stat];
  const lo = Math.floor(h);
  const frac = h - lo;
  const out = new Float64Array(base.resamples);
  for (let r = 0; r < base.resamples; r++) {
    const u1 = betaVariate(lo + 1, n - lo, rand);
    const a = sorted[Math.min(n - 1, Math.floor(u1 * n))]!;
    let b = a;
    if (frac > 0 && n - lo - 1 > 0) {
      // the smallest of the n − lo − 1 draws above u1
      const u2 = u1 + (1 - u1) * (1 - Math.pow(1 - rand(), 1 / (n - lo - 1)));
      b = sorted[Math.min(n - 1, Math.floor(u2 * n))]!;
    }
    out[r] = a + frac * (b - a);
  }
  out.sort();
  return { ...base, low: Math.min(point, quantileSorted(out, tail)), high: Math.max(point, quantileSorted(out, 1 - tail)) };
}

/** Beta(a, b) for a, b ≥ 1 as a ratio of gamma variates. */
function betaVariate(a: number, b: number, rand: () => number): number {
  const x = gammaVariate(a, rand);
  return x / (x + gammaVariate(b, rand));
}

/** Gamma(shape ≥ 1, 1): Marsaglia and Tsang (2000). */
function gammaVariate(shape: number, rand: () => number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normalVariate(rand);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rand();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Standard normal (Box–Muller). */
function normalVariate(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}
