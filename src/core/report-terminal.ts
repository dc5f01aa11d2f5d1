import { formatThreshold, formatValue } from './criteria.js';
import type { CriterionResult, Report, StageSummary, Stats } from './types.js';

const ms = (v: number | null): string => formatValue(v, 'ms');

/** A plain-text table: columns padded to their widest cell, numbers right-aligned. */
export function textTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function differs(a: Stats, b: Stats): boolean {
  return a.avg !== null && b.avg !== null && Math.abs(a.avg - b.avg) > 0.05;
}

export function stageLine(s: StageSummary): string {
  if (s.skipped) return `stage ${s.index}: ${s.users}x${s.requestsPerUser} skipped`;
  return (
    `stage ${s.index}: ${s.users} users x ${s.requestsPerUser}: ${s.succeeded}/${s.issued} ok, ` +
    `ttfc avg ${ms(s.ttfc.avg)} p95 ${ms(s.ttfc.p95)} max ${ms(s.ttfc.max)}, ${s.rps.toFixed(2)} req/s`
  );
}

export function stagesTable(stages: StageSummary[]): string {
  const showTtft = stages.some((s) => differs(s.ttft, s.ttfc));
  const showTokens = stages.some((s) => s.tokens);
  const head = ['stage', 'users x req', 'success', 'connect avg', 'ttfb p50', 'ttfc avg', 'ttfc p50', 'ttfc p95', 'ttfc max', ...(showTtft ? ['ttft avg', 'ttft p95'] : []), 'total avg', 'req/s', ...(showTokens ? ['tok/s'] : [])];
  const rows = stages.map((s) =>
    s.skipped
      ? [String(s.index), `${s.users} x ${s.requestsPerUser}`, 'skipped', ...head.slice(3).map(() => '')]
      : [
          String(s.index),
          `${s.users} x ${s.requestsPerUser}`,
          `${s.succeeded}/${s.issued}`,
          ms(s.connect.avg),
          ms(s.ttfb.p50),
          ms(s.ttfc.avg),
          ms(s.ttfc.p50),
          ms(s.ttfc.p95),
          ms(s.ttfc.max),
          ...(showTtft ? [ms(s.ttft.avg), ms(s.ttft.p95)] : []),
          ms(s.total.avg),
          s.rps.toFixed(2),
          ...(showTokens ? [s.tokens ? s.tokens.perSec.toFixed(1) : ''] : []),
        ],
  );
  return textTable(head, rows);
}

const MARK: Record<string, string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skipped: 'SKIP', inconclusive: '????' };

export function criterionMark(c: CriterionResult): string {
  if (c.status === 'fail' && c.severity === 'warn') return MARK.warn!;
  return MARK[c.status]!;
}

export function criteriaTable(results: CriterionResult[]): string {
  const rows = results.map((c) => [
    criterionMark(c),
    c.text,
    c.users === null ? 'all' : `${c.users} users`,
    c.status === 'skipped' ? (c.reason ?? '') : `actual ${formatValue(c.actual, c.unit)} vs ${formatThreshold(c.threshold, c.unit)}${c.reason ? ` (${c.reason})` : ''}`,
  ]);
  return textTable(['', 'criterion', 'stage', 'value'], rows);
}

export function verdictLine(report: Report): string {
  const failed = report.criteria.filter((c) => c.status === 'fail' && c.severity === 'fail').length;
  const warned = report.criteria.filter((c) => c.status === 'fail' && c.severity === 'warn').length;
  if (report.smokeFailed) return 'FAILED: smoke test failed (no request of the first stage succeeded)';
  if (failed > 0) return `FAILED: ${failed} criteri${failed === 1 ? 'on' : 'a'} missed${warned ? `, ${warned} warning${warned === 1 ? '' : 's'}` : ''}`;
  return warned ? `PASSED with ${warned} warning${warned === 1 ? '' : 's'}` : 'PASSED';
}

/** The whole terminal report. */
export function renderTerminal(report: Report): string {
  const parts = [
    `${report.target.method} ${report.target.url} (preset ${report.target.preset})`,
    '',
    stagesTable(report.stages),
    '',
    criteriaTable(report.criteria),
  ];
  if (report.diagnoses.length) parts.push('', ...report.diagnoses.map((d) => `diagnosis: ${d.message}`));
  if (report.errorSamples.length) {
    parts.push('', 'error samples:', ...report.errorSamples.map((e) => `  stage ${e.stage} ${e.category}${e.status ? ` (${e.status})` : ''}: ${e.message.slice(0, 200)}`));
  }
  parts.push('', verdictLine(report));
  return parts.join('\n');
}
