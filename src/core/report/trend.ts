// The history in the markdown report: one line that puts this run against the latest runs ("main's
// last 30 nights: p95 280–340 ms; this PR 610 ms"), a mermaid chart of TTFC p95 per run with this run
// marked, and the history's warnings. Pure. Everything read from the history file is untrusted:
// refs are escaped; the chart holds only numbers, dates and stage keys the schema let through.

import { ms, plural } from '../format.js';
import { keyLabel, stageKeys } from '../history/schema.js';
import type { HistorySection, HistoryTrendPoint } from '../history/section.js';
import type { Report } from '../report-types.js';
import { niceCeil } from './chart.js';
import { escapeInline } from './escape.js';

/** Most stage lines in the trend chart; with more stages, only the key stage is drawn. */
const MAX_LINES = 3;
const COLORS = { thisRun: '#9ca3af', lines: ['#dc2626', '#2563eb', '#16a34a'] } as const;
const COLOR_NAMES = ['red', 'blue', 'green'] as const;
const PULL_REQUEST_EVENTS = ['pull_request', 'pull_request_target'];
const SAFE_BRANCH = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,59}$/;

interface Line {
  key: string;
  /** One value per history point, then this run's. */
  values: Array<number | null>;
}

/** This run's TTFC p95 per stage key (stages that ran with a figure), in run order. */
function currentValues(report: Report): Array<{ key: string; users: number; value: number }> {
  const keys = stageKeys(report.stages);
  return report.stages.flatMap((s, i) => (!s.skipped && s.ttfc.p95 !== null ? [{ key: keys[i]!, users: s.users, value: s.ttfc.p95 }] : []));
}

/** The stage the headline speaks of: the most users that ran (the later one on a tie), as the outputs. */
function keyStage(report: Report): { key: string; value: number } | null {
  let best: { key: string; users: number; value: number } | null = null;
  for (const c of currentValues(report)) if (best === null || c.users >= best.users) best = c;
  return best;
}

/** `main's last 30 nights`, `the last 12 runs`: who the history's runs were. */
function whose(points: readonly HistoryTrendPoint[], plain: boolean): string {
  const refs = new Set(points.map((p) => p.ref ?? ''));
  const [ref] = [...refs];
  const branch = refs.size === 1 && ref?.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null;
  const what = points.every((p) => p.event === 'schedule') ? plural(points.length, 'night') : plural(points.length, 'run');
  // The file is untrusted: only a plain branch name is shown (nothing that could read as a link or a mention).
  if (branch === null || !SAFE_BRANCH.test(branch)) return `the history's last ${what}`;
  return `${plain ? branch : escapeInline(branch, 60)}'s last ${what}`;
}

/** `280–340 ms` (one unit when both share it), `800 ms–1.20 s`. */
function spanOf(lo: string, hi: string): string {
  const unit = / \S+$/.exec(hi)?.[0] ?? '';
  return unit && lo.endsWith(unit) ? `${lo.slice(0, -unit.length)}–${hi}` : `${lo}–${hi}`;
}

/** "main's last 30 nights: p95 280–340 ms at 20 users; this PR **610 ms**" (`plain`: for a terminal, no markup). Empty without a key stage. */
export function trendHeadline(report: Report, opts: { plain?: boolean } = {}): string {
  const h = report.history;
  const key = keyStage(report);
  if (!h || !key || h.trend.points.length === 0) return '';
  const vs = h.trend.points.map((p) => p.values[key.key]).filter((v): v is number => typeof v === 'number');
  const self = PULL_REQUEST_EVENTS.includes(h.event ?? '') ? 'this PR' : 'this run';
  const where = ` at ${keyLabel(key.key)}`;
  const [lo, hi] = [ms(Math.min(...vs)), ms(Math.max(...vs))];
  const range = vs.length ? `p95 ${lo === hi ? lo : spanOf(lo, hi)}${where}` : `no p95${where}`;
  const value = opts.plain ? ms(key.value) : `**${ms(key.value)}**`;
  return `${whose(h.trend.points, opts.plain === true)}: ${range}; ${self} ${value}`;
}

/** x labels: `11-03`, or `11-03 04:17` where a day has several runs; this run last. */
function labels(points: readonly HistoryTrendPoint[], self: string): string[] {
  const day = (t: string): string => t.slice(5, 10);
  const count = new Map<string, number>();
  for (const p of points) count.set(day(p.time), (count.get(day(p.time)) ?? 0) + 1);
  return [...points.map((p) => `${count.get(day(p.time))! > 1 ? `${day(p.time)} ${p.time.slice(11, 16)}` : day(p.time)}${p.passed ? '' : ' ✗'}`), self];
}

/** Gaps (a stage without a figure that night) drawn flat at the line's neighbour, so the line does not dive to 0. */
function filled(values: ReadonlyArray<number | null>): number[] {
  const first = values.find((v): v is number => v !== null) ?? 0;
  let last = first;
  return values.map((v) => (v === null ? last : (last = v)));
}

const num = (v: number): string => (Math.abs(v) >= 10 ? String(Math.round(v)) : String(Math.round(v * 10) / 10));

/** The trend chart: a mermaid xychart of TTFC p95 per run, one line per stage (or the key stage), this run a grey bar. '' with no earlier run. */
export function trendChart(report: Report): string {
  const h = report.history;
  const key = keyStage(report);
  if (!h || !key || h.trend.points.length === 0) return '';
  const current = currentValues(report);
  const drawn = current.length <= MAX_LINES ? current : current.filter((c) => c.key === key.key);
  const lines: Line[] = drawn.map((c) => ({ key: c.key, values: [...h.trend.points.map((p) => p.values[c.key] ?? null), c.value] }));
  const all = lines.flatMap((l) => l.values).filter((v): v is number => v !== null);
  const top = niceCeil(Math.max(...all) * 1.1);
  const self = PULL_REQUEST_EVENTS.includes(h.event ?? '') ? 'this PR' : 'this run';
  const n = h.trend.points.length + 1;
  const bar = [...new Array<string>(n - 1).fill('0'), num(key.value)];
  const palette = [COLORS.thisRun, ...lines.map((_, i) => COLORS.lines[i]!)];
  const failed = h.trend.points.filter((p) => !p.passed).length;
  const legend = [
    `TTFC p95 (ms) of the last ${plural(n - 1, 'run')} and ${self}: ${lines.map((l, i) => `${keyLabel(l.key)} (${COLOR_NAMES[i]})`).join(', ')}`,
    `the grey bar is ${self} (${keyLabel(key.key)})`,
    failed ? `✗ ${plural(failed, 'run')} that failed` : '',
    lines.some((l) => l.values.includes(null)) ? 'a run without a figure is drawn flat' : '',
  ].filter(Boolean);
  return [
    '```mermaid',
    '---',
    'config:',
    '  themeVariables:',
    '    xyChart:',
    `      plotColorPalette: "${palette.join(', ')}"`,
    '---',
    'xychart-beta',
    `    title "TTFC p95 over the last ${n - 1} runs and ${self}"`,
    `    x-axis "run" [${labels(h.trend.points, self)
      .map((l) => `"${l}"`)
      .join(', ')}]`,
    `    y-axis "TTFC p95 (ms)" 0 --> ${num(top)}`,
    `    bar "${self}" [${bar.join(', ')}]`,
    ...lines.map((l) => `    line "${keyLabel(l.key)}" [${filled(l.values).map(num).join(', ')}]`),
    '```',
    '',
    `<sub>${legend.join(' · ')}</sub>`,
  ].join('\n');
}

const MAX_WARNINGS = 3;

/** The history section: its warnings, the headline, the chart (unless left out for size) and where the history is. '' without history-path. */
export function historyMarkdown(report: Report, opts: { chart: boolean }): string {
  const h: HistorySection | undefined = report.history;
  if (!h) return '';
  const parts = ['### TTFC over the latest runs'];
  for (const w of h.warnings.slice(0, MAX_WARNINGS)) parts.push(`> [!WARNING]\n> **History:** ${escapeInline(w, 400)}`);
  const headline = trendHeadline(report);
  if (headline) parts.push(headline);
  const chart = opts.chart ? trendChart(report) : '';
  if (chart) parts.push(chart);
  else if (!headline) parts.push(h.status === 'missing' ? '_No earlier run in the history yet._' : '_No earlier run to compare with._');
  const state = h.recorded ? 'this run recorded' : 'this run not recorded';
  parts.push(`<sub>history ${escapeInline(h.path, 200)}: ${plural(h.runs, 'earlier run')}, ${state}; \`history.\` criteria: median of the last ${h.window} passing runs</sub>`);
  return parts.join('\n\n');
}
