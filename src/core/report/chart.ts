// Pictures, so the shape of the curve is seen at a glance: TTFC avg and p95 against users as a mermaid `xychart-beta` block (GitHub
// renders it in comments and job summaries), the same as an ASCII chart for the terminal, and a
// per-stage TTFC distribution as a sparkline histogram. Pure.

import { ms, plural } from '../format.js';
import type { RequestRecord, StageSummary } from '../types.js';

export interface ChartPoint {
  index: number;
  users: number;
  /** x-axis label: the users, with the stage number when two stages have the same users. */
  label: string;
  avg: number;
  p95: number;
}

/** The stages that ran and have TTFC samples, in run order. */
export function chartPoints(stages: readonly StageSummary[]): ChartPoint[] {
  const ran = stages.filter((s) => !s.skipped && s.ttfc.n > 0 && s.ttfc.avg !== null && s.ttfc.p95 !== null);
  const seen = new Map<number, number>();
  for (const s of ran) seen.set(s.users, (seen.get(s.users) ?? 0) + 1);
  return ran.map((s) => ({
    index: s.index,
    users: s.users,
    label: seen.get(s.users)! > 1 ? `${s.users} (stage ${s.index})` : String(s.users),
    avg: s.ttfc.avg!,
    p95: s.ttfc.p95!,
  }));
}

/** 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k: the smallest "nice" number ≥ x (for axis tops). */
export function niceCeil(x: number): number {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= x - 1e-9 * p) return m * p;
  return 10 * p;
}

const num = (v: number): string => (Math.abs(v) >= 10 ? String(Math.round(v)) : String(Math.round(v * 10) / 10));

export const CHART_COLORS = { avg: '#2563eb', p95: '#dc2626', baseAvg: '#93c5fd', baseP95: '#fca5a5' } as const;

/**
 * A fenced mermaid `xychart-beta` block, TTFC avg and p95 (ms) against concurrent users, followed by a
 * one-line legend (GitHub's mermaid draws no legend for line charts). Empty string with fewer than two
 * stages to plot (a chart of one point says nothing).
 */
export function mermaidChart(stages: readonly StageSummary[], opts: { title?: string; base?: readonly StageSummary[] } = {}): string {
  const pts = chartPoints(stages);
  if (pts.length < 2) return '';
  // Same-run A/B: the base's lines at the head's points (a stage the base has no figure for plots 0).
  const basePts = opts.base ? pts.map((p) => opts.base!.find((s) => s.index === p.index)) : null;
  const baseOf = (k: 'avg' | 'p95'): number[] => (basePts ?? []).map((s) => s?.ttfc[k] ?? 0);
  const top = niceCeil(Math.max(...pts.map((p) => p.p95), ...baseOf('p95')) * 1.1);
  const title = (opts.title ?? 'TTFC against concurrent users').replace(/"/g, "'");
  const palette = [CHART_COLORS.avg, CHART_COLORS.p95, ...(basePts ? [CHART_COLORS.baseAvg, CHART_COLORS.baseP95] : [])].join(', ');
  const lines = [
    '```mermaid',
    `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "${palette}"}}}}%%`,
    'xychart-beta',
    `    title "${title}"`,
    `    x-axis "concurrent users" [${pts.map((p) => `"${p.label}"`).join(', ')}]`,
    `    y-axis "TTFC (ms)" 0 --> ${num(top)}`,
    `    line "avg" [${pts.map((p) => num(p.avg)).join(', ')}]`,
    `    line "p95" [${pts.map((p) => num(p.p95)).join(', ')}]`,
    ...(basePts ? [`    line "base avg" [${baseOf('avg').map(num).join(', ')}]`, `    line "base p95" [${baseOf('p95').map(num).join(', ')}]`] : []),
    '```',
    '',
    basePts
      ? '<sub>TTFC avg (blue) and p95 (red) of the head, of the base in light blue and light red, ms, against concurrent users</sub>'
      : '<sub>TTFC avg (blue) and p95 (red), ms, against concurrent users</sub>',
  ];
  return lines.join('\n');
}

/**
 * A plain-ASCII chart for the terminal: `o` avg, `x` p95, `*` both in one cell; one column a stage,
 * y from 0 to a nice top, labelled at quarters. `height` (rows, default 9) is rounded to 4k + 1.
 * Empty string when no stage has TTFC samples.
 */
export function asciiChart(stages: readonly StageSummary[], opts: { height?: number } = {}): string {
  const pts = chartPoints(stages);
  if (pts.length === 0) return '';
  const quarter = Math.max(1, Math.round(((opts.height ?? 9) - 1) / 4));
  const height = 4 * quarter + 1;
  const top = niceCeil(Math.max(...pts.map((p) => p.p95)) * 1.05);
  const spacing = Math.max(6, ...pts.map((p) => p.label.length + 2));
  const yLabels = Array.from({ length: height }, (_, r) => num((top * (height - 1 - r)) / (height - 1)));
  const yw = Math.max(...yLabels.map((l) => l.length));
  const width = 2 + spacing * pts.length;
  const grid: string[][] = Array.from({ length: height }, () => new Array<string>(width).fill(' '));
  const row = (v: number): number => height - 1 - Math.round((Math.min(v, top) / top) * (height - 1));
  pts.forEach((p, i) => {
    const col = 2 + i * spacing;
    const ra = row(p.avg);
    const rp = row(p.p95);
    grid[rp]![col] = 'x';
    grid[ra]![col] = ra === rp ? '*' : 'o';
  });
  const out = [`TTFC (ms)${' '.repeat(Math.max(1, yw + width - 18))}o avg  x p95`];
  grid.forEach((cells, r) => {
    const label = r % quarter === 0 ? yLabels[r]! : '';
    out.push(`${label.padStart(yw)} |${cells.join('').trimEnd()}`);
  });
  let axis = '+';
  let ticks = '';
  pts.forEach((p, i) => {
    const col = 2 + i * spacing;
    axis = axis.padEnd(col + 1, '-') + '+';
    ticks = ticks.padEnd(col + 2 - Math.floor(p.label.length / 2)) + p.label;
  });
  out.push(`${' '.repeat(yw)} ${axis}--`);
  out.push(`${' '.repeat(yw)}${ticks}   users`);
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Distributions

const LEVELS = '▁▂▃▄▅▆▇█';

/** Counts as a sparkline: an empty bin is a space, any other count at least ▁, the fullest █. */
export function sparkline(counts: readonly number[]): string {
  const max = Math.max(0, ...counts);
  return counts.map((c) => (c <= 0 || max === 0 ? ' ' : LEVELS[Math.min(7, Math.max(0, Math.ceil((c / max) * 8) - 1))]!)).join('');
}

/** Counts of `values` in `bins` equal-width bins over [lo, hi] (values outside are clamped to the ends). */
export function histogram(values: readonly number[], bins: number, lo: number, hi: number): number[] {
  const counts = new Array<number>(Math.max(1, bins)).fill(0);
  const n = counts.length;
  const w = hi - lo;
  for (const v of values) {
    const i = w > 0 ? Math.floor(((v - lo) / w) * n) : 0;
    counts[Math.min(n - 1, Math.max(0, i))]!++;
  }
  return counts;
}

export interface DistributionRow {
  index: number;
  users: number;
  n: number;
  counts: number[];
  spark: string;
  /** The stage's own min / max TTFC (null without samples). */
  min: number | null;
  max: number | null;
}

export interface Distribution {
  /** The shared range of every row (so rows compare by eye). */
  lo: number;
  hi: number;
  bins: number;
  rows: DistributionRow[];
}

/**
 * Per-stage TTFC distributions over one shared range (the run's fastest to slowest successful TTFC), so
 * a stage that moved right shows it. Stages that ran get a row, also without samples (blank spark).
 */
export function ttfcDistribution(
  run: { stages: readonly StageSummary[]; requests: readonly RequestRecord[] },
  opts: { bins?: number } = {},
): Distribution | null {
  const bins = Math.max(1, Math.floor(opts.bins ?? 16));
  const byStage = new Map<number, number[]>();
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of run.requests) {
    if (!r.ok || r.ttfc === null) continue;
    let list = byStage.get(r.stage);
    if (list === undefined) byStage.set(r.stage, (list = []));
    list.push(r.ttfc);
    if (r.ttfc < lo) lo = r.ttfc;
    if (r.ttfc > hi) hi = r.ttfc;
  }
  if (lo === Infinity) return null;
  const rows = run.stages
    .filter((s) => !s.skipped)
    .map((s) => {
      const v = byStage.get(s.index) ?? [];
      const counts = histogram(v, bins, lo, hi);
      return {
        index: s.index,
        users: s.users,
        n: v.length,
        counts,
        spark: v.length ? sparkline(counts) : ' '.repeat(bins),
        min: v.length ? Math.min(...v) : null,
        max: v.length ? Math.max(...v) : null,
      };
    });
  return { lo, hi, bins, rows };
}

/** Terminal lines of a distribution: a header with the shared range, then `  10 users │▁▃█▅▂     ▁│ 212 ms – 1.20 s  (n=30)`. */
export function formatDistribution(d: Distribution): string[] {
  const names = d.rows.map((r) => plural(r.users, 'user'));
  const w = Math.max(...names.map((n) => n.length));
  return [
    `TTFC distribution (${d.bins} bins from ${ms(d.lo)} to ${ms(d.hi)})`,
    ...d.rows.map((r, i) => `  ${names[i]!.padStart(w)} │${r.spark}│ ${r.n ? `${ms(r.min)} – ${ms(r.max)}` : 'no samples'}  (n=${r.n})`),
  ];
}
