// How figures read for humans: one home for every formatter the reports, criteria and diagnoses
// share, so a millisecond or a percentage looks the same everywhere. Pure.

import type { MetricUnit } from './metric-names.js';
import { formatSample } from './server/units.js';
import type { Stats } from './types.js';

const trimZeros = (s: string): string => (s.includes('.') ? s.replace(/\.?0+$/, '') : s);

/** `412 ms`, `4.1 ms`, `1.23 s`; with `trim` no trailing zeros (`1 s`, `1.5 s`). */
export function formatMs(v: number, trim: boolean): string {
  const a = Math.abs(v);
  const t = (s: string): string => (trim ? trimZeros(s) : s);
  if (a < 9.95) return `${t(v.toFixed(1))} ms`;
  if (Math.round(a) < 1000) return `${Math.round(v)} ms`;
  return `${t((v / 1000).toFixed(2))} s`;
}

/** A percentage (0..100) with one decimal; a partial success never reads 100.0 (`99.9`). */
export function percentDigits(v: number): string {
  const s = v.toFixed(1);
  return s === '100.0' && v < 100 ? '99.9' : s;
}

/** A percentage (0..100): `96.7%`, `95%`, `<0.1%`; a partial success never reads 100%. */
function formatPercent(v: number, trim: boolean): string {
  if (Number.isInteger(v)) return `${v}%`;
  const s = percentDigits(v);
  if (s === '0.0' && v > 0) return '<0.1%';
  return `${trim ? trimZeros(s) : s}%`;
}

/** A figure in its unit; `trim` drops trailing zeros (thresholds are written, not measured). */
function formatIn(value: number | null, unit: MetricUnit, trim: boolean): string {
  if (value === null) return 'n/a';
  if (!Number.isFinite(value)) return String(value);
  const t = (s: string): string => (trim ? trimZeros(s) : s);
  switch (unit) {
    case 'ms':
      return formatMs(value, trim);
    case '%':
      return formatPercent(value, trim);
    case 'count':
      return trim ? trimZeros(value.toFixed(2)) : String(Math.round(value));
    case 'rps':
      return `${t(value.toFixed(2))} req/s`;
    case 'tps':
      return `${t(value.toFixed(1))} tok/s`;
    case 'bytes':
      return formatSample(value, 'bytes');
    case 'sample':
      return trim ? trimZeros(value.toFixed(2)) : formatSample(value, 'number');
  }
}

/** A measured value for humans: `412 ms`, `4.1 ms`, `1.23 s`, `96.7%`, `3`, `4.20 req/s`; `n/a` for null. */
export function formatValue(value: number | null, unit: MetricUnit): string {
  return formatIn(value, unit, false);
}

/** A threshold for humans: like formatValue, but without trailing zeros (`1 s`, `1.5 s`, `95%`, `4 req/s`). */
export function formatThreshold(value: number | null, unit: MetricUnit): string {
  return formatIn(value, unit, true);
}

/** A duration in ms for humans, `n/a` for null. */
export const ms = (v: number | null): string => formatValue(v, 'ms');

/** A fraction (0..1) as a percentage of the success-rate kind: `96.7%`, `n/a` for null. */
export const rate = (v: number | null): string => formatValue(v === null ? null : v * 100, '%');

/** A fraction (0..1) as a whole percentage: `12%`. */
export function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

/** A fraction (0..1) as a percentage to one decimal: `20%`, `12.5%`. */
export function formatThresholdPct(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}

/** A signed fraction as a rounded percentage magnitude: `12%`, `4.5%` (one decimal below 10%). */
export function changePct(x: number): string {
  const a = Math.abs(x * 100);
  return a >= 9.95 ? `${Math.round(a)}%` : `${trimOneZero(a.toFixed(1))}%`;
}

/** `4.0` → `4`, `4.5` stays. */
export const trimOneZero = (s: string): string => s.replace(/\.0$/, '');

/** `1 user`, `3 users`; the plural defaults to the word plus "s". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Two statistics differ enough to be worth a column of their own (TTFT against TTFC). */
export function differs(a: Stats, b: Stats): boolean {
  return a.avg !== null && b.avg !== null && Math.abs(a.avg - b.avg) > 0.05;
}

/** A ratio: `1.9x`, `1.03x`, `12x`. */
export function formatRatio(r: number | null): string {
  if (r === null || !Number.isFinite(r)) return 'n/a';
  if (r >= 10) return `${Math.round(r)}x`;
  const s = r.toFixed(r >= 3 ? 1 : 2);
  return `${/\.\d0$/.test(s) ? s.slice(0, -1) : s}x`;
}
