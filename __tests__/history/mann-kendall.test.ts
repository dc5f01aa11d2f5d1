// The Mann–Kendall test and the Theil–Sen line against values computed independently (a Python
// reference of the textbook formulas, cross-checked with scipy: kendalltau's tie-corrected variance,
// norm.cdf, theilslopes(method='joint')).
import { mannKendall, senSlope } from '../../src/core/history/mann-kendall.js';

const DRIFT = [280, 290, 284, 300, 296, 305, 310, 302, 318, 322, 315, 330, 336, 340];

test.each([
  // name, series, S, Var(S), z, p
  ['strictly rising', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 45, 125, 3.93548, 8.3030703e-5],
  ['rising with ties (tie-corrected variance)', [1, 2, 2, 3, 3, 3, 4, 5, 5, 6], 40, 119.333333, 3.570127, 0.00035680757],
  ['noise', [5, 3, 6, 2, 7, 4, 5, 3, 6, 4, 5, 2], -7, 205, -0.419058, 0.67517361],
  ['a slow drift of 14 nights', DRIFT, 79, 333.666667, 4.270101, 1.9538409e-5],
  ['falling, ties of none', [10, 9, 9.5, 8, 7, 7.2, 6, 5], -24, 65.333333, -2.845512, 0.0044340083],
])('%s', (_name, xs, s, varS, z, p) => {
  const mk = mannKendall(xs);
  expect(mk.n).toBe(xs.length);
  expect(mk.s).toBe(s);
  expect(mk.varS).toBeCloseTo(varS, 5);
  expect(mk.z).toBeCloseTo(z, 5);
  // erfc to ~1e-7 absolute: a relative bound for the small p-values.
  expect(Math.abs(mk.p - p)).toBeLessThan(Math.max(2e-7, p * 1e-3));
});

test('a constant series: S = 0, z = 0, p = 1 (all ties: no variance left)', () => {
  expect(mannKendall([3, 3, 3, 3, 3])).toEqual({ n: 5, s: 0, varS: 0, z: 0, p: 1 });
  expect(mannKendall([])).toMatchObject({ n: 0, s: 0, z: 0, p: 1 });
});

test('Theil–Sen: the median pairwise slope and the median intercept (scipy theilslopes, method joint)', () => {
  const a = senSlope(DRIFT);
  expect(a.slope).toBeCloseTo(4.333333, 5);
  expect(a.intercept).toBeCloseTo(283.166667, 5);
  const b = senSlope([10, 9, 9.5, 8, 7, 7.2, 6, 5]);
  expect(b.slope).toBeCloseTo(-0.666667, 5);
  expect(b.intercept).toBeCloseTo(10, 5);
  // One outlier does not move it.
  expect(senSlope([100, 100, 100, 5000, 100, 100, 100]).slope).toBe(0);
});
