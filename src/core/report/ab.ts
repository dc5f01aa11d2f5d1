// The same-run A/B table both human reports show: per stage the head's and the base's figures side
// by side, the ratio head / base with its interval. Pure: a function of the Report.

import { formatRatio } from '../format.js';
import { formatValue } from '../format.js';
import { formatRate } from '../config/stages.js';
import type { CompareStage, RatioInterval } from '../section-types.js';
import type { Report } from '../report-types.js';

const ms = (v: number | null | undefined): string => formatValue(v ?? null, 'ms');

/** `1.9x (1.6–2.2)`, `1.0x` without an interval, `—` without a ratio. */
function ratioCell(r: RatioInterval | undefined): string {
  if (!r || r.ratio === null) return '—';
  if (r.low === null || r.high === null) return formatRatio(r.ratio);
  return `${formatRatio(r.ratio)} (${formatRatio(r.low).slice(0, -1)}–${formatRatio(r.high).slice(0, -1)})`;
}

export interface CompareTable {
  head: string[];
  rows: Array<{ stage: CompareStage; cells: string[] }>;
  legend: string;
}

/** The head-vs-base table (null without a compare section). `mark` wraps a flagged ratio. */
export function compareTable(report: Report, mark: (text: string) => string): CompareTable | null {
  const c = report.compare;
  if (!c) return null;
  const pct = `${Math.round(c.level * 100)}%`;
  const head = ['Stage', 'Users × requests', 'Success head / base', 'TTFC avg head', 'base', `ratio (${pct} CI)`, 'TTFC p95 head', 'base', `ratio (${pct} CI)`];
  const rows = c.stages.map((s) => {
    const h = report.stages.find((x) => x.index === s.index);
    const load = s.rate !== undefined ? `${formatRate(s.rate)}/s` : `${s.users} × ${s.requestsPerUser}`;
    if (!h || h.skipped || s.base.skipped) return { stage: s, cells: [String(s.index), load, 'skipped', '—', '—', '—', '—', '—', '—'] };
    const flag = (key: string, text: string): string => (s.flagged === key && (s.regressed || s.improved) ? mark(text) : text);
    return {
      stage: s,
      cells: [
        String(s.index),
        load,
        `${h.succeeded}/${h.issued} / ${s.base.succeeded}/${s.base.issued}`,
        ms(h.ttfc.avg),
        ms(s.base.ttfc.avg),
        flag('ttfc.avg', ratioCell(s.ratios['ttfc.avg'])),
        ms(h.ttfc.p95),
        ms(s.base.ttfc.p95),
        flag('ttfc.p95', ratioCell(s.ratios['ttfc.p95'])),
      ],
    };
  });
  const t = Math.round(c.threshold * 1000) / 10;
  const legend =
    `Head: the url; base: the compare target, measured in the same run, round by round alternating which goes first` +
    `${c.stages.some((s) => s.rate !== undefined) ? ' (a rate stage: the same arrivals to both at once)' : ''}. ` +
    `Ratio head / base with its ${pct} interval (seeded bootstrap over the paired rounds); a ratio whose whole interval is above ${formatRatio(1 + c.threshold)} ` +
    `(regression-threshold ${t}%) is a regression, below ${formatRatio(1 / (1 + c.threshold))} an improvement. A stage of one request a side has no interval.`;
  return { head, rows, legend };
}
