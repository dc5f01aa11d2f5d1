// The capacity's interval and the ratio head / base: a bootstrap of each probe's requests, the SLO
// decided again per resample, and never narrower than the measured bracket (the resolution).
import { parseCriteria } from '../../src/core/analysis/criteria/index.js';
import { computeStats } from '../../src/core/sample-stats.js';
import { bracketDraws, capacityDifference, capacityInterval, capacityRatio, weightedStat, type ProbeSample } from '../../src/core/capacity/interval.js';
import { bracketOf } from '../../src/core/capacity/search.js';
import { mulberry32 } from '../../src/core/analysis/confidence.js';
import type { RequestRecord } from '../../src/core/types.js';
import { record } from '../helpers/records.js';

const SLO = parseCriteria('ttfc.p95 < 150ms\nsuccess_rate >= 99%');

/** A probe whose requests have these TTFCs (null: a failed request). */
function probe(users: number, ttfcs: Array<number | null>): ProbeSample {
  const records: RequestRecord[] = ttfcs.map((t, i) =>
    t === null ? record({ user: i + 1, ok: false, category: 'connection', ttfc: null, ttft: null, total: null }) : record({ user: i + 1, ttfc: t, ttft: t, total: t + 10 }),
  );
  return { users, records, pointPassed: () => true };
}
const fast = (users: number): ProbeSample => probe(users, new Array<number>(users * 3).fill(100));
const slow = (users: number): ProbeSample => probe(users, new Array<number>(users * 3).fill(300));
const obsOf = (probes: ProbeSample[], pass: (p: ProbeSample) => boolean) => probes.map((p) => ({ users: p.users, passed: pass(p) }));

test('weighted statistics equal the stage statistics when every request is drawn once', () => {
  const rand = mulberry32(7);
  for (let trial = 0; trial < 20; trial++) {
    const n = 1 + Math.floor(rand() * 40);
    const values = Array.from({ length: n }, () => Math.round(rand() * 1000) / 10);
    const sorted = Float64Array.from(values).sort();
    const owners = Uint32Array.from(sorted, (_, i) => i);
    const counts = new Uint32Array(n).fill(1);
    const s = computeStats(values);
    for (const stat of ['min', 'avg', 'p50', 'p90', 'p95', 'p99', 'max', 'stddev'] as const) {
      expect(weightedStat(sorted, owners, counts, stat)).toBeCloseTo(s[stat]!, 9);
    }
  }
  // Weights are repeats: [1, 2 ×3, 10] is the sample [1, 2, 2, 2, 10].
  const v = Float64Array.from([1, 2, 10]);
  expect(weightedStat(v, Uint32Array.from([0, 1, 2]), Uint32Array.from([1, 3, 1]), 'p50')).toBe(2);
  expect(weightedStat(v, Uint32Array.from([0, 1, 2]), Uint32Array.from([1, 3, 1]), 'p95')).toBeCloseTo(computeStats([1, 2, 2, 2, 10]).p95!, 9);
  expect(weightedStat(v, Uint32Array.from([0, 1, 2]), Uint32Array.from([0, 0, 0]), 'avg')).toBeNull();
});

test('clear decisions: a pool of 2 against a pool of 4 is a ratio of exactly 0.5, its interval too', () => {
  const head = [fast(1), fast(2), slow(4), slow(3), slow(8), slow(6), slow(5)];
  const base = [fast(1), fast(2), fast(4), fast(3), slow(8), slow(6), slow(5)];
  const [dh, db] = bracketDraws([head, base], SLO);
  const hb = bracketOf(obsOf(head, (p) => p.records[0]!.ttfc! < 150));
  const bb = bracketOf(obsOf(base, (p) => p.records[0]!.ttfc! < 150));
  expect([hb, bb]).toEqual([
    { lastPass: 2, firstMiss: 3 },
    { lastPass: 4, firstMiss: 5 },
  ]);
  expect(capacityInterval(hb, dh!)).toEqual({ low: 2, high: 2, level: 0.95 });
  expect(capacityRatio(hb, bb, dh!, db!)).toEqual({ value: 0.5, low: 0.5, high: 0.5, level: 0.95 });
  // capacity − 0.9 × compare.capacity: 2 − 3.6 on every resample.
  const d = capacityDifference(hb, bb, dh!, db!, 0.9);
  expect(d.low).toBeCloseTo(-1.6, 9);
  expect(d.high).toBeCloseTo(-1.6, 9);
});

test('the interval is never narrower than the bracket: 128 … 140 at a 10% resolution stays 128 … 139', () => {
  const head = [fast(1), fast(2), fast(64), fast(128), slow(140)].map((p) => ({ ...p, records: p.records.slice(0, 30) }));
  const [d] = bracketDraws([head], SLO);
  expect(capacityInterval({ lastPass: 128, firstMiss: 140 }, d!)).toEqual({ low: 128, high: 139, level: 0.95 });
});

test('no miss: the capacity has no upper bound; the ratio against an unbounded base has no lower one above 0', () => {
  const head = [fast(1), fast(2), slow(4)];
  const base = [fast(1), fast(2), fast(4)];
  const [dh, db] = bracketDraws([head, base], SLO);
  expect(capacityInterval({ lastPass: 4, firstMiss: null }, db!)).toEqual({ low: 4, high: null, level: 0.95 });
  const r = capacityRatio({ lastPass: 2, firstMiss: 4 }, { lastPass: 4, firstMiss: null }, dh!, db!);
  expect(r).toEqual({ value: 0.5, low: 0, high: 0.75, level: 0.95 });
  // A base that met the SLO at no probe: no ratio at all.
  expect(capacityRatio({ lastPass: 2, firstMiss: 4 }, { lastPass: 0, firstMiss: 1 }, dh!, db!).value).toBeNull();
});

test('a noisy probe widens the interval: a 3-user probe that one slow request made miss', () => {
  // 11 samples, one of them slow: p95 = 200 ms (a miss), but a third of the resamples draw no slow one.
  const noisy = probe(3, [...new Array<number>(10).fill(100), 300]);
  const head = [fast(1), fast(2), slow(4), noisy];
  const [d] = bracketDraws([head], SLO);
  const iv = capacityInterval({ lastPass: 2, firstMiss: 3 }, d!);
  expect(iv.low).toBe(2);
  expect(iv.high).toBe(3);
});

test('failed requests: the success-rate line decides; a probe with no successful request misses', () => {
  const failing = probe(4, [...new Array<number>(11).fill(100), null]); // 91.7% < 99%
  const dead = probe(8, new Array<number | null>(24).fill(null));
  const [d] = bracketDraws([[fast(1), fast(2), failing, dead]], SLO);
  expect(Math.max(...d!.lastPass)).toBeLessThanOrEqual(4);
  expect(capacityInterval({ lastPass: 2, firstMiss: 4 }, d!).low).toBe(2);
  expect(Array.from(d!.firstMiss).every((m) => m <= 8)).toBe(true);
});
