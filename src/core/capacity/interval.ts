// The capacity's 95% interval, and the ratio head / base with its interval. A capacity is a bracket —
// the last pass L and the first miss M: the true value is somewhere in L … M − 1 — and each probe's
// pass or miss is itself a noisy decision. So: resample each probe's requests with replacement
// (seeded), decide the SLO again on each resample by its point values, and take the bracket the
// resampled decisions give. The interval runs from the 2.5% quantile of the resampled L to the 97.5%
// quantile of the resampled M − 1, and is never narrower than the measured bracket: at a 10%
// resolution a capacity of 128 … 140 stays 128 … 140 however stable the decisions were. The ratio's
// interval comes from the extremes of both brackets (the fewest head users over the most base users,
// and the other way round), per resample. Pure.

import { compare } from '../analysis/criteria/operators.js';
import { DEFAULT_LEVEL, DEFAULT_SEED, mulberry32 } from '../analysis/confidence.js';
import { latencySamples } from '../analysis/metrics.js';
import { LATENCY_METRICS, STAT_NAMES, type LatencyMetric, type StatName } from '../metric-names.js';
import type { CompareOp, Criterion, RequestRecord } from '../types.js';
import { bracketOf, type Bracket, type Observation } from './search.js';

const CAPACITY_RESAMPLES = 1000;
const MIN_RESAMPLES = 200;
/** Work bound: resamples × requests drawn ≤ 20 M. */
const MAX_DRAWS = 20_000_000;

export const CAPACITY_INTERVAL_METHOD =
  `each probe's requests resampled with replacement (seeded bootstrap, up to ${CAPACITY_RESAMPLES} resamples, seed ${DEFAULT_SEED}), ` +
  `the SLO decided again on each resample by its point values, and the bracket (last pass … first miss − 1) those decisions give; ` +
  `${Math.round(DEFAULT_LEVEL * 100)}% interval from the 2.5% quantile of the lower ends to the 97.5% quantile of the upper ends, never narrower than the measured bracket; ` +
  `ratio head / base from the extremes of both brackets on each resample`;

/** One probe of one side, as the bootstrap reads it. */
export interface ProbeSample {
  users: number;
  records: readonly RequestRecord[];
  /** The measured verdict of a line the bootstrap cannot resample (a figure such as rps). */
  pointPassed: (c: Criterion) => boolean;
}

type Line =
  | { kind: 'rate'; op: CompareOp; threshold: number }
  | { kind: 'latency'; op: CompareOp; threshold: number; stat: StatName; values: Float64Array; owners: Uint32Array }
  | { kind: 'fixed'; passed: boolean };

interface Prepared {
  users: number;
  ok: Uint8Array;
  lines: Line[];
}

/** A latency statistic (`ttfc.p95`) as its latency and statistic, or null. */
function latencyOf(name: string): { metric: LatencyMetric; stat: StatName } | null {
  const [m, st] = name.split('.') as [LatencyMetric, StatName];
  return LATENCY_METRICS.includes(m) && STAT_NAMES.includes(st) ? { metric: m, stat: st } : null;
}

/** A probe's samples per SLO line, sorted by value with the request each came from. */
function prepare(p: ProbeSample, slo: readonly Criterion[]): Prepared {
  const ok = Uint8Array.from(p.records, (r) => (r.ok ? 1 : 0));
  const lines = slo.map((c): Line => {
    const threshold = c.value.kind === 'number' ? c.value.value : NaN;
    if (c.metric.name === 'success_rate') return { kind: 'rate', op: c.op, threshold };
    const lat = latencyOf(c.metric.name);
    if (!lat) return { kind: 'fixed', passed: p.pointPassed(c) };
    const pairs: Array<[number, number]> = [];
    p.records.forEach((r, i) => {
      if (r.ok) for (const v of latencySamples([r], lat.metric)) pairs.push([v, i]);
    });
    pairs.sort((a, b) => a[0] - b[0]);
    return { kind: 'latency', op: c.op, threshold, stat: lat.stat, values: Float64Array.from(pairs, (x) => x[0]), owners: Uint32Array.from(pairs, (x) => x[1]) };
  });
  return { users: p.users, ok, lines };
}

const Q: Partial<Record<StatName, number>> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

/** A statistic of the samples, each weighted by how often its request was drawn (R-7 quantiles, population stddev). */
export function weightedStat(values: Float64Array, owners: Uint32Array, counts: Uint32Array, stat: StatName): number | null {
  let w = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const c = counts[owners[i]!]!;
    w += c;
    sum += c * values[i]!;
  }
  if (w === 0) return null;
  const mean = sum / w;
  if (stat === 'avg') return mean;
  if (stat === 'stddev') {
    let ss = 0;
    for (let i = 0; i < values.length; i++) ss += counts[owners[i]!]! * (values[i]! - mean) ** 2;
    return Math.sqrt(ss / w);
  }
  const q = stat === 'min' ? 0 : stat === 'max' ? 1 : Q[stat]!;
  const h = (w - 1) * q;
  const lo = Math.floor(h);
  const frac = h - lo;
  // The lo-th and (lo + 1)-th smallest (0-based) of the weighted samples.
  let cum = 0;
  let a: number | null = null;
  for (let i = 0; i < values.length; i++) {
    const c = counts[owners[i]!]!;
    if (c === 0) continue;
    cum += c;
    if (a === null && cum > lo) a = values[i]!;
    if (cum > lo + 1 || (frac === 0 && a !== null)) return frac === 0 ? a! : a! + frac * (values[i]! - a!);
  }
  return a;
}

/** Whether a resample of a probe (`counts[i]`: draws of request i) meets every line. */
function meets(p: Prepared, counts: Uint32Array, n: number): boolean {
  for (const line of p.lines) {
    if (line.kind === 'fixed') {
      if (!line.passed) return false;
      continue;
    }
    let v: number | null;
    if (line.kind === 'rate') {
      let good = 0;
      for (let i = 0; i < n; i++) good += counts[i]! * p.ok[i]!;
      v = n > 0 ? (100 * good) / n : 0;
    } else v = weightedStat(line.values, line.owners, counts, line.stat);
    if (v === null || !compare(v, line.op, line.threshold)) return false;
  }
  return true;
}

/** Per resample, the bracket of a side: its last pass L and its first miss M (Infinity: none). */
export interface BracketDraws {
  lastPass: Float64Array;
  firstMiss: Float64Array;
}

/** The resampled brackets of each side (the same resamples' seed for all: reproducible). */
export function bracketDraws(sides: readonly (readonly ProbeSample[])[], slo: readonly Criterion[]): BracketDraws[] {
  const prepared = sides.map((probes) => probes.map((p) => prepare(p, slo)));
  const total = sides.reduce((n, probes) => n + probes.reduce((m, p) => m + p.records.length, 0), 0);
  const resamples = Math.max(MIN_RESAMPLES, Math.min(CAPACITY_RESAMPLES, Math.floor(MAX_DRAWS / Math.max(1, total))));
  const rand = mulberry32(DEFAULT_SEED);
  const out = sides.map(() => ({ lastPass: new Float64Array(resamples), firstMiss: new Float64Array(resamples) }));
  const counts = new Uint32Array(Math.max(1, ...sides.flatMap((probes) => probes.map((p) => p.records.length))));
  for (let r = 0; r < resamples; r++) {
    prepared.forEach((probes, s) => {
      const obs: Observation[] = probes.map((p) => {
        const n = p.ok.length;
        counts.fill(0, 0, n);
        for (let i = 0; i < n; i++) counts[(rand() * n) | 0]!++;
        return { users: p.users, passed: meets(p, counts, n) };
      });
      const b = bracketOf(obs);
      out[s]!.lastPass[r] = b.lastPass;
      out[s]!.firstMiss[r] = b.firstMiss ?? Infinity;
    });
  }
  return out;
}

const sorted = (a: Float64Array): Float64Array => Float64Array.from(a).sort();
/** Conservative order statistics of the resamples: no interpolation towards the centre. */
const lowQ = (a: Float64Array, level: number): number => sorted(a)[Math.floor(((1 - level) / 2) * (a.length - 1))]!;
const highQ = (a: Float64Array, level: number): number => sorted(a)[Math.ceil((1 - (1 - level) / 2) * (a.length - 1))]!;
const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** The capacity's interval: the resampled brackets, never narrower than the measured one (high null: no upper bound). */
export function capacityInterval(point: Bracket, d: BracketDraws, level = DEFAULT_LEVEL): { low: number; high: number | null; level: number } {
  const upper = Float64Array.from(d.firstMiss, (m) => m - 1);
  const low = Math.min(point.lastPass, d.lastPass.length ? lowQ(d.lastPass, level) : point.lastPass);
  const high = Math.max(point.firstMiss === null ? Infinity : point.firstMiss - 1, upper.length ? highQ(upper, level) : -Infinity);
  return { low, high: finiteOrNull(high), level };
}

/** The extremes of head − factor × base over two brackets. */
function differenceRange(h: { L: number; M: number }, b: { L: number; M: number }, factor: number): [number, number] {
  return [h.L - factor * (b.M - 1), h.M - 1 - factor * b.L];
}

/** The extremes of head / base over two brackets (NaN-free: 0 and Infinity where a side is unbounded or zero). */
function ratioRange(h: { L: number; M: number }, b: { L: number; M: number }): [number, number] {
  const low = b.M - 1 <= 0 ? (h.L > 0 ? Infinity : 0) : h.L / (b.M - 1);
  const high = b.L <= 0 ? Infinity : (h.M - 1) / b.L;
  return [low, high];
}

const pair = (b: Bracket): { L: number; M: number } => ({ L: b.lastPass, M: b.firstMiss ?? Infinity });

/** Combines the per-resample extremes of the two sides into an interval containing the measured one. */
function combined(
  point: [number, number],
  head: BracketDraws,
  base: BracketDraws,
  range: (h: { L: number; M: number }, b: { L: number; M: number }) => [number, number],
  level: number,
): [number, number] {
  const n = head.lastPass.length;
  const lows = new Float64Array(n);
  const highs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    [lows[i], highs[i]] = range({ L: head.lastPass[i]!, M: head.firstMiss[i]! }, { L: base.lastPass[i]!, M: base.firstMiss[i]! });
  }
  return [Math.min(point[0], n ? lowQ(lows, level) : Infinity), Math.max(point[1], n ? highQ(highs, level) : -Infinity)];
}

/** head / base: the ratio of the capacities found and its interval (null bounds: unbounded; null ratio: the base met the SLO at no probe). */
export function capacityRatio(
  head: Bracket,
  base: Bracket,
  dh: BracketDraws,
  db: BracketDraws,
  level = DEFAULT_LEVEL,
): { value: number | null; low: number | null; high: number | null; level: number } {
  if (base.lastPass === 0) return { value: null, low: null, high: null, level };
  const [low, high] = combined(ratioRange(pair(head), pair(base)), dh, db, ratioRange, level);
  return { value: head.lastPass / base.lastPass, low: finiteOrNull(low), high: finiteOrNull(high), level };
}

/** The interval of head − factor × base (−Infinity / Infinity: unbounded), for `capacity OP f * compare.capacity` criteria. */
export function capacityDifference(head: Bracket, base: Bracket, dh: BracketDraws, db: BracketDraws, factor: number, level = DEFAULT_LEVEL): { low: number; high: number } {
  const range = (h: { L: number; M: number }, b: { L: number; M: number }): [number, number] => differenceRange(h, b, factor);
  const [low, high] = combined(range(pair(head), pair(base)), dh, db, range, level);
  return { low, high };
}
