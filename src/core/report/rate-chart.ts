// A rate sweep as one picture: TTFC against the offered rate, and what the server delivered (goodput,
// or the successful requests per second) against what was offered, for the rate stages of a run. Where
// the queue starts, TTFC leaves the floor and the delivered rate leaves the diagonal. Mermaid
// `xychart-beta` blocks (one y-axis each, so two charts), an ASCII table for the terminal. Pure.

import { formatRate } from '../config/stages.js';
import { ms } from '../format.js';
import { CHART_COLORS, niceCeil } from './chart.js';
import type { StageSummary } from '../types.js';

export interface RatePoint {
  index: number;
  rate: number;
  label: string;
  avg: number;
  p95: number;
  /** Requests per second that met every goodput line, else successful requests per second. */
  delivered: number;
  goodput: boolean;
}

/** The rate stages that ran and have TTFC samples, by offered rate. */
function ratePoints(stages: readonly StageSummary[]): RatePoint[] {
  const ran = stages.filter((s) => !s.skipped && s.rate && s.ttfc.avg !== null && s.ttfc.p95 !== null);
  const twins = new Map<number, number>();
  for (const s of ran) twins.set(s.rate!.offered, (twins.get(s.rate!.offered) ?? 0) + 1);
  return ran
    .map((s) => {
      const rate = s.rate!.offered;
      const label = `${formatRate(rate)}/s${twins.get(rate)! > 1 ? ` (stage ${s.index})` : ''}`;
      const seconds = s.durationMs / 1000;
      const delivered = s.goodput ? s.goodput.perSec : seconds > 0 ? s.succeeded / seconds : 0;
      return { index: s.index, rate, label, avg: s.ttfc.avg!, p95: s.ttfc.p95!, delivered, goodput: s.goodput !== undefined };
    })
    .sort((a, b) => a.rate - b.rate || a.index - b.index);
}

const num = (v: number): string => (Math.abs(v) >= 10 ? String(Math.round(v)) : String(Math.round(v * 100) / 100));

function block(title: string, labels: string[], yAxis: string, top: number, lines: Array<[string, number[], string]>): string {
  return [
    '```mermaid',
    '---',
    'config:',
    '  themeVariables:',
    '    xyChart:',
    `      plotColorPalette: "${lines.map((l) => l[2]).join(', ')}"`,
    '---',
    'xychart-beta',
    `    title "${title}"`,
    `    x-axis "offered rate (arrivals/s)" [${labels.map((l) => `"${l}"`).join(', ')}]`,
    `    y-axis "${yAxis}" 0 --> ${num(top)}`,
    ...lines.map(([name, values]) => `    line "${name}" [${values.map(num).join(', ')}]`),
    '```',
  ].join('\n');
}

/**
 * Two mermaid charts of a rate sweep (TTFC avg / p95 against the offered rate; goodput or successful
 * requests/s against it, with the offered rate as the diagonal), each with a one-line legend. Empty
 * with fewer than two rate stages to plot.
 */
export function rateSweepCharts(stages: readonly StageSummary[]): string {
  const pts = ratePoints(stages);
  if (pts.length < 2) return '';
  const labels = pts.map((p) => p.label);
  const ttfcTop = niceCeil(Math.max(...pts.map((p) => p.p95)) * 1.1);
  const goodput = pts.every((p) => p.goodput);
  const rateTop = niceCeil(Math.max(...pts.map((p) => Math.max(p.rate, p.delivered))) * 1.1);
  const served = goodput ? 'goodput' : 'succeeded/s';
  return [
    block('TTFC against the offered rate', labels, 'TTFC (ms)', ttfcTop, [
      ['avg', pts.map((p) => p.avg), CHART_COLORS.avg],
      ['p95', pts.map((p) => p.p95), CHART_COLORS.p95],
    ]),
    '<sub>TTFC avg (blue) and p95 (red), ms, timed from each scheduled arrival, against the offered rate</sub>',
    '',
    block(`${goodput ? 'Goodput' : 'Successful requests'} against the offered rate`, labels, 'requests/s', rateTop, [
      ['offered', pts.map((p) => p.rate), CHART_COLORS.avgLimit],
      [served, pts.map((p) => p.delivered), CHART_COLORS.p95Limit],
    ]),
    `<sub>Offered rate (amber) and ${goodput ? 'goodput: requests/s that met every goodput line' : 'successful requests/s'} (purple); where it leaves the offered rate, the server no longer keeps up</sub>`,
  ].join('\n');
}

/** The same for the terminal: one line a rate stage. Empty with fewer than two rate stages. */
export function rateSweepLines(stages: readonly StageSummary[]): string[] {
  const pts = ratePoints(stages);
  if (pts.length < 2) return [];
  const w = Math.max(...pts.map((p) => p.label.length));
  const top = Math.max(...pts.map((p) => p.p95));
  return [
    `rate sweep: TTFC p95 (bar) and ${pts.every((p) => p.goodput) ? 'goodput' : 'succeeded/s'} against the offered rate`,
    ...pts.map((p) => {
      const bar = '#'.repeat(Math.max(1, Math.round((p.p95 / (top || 1)) * 30)));
      return `  ${p.label.padStart(w)} │${bar.padEnd(30)}│ p95 ${ms(p.p95)}, ${num(p.delivered)}/s of ${formatRate(p.rate)}/s`;
    }),
  ];
}
