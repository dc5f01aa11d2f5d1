// The paired bootstrap of same-run A/B: a side's samples of a stage by round, and head / base draws
// resampled together, so a ratio's interval sees the runner's weather as the pairs share it. Pure.
//
// The bootstrap is two-level, as the design is: rounds are the pairs (a round of the head and the
// round of the base that ran back to back share the runner's weather), so a resample draws rounds
// with replacement, and within each drawn round the requests of each side with replacement. Drift
// between rounds and the spread within a round both widen the interval; a stage of one round is a
// plain two-sample bootstrap.
//
// Requests of one round share its slot's weather (a busy neighbour, a GC pause), so the slot-to-slot
// noise is only seen across rounds, and a percentile bootstrap over a few rounds under-covers it: the
// interval is widened by the small-sample factor t(R − 1) / z · √(R / (R − 1)) for R paired rounds
// (×9 for 2 rounds, ×1.9 for 4, ×1.3 for 8) — around the point, in log space for ratios. A stage of
// one round sees no slot weather at all; its interval is the spread of its requests only.

import { DEFAULT_LEVEL, DEFAULT_RESAMPLES, DEFAULT_SEED, AB_MAX_DRAWS, MIN_RESAMPLES, mulberry32, QUANTILE, quantileSorted, type BootstrapOptions } from './confidence.js';
import { latencySamples } from './metrics.js';
import { type IntervalStat, type LatencyMetric } from '../metric-names.js';
import type { RequestRecord, RunResult, StageSummary } from '../types.js';
import type { RatioInterval } from '../section-types.js';

/** A rate stage's rounds: its arrivals cut into this many consecutive slices (the same arrivals on both sides). */
export const RATE_ROUNDS = 10;

/** One side's samples of a stage, one array a round (index k − 1 = iteration k). */
export type Rounds = number[][];

export type CompareMetric = LatencyMetric | 'success_rate';

/** The metrics and statistics whose ratios the report shows. */
export const RATIO_METRICS = ['ttfc', 'ttft', 'ttfb', 'total'] as const;
export const RATIO_STATS: readonly IntervalStat[] = ['avg', 'p50', 'p90', 'p95', 'p99'];
/** The statistics that decide a regression / improvement (as the baseline's: TTFC avg and p95). */
export const FLAG_KEYS = ['ttfc.avg', 'ttfc.p95'] as const;

/**
 * A side's samples of a stage by round: the latency metric over successful requests (itl: the pooled
 * gaps), or `success_rate` as 100 / 0 per issued request.
 */
export function roundSamples(
  requests: readonly RequestRecord[],
  stage: number,
  metric: CompareMetric,
  rounds: number,
  roundOf = (r: RequestRecord): number => r.iteration - 1,
): Rounds {
  const out: Rounds = Array.from({ length: rounds }, () => []);
  for (const r of requests) {
    if (r.stage !== stage) continue;
    const into = out[roundOf(r)];
    if (into === undefined) continue;
    if (metric === 'success_rate') into.push(r.ok ? 100 : 0);
    else if (!r.ok) continue;
    else for (const v of latencySamples([r], metric)) into.push(v);
  }
  return out;
}

export interface PairedDraws {
  stat: IntervalStat;
  /** The statistic over all samples of each side (as in the stage summaries). */
  head: number;
  base: number;
  /** Per resample: the statistic of each side (resamples with an empty side left out). */
  headDraws: Float64Array;
  baseDraws: Float64Array;
  n: { head: number; base: number };
  /** Rounds in which both sides had samples: the paired units. */
  rounds: number;
  level: number;
}

/** t quantiles at 0.975 for 1–30 degrees of freedom. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056,
  2.052, 2.048, 2.045, 2.042,
];

/** How much wider than the bootstrap's the interval of R paired rounds is (1 for one round; → 1 for many). */
function smallSampleFactor(rounds: number): number {
  if (rounds < 2) return 1;
  const df = rounds - 1;
  const t = df <= T975.length ? T975[df - 1]! : 1.96 + 2.4 / df;
  return (t / 1.96) * Math.sqrt(rounds / df);
}

const count = (r: Rounds): number => r.reduce((n, x) => n + x.length, 0);

function statOf(sorted: Float64Array, stat: IntervalStat): number {
  if (stat === 'avg') {
    let sum = 0;
    for (const v of sorted) sum += v;
    return sum / sorted.length;
  }
  return quantileSorted(sorted, QUANTILE[stat]);
}

/** The two-level paired bootstrap of one statistic (see the top of the file). Null when a side has no sample. */
export function pairedBootstrap(head: Rounds, base: Rounds, stat: IntervalStat, opts: BootstrapOptions = {}): PairedDraws | null {
  return pairedBootstrapAll(head, base, [stat], opts)?.[stat] ?? null;
}

/**
 * The paired bootstrap of several statistics from the same resamples (one sort of each resample
 * serves them all). Null when a side has no sample.
 */
function pairedBootstrapAll(head: Rounds, base: Rounds, stats: readonly IntervalStat[], opts: BootstrapOptions = {}): Partial<Record<IntervalStat, PairedDraws>> | null {
  const nh = count(head);
  const nb = count(base);
  if (nh === 0 || nb === 0) return null;
  const rounds = Math.max(head.length, base.length);
  const resamples = Math.max(1, Math.min(Math.floor(opts.resamples ?? DEFAULT_RESAMPLES), Math.max(MIN_RESAMPLES, Math.floor(AB_MAX_DRAWS / (nh + nb)))));
  const rand = mulberry32(opts.seed ?? DEFAULT_SEED);
  // A resample can draw the largest round every time.
  const bufH = new Float64Array(rounds * Math.max(...head.map((r) => r.length)));
  const bufB = new Float64Array(rounds * Math.max(...base.map((r) => r.length)));
  const headDraws = stats.map(() => new Float64Array(resamples));
  const baseDraws = stats.map(() => new Float64Array(resamples));
  let kept = 0;
  for (let r = 0; r < resamples; r++) {
    let h = 0;
    let b = 0;
    for (let k = 0; k < rounds; k++) {
      const pick = (rand() * rounds) | 0;
      const hr = head[pick] ?? [];
      const br = base[pick] ?? [];
      for (let i = 0; i < hr.length; i++) bufH[h++] = hr[(rand() * hr.length) | 0]!;
      for (let i = 0; i < br.length; i++) bufB[b++] = br[(rand() * br.length) | 0]!;
    }
    if (h === 0 || b === 0) continue;
    const sh = bufH.subarray(0, h).sort();
    const sb = bufB.subarray(0, b).sort();
    stats.forEach((st, i) => {
      headDraws[i]![kept] = statOf(sh, st);
      baseDraws[i]![kept] = statOf(sb, st);
    });
    kept++;
  }
  let paired = 0;
  for (let k = 0; k < rounds; k++) if ((head[k]?.length ?? 0) > 0 && (base[k]?.length ?? 0) > 0) paired++;
  const allH = Float64Array.from(head.flat()).sort();
  const allB = Float64Array.from(base.flat()).sort();
  const out: Partial<Record<IntervalStat, PairedDraws>> = {};
  stats.forEach((st, i) => {
    out[st] = {
      stat: st,
      head: statOf(allH, st),
      base: statOf(allB, st),
      headDraws: headDraws[i]!.subarray(0, kept),
      baseDraws: baseDraws[i]!.subarray(0, kept),
      n: { head: nh, base: nb },
      rounds: paired,
      level: opts.level ?? DEFAULT_LEVEL,
    };
  });
  return out;
}

/** The central `level` share of `values` (sorted in place), widened to contain `point`. */
function percentile(values: Float64Array, point: number, level: number): { low: number; high: number } {
  values.sort();
  const tail = (1 - level) / 2;
  if (values.length === 0) return { low: point, high: point };
  return { low: Math.min(point, quantileSorted(values, tail)), high: Math.max(point, quantileSorted(values, 1 - tail)) };
}

/** Fewer than two samples on a side: no interval worth the name. */
export function insufficient(d: PairedDraws): string | null {
  if (d.n.head >= 2 && d.n.base >= 2) return null;
  return `${d.n.head} sample${d.n.head === 1 ? '' : 's'} of the head and ${d.n.base} of the base: too few for an interval`;
}

/** head / base with its interval; null ratio when the base's statistic is 0. */
export function ratioInterval(d: PairedDraws): RatioInterval {
  if (!(d.base > 0)) return { ratio: null, low: null, high: null };
  const ratio = d.head / d.base;
  if (insufficient(d)) return { ratio, low: null, high: null };
  const ratios = new Float64Array(d.headDraws.length);
  let j = 0;
  for (let i = 0; i < d.headDraws.length; i++) if (d.baseDraws[i]! > 0) ratios[j++] = d.headDraws[i]! / d.baseDraws[i]!;
  const p = percentile(ratios.subarray(0, j), ratio, d.level);
  // Widened in log space (a ratio's noise is multiplicative); a non-positive bound stays as it is.
  const f = smallSampleFactor(d.rounds);
  if (f === 1 || !(p.low > 0)) return { ratio, ...p };
  const lr = Math.log(ratio);
  return { ratio, low: Math.exp(lr - f * (lr - Math.log(p.low))), high: Math.exp(lr + f * (Math.log(p.high) - lr)) };
}

/** The interval of head − factor × base (the form every comparison criterion reduces to). */
export function differenceInterval(d: PairedDraws, factor: number): { low: number; high: number; level: number } {
  const diff = new Float64Array(d.headDraws.length);
  for (let i = 0; i < diff.length; i++) diff[i] = d.headDraws[i]! - factor * d.baseDraws[i]!;
  const point = d.head - factor * d.base;
  const p = percentile(diff, point, d.level);
  const f = smallSampleFactor(d.rounds);
  return { low: point - f * (point - p.low), high: point + f * (p.high - point), level: d.level };
}

/** Caches the paired bootstrap per stage, metric and statistic (the report and the criteria share it). */
export function pairedSampler(run: RunResult, opts: BootstrapOptions = {}) {
  const cache = new Map<string, Partial<Record<IntervalStat, PairedDraws>> | null>();
  const side = run.compare;
  return (stage: StageSummary, metric: CompareMetric, stat: IntervalStat): PairedDraws | null => {
    if (!side) return null;
    // All statistics of a metric come from one set of resamples.
    const key = `${stage.index}:${metric}`;
    if (!cache.has(key)) {
      // A rate stage: arrival k (its user number) is in slice ⌊(k − 1) · R / scheduled⌋ on both sides.
      const scheduled = stage.rate?.scheduled ?? 0;
      const rounds = stage.rate ? Math.max(1, Math.min(RATE_ROUNDS, scheduled)) : stage.requestsPerUser;
      const roundOf = stage.rate ? (r: RequestRecord): number => Math.floor(((r.user - 1) * rounds) / Math.max(1, scheduled)) : undefined;
      const h = roundSamples(run.requests, stage.index, metric, rounds, roundOf);
      const b = roundSamples(side.requests, stage.index, metric, rounds, roundOf);
      cache.set(key, pairedBootstrapAll(h, b, RATIO_STATS, opts));
    }
    return cache.get(key)?.[stat] ?? null;
  };
}

export type PairedSampler = ReturnType<typeof pairedSampler>;
