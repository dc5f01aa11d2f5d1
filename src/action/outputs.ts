// The step's outputs and the check's failure message, from the report. Pure.
import { verdictOf } from '../core/analysis/verdict.js';
import { percentDigits } from '../core/format.js';
import { describeResult } from '../core/report/markdown.js';
import type { StageSummary } from '../core/types.js';
import type { Report } from '../core/report-types.js';

/** Every output the action sets: must equal the outputs of action.yml (a test checks it). */
export const OUTPUT_NAMES = ['passed', 'report-path', 'comment-url', 'success-rate', 'ttfc-avg-ms', 'ttfc-p95-ms', 'ttfc-max-ms', 'capacity', 'base-capacity'] as const;
export type OutputName = (typeof OUTPUT_NAMES)[number];

/** The stage the figure outputs describe: the one with the most users that ran (the later one on a tie). */
export function largestStage(report: Report): StageSummary | null {
  let best: StageSummary | null = null;
  for (const s of report.stages) if (!s.skipped && (best === null || s.users >= best.users)) best = s;
  return best;
}

/** Percent with one decimal, never 100.0 for a partial success: `96.7`, `100.0`, `0.0`. */
export function formatRate(rate: number): string {
  return percentDigits(rate * 100);
}

/** Milliseconds with one decimal (`412.5`), '' when there is no measurement. */
export function formatMsOutput(v: number | null): string {
  return v === null || !Number.isFinite(v) ? '' : v.toFixed(1);
}

export function outputsOf(report: Report, reportPath: string, commentUrl: string): Record<OutputName, string> {
  const s = largestStage(report);
  return {
    passed: String(report.passed),
    'report-path': reportPath,
    'comment-url': commentUrl,
    'success-rate': s ? formatRate(s.successRate) : '',
    'ttfc-avg-ms': formatMsOutput(s?.ttfc.avg ?? null),
    'ttfc-p95-ms': formatMsOutput(s?.ttfc.p95 ?? null),
    'ttfc-max-ms': formatMsOutput(s?.ttfc.max ?? null),
    ...capacityOutputs(report),
  };
}

/** The capacity search's result (the most users that met the SLO), '' when no search ran. */
function capacityOutputs(report: Report): Record<'capacity' | 'base-capacity', string> {
  const c = report.capacity;
  const ran = c !== null && c !== undefined && c.probes.length > 0;
  return { capacity: ran ? String(c.users) : '', 'base-capacity': ran && c.base ? String(c.base.users) : '' };
}

const MAX_LINES = 20;

/** The check's failure message: the verdict, then one line per missed criterion with its actual value. */
export function failureMessage(report: Report): string {
  const v = verdictOf(report, true);
  const lines = [`TTFC gate ${v.text}`];
  if (report.smokeFailed) {
    const smoke = report.diagnoses.find((d) => d.kind === 'smoke');
    if (smoke) lines.push(`- ${smoke.message}`);
  }
  const shown = v.failed.slice(0, MAX_LINES);
  for (const c of shown) lines.push(`- ${describeResult(c)}`);
  if (v.failed.length > shown.length) lines.push(`- … and ${v.failed.length - shown.length} more (see the job summary)`);
  return lines.join('\n');
}
