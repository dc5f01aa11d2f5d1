// The charts of the markdown report: TTFC against concurrency with the criteria's limits, and the
// sweep against the offered rate.
import { criterionOf } from '../../analysis/criteria/index.js';
import type { Report } from '../../report-types.js';
import { mermaidChart, type ChartThreshold } from '../chart.js';
import { rateSweepCharts } from '../rate-chart.js';

/** Fixed TTFC avg / p95 limits of the criteria (scoped ones at the stage's users): the chart's limit lines. */
function chartThresholds(report: Report): ChartThreshold[] {
  const out: ChartThreshold[] = [];
  for (const c of report.criteria) {
    if (c.severity !== 'fail' || c.status === 'skipped' || c.threshold === null || c.unit !== 'ms') continue;
    const parsed = criterionOf(c);
    const metric = parsed?.metric;
    if (metric !== 'ttfc.avg' && metric !== 'ttfc.p95') continue;
    // A factor of this run's own metric (`2 * ttfc.avg`) moves with the stage: no line.
    if (/\*/.test(c.text) && !/baseline\./.test(c.text)) continue;
    // The chart is of the closed stages: a limit of a rate stage is not one of its lines.
    if (c.rate !== undefined) continue;
    const scoped = /^\s*@/.test(c.text);
    out.push({ metric: metric === 'ttfc.avg' ? 'avg' : 'p95', value: c.threshold, users: scoped ? c.users : null });
  }
  return out;
}

/**
 * TTFC avg and p95 against concurrency, with the limits: a mermaid xychart (GitHub renders it); with
 * several rate stages, the sweep against the offered rate. '' with fewer than two stages of a kind to plot.
 */
export function chartSection(report: Report): string {
  const chart = mermaidChart(report.stages, { thresholds: chartThresholds(report), ...(report.compare ? { base: report.compare.stages.map((s) => s.base) } : {}) });
  const sweep = rateSweepCharts(report.stages);
  return [chart ? `### TTFC vs concurrency\n\n${chart}` : '', sweep ? `### TTFC and goodput vs offered rate\n\n${sweep}` : ''].filter(Boolean).join('\n\n');
}
