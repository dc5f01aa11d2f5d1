// Pictures, so the shape of the curve is seen at a glance: TTFC avg and p95 against users as a mermaid `xychart-beta` block (GitHub
// renders it in comments and job summaries), the same as an ASCII chart for the terminal, and a
// per-stage TTFC distribution as a sparkline histogram. Pure.

import { formatValue, ms } from '../format.js';
import { stageOf, stageWho } from '../config/stages.js';
import type { RequestRecord, StageSummary } from '../types.js';

export interface ChartPoint {
  index: number;
  users: number;
  /** x-axis label: the users, with the stage number when two stages have the same users. */
  label: string;
  avg: number;
  p95: number;
}

/** The closed stages that ran and have TTFC samples, in run order (rate stages have a chart of their own: rate-chart.ts). */
export function chartPoints(stages: readonly StageSummary[]): ChartPoint[] {
  const ran = stages.filter((s) => !s.skipped && !s.rate && s.ttfc.n > 0 && s.ttfc.avg !== null && s.ttfc.p95 !== null);
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

export const CHART_COLORS = { avg: '#2563eb', p95: '#dc2626', baseAvg: '#93c5fd', baseP95: '#fca5a5', avgLimit: '#f59e0b', p95Limit: '#a855f7' } as const;

/** A limit drawn as a horizontal line: a fixed threshold on TTFC avg or p95 (`@10: ttfc.avg < 1s`). */
export interface ChartThreshold {
  metric: 'avg' | 'p95';
  /** Milliseconds. */
  value: number;
  /** The stage's users the limit is scoped to, null for every stage. */
  users: number | null;
}

/** Most limit lines in one chart (half of them per metric). */
const MAX_LIMIT_LINES = 6;

/** Most points a numeric x-axis may need (one every gcd of the users' gaps); beyond it the axis is categorical. */
const MAX_NUMERIC_POINTS = 101;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * A numeric x-axis, when the users are distinct whole numbers: mermaid's xychart spreads a line's values
 * evenly over `min --> max`, so the values are given at every `step` users (the gcd of the gaps),
 * interpolated linearly between the measured stages — the line a chart draws between them anyway —
 * and each measured stage sits at its true x. Null when that would need too many points.
 */
function numericAxis(pts: readonly ChartPoint[]): { min: number; max: number; xs: number[] } | null {
  const users = pts.map((p) => p.users);
  if (new Set(users).size !== users.length || users.some((u) => !Number.isInteger(u))) return null;
  const sorted = [...users].sort((a, b) => a - b);
  const min = sorted[0]!;
  const max = sorted[sorted.length - 1]!;
  const step = sorted.slice(1).reduce((g, u) => gcd(g, u - min), 0);
  if (step <= 0 || (max - min) / step + 1 > MAX_NUMERIC_POINTS) return null;
  const xs: number[] = [];
  for (let x = min; x <= max; x += step) xs.push(x);
  return { min, max, xs };
}

/** The value at x of the polyline through (users, value) points sorted by users. */
function interpolate(pts: ReadonlyArray<{ users: number; v: number }>, x: number): number {
  const i = pts.findIndex((p) => p.users >= x);
  if (i <= 0) return pts[Math.max(0, i)]!.v;
  const a = pts[i - 1]!;
  const b = pts[i]!;
  return a.v + ((b.v - a.v) * (x - a.users)) / (b.users - a.users);
}

/** `1 s`, `1.5 s`, `800 ms`. */
const limitText = (ms: number): string => formatValue(ms, 'ms');

/**
 * A fenced mermaid `xychart-beta` block, TTFC avg and p95 (ms) against concurrent users, with the limits
 * that apply as horizontal lines, followed by a one-line legend (GitHub's mermaid draws no legend for line
 * charts). The x-axis is numeric where the users allow it (see numericAxis), else one category a stage.
 * Colours go in the front matter (`%%{init}%%` is deprecated). Empty string with fewer than two stages to
 * plot (a chart of one point says nothing).
 */
export function mermaidChart(stages: readonly StageSummary[], opts: { title?: string; thresholds?: readonly ChartThreshold[]; base?: readonly StageSummary[] } = {}): string {
  const pts = chartPoints(stages);
  if (pts.length < 2) return '';
  // Same-run A/B: the base's lines at the head's points (a stage the base has no figure for plots 0).
  const basePts = opts.base ? pts.map((p) => opts.base!.find((s) => s.index === p.index)) : null;
  const baseAt = (k: 'avg' | 'p95'): number[] => (basePts ?? []).map((s) => s?.ttfc[k] ?? 0);
  // One line per distinct limit: the same value on several stages is one line.
  const limits = new Map<string, { metric: 'avg' | 'p95'; value: number; users: Array<number | null> }>();
  for (const t of opts.thresholds ?? []) {
    if (!(t.value > 0) || !Number.isFinite(t.value)) continue;
    const key = `${t.metric}:${t.value}`;
    const l = limits.get(key) ?? { metric: t.metric, value: t.value, users: [] };
    if (!l.users.includes(t.users)) l.users.push(t.users);
    limits.set(key, l);
  }
  // A few lines stay readable (and the block small): at most MAX_LIMIT_LINES, the lowest of each metric first.
  const lines = [...limits.values()]
    .sort((a, b) => a.value - b.value)
    .filter((l, i, all) => all.slice(0, i).filter((o) => o.metric === l.metric).length < MAX_LIMIT_LINES / 2)
    .sort((a, b) => (a.metric === b.metric ? a.value - b.value : a.metric === 'avg' ? -1 : 1));
  const top = niceCeil(Math.max(...pts.map((p) => p.p95), ...baseAt('p95'), ...lines.map((l) => l.value)) * 1.1);
  const title = (opts.title ?? 'TTFC against concurrent users').replace(/"/g, "'");
  const axis = numericAxis(pts);
  let xAxis: string;
  let series: (values: readonly number[]) => number[];
  if (axis) {
    // The values of the points, as a polyline over users, sampled at every step of the axis.
    const order = pts.map((p, i) => ({ users: p.users, i })).sort((a, b) => a.users - b.users);
    series = (values) => {
      const poly = order.map((o) => ({ users: o.users, v: values[o.i]! }));
      return axis.xs.map((x) => interpolate(poly, x));
    };
    xAxis = `    x-axis "concurrent users" ${axis.min} --> ${axis.max}`;
  } else {
    series = (values) => [...values];
    xAxis = `    x-axis "concurrent users" [${pts.map((p) => `"${p.label}"`).join(', ')}]`;
  }
  const avg = series(pts.map((p) => p.avg));
  const p95 = series(pts.map((p) => p.p95));
  const n = avg.length;
  const scope = (users: Array<number | null>): string => (users.includes(null) ? 'all' : users.map((u) => `@${u}`).join(' '));
  const label = (l: { metric: string; value: number; users: Array<number | null> }): string => `${l.metric} limit ${limitText(l.value)} (${scope(l.users)})`.replace(/"/g, "'");
  const palette = [
    CHART_COLORS.avg,
    CHART_COLORS.p95,
    ...(basePts ? [CHART_COLORS.baseAvg, CHART_COLORS.baseP95] : []),
    ...lines.map((l) => (l.metric === 'avg' ? CHART_COLORS.avgLimit : CHART_COLORS.p95Limit)),
  ];
  const out = [
    '```mermaid',
    '---',
    'config:',
    '  themeVariables:',
    '    xyChart:',
    `      plotColorPalette: "${palette.join(', ')}"`,
    '---',
    'xychart-beta',
    `    title "${title}"`,
    xAxis,
    `    y-axis "TTFC (ms)" 0 --> ${num(top)}`,
    `    line "avg" [${avg.map(num).join(', ')}]`,
    `    line "p95" [${p95.map(num).join(', ')}]`,
    ...(basePts ? [`    line "base avg" [${series(baseAt('avg')).map(num).join(', ')}]`, `    line "base p95" [${series(baseAt('p95')).map(num).join(', ')}]`] : []),
    ...lines.map((l) => `    line "${label(l)}" [${new Array<string>(n).fill(num(l.value)).join(', ')}]`),
    '```',
    '',
  ];
  const avgLimits = lines.filter((l) => l.metric === 'avg').map((l) => `${limitText(l.value)} (${scope(l.users)})`);
  const p95Limits = lines.filter((l) => l.metric === 'p95').map((l) => `${limitText(l.value)} (${scope(l.users)})`);
  const legend = [
    basePts
      ? 'TTFC avg (blue) and p95 (red) of the head, of the base in light blue and light red, ms, against concurrent users'
      : 'TTFC avg (blue) and p95 (red), ms, against concurrent users',
    avgLimits.length ? `avg limits (amber): ${avgLimits.join(', ')}` : '',
    p95Limits.length ? `p95 limits (purple): ${p95Limits.join(', ')}` : '',
  ].filter(Boolean);
  out.push(`<sub>${legend.join(' · ')}</sub>`);
  return out.join('\n');
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
  /** `10 users`, `2/s`. */
  label: string;
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
export function ttfcDistribution(run: { stages: readonly StageSummary[]; requests: readonly RequestRecord[] }, opts: { bins?: number } = {}): Distribution | null {
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
        label: stageWho(stageOf(s)),
        n: v.length,
        counts,
        spark: v.length ? sparkline(counts) : ' '.repeat(bins),
        // A loop, not Math.min(...v): 130,000 arguments overflow the stack.
        min: v.length ? v.reduce((a, b) => Math.min(a, b)) : null,
        max: v.length ? v.reduce((a, b) => Math.max(a, b)) : null,
      };
    });
  return { lo, hi, bins, rows };
}

/** Terminal lines of a distribution: a header with the shared range, then `  10 users │▁▃█▅▂     ▁│ 212 ms – 1.20 s  (n=30)`. */
export function formatDistribution(d: Distribution): string[] {
  const names = d.rows.map((r) => r.label);
  const w = Math.max(...names.map((n) => n.length));
  return [
    `TTFC distribution (${d.bins} bins from ${ms(d.lo)} to ${ms(d.hi)})`,
    ...d.rows.map((r, i) => `  ${names[i]!.padStart(w)} │${r.spark}│ ${r.n ? `${ms(r.min)} – ${ms(r.max)}` : 'no samples'}  (n=${r.n})`),
  ];
}
