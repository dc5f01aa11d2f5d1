// The stage table: one row per stage (at most 7 columns), a value that misses a criterion marked in
// its cell, regressions against the baseline flagged.
import { criterionOf } from '../../analysis/criteria/index.js';
import { metric as metricOf, metricValue } from '../../analysis/metrics.js';
import { differs, formatValue, ms, plural } from '../../format.js';
import type { CriterionResult, StageSummary } from '../../types.js';
import type { Report } from '../../report-types.js';
import { baselineFor } from '../common.js';
import { codeSpan, mdTable } from '../escape.js';
import { loadCell, loadHead, MISSING, NBSP, nb } from './cells.js';

/** The stage a result is about: its own index, or the one stage with its users (whose value is the actual one). */
function stageOfResult(report: Report, c: CriterionResult): StageSummary | undefined {
  if (c.stage !== undefined) return report.stages.find((s) => s.index === c.stage);
  if (c.rate !== undefined) return report.stages.find((s) => s.rate?.offered === c.rate);
  if (c.users === null) return undefined;
  // A result carries the stage's users, not its index: several stages may share a user count,
  // so the stage is the one whose value is the result's actual value.
  const candidates = report.stages.filter((s) => !s.skipped && !s.rate && s.users === c.users);
  if (candidates.length === 1) return candidates[0];
  const metric = criterionOf(c)?.metric;
  return candidates.find((s) => {
    const v = metric ? metricValue(s, metric) : null;
    return v === null ? c.actual === null : c.actual !== null && Math.abs(v - c.actual) <= 1e-6 * Math.max(1, Math.abs(v));
  });
}

/** Marks per stage index and cell (the metric's cell in the table: see metrics.ts): '❌' (a failing criterion missed) or '⚠️' (a warning). */
function stageMarks(report: Report): Map<string, string> {
  const marks = new Map<string, string>();
  for (const c of report.criteria) {
    if (c.status !== 'fail' || (c.users === null && c.rate === undefined && c.stage === undefined)) continue;
    const metric = criterionOf(c)?.metric;
    const m = metric === undefined ? null : metricOf(metric);
    if (!metric || !m) continue;
    const col = m.cell ?? m.name;
    const stage = stageOfResult(report, c);
    if (!stage) continue;
    const key = `${stage.index}:${col}`;
    const mark = c.severity === 'fail' ? '❌' : '⚠️';
    if (marks.get(key) !== '❌') marks.set(key, mark);
  }
  return marks;
}

/** `92% good (3.40/s)`: a stage's goodput rate and goodput, `—` without goodput figures. */
function goodputText(s: StageSummary): string {
  const g = s.goodput;
  return g ? `${g.rate === null ? 'n/a' : formatValue(g.rate * 100, '%')} good (${g.perSec.toFixed(2)}/s)` : MISSING;
}

/** The stage table: at most 7 columns so it fits a PR comment (~780 px); the other figures are in the details. */
export function stagesSection(report: Report, maxRows: number): string {
  const stages = report.stages;
  const showTtft = stages.some((s) => differs(s.ttft, s.ttfc));
  const marks = stageMarks(report);
  const cell = (s: StageSummary, col: string, text: string, regressed = false): string => {
    const mark = marks.get(`${s.index}:${col}`);
    const value = mark ? `${mark}${NBSP}**${nb(text)}**` : nb(text);
    return regressed ? `${value}${NBSP}❗` : value;
  };
  const showGoodput = stages.some((s) => s.goodput);
  // Goodput shares the throughput column: the table keeps its 7 columns.
  const head = [loadHead(report), 'Success', 'TTFC avg', 'TTFC p95', 'TTFC max', showTtft ? 'TTFT avg' : 'Total avg', showGoodput ? 'Throughput · goodput' : 'Throughput'];
  const align: Array<'l' | 'r'> = head.map((_, i) => (i === 0 ? 'l' : 'r'));
  const shown = stages.slice(0, maxRows);
  const rows = shown.map((s) => {
    if (s.skipped) return [loadCell(report, s), 'skipped', ...head.slice(2).map(() => MISSING)];
    const b = baselineFor(report, s.index);
    const success =
      (s.succeeded === s.issued ? `${s.succeeded}/${s.issued}` : `${s.succeeded}/${s.issued} (${formatValue(s.successRate * 100, '%')})`) +
      (s.rate?.dropped ? ` +${s.rate.dropped} dropped` : '');
    return [
      loadCell(report, s),
      cell(s, 'success', success, b?.successRate.regressed),
      cell(s, 'ttfc.avg', ms(s.ttfc.avg), b?.ttfcAvg.regressed),
      cell(s, 'ttfc.p95', ms(s.ttfc.p95), b?.ttfcP95.regressed),
      cell(s, 'ttfc.max', ms(s.ttfc.max)),
      showTtft ? cell(s, 'ttft.avg', ms(s.ttft.avg)) : cell(s, 'total.avg', ms(s.total.avg)),
      cell(s, 'rps', formatValue(s.rps, 'rps')) + (showGoodput ? ` · ${cell(s, 'goodput', goodputText(s))}` : ''),
    ];
  });
  const more = stages.length - shown.length;
  const note = more > 0 ? `\n\n_… ${plural(more, 'more stage', 'more stages')} not shown._` : '';
  const legend = ['Latencies over the successful requests. ❌ a value that misses a criterion, ⚠️ a warning'];
  if (stages.some((s) => s.rate)) legend.push('a rate stage times each request from its scheduled arrival');
  if (showGoodput)
    legend.push(
      `goodput: the share of arrivals that met every goodput line (${stages
        .find((s) => s.goodput)!
        .goodput!.slo.map((l) => codeSpan(l))
        .join(', ')}) and how many a second`,
    );
  if (report.baseline?.loaded && report.baseline.regressions.length) legend.push('❗ a regression against the baseline');
  const retried = stages.filter((s) => (s.retries ?? 0) > 0);
  const retriedText = retried.length
    ? ` Sent again on a new connection (the server closed the reused one before answering, a keep-alive race browsers retry too): ${retried.map((s) => `${s.retries} at stage ${s.index}`).join(', ')}; their TTFC counts from the first attempt.`
    : '';
  return `### Stages\n\n${mdTable(head, align, rows)}${note}\n\n<sub>${legend.join(', ')}.${retriedText}</sub>`;
}
