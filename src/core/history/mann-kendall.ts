// The Mann–Kendall trend test (normal approximation with the tie correction and the continuity
// correction) and the Theil–Sen slope: a trend that no single night shows, without assuming the
// figures are normal or the trend straight. Pure.

import { errorFunction } from 'simple-statistics';

export interface MannKendall {
  n: number;
  /** Σ sign(x_j − x_i) over i < j: positive when later values tend to be larger. */
  s: number;
  /** Var(S) under no trend, corrected for ties. */
  varS: number;
  /** (S − sign(S)) / √Var(S); 0 when S is 0. */
  z: number;
  /** Two-sided p-value of z under the standard normal. */
  p: number;
}

/**
 * Mann–Kendall on a series in time order:
 * S = Σ_{i<j} sign(x_j − x_i); Var(S) = [n(n−1)(2n+5) − Σ t(t−1)(2t+5)] / 18 over groups of t tied
 * values; z = (S − 1)/√Var(S) for S > 0, (S + 1)/√Var(S) for S < 0; p = 2(1 − Φ(|z|)).
 */
export function mannKendall(xs: readonly number[]): MannKendall {
  const n = xs.length;
  let s = 0;
  for (let i = 0; i < n - 1; i++) for (let j = i + 1; j < n; j++) s += Math.sign(xs[j]! - xs[i]!);
  const ties = new Map<number, number>();
  for (const x of xs) ties.set(x, (ties.get(x) ?? 0) + 1);
  let tieTerm = 0;
  for (const t of ties.values()) if (t > 1) tieTerm += t * (t - 1) * (2 * t + 5);
  const varS = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  const z = varS > 0 && s !== 0 ? (s - Math.sign(s)) / Math.sqrt(varS) : 0;
  // 2(1 − Φ(|z|)) = erfc(|z| / √2).
  const p = Math.min(1, Math.max(0, 1 - errorFunction(Math.abs(z) / Math.SQRT2)));
  return { n, s, varS, z, p };
}

/** The Theil–Sen line: the median of the pairwise slopes, and the median of x_i − slope·i as the intercept (at i = 0). */
export function senSlope(xs: readonly number[]): { slope: number; intercept: number } {
  const slopes: number[] = [];
  for (let i = 0; i < xs.length - 1; i++) for (let j = i + 1; j < xs.length; j++) slopes.push((xs[j]! - xs[i]!) / (j - i));
  const slope = slopes.length ? med(slopes) : 0;
  const intercept = xs.length ? med(xs.map((x, i) => x - slope * i)) : 0;
  return { slope, intercept };
}

function med(values: number[]): number {
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}
