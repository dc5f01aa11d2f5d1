// The run against another: the same-run A/B table (head vs base) and the baseline's deltas.
import { DEFAULT_SUCCESS_RATE_DROP } from '../../analysis/baseline.js';
import { formatRate } from '../../config/stages.js';
import { formatThresholdPct } from '../../format.js';
import type { BaselineDelta } from '../../section-types.js';
import type { Report } from '../../report-types.js';
import { compareTable } from '../ab.js';
import { baselineTitle } from '../common.js';
import { codeSpan, escapeInline, mdTable } from '../escape.js';
import { collapsed, MISSING, NBSP, nb, stageList } from './cells.js';
import { MESSAGE_MAX } from './context.js';

/** Same-run A/B: head and base side by side, the ratio column with its interval. '' without compare-url. */
export function compareSection(report: Report): string {
  const t = compareTable(report, (text) => `❗ **${text}**`);
  const c = report.compare;
  if (!t || !c) return '';
  const align: Array<'l' | 'r'> = t.head.map((_, i) => (i === 1 ? 'l' : 'r'));
  const regressed = stageList(c.regressions, c.regressionRates);
  const improved = stageList(c.improvements, c.improvementRates);
  const summary = regressed
    ? `**Slower than the base** at ${regressed} (see Diagnoses).`
    : improved
      ? `**Faster than the base** at ${improved}.`
      : 'No stage is a regression against the base.';
  return `### Head vs base (same run)

Base: ${codeSpan(c.url, { max: 500 })}

${mdTable(
  t.head,
  align,
  t.rows.map((r) => r.cells),
)}

${summary} ${t.legend}`;
}

/** The baseline comparison, collapsed: deltas per stage, regressions flagged, its notes (at most maxNotes). */
export function baselineSection(report: Report, maxNotes: number): string {
  const b = report.baseline;
  if (!b?.loaded) return '';
  const rows = b.stages.map((d) => {
    const delta = (x: BaselineDelta): string => (x.text ? (x.regressed ? `❗${NBSP}**${nb(x.text)}**` : nb(x.text)) : MISSING);
    return [String(d.index), d.rate !== undefined ? nb(`${formatRate(d.rate)}/s`) : String(d.users), delta(d.ttfcAvg), delta(d.ttfcP95), delta(d.successRate)];
  });
  const lines = b.messages.slice(0, maxNotes).map((m) => `- ${escapeInline(m, MESSAGE_MAX)}`);
  if (b.messages.length > lines.length) lines.push(`- _… ${b.messages.length - lines.length} more in the JSON report._`);
  const legend =
    `▲ / ▼: change against ${codeSpan(baselineTitle(report), { max: 200 })}; ❗ a regression (TTFC avg or p95 more than ` +
    `${formatThresholdPct(b.threshold)} slower, or the success rate ${Math.round(DEFAULT_SUCCESS_RATE_DROP * 100)} pp lower).`;
  const summary = stageList(b.regressions, b.regressionRates)
    ? `Baseline: ❗ regressions at ${stageList(b.regressions, b.regressionRates)}`
    : b.stages.length
      ? 'Baseline: no regression'
      : 'Baseline: no stage could be compared';
  const table = rows.length
    ? mdTable(['Stage', b.stages.some((d) => d.rate !== undefined) ? 'Load' : 'Users', 'TTFC avg', 'TTFC p95', 'Success rate'], ['r', 'r', 'r', 'r', 'r'], rows)
    : '';
  return collapsed(summary, [table, legend, lines.join('\n')].filter(Boolean).join('\n\n'));
}
