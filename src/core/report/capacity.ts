// The capacity search in the human reports: the line under the verdict ("Capacity at ttfc.p95 < 2 s:
// 4 users (base 8, −50%)"), a section with the intervals, notes, the chart and the probes (collapsed),
// and the same in plain text for the terminal. Pure: functions of the Report.

import { formatRatio } from '../format.js';
import { parseCriteria } from '../analysis/criteria/index.js';
import { metricUnit } from '../analysis/metrics.js';
import { boundText } from '../capacity/criteria.js';
import { formatDuration } from '../time/duration.js';
import type { CapacityProbe, CapacityResult, CapacitySection, ProbeSide } from '../capacity/types.js';
import { formatThreshold, formatValue, plural } from '../format.js';
import type { Report } from '../report-types.js';
import { capacityChart } from './capacity-chart.js';
import { escapeInline, mdTable } from './escape.js';

/** `ttfc.p95 < 2 s and success_rate >= 99.5%`: the SLO as written, its thresholds in their units. */
export function sloText(s: Pick<CapacitySection, 'slo'>): string {
  return s.slo
    .map((t) => {
      try {
        const [c] = parseCriteria(t);
        if (c && c.value.kind === 'number') return `${c.metric.name} ${c.op} ${formatThreshold(c.value.value, metricUnit(c.metric.name) ?? 'count')}`;
      } catch {
        // shown as written
      }
      return t;
    })
    .join(' and ');
}

/** `−50%`, `+25%`, `±0%`: head against base. */
function change(head: number, base: number): string {
  const c = Math.round((head / base - 1) * 100);
  return c === 0 ? '±0%' : c > 0 ? `+${c}%` : `−${-c}%`;
}

/** A side's capacity for a sentence, also when the search never ran. */
function resultText(r: CapacityResult, s: CapacitySection): string {
  if (s.probes.length === 0) {
    if (r.stoppedBy === 'smoke') return 'not searched (the smoke test failed)';
    if (s.cut === null && r.stoppedBy === 'cancelled') return 'not searched (cancelled)';
    const why =
      r.stoppedBy === 'budget' ? `the capacity-budget of ${formatDuration(s.settings.budgetMs)} ran out` : r.stoppedBy === 'error' ? 'the search stopped on an error' : 'cancelled';
    return `nothing known: ${s.cut ? `the first probe was cut short (${why})` : why}`;
  }
  const exact =
    r.bound === 'exact' && r.firstMissUsers !== null && r.firstMissUsers - r.users > 1 ? ` (${r.firstMissUsers} missed, within the ${s.settings.resolution} resolution)` : '';
  return `${boundText(r, s.settings.budgetMs)}${exact}`;
}

/** `(base 8, −50%)`, `(base at least 256)`. */
function baseText(s: CapacitySection): string {
  const b = s.base;
  if (!b || s.probes.length === 0) return '';
  const pct = b.bound === 'exact' && s.bound === 'exact' && b.users > 0 ? `, ${change(s.users, b.users)}` : '';
  const text = b.bound === 'exact' ? String(b.users) : boundText(b, s.settings.budgetMs);
  return `(base ${text}${pct})`;
}

/** The line under the verdict: `**Capacity at ttfc.p95 < 2 s: 4 users** (base 8, −50%)`; '' without a search. */
export function capacityHeadline(report: Report): string {
  const s = report.capacity;
  if (!s) return '';
  const base = baseText(s);
  return `**Capacity at ${escapeInline(sloText(s), 300)}: ${escapeInline(resultText(s, s), 300)}**${base ? ` ${escapeInline(base, 200)}` : ''}`;
}

/** `4 users (95% CI 4–5)`. */
function withInterval(r: CapacityResult): string {
  const iv = r.interval;
  const ci =
    iv && (iv.low !== r.users || iv.high !== (r.firstMissUsers === null ? null : r.firstMissUsers - 1)) ? ` (${Math.round(iv.level * 100)}% CI ${iv.low}–${iv.high ?? '∞'})` : '';
  return `${plural(r.users, 'user')}${ci}`;
}

/** `0.50x (95% CI 0.44–0.56x)`; the bounds that are unknown as `?`. */
function ratioText(r: NonNullable<CapacitySection['ratio']>): string {
  if (r.value === null) return 'n/a (the base met the SLO at no probe)';
  const lo = r.low === null ? '0' : formatRatio(r.low).slice(0, -1);
  const hi = r.high === null ? '∞' : formatRatio(r.high);
  return `${formatRatio(r.value)} (${Math.round(r.level * 100)}% CI ${lo}–${hi})`;
}

const ICON = (p: ProbeSide): string => (p.passed ? '✅' : '❌');

/** The SLO's first line's figure on a probe side (the one the chart shows), and the success. */
function cells(p: ProbeSide): string[] {
  const line = p.figures.slo[0];
  const why = p.passed ? '' : p.cause === 'errors' ? ' errors' : ' latency';
  const value = line ? formatValue(line.actual, metricUnit(line.text.split(/\s/)[0] ?? '') ?? 'count') : '—';
  const marks = `${p.rerun ? ' (2 runs)' : ''}${p.nonMonotone ? ' ↑ above a miss' : ''}`;
  return [`${ICON(p)}${why}${marks}`, value, `${p.figures.succeeded}/${p.figures.issued}`];
}

function probesTable(s: CapacitySection): string {
  const first = s.probes[0]?.figures.slo[0]?.text.split(/\s/)[0] ?? 'SLO';
  const head = ['#', 'Users', 'Head', first, 'Success', ...(s.base ? ['Base', first, 'Success'] : []), 'Time'];
  const rows = s.probes.map((p: CapacityProbe) => [
    String(p.index),
    String(p.users),
    ...cells(p),
    ...(s.base && p.base ? cells(p.base) : s.base ? ['—', '—', '—'] : []),
    `${((p.figures.durationMs + (p.base?.figures.durationMs ?? 0)) / 1000).toFixed(1)} s`,
  ]);
  return mdTable(
    head,
    head.map((_, i) => (i === 2 || i === 5 ? 'l' : 'r')),
    rows.map((r) => r.map((c) => escapeInline(c, 200))),
  );
}

/** The capacity section: intervals, notes, the knee, the chart (when `chart`), the probes collapsed (when `probes`). '' without a search. */
export function capacityMarkdown(report: Report, opts: { chart: boolean; probes: boolean }): string {
  const s = report.capacity;
  if (!s) return '';
  const parts = [`### Capacity at ${escapeInline(sloText(s), 300)}`];
  if (s.probes.length === 0) return `${parts[0]}\n\n${escapeInline(resultText(s, s), 300)}.`;
  const facts = [`**${escapeInline(resultText(s, s).replace(/^\d+ users?/, withInterval(s)), 300)}**`];
  if (s.base) facts.push(`base **${escapeInline(resultText(s.base, s).replace(/^\d+ users?/, withInterval(s.base)), 300)}**`);
  if (s.ratio) facts.push(`head / base **${escapeInline(ratioText(s.ratio), 200)}**`);
  parts.push(facts.join(' · '));
  const implied = s.implied.length ? ` ${escapeInline(s.implied.join(', '), 200)} implied.` : '';
  const notes = s.notes.map((n) => `- ${escapeInline(n, 500)}`);
  const knee = report.diagnoses.find((d) => d.message.startsWith('capacity search, first missed probe'));
  if (knee) notes.push(`- At the knee: **${escapeInline(knee.kind, 40)}** (${plural(knee.users ?? 0, 'user')}), see Diagnoses.`);
  if (notes.length) parts.push(notes.join('\n'));
  if (opts.chart) {
    const chart = capacityChart(s);
    if (chart) parts.push(chart);
  }
  if (opts.probes) {
    const summary = `Capacity probes: ${plural(s.probes.length, 'probe')} in ${(s.elapsedMs / 1000).toFixed(1)} s (${plural(s.settings.requestsPerUser, 'request')} a user, ramp then bisection to ${escapeInline(s.settings.resolution, 20)}, verdict ${escapeInline(s.settings.verdict, 20)})`;
    const legend = `<sub>✅ met the SLO, ❌ missed it (by errors: the success rate, or nothing to measure; else by latency).${implied} Intervals: ${escapeInline(s.method, 800)}.</sub>`;
    parts.push(`<details>\n<summary>${summary}</summary>\n\n${probesTable(s)}\n\n${legend}\n\n</details>`);
  }
  return parts.join('\n\n');
}

/** The terminal's lines: the headline, the intervals, the notes, a table of the probes. Empty without a search. */
export function capacityLines(report: Report, table: (head: string[], rows: string[][], left?: number[]) => string): string[] {
  const s = report.capacity;
  if (!s) return [];
  const base = baseText(s);
  const out = [`capacity at ${sloText(s)}: ${resultText(s, s)}${base ? ` ${base}` : ''}`];
  if (s.probes.length === 0) return out;
  const iv = [`head ${withInterval(s)}`, s.base ? `base ${withInterval(s.base)}` : '', s.ratio ? `head/base ${ratioText(s.ratio)}` : ''].filter(Boolean);
  out.push(`  ${iv.join('; ')}`);
  for (const n of s.notes) out.push(`  ${n}`);
  const first = s.probes[0]?.figures.slo[0]?.text.split(/\s/)[0] ?? 'slo';
  const head = ['probe', 'users', 'head', first, 'ok', ...(s.base ? ['base', first, 'ok'] : []), 'time'];
  const plain = (p: ProbeSide): string[] => cells(p).map((c) => c.replace('✅', 'pass').replace('❌', 'MISS'));
  const rows = s.probes.map((p) => [
    String(p.index),
    String(p.users),
    ...plain(p),
    ...(s.base && p.base ? plain(p.base) : s.base ? ['', '', ''] : []),
    `${((p.figures.durationMs + (p.base?.figures.durationMs ?? 0)) / 1000).toFixed(1)} s`,
  ]);
  out.push(table(head, rows, [2, ...(s.base ? [5] : [])]));
  return out;
}
