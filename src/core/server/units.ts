// Reading one number (with an optional unit) out of a command's output, and printing it back.
// Pure.

import type { MonitorUnit } from '../metric-names.js';

const BYTE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  kib: 1024,
  mb: 1e6,
  mib: 1024 ** 2,
  gb: 1e9,
  gib: 1024 ** 3,
  tb: 1e12,
  tib: 1024 ** 4,
};

// The first number of the text, with its unit when one follows (`512.3MiB / 7.6GiB`, `12.5 %`,
// `Threads_connected\t37`). A number glued to letters (`ragflow2`) is part of a word, not a sample.
const SAMPLE_RE = /(?<![\w.])([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s?(%|[KkMGTB]i?B|B|[kKMG]i?b)?(?![\w.])/;

export interface Sample {
  value: number;
  unit: MonitorUnit;
}

/** The first number of `text` with its unit (byte units → bytes), or null when there is none. */
export function parseSample(text: string): Sample | null {
  for (const line of text.split(/\r?\n/)) {
    const m = SAMPLE_RE.exec(line);
    if (!m) continue;
    const value = Number(m[1]);
    if (!Number.isFinite(value)) continue;
    const u = m[2];
    if (u === undefined) return { value, unit: 'number' };
    if (u === '%') return { value, unit: '%' };
    const mult = BYTE_UNITS[u.toLowerCase()];
    if (mult !== undefined) return { value: value * mult, unit: 'bytes' };
    return { value, unit: 'number' };
  }
  return null;
}

/** A byte size in a threshold (`512MiB`, `2 GB`) → bytes, or null when `unit` is not a byte unit. */
export function byteMultiplier(unit: string): number | null {
  return BYTE_UNITS[unit.toLowerCase()] ?? null;
}

function trimNum(x: number, digits: number): string {
  const s = x.toFixed(digits);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** `512 MiB`, `1.2 GiB`, `37`, `12.5%`; `n/a` for null. */
export function formatSample(value: number | null, unit: MonitorUnit): string {
  if (value === null || !Number.isFinite(value)) return 'n/a';
  if (unit === '%') return `${trimNum(value, 1)}%`;
  if (unit === 'number') return Math.abs(value) >= 100 || Number.isInteger(value) ? `${Math.round(value)}` : trimNum(value, 2);
  const a = Math.abs(value);
  if (a >= 1024 ** 3) return `${trimNum(value / 1024 ** 3, 2)} GiB`;
  if (a >= 1024 ** 2) return `${trimNum(value / 1024 ** 2, 1)} MiB`;
  if (a >= 1024) return `${trimNum(value / 1024, 1)} KiB`;
  return `${Math.round(value)} B`;
}

/** A growth ratio (0.12) as `+12%` / `−3%`. */
export function formatGrowth(g: number | null): string {
  if (g === null || !Number.isFinite(g)) return 'n/a';
  const p = g * 100;
  const s = Math.abs(p) >= 10 ? Math.round(Math.abs(p)).toString() : trimNum(Math.abs(p), 1);
  return `${p < 0 ? '−' : '+'}${s}%`;
}
