// The verdict of a run: which criteria were missed (failing and warn), how many were inconclusive,
// and the headline that says so. The Action's outputs and check message, the markdown report and
// the terminal report all read it from here, so they never disagree. Pure.

import { plural } from '../format.js';
import type { CriterionResult } from '../types.js';
import type { Report } from '../report-types.js';

export interface Verdict {
  /** Failing (non-warn) criteria that were missed. */
  failed: CriterionResult[];
  /** Missed warn criteria. */
  warned: CriterionResult[];
  /** Criteria whose interval straddled the threshold and that are inconclusive (verdict confident). */
  inconclusive: number;
  smokeFailed: boolean;
  /** 🛑 (cancelled), ❌, ⚠️ or ✅. */
  icon: string;
  /** The markdown headline, e.g. "failed: 2 criteria missed", "passed with 1 warning". */
  text: string;
}

type Judged = Pick<Report, 'criteria' | 'smokeFailed' | 'cancelled'> & Partial<Pick<Report, 'stages' | 'compare'>>;

/** What failed the smoke test: the url, or (same-run A/B) the compare target while the url answered. */
function smokeWhat(report: Judged, compareUrl: string): string {
  const compareOnly = report.compare?.smokeFailed === true && (report.stages?.[0]?.succeeded ?? 0) > 0;
  return compareOnly ? `no request of the first stage to the compare target (${compareUrl}) succeeded` : 'no request of the first stage succeeded';
}

/** Whether the gate passes: the smoke test passed and no failing criterion was missed. */
export function gatePassed(smokeFailed: boolean, criteria: readonly CriterionResult[]): boolean {
  return !smokeFailed && !criteria.some((r) => r.severity === 'fail' && r.status === 'fail');
}

/** Criteria whose interval straddled the threshold and that are inconclusive (verdict confident). */
function inconclusiveCount(report: Pick<Report, 'criteria'>): number {
  return report.criteria.filter((c) => c.status === 'inconclusive').length;
}

/** The verdict; `failOnCriteria: false` says the missed criteria only report. */
export function verdictOf(report: Judged, failOnCriteria = true): Verdict {
  const failed = report.criteria.filter((c) => c.status === 'fail' && c.severity === 'fail');
  const warned = report.criteria.filter((c) => c.status === 'fail' && c.severity === 'warn');
  const unsure = inconclusiveCount(report);
  const base = { failed, warned, inconclusive: unsure, smokeFailed: report.smokeFailed };
  const unsureText = unsure ? `${plural(unsure, 'criterion', 'criteria')} inconclusive` : '';
  const warnText = (warned.length ? `, ${plural(warned.length, 'warning')}` : '') + (unsure ? `, ${unsureText}` : '');
  if (report.cancelled) return { ...base, icon: '🛑', text: 'cancelled: the run was stopped; the figures below are partial' };
  if (report.smokeFailed) {
    return { ...base, icon: '❌', text: `failed: smoke test failed (${smokeWhat(report, '`compare-url`')})${failOnCriteria ? '' : ' — report only'}` };
  }
  if (failed.length) {
    const text = `${plural(failed.length, 'criterion', 'criteria')} missed${warnText}`;
    return { ...base, icon: '❌', text: failOnCriteria ? `failed: ${text}` : `${text} — report only (\`fail-on-criteria: false\`)` };
  }
  if (warned.length) return { ...base, icon: '⚠️', text: `passed with ${plural(warned.length, 'warning')}${unsure ? `, ${unsureText}` : ''}` };
  if (unsure) return { ...base, icon: '✅', text: `passed, ${unsureText}` };
  return { ...base, icon: '✅', text: 'passed' };
}

/** The terminal headline: `FAILED: 2 criteria missed, 1 warning`, `PASSED with 1 inconclusive`, `PASSED`. */
export function verdictLine(report: Judged): string {
  const v = verdictOf(report);
  const extras = [v.warned.length ? plural(v.warned.length, 'warning') : '', v.inconclusive ? `${v.inconclusive} inconclusive` : ''].filter(Boolean).join(', ');
  if (report.cancelled) return 'CANCELLED: the run was stopped; the figures are partial';
  if (v.smokeFailed) return `FAILED: smoke test failed (${smokeWhat(report, 'compare-url')})`;
  if (v.failed.length > 0) return `FAILED: ${plural(v.failed.length, 'criterion', 'criteria')} missed${extras ? `, ${extras}` : ''}`;
  return extras ? `PASSED with ${extras}` : 'PASSED';
}
