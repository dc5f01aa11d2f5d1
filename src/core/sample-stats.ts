// Descriptive statistics of a list of numbers: below analysis/ and server/, which both summarize samples.

import { mean, quantileSorted, standardDeviation } from 'simple-statistics';
import type { Stats } from './types.js';

const EMPTY: Stats = { n: 0, min: null, avg: null, p50: null, p90: null, p95: null, p99: null, max: null, stddev: null };

/** Descriptive statistics of a sample (population stddev). Null values when the sample is empty. */
export function computeStats(values: number[]): Stats {
  if (values.length === 0) return { ...EMPTY };
  const sorted = Float64Array.from(values).sort();
  const arr = Array.from(sorted);
  return {
    n: arr.length,
    min: arr[0]!,
    avg: mean(arr),
    p50: quantileSorted(arr, 0.5),
    p90: quantileSorted(arr, 0.9),
    p95: quantileSorted(arr, 0.95),
    p99: quantileSorted(arr, 0.99),
    max: arr[arr.length - 1]!,
    stddev: arr.length > 1 ? standardDeviation(arr) : 0,
  };
}
