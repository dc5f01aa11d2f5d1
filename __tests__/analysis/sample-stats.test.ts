// The sorted copy under every statistic (the radix sort of large samples) and the statistics it feeds:
// the same order and the same figures, to the bit, as the built-in sort and simple-statistics.
import fc from 'fast-check';
import { mean, quantileSorted, standardDeviation } from 'simple-statistics';
import { computeStats, medianOf, sortedCopy } from '../../src/core/sample-stats.js';
import { mulberry32 } from '../../src/core/random.js';

/** Same length, and each element the same double (Object.is: -0 is not 0, NaN is NaN). */
function sameDoubles(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** A large sample of one shape: latencies, integers with many ties, values of both signs across magnitudes. */
function sample(n: number, seed: number, shape: number): number[] {
  const r = mulberry32(seed);
  const specials = [0, -0, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE];
  return Array.from({ length: n }, (_, i) => {
    if (shape === 0) return 50 + r() * 3000;
    if (shape === 1) return Math.floor(r() * 8);
    if (i % 97 === 0) return specials[i % specials.length]!;
    return (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20);
  });
}

test('sortedCopy of a large sample is the built-in sort, element for element (-0 before 0, ±Infinity, ties)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 16_384, max: 40_000 }), fc.integer(), fc.integer({ min: 0, max: 2 }), (n, seed, shape) => {
      const values = sample(n, seed, shape);
      return sameDoubles(sortedCopy(values), Float64Array.from(values).sort());
    }),
    { numRuns: 30 },
  );
});

test('sortedCopy of small samples, and any sample holding a NaN, is the built-in sort too', () => {
  fc.assert(fc.property(fc.array(fc.double(), { maxLength: 300 }), (values) => sameDoubles(sortedCopy(values), Float64Array.from(values).sort())));
  const withNaN = sample(20_000, 3, 2);
  withNaN[123] = NaN;
  const sorted = sortedCopy(withNaN);
  expect(sameDoubles(sorted, Float64Array.from(withNaN).sort())).toBe(true);
  expect(Number.isNaN(sorted[sorted.length - 1])).toBe(true);
});

test('sortedCopy leaves its input alone and returns a new array', () => {
  const values = sample(20_000, 5, 0);
  const before = [...values];
  const typed = Float64Array.from(values);
  expect(sortedCopy(values)).not.toBe(values);
  expect(values).toEqual(before);
  sortedCopy(typed);
  expect(sameDoubles(typed, Float64Array.from(before))).toBe(true);
});

/** The median as the sorted copy's middle gives it. */
function sortedMedian(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = Float64Array.from(values).sort();
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

test('medianOf, by selection, is the sorted middle: large samples odd and even, ties, both signs, small ones, a NaN', () => {
  // -0 and 0 are one value to a selection: equal numbers, not necessarily the same double.
  const same = (a: number | null, b: number | null): boolean => Object.is(a, b) || a === b;
  fc.assert(
    fc.property(fc.integer({ min: 16_384, max: 40_000 }), fc.integer(), fc.integer({ min: 0, max: 2 }), (n, seed, shape) => {
      const values = sample(n, seed, shape);
      return same(medianOf(values), sortedMedian(values));
    }),
    { numRuns: 40 },
  );
  fc.assert(fc.property(fc.array(fc.double(), { maxLength: 300 }), (values) => same(medianOf(values), sortedMedian(values))));
  // Already sorted, reversed, all equal: the partition's worst orders.
  const n = 30_001;
  for (const values of [Array.from({ length: n }, (_, i) => i), Array.from({ length: n }, (_, i) => n - i), new Array<number>(n).fill(7)]) {
    expect(medianOf(values)).toBe(sortedMedian(values));
    expect(medianOf(values.slice(1))).toBe(sortedMedian(values.slice(1)));
  }
  const withNaN = sample(20_000, 3, 0);
  withNaN[5] = NaN;
  expect(medianOf(withNaN)).toBe(sortedMedian(withNaN));
  expect(medianOf([])).toBeNull();
});

test('medianOf leaves its input alone', () => {
  const values = sample(20_000, 5, 0);
  const before = [...values];
  medianOf(values);
  expect(values).toEqual(before);
});

test('computeStats of a large sample: the figures simple-statistics gives over the sorted array, to the bit', () => {
  for (const shape of [0, 1]) {
    const values = sample(100_000, 11, shape);
    const arr = [...values].sort((a, b) => a - b);
    expect(computeStats(values)).toEqual({
      n: arr.length,
      min: arr[0],
      avg: mean(arr),
      p50: quantileSorted(arr, 0.5),
      p90: quantileSorted(arr, 0.9),
      p95: quantileSorted(arr, 0.95),
      p99: quantileSorted(arr, 0.99),
      max: arr.at(-1),
      stddev: standardDeviation(arr),
    });
  }
  expect(computeStats([])).toEqual({ n: 0, min: null, avg: null, p50: null, p90: null, p95: null, p99: null, max: null, stddev: null });
  expect(computeStats([4])).toMatchObject({ n: 1, min: 4, avg: 4, p99: 4, max: 4, stddev: 0 });
});

test("computeStats' mean is simple-statistics' compensated mean over the sorted values, to the bit, for any doubles", () => {
  fc.assert(
    fc.property(fc.array(fc.double({ noNaN: false }), { minLength: 1, maxLength: 400 }), (values) => {
      const sorted = Float64Array.from(values).sort();
      return Object.is(computeStats(values).avg, mean(Array.from(sorted)));
    }),
    { numRuns: 500 },
  );
  const big = sample(50_000, 17, 2);
  expect(Object.is(computeStats(big).avg, mean(Array.from(Float64Array.from(big).sort())))).toBe(true);
});
