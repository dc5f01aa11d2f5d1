// Descriptive statistics of a list of numbers: below analysis/ and server/, which both summarize samples.

import { quantileSorted } from 'simple-statistics';
import type { Stats } from './types.js';

const EMPTY: Stats = { n: 0, min: null, avg: null, p50: null, p90: null, p95: null, p99: null, max: null, stddev: null };

/** Below this many values the built-in sort is as fast as the radix sort (whose 4 × 65,536 counters dominate). */
const RADIX_MIN = 16_384;
/** The radix sort reads a double's words low first: on a big-endian machine (s390x) the built-in sort does it all. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The values sorted ascending in a new Float64Array, the same array `Float64Array.from(values).sort()`
 * gives (-0 before 0, NaN last). A large sample (100,000 latencies after a big run) is sorted by an
 * LSD radix sort of the doubles' bit patterns in O(n), several times faster than the comparison sort.
 * Each loop is a function of its own: a small function is optimized within its first call (the
 * sort runs a handful of times a run, cold), where one big one ran interpreted for tens of ms.
 */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const out = Float64Array.from(values);
  // NaN: the built-in sort's order (last) is the one to keep.
  if (n < RADIX_MIN || !LITTLE_ENDIAN || hasNaN(out)) return out.sort();
  let from = new Uint32Array(out.buffer);
  let to = new Uint32Array(2 * n);
  toKeys(from);
  const count = new Uint32Array(65_536);
  // Four passes of 16 bits, low to high; a pass where every value has the same digit moves nothing.
  for (let pass = 0; pass < 4; pass++) {
    const word = pass >> 1;
    const shift = (pass & 1) * 16;
    countDigits(from, word, shift, count);
    if (count[(from[word]! >>> shift) & 0xffff] === n) continue;
    toOffsets(count);
    scatter(from, to, word, shift, count);
    [from, to] = [to, from];
  }
  fromKeys(from);
  return new Float64Array(from.buffer);
}

function hasNaN(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== a[i]) return true;
  return false;
}

/**
 * A double's bits ordered as an unsigned integer: a positive one gets its sign bit set, a negative
 * one all its bits flipped (a larger magnitude sorts lower). Little-endian: [low word, high word].
 */
function toKeys(w: Uint32Array): void {
  for (let i = 1; i < w.length; i += 2) {
    const hi = w[i]!;
    if (hi & 0x80000000) {
      w[i] = ~hi;
      w[i - 1] = ~w[i - 1]!;
    } else w[i] = hi | 0x80000000;
  }
}

function fromKeys(w: Uint32Array): void {
  for (let i = 1; i < w.length; i += 2) {
    const hi = w[i]!;
    if (hi & 0x80000000) w[i] = hi & 0x7fffffff;
    else {
      w[i] = ~hi;
      w[i - 1] = ~w[i - 1]!;
    }
  }
}

function countDigits(w: Uint32Array, word: number, shift: number, count: Uint32Array): void {
  count.fill(0);
  for (let i = word; i < w.length; i += 2) count[(w[i]! >>> shift) & 0xffff]!++;
}

/** Counts to the first position of each digit. */
function toOffsets(count: Uint32Array): void {
  let sum = 0;
  for (let d = 0; d < count.length; d++) {
    const c = count[d]!;
    count[d] = sum;
    sum += c;
  }
}

/** Each value (two words) to the next position of its digit: stable, so lower digits' order holds. */
function scatter(from: Uint32Array, to: Uint32Array, word: number, shift: number, count: Uint32Array): void {
  for (let i = 0; i < from.length; i += 2) {
    const j = 2 * count[(from[i + word]! >>> shift) & 0xffff]!++;
    to[j] = from[i]!;
    to[j + 1] = from[i + 1]!;
  }
}

/** Descriptive statistics of a sample (population stddev). Null values when the sample is empty. */
export function computeStats(values: ArrayLike<number>): Stats {
  if (values.length === 0) return { ...EMPTY };
  return statsOfSorted(sortedCopy(values));
}

/**
 * simple-statistics' mean, to the last bit: its compensated (Kahan–Babuška) sum over n. Its own
 * copy reads every element through a type check in a function that runs a few times a stage, cold,
 * boxing each partial sum (6 ms and 6 MB of garbage at 30,000 values); this one is optimized on its first long loop.
 */
function mean(x: Float64Array): number {
  let sum = x[0]!;
  let correction = 0;
  for (let i = 1; i < x.length; i++) {
    const v = x[i]!;
    const transition = sum + v;
    if (Math.abs(sum) >= Math.abs(v)) correction += sum - transition + v;
    else correction += v - transition + sum;
    sum = transition;
  }
  return (sum + correction) / x.length;
}

/**
 * The statistics of an already sorted sample: simple-statistics' mean (its compensated sum) and
 * population stddev (the squared deviations from that same mean), over the sorted values as
 * before, so the same figures to the last bit, with the mean summed once.
 */
export function statsOfSorted(sorted: Float64Array): Stats {
  const n = sorted.length;
  if (n === 0) return { ...EMPTY };
  const arr = sorted as unknown as number[];
  const avg = mean(sorted);
  return {
    n,
    min: sorted[0]!,
    avg,
    p50: quantileSorted(arr, 0.5),
    p90: quantileSorted(arr, 0.9),
    p95: quantileSorted(arr, 0.95),
    p99: quantileSorted(arr, 0.99),
    max: sorted[n - 1]!,
    stddev: n > 1 ? Math.sqrt(squaredDeviations(sorted, avg) / n) : 0,
  };
}

/** simple-statistics' sumNthPowerDeviations(x, 2), given the mean it would compute. */
function squaredDeviations(x: Float64Array, avg: number): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i]! - avg;
    sum += d * d;
  }
  return sum;
}

/**
 * The median (mean of the two middle values for an even count), null for an empty sample; the
 * same figure as the middle of `sortedCopy`, found by selection in O(n) instead of a sort: the
 * diagnoses take a dozen medians of every response's figures after the load.
 */
export function medianOf(values: ArrayLike<number>): number | null {
  const n = values.length;
  if (n === 0) return null;
  const a = Float64Array.from(values);
  if (n < RADIX_MIN || hasNaN(a)) {
    a.sort();
    const m = n >> 1;
    return n % 2 === 1 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
  }
  const mid = n >> 1;
  select(a, mid);
  if (n % 2 === 1) return a[mid]!;
  // Every value before `mid` is at most a[mid]: the largest of them is the lower middle one.
  let lower = a[0]!;
  for (let i = 1; i < mid; i++) if (a[i]! > lower) lower = a[i]!;
  return (lower + a[mid]!) / 2;
}

/** Reorders `a` so that a[k] is the value a sort would put there, smaller ones before it, larger after (no NaN). */
function select(a: Float64Array, k: number): void {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    // Median of three as the pivot, then Hoare's partition.
    const m = (lo + hi) >>> 1;
    const x = a[lo]!;
    const y = a[m]!;
    const z = a[hi]!;
    partition(a, lo, hi, x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y);
    const i = bounds[0]!;
    const j = bounds[1]!;
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/** Where `partition` left off: [i, j], a[..j] ≤ pivot ≤ a[i..], a pivot-equal run between. */
const bounds = new Int32Array(2);

/** Hoare's partition of a[lo..hi] around `pivot`; its own function, so the loop is optimized within its first call. */
function partition(a: Float64Array, lo: number, hi: number, pivot: number): void {
  let i = lo;
  let j = hi;
  while (i <= j) {
    while (a[i]! < pivot) i++;
    while (a[j]! > pivot) j--;
    if (i <= j) {
      const t = a[i]!;
      a[i++] = a[j]!;
      a[j--] = t;
    }
  }
  bounds[0] = i;
  bounds[1] = j;
}
