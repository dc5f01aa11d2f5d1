// The criteria in the markdown report: the missed ones listed on top (one line each), the collapsed
// table of all of them, and a missed one in plain text (the check's message).
import { criterionOf } from '../../analysis/criteria/index.js';
import { formatThreshold, formatValue, plural } from '../../format.js';
import { scopeWho } from '../../config/stages.js';
import type { CriterionResult } from '../../types.js';
import type { Report } from '../../report-types.js';
import { codeSpan, escapeHtml, escapeInline, mdTable } from '../escape.js';
import { collapsed, INCONCLUSIVE_MARK, MISSING, nb } from './cells.js';
import { MESSAGE_MAX } from './context.js';

/** One line per missed criterion: `@10: ttfc.avg < 1s — 10 users: actual 2.05 s, threshold 1 s`. Plain text. */
export function describeResult(c: CriterionResult): string {
  const who = scopeWho(c);
  const where = who === null ? '' : ` — ${who}`;
  const why = c.reason ? ` (${c.reason})` : '';
  return `${c.text}${where}: actual ${formatValue(c.actual, c.unit)}, threshold ${formatThreshold(c.threshold, c.unit)}${why}`;
}

const STATUS_ICON: Record<string, string> = { pass: '✅', fail: '❌', warn: '⚠️', skipped: '⏭️ skipped' };

function statusCell(c: CriterionResult): string {
  if (c.status === 'inconclusive') return `${INCONCLUSIVE_MARK} inconclusive`;
  const icon = c.status === 'fail' && c.severity === 'warn' ? STATUS_ICON.warn! : (STATUS_ICON[c.status] ?? c.status);
  // verdict strict: the measured value decided, but the interval straddles the threshold.
  return c.inconclusive ? `${icon} ${INCONCLUSIVE_MARK}` : icon;
}

function criterionRow(c: CriterionResult): string[] {
  const stage = scopeWho(c) ?? 'all';
  if (c.status === 'skipped') {
    return [statusCell(c), codeSpan(c.text, { inTable: true, max: 200 }), stage, MISSING, c.reason ? escapeInline(c.reason, MESSAGE_MAX) : MISSING];
  }
  const ci = c.interval && !c.reason ? ` (${Math.round(c.interval.level * 100)}% CI ${formatValue(c.interval.low, c.unit)} – ${formatValue(c.interval.high, c.unit)})` : '';
  const actual = nb(formatValue(c.actual, c.unit)) + (c.reason ? ` (${escapeInline(c.reason, MESSAGE_MAX)})` : ci);
  const op = criterionOf(c)?.op;
  return [
    statusCell(c),
    codeSpan(c.text, { inTable: true, max: 200 }),
    stage,
    nb(`${op ? `${escapeHtml(op)} ` : ''}${formatThreshold(c.threshold, c.unit)}`),
    c.status === 'fail' ? `**${actual}**` : actual,
  ];
}

/** How many criteria missed or were inconclusive: the lines listed on top. */
export const missedCount = (report: Report): number => report.criteria.filter((c) => c.status === 'fail' || c.status === 'inconclusive').length;

/** Missed (fail, then warn), inconclusive, passed, skipped: the ones to read first on top. */
const STATUS_RANK = (c: CriterionResult): number =>
  c.status === 'fail' ? (c.severity === 'fail' ? 0 : 1) : c.status === 'inconclusive' ? 2 : c.status === 'pass' ? (c.inconclusive ? 2 : 3) : 4;

/**
 * One line per missed criterion, failures first, then warnings and inconclusive ones:
 * `- ❌ `@10: ttfc.avg < 1s` **1.42 s** vs < 1 s · 10 users`. The first thing a reviewer reads.
 */
export function missedLines(report: Report, max: number): { text: string; hidden: number } {
  const listed = report.criteria.filter((c) => c.status === 'fail' || c.status === 'inconclusive').sort((a, b) => STATUS_RANK(a) - STATUS_RANK(b));
  if (!listed.length) return { text: '', hidden: 0 };
  const shown = listed.slice(0, max);
  const lines = shown.map((c) => {
    const icon = c.status === 'inconclusive' ? INCONCLUSIVE_MARK : c.severity === 'warn' ? '⚠️' : '❌';
    const op = criterionOf(c)?.op;
    const who = scopeWho(c);
    const where = who === null ? '' : ` · ${who}`;
    const threshold = c.threshold === null ? '' : ` vs ${nb(`${op ? `${escapeHtml(op)} ` : ''}${formatThreshold(c.threshold, c.unit)}`)}`;
    const why = c.status === 'inconclusive' ? ' (inconclusive)' : c.reason && !c.inconclusive ? ` (${escapeInline(c.reason, MESSAGE_MAX)})` : '';
    return `- ${icon} ${codeSpan(c.text, { max: 200 })} **${nb(formatValue(c.actual, c.unit))}**${threshold}${where}${why}`;
  });
  if (listed.length > shown.length) lines.push(`- _… ${plural(listed.length - shown.length, 'more', 'more')} (the check's message names them)._`);
  return { text: lines.join('\n'), hidden: listed.length - shown.length };
}

export interface CriteriaMode {
  /** The collapsed table of all criteria; false leaves it out (the missed ones are listed on top anyway). */
  table: boolean;
  /** At most this many lines in the list of missed criteria. */
  maxMissed: number;
}

export function criteriaSection(report: Report): string {
  const all = report.criteria;
  if (all.length === 0) return '<sub>No criteria were given.</sub>';
  const rows = [...all].sort((a, b) => STATUS_RANK(a) - STATUS_RANK(b)).map(criterionRow);
  const count = (f: (c: CriterionResult) => boolean): number => all.filter(f).length;
  const warned = count((c) => c.status === 'fail' && c.severity === 'warn');
  const parts = [
    `${count((c) => c.status === 'fail' && c.severity === 'fail')} missed`,
    warned ? plural(warned, 'warning', 'warnings') : '',
    `${count((c) => c.status === 'inconclusive')} inconclusive`,
    `${count((c) => c.status === 'pass')} passed`,
    `${count((c) => c.status === 'skipped')} skipped`,
  ].filter((t) => t && !t.startsWith('0 '));
  const notes: string[] = [];
  if (all.some((c) => c.interval)) {
    const confident = report.config?.verdict === 'confident';
    notes.push(
      confident
        ? `Verdict confident: a criterion fails only when its whole 95% interval is on the wrong side; ${INCONCLUSIVE_MARK} inconclusive ones (the interval straddles the threshold, or too few samples) do not fail.`
        : `Verdict strict: the measured value decides; ${INCONCLUSIVE_MARK} marks a criterion whose 95% interval straddles its threshold (\`verdict: confident\` would not fail it).`,
    );
  }
  const table = mdTable(['', 'Criterion', 'Stage', 'Threshold', 'Actual'], ['c', 'l', 'l', 'r', 'r'], rows);
  return collapsed(`All criteria: ${parts.join(', ')}`, [table, notes.length ? `_${notes.join(' ')}_` : ''].filter(Boolean).join('\n\n'));
}
