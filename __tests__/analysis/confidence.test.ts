// Seeded bootstrap intervals, strict / confident verdicts and the median run of `repeat` (issue 5 §4).
import { bootstrapInterval, judge, medianRun, mulberry32, selectMedianRuns, stageIntervals, stageSamples, type IntervalStat } from '../../src/core/analysis/confidence.js';
import { formatValue } from '../../src/core/format.js';
import { summarizeStage } from '../../src/core/analysis/stats.js';
import { computeStats } from '../../src/core/sample-stats.js';
import type { RequestRecord, RunResult, StageSummary } from '../../src/core/types.js';
import { record } from '../helpers/records.js';

/** Deterministic test data: `n` values around `mid` spread by `spread` (uniform from a seeded PRNG). */
function sample(n: number, mid: number, spread: number, seed = 7): number[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => mid + (r() - 0.5) * 2 * spread);
}

/** The textbook bootstrap (sort every resample), drawing the same indices as the implementation. */
function naive(values: number[], stat: IntervalStat, seed: number, resamples: number, level = 0.95): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const rand = mulberry32(seed);
  const q = (s: number[], p: number): number => computeStats(s)[p === 0.5 ? 'p50' : p === 0.9 ? 'p90' : p === 0.95 ? 'p95' : 'p99']!;
  const stats: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const res = Array.from({ length: n }, () => sorted[(rand() * n) | 0]!);
    stats.push(stat === 'avg' ? res.reduce((a, b) => a + b, 0) / n : q(res, { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 }[stat]));
  }
  stats.sort((a, b) => a - b);
  const at = (p: number): number => {
    const h = (stats.length - 1) * p;
    const lo = Math.floor(h);
    return lo + 1 < stats.length ? stats[lo]! + (h - lo) * (stats[lo + 1]! - stats[lo]!) : stats[lo]!;
  };
  return [at((1 - level) / 2), at(1 - (1 - level) / 2)];
}

test('mulberry32: same seed, same sequence; values in [0, 1)', () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const xs = Array.from({ length: 1000 }, () => a());
  expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
  expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  expect(mulberry32(43)()).not.toBe(xs[0]);
  // Roughly uniform: each tenth gets 100 ± 40 of 1000.
  const bins = new Array(10).fill(0);
  for (const x of xs) bins[Math.floor(x * 10)]++;
  for (const c of bins) expect(Math.abs(c - 100)).toBeLessThan(40);
});

test('the interval is reproducible: same input and seed, same interval; another seed, another one', () => {
  const v = sample(60, 400, 150);
  const a = bootstrapInterval(v, 'p95');
  expect(bootstrapInterval([...v], 'p95')).toEqual(a);
  expect(bootstrapInterval([...v].reverse(), 'p95')).toEqual(a); // order of the records does not matter
  expect(bootstrapInterval(v, 'p95', { seed: 99 })).not.toEqual(a);
  expect(a).toMatchObject({ stat: 'p95', n: 60, level: 0.95, resamples: 1000 });
});

test('the counting resampler equals the textbook bootstrap, for avg and every quantile', () => {
  for (const n of [2, 3, 7, 20, 101]) {
    const v = sample(n, 300, 200, n);
    for (const stat of ['avg', 'p50', 'p90', 'p95', 'p99'] as const) {
      const iv = bootstrapInterval(v, stat, { seed: 1234, resamples: 300 })!;
      const [lo, hi] = naive(v, stat, 1234, 300);
      expect(iv.low).toBeCloseTo(Math.min(lo, iv.point), 9);
      expect(iv.high).toBeCloseTo(Math.max(hi, iv.point), 9);
    }
  }
});

test('the point value is the stage summary figure, and inside the interval', () => {
  const v = sample(40, 500, 300, 3);
  const s = computeStats(v);
  for (const stat of ['avg', 'p50', 'p90', 'p95', 'p99'] as const) {
    const iv = bootstrapInterval(v, stat)!;
    expect(iv.point).toBeCloseTo(s[stat]!, 9);
    expect(iv.low).toBeLessThanOrEqual(iv.point);
    expect(iv.high).toBeGreaterThanOrEqual(iv.point);
  }
});

test('interval width follows the sample: ≈ ±1.96 σ/√n for the mean, tighter with more samples', () => {
  const v = sample(400, 1000, 300, 11); // uniform ±300: σ ≈ 173
  const iv = bootstrapInterval(v, 'avg')!;
  const halfWidth = (iv.high - iv.low) / 2;
  const expected = (1.96 * 300) / Math.sqrt(3) / Math.sqrt(400);
  expect(halfWidth / expected).toBeGreaterThan(0.8);
  expect(halfWidth / expected).toBeLessThan(1.2);
  const small = bootstrapInterval(v.slice(0, 25), 'avg')!;
  expect(small.high - small.low).toBeGreaterThan(2.5 * (iv.high - iv.low));
});

test('degenerate samples: none → null; one value or all equal → a zero-width interval', () => {
  expect(bootstrapInterval([], 'avg')).toBeNull();
  expect(bootstrapInterval([250], 'p95')).toMatchObject({ point: 250, low: 250, high: 250, n: 1 });
  expect(bootstrapInterval([80, 80, 80, 80], 'p95')).toMatchObject({ point: 80, low: 80, high: 80 });
});

// ---------------------------------------------------------------------------------------------

test('verdicts: a whole interval on one side decides; a straddling one is inconclusive', () => {
  const ms = (v: number): string => formatValue(v, 'ms');
  const iv = { low: 380, high: 460, level: 0.95 };
  const base = { op: '<' as const, threshold: 400, interval: iv, format: ms };
  // Straddling, point fails: strict fails (and says inconclusive), confident does not fail.
  expect(judge({ ...base, actual: 412 }, 'strict')).toEqual({
    status: 'fail',
    inconclusive: true,
    reason: '95% interval 380 ms–460 ms straddles 400 ms (verdict strict: the point value fails)',
  });
  expect(judge({ ...base, actual: 412 }, 'confident')).toEqual({
    status: 'inconclusive',
    inconclusive: true,
    reason: '95% interval 380 ms–460 ms straddles 400 ms (verdict confident: not failed)',
  });
  // Straddling, point passes.
  expect(judge({ ...base, actual: 390 }, 'strict')).toMatchObject({ status: 'pass', inconclusive: true });
  expect(judge({ ...base, actual: 390 }, 'confident')).toMatchObject({ status: 'inconclusive', inconclusive: true });
  // Whole interval on one side: both verdicts agree.
  for (const v of ['strict', 'confident'] as const) {
    expect(judge({ ...base, actual: 350, interval: { low: 300, high: 399, level: 0.95 } }, v)).toEqual({ status: 'pass', inconclusive: false });
    expect(judge({ ...base, actual: 450, interval: { low: 401, high: 500, level: 0.95 } }, v)).toEqual({ status: 'fail', inconclusive: false });
  }
  // Boundaries follow the operator.
  const at = (op: '<' | '<=' | '>' | '>=', low: number, high: number) =>
    judge({ op, threshold: 400, actual: (low + high) / 2, interval: { low, high, level: 0.9 } }, 'confident').status;
  expect(at('<', 300, 400)).toBe('inconclusive');
  expect(at('<=', 300, 400)).toBe('pass');
  expect(at('>', 400, 500)).toBe('inconclusive');
  expect(at('>=', 400, 500)).toBe('pass');
  expect(at('>', 300, 399)).toBe('fail');
  // No interval, or equality: the point decides.
  expect(judge({ op: '<', threshold: 400, actual: 410, interval: null }, 'confident')).toEqual({ status: 'fail', inconclusive: false });
  expect(judge({ op: '==', threshold: 0, actual: 0, interval: { low: -1, high: 1, level: 0.95 } }, 'confident')).toEqual({ status: 'pass', inconclusive: false });
  // Default formatting without a unit.
  expect(judge({ op: '<', threshold: 1, actual: 0.9, interval: { low: 0.856, high: 1.2, level: 0.95 } }, 'confident').reason).toBe(
    '95% interval 0.86–1.2 straddles 1 (verdict confident: not failed)',
  );
});

// ---------------------------------------------------------------------------------------------

function rec(stage: number, user: number, ttfc: number, ok = true): RequestRecord {
  return record({
    stage,
    user,
    status: ok ? 200 : 503,
    ok,
    category: ok ? null : 'http_5xx',
    ttfb: 2,
    ttfc: ok ? ttfc : null,
    ttft: ok ? ttfc : null,
    total: ok ? ttfc + 30 : 5,
    stall: 5,
    events: 3,
    bytes: 9,
    gaps: [10, 20],
  });
}

/** A run of stages `1x1, 3x1` where the stages' TTFCs are these. */
function runOf(tag: number, s1: number[], s2: number[], failS2 = false): RunResult {
  const r1 = s1.map((t, i) => rec(1, i + 1, t));
  const r2 = s2.map((t, i) => rec(2, i + 1, t, !failS2));
  const stages = [summarizeStage(1, { users: 1, requestsPerUser: s1.length }, r1, 100), summarizeStage(2, { users: 3, requestsPerUser: 1 }, r2, 100)];
  return {
    startedAt: `start-${tag}`,
    finishedAt: `end-${tag}`,
    stages,
    requests: [...r1, ...r2],
    smokeFailed: false,
    errorSamples: failS2 ? [{ stage: 2, category: 'http_5xx', status: 503, message: `run ${tag}` }] : [],
  };
}

test('repeat: the median run per stage by TTFC avg, with the spread', () => {
  const runs = [runOf(0, [100], [300, 300, 300]), runOf(1, [120], [250, 250, 250]), runOf(2, [90], [900, 900, 900])];
  const sel = selectMedianRuns(runs.map((r) => r.stages));
  // Stage 1: 90 (run 2) < 100 (run 0) < 120 (run 1) → run 0; stage 2: 250 (1) < 300 (0) < 900 (2) → run 0.
  expect(sel.chosenRuns).toEqual([0, 0]);
  expect(sel.stages[1]!.ttfc.avg).toBe(300);
  expect(sel.spread[1]).toEqual({
    index: 2,
    users: 3,
    runs: 3,
    chosenRun: 0,
    ttfcAvg: { min: 250, max: 900, values: [300, 250, 900] },
    ttfcP95: { min: 250, max: 900, values: [300, 250, 900] },
    successRate: { min: 1, max: 1, values: [1, 1, 1] },
  });

  // Stages may come from different runs; requests and error samples follow their stage.
  const mixed = [runOf(0, [100], [300, 300, 300]), runOf(1, [80], [999, 999, 999], true), runOf(2, [90], [250, 250, 250])];
  const m = medianRun(mixed);
  // Stage 1: 80 (1) < 90 (2) < 100 (0) → run 2. Stage 2: 250 (2) < 300 (0) < failed (1, sorts last) → run 0.
  expect(m.chosenRuns).toEqual([2, 0]);
  expect(m.requests.map((r) => [r.stage, r.ttfc])).toEqual([
    [1, 90],
    [2, 300],
    [2, 300],
    [2, 300],
  ]);
  expect(m.errorSamples).toEqual([]);
  expect(m).toMatchObject({ startedAt: 'start-0', finishedAt: 'end-2', smokeFailed: false });
  expect(m.spread[1]!.successRate).toEqual({ min: 0, max: 1, values: [1, 0, 1] });
  expect(m.spread[1]!.ttfcAvg).toEqual({ min: 250, max: 300, values: [300, null, 250] });

  // Two runs: the lower median (the faster one); a failing stage in most runs is what is reported.
  expect(selectMedianRuns([runOf(0, [100], [400, 400, 400]).stages, runOf(1, [100], [200, 200, 200]).stages]).chosenRuns).toEqual([0, 1]);
  const mostlyFailed = medianRun([runOf(0, [100], [1, 1, 1], true), runOf(1, [100], [1, 1, 1], true), runOf(2, [100], [200, 200, 200])]);
  expect(mostlyFailed.stages[1]!.succeeded).toBe(0);
  expect(mostlyFailed.errorSamples).toEqual([{ stage: 2, category: 'http_5xx', status: 503, message: 'run 0' }]);
  // One run: itself.
  expect(medianRun([runOf(5, [1], [2, 3, 4])]).chosenRuns).toEqual([0, 0]);
  expect(() => medianRun([])).toThrow('medianRun: no runs');
});

test('stage intervals read the successful requests of each stage; itl pools the gaps', () => {
  const run = runOf(0, [100, 110, 120, 130], [300, 310, 320]);
  expect(stageSamples(run.requests, 1, 'ttfc')).toEqual([100, 110, 120, 130]);
  expect(stageSamples(run.requests, 2, 'itl')).toEqual([10, 20, 10, 20, 10, 20]);
  const ivs = stageIntervals(run);
  expect(ivs.map((x) => [x.index, x.users, x.avg!.point, x.p95!.point])).toEqual([
    [1, 1, 115, computeStats([100, 110, 120, 130]).p95],
    [2, 3, 310, computeStats([300, 310, 320]).p95],
  ]);
  const skipped: StageSummary = { ...run.stages[1]!, skipped: true };
  expect(stageIntervals({ stages: [run.stages[0]!, skipped], requests: run.requests })).toHaveLength(1);
});

describe('large samples (more than 2 M draws): the same intervals without drawing every value', () => {
  // A skewed, TTFC-like sample: 5000 values → 1000 resamples would be 5 M draws.
  const r = mulberry32(99);
  const values = Array.from({ length: 5000 }, () => 100 + 60 * -Math.log(1 - r()));
  test.each<IntervalStat>(['avg', 'p50', 'p95', 'p99'])('%s agrees with the value-by-value bootstrap', (stat) => {
    const fast = bootstrapInterval(values, stat)!;
    const drawn = bootstrapInterval(values, stat, { resamples: 400 })!; // 2 M draws: drawn value by value
    expect(fast.point).toBe(drawn.point);
    expect(fast.low).toBeLessThanOrEqual(fast.point);
    expect(fast.high).toBeGreaterThanOrEqual(fast.point);
    const width = drawn.high - drawn.low;
    expect(width).toBeGreaterThan(0);
    // the two estimates of the same interval's ends differ by resampling noise only
    expect(Math.abs(fast.low - drawn.low)).toBeLessThan(0.25 * width);
    expect(Math.abs(fast.high - drawn.high)).toBeLessThan(0.25 * width);
    // seeded: the same again
    expect(bootstrapInterval(values, stat)).toEqual(fast);
  });
});
