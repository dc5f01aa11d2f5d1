// The errors table: failed requests grouped by kind, as the server sent them (escaped, truncated).
import { plural } from '../../format.js';
import type { Report } from '../../report-types.js';
import { codeSpan, escapeInline, mdTable } from '../escape.js';
import { MISSING } from './cells.js';
import { MESSAGE_MAX } from './context.js';

interface ErrorGroup {
  category: string;
  status: number | null;
  message: string;
  count: number;
  /** `2`, or `2 (base)` for the compare target's failures (same-run A/B). */
  stages: string[];
}

/** Failed requests grouped by category, status and message, most frequent first (from every record, else the samples). */
function errorGroups(report: Report): ErrorGroup[] {
  const failed = report.requests.filter((r) => !r.ok && r.category);
  const head = failed.length
    ? failed.map((r) => ({ stage: String(r.stage), category: r.category as string, status: r.status, message: r.error ?? '' }))
    : report.errorSamples.map((e) => ({ stage: String(e.stage), category: e.category as string, status: e.status, message: e.message }));
  // Same-run A/B: the compare target's failures (its samples), their stage marked "(base)".
  const base = (report.compare?.errorSamples ?? []).map((e) => ({ stage: `${e.stage} (base)`, category: e.category as string, status: e.status, message: e.message }));
  const items = [...head, ...base];
  const groups = new Map<string, ErrorGroup>();
  for (const e of items) {
    const key = JSON.stringify([e.category, e.status, e.message, e.stage.endsWith('(base)')]);
    const g = groups.get(key) ?? { category: e.category, status: e.status, message: e.message, count: 0, stages: [] };
    g.count++;
    if (!g.stages.includes(e.stage)) g.stages.push(e.stage);
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.category.localeCompare(b.category));
}

const MAX_ERROR_GROUPS = 10;

/** The errors table, '' without a failed request. */
export function samplesSection(report: Report): string {
  const groups = errorGroups(report);
  if (!groups.length) return '';
  const shown = groups.slice(0, MAX_ERROR_GROUPS);
  const rows = shown.map((g) => [
    String(g.count),
    codeSpan(g.category, { inTable: true }),
    g.status === null ? MISSING : String(g.status),
    g.stages.sort((a, b) => parseInt(a, 10) - parseInt(b, 10) || a.localeCompare(b)).join(', '),
    g.message ? escapeInline(g.message, MESSAGE_MAX) : '_(no message)_',
  ]);
  const more = groups.length > shown.length ? ` ${plural(groups.length - shown.length, 'more kind', 'more kinds')} in the JSON report.` : '';
  return `### Errors\n\nFailed requests by kind, as the server sent them (escaped, truncated).${more}\n\n${mdTable(['Count', 'Category', 'Status', 'Stages', 'Message'], ['r', 'l', 'r', 'l', 'l'], rows)}`;
}
