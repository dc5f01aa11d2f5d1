// Verdicts that hold on noisy runners, where one run's figure moves by more than the difference a
// gate should catch: seeded bootstrap confidence intervals (cached once per stage, metric and
// statistic), the strict / confident judgement of a criterion, and the median run of `repeat` runs. Pure.

import { probit } from 'simple-statistics';
import type { CompareOp, ErrorSample, RepeatSection, RequestRecord, RunResult, StageInterval, StageSummary } from '../types.js';
import { compare } from './criteria/operators.js';
import { latencySamples } from './metrics.js';
import { type IntervalStat, type LatencyMetric } from '../metric-names.js';
import { mulberry32 } from '../random.js';

export type { IntervalStat } from '../metric-names.js';

// ---------------------------------------------------------------------------------------------
// Seeded bootstrap

export { mulberry32 } from '../random.js';

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
  const n = values.length;
  if (n === 0) return null;
  const resamples = Math.max(1, Math.floor(opts.resamples ?? DEFAULT_RESAMPLES));
  const level = opts.level ?? DEFAULT_LEVEL;
  const seed = opts.seed ?? DEFAULT_SEED;
  const sorted = Float64Array.from(values).sort();
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
  return (stage, metric, stat) => {
    const key = `${stage.index}:${metric}:${stat}`;
    let iv = cache.get(key);
    if (iv === undefined) {
      const samples = stageSamples(requests, stage.index, metric);
      iv = samples.length >= MIN_INTERVAL_SAMPLES ? bootstrapInterval(samples, stat) : null;
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

// ---------------------------------------------------------------------------------------------
// Verdicts

/** How a criterion with an interval is judged: by its point value (strict) or its whole interval (confident). */
export type VerdictMode = 'strict' | 'confident';
export const VERDICT_MODES: readonly VerdictMode[] = ['strict', 'confident'];

export interface JudgeInput {
  op: CompareOp;
  threshold: number;
  /** The measured value (the stage summary's). */
  actual: number;
  interval: Pick<Interval, 'low' | 'high' | 'level'> | null;
  /** Formats a value with its unit for the reason (default: plain number). */
  format?: (v: number) => string;
}

export interface Judgement {
  /**
   * `fail` iff the criterion fails the check: strict — the point value is on the wrong side;
   * confident — the whole interval is. A straddling interval is `inconclusive` under `confident`,
   * and keeps the point verdict under `strict` (with `inconclusive: true`).
   */
  status: 'pass' | 'fail' | 'inconclusive';
  /** The interval straddles the threshold. */
  inconclusive: boolean;
  /** e.g. "95% interval 380–460 ms straddles 400 ms". Absent when the interval is on one side. */
  reason?: string;
}

/** Pass / fail / inconclusive of a criterion, given its point value and interval, for a verdict mode. */
export function judge(input: JudgeInput, verdict: VerdictMode): Judgement {
  const pointPass = compare(input.actual, input.op, input.threshold);
  const iv = input.interval;
  // Equality has no "side"; without an interval the point decides.
  if (iv === null || input.op === '==' || input.op === '!=') return { status: pointPass ? 'pass' : 'fail', inconclusive: false };
  const lowPass = compare(iv.low, input.op, input.threshold);
  const highPass = compare(iv.high, input.op, input.threshold);
  if (lowPass && highPass) return { status: 'pass', inconclusive: false };
  if (!lowPass && !highPass) return { status: 'fail', inconclusive: false };
  const f = input.format ?? ((v: number) => String(Math.round(v * 100) / 100));
  const reason =
    `${Math.round(iv.level * 100)}% interval ${f(iv.low)}–${f(iv.high)} straddles ${f(input.threshold)}` +
    (verdict === 'strict' ? ` (verdict strict: the point value ${pointPass ? 'passes' : 'fails'})` : ' (verdict confident: not failed)');
  return { status: verdict === 'strict' ? (pointPass ? 'pass' : 'fail') : 'inconclusive', inconclusive: true, reason };
}

// ---------------------------------------------------------------------------------------------
// repeat: the median run per stage

export interface Spread {
  min: number | null;
  max: number | null;
  /** One value per run (null: no successful request, or the stage was skipped). */
  values: (number | null)[];
}

export interface StageSpread {
  index: number;
  users: number;
  runs: number;
  /** 0-based index of the run whose stage is reported. */
  chosenRun: number;
  ttfcAvg: Spread;
  ttfcP95: Spread;
  successRate: Spread;
}

export interface MedianSelection {
  stages: StageSummary[];
  chosenRuns: number[];
  spread: StageSpread[];
}

function spread(values: (number | null)[]): Spread {
  let min: number | null = null;
  let max: number | null = null;
  for (const v of values) {
    if (v === null) continue;
    if (min === null || v < min) min = v;
    if (max === null || v > max) max = v;
  }
  return { min, max, values };
}

/**
 * For `repeat`: per stage (by position), the run whose TTFC avg is the median. With an even count the
 * lower median (the faster of the two middle runs: an actual run, never an average). A run whose stage
 * had no success, or was skipped, sorts as the slowest. The spread is min–max over the runs.
 */
export function selectMedianRuns(runs: readonly (readonly StageSummary[])[]): MedianSelection {
  const count = Math.max(0, ...runs.map((r) => r.length));
  const stages: StageSummary[] = [];
  const chosenRuns: number[] = [];
  const spreads: StageSpread[] = [];
  for (let i = 0; i < count; i++) {
    const candidates: { run: number; stage: StageSummary; key: number }[] = [];
    runs.forEach((r, run) => {
      const s = r[i];
      if (s !== undefined) candidates.push({ run, stage: s, key: s.skipped || s.ttfc.avg === null ? Infinity : s.ttfc.avg });
    });
    candidates.sort((a, b) => a.key - b.key || a.run - b.run);
    const chosen = candidates[(candidates.length - 1) >> 1]!;
    const ran = (s: StageSummary): boolean => !s.skipped;
    stages.push(chosen.stage);
    chosenRuns.push(chosen.run);
    const byRun = runs.map((r) => r[i]);
    spreads.push({
      index: chosen.stage.index,
      users: chosen.stage.users,
      runs: candidates.length,
      chosenRun: chosen.run,
      ttfcAvg: spread(byRun.map((s) => (s && ran(s) ? s.ttfc.avg : null))),
      ttfcP95: spread(byRun.map((s) => (s && ran(s) ? s.ttfc.p95 : null))),
      successRate: spread(byRun.map((s) => (s && ran(s) ? s.successRate : null))),
    });
  }
  return { stages, chosenRuns, spread: spreads };
}

/**
 * The median run of `repeat` runs as one RunResult: per stage, the chosen run's summary, its requests
 * and its error samples, so diagnoses, intervals and charts read one consistent set of records.
 */
export function medianRun(runs: readonly RunResult[]): RunResult & MedianSelection {
  if (runs.length === 0) throw new Error('medianRun: no runs');
  const sel = selectMedianRuns(runs.map((r) => r.stages));
  const requests: RequestRecord[] = [];
  const errorSamples: ErrorSample[] = [];
  sel.chosenRuns.forEach((run, i) => {
    const stage = sel.stages[i]!.index;
    for (const r of runs[run]!.requests) if (r.stage === stage) requests.push(r);
    for (const e of runs[run]!.errorSamples) if (e.stage === stage) errorSamples.push(e);
  });
  const first = sel.chosenRuns[0];
  return {
    startedAt: runs[0]!.startedAt,
    finishedAt: runs[runs.length - 1]!.finishedAt,
    stages: sel.stages,
    requests,
    smokeFailed: first === undefined ? false : runs[first]!.smokeFailed,
    errorSamples,
    chosenRuns: sel.chosenRuns,
    spread: sel.spread,
  };
}

/**
 * The run a report describes and its `repeat` section: with several runs, the median run per stage;
 * `requested` > 1 gets a section even when only one run happened (its smoke test failed).
 */
export function repeatOf(runs: readonly RunResult[], requested: number): { run: RunResult; repeat: RepeatSection | null } {
  const median = runs.length > 1 ? medianRun(runs) : null;
  const run: RunResult = median ?? runs[0]!;
  if (requested <= 1) return { run, repeat: null };
  return {
    run,
    repeat: {
      requested,
      runs: runs.length,
      chosenRuns: median ? median.chosenRuns : run.stages.map(() => 0),
      spread: median ? median.spread : [],
    },
  };
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
