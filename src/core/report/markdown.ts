// The markdown report: one document for the PR comment and the job summary. Pure: a function of
// the Report and a small context; knows nothing of the GitHub client. Its sections are in
// markdown/ (document.ts puts them in order), the size budget in markdown/budget.ts.
import type { Report } from '../report-types.js';
import { fitToLimit } from './markdown/budget.js';
import { COMMENT_LIMIT, type MarkdownContext } from './markdown/context.js';
import { compose, fullShape } from './markdown/document.js';

export { COMMENT_LIMIT, MESSAGE_MAX, type MarkdownContext } from './markdown/context.js';
export { INCONCLUSIVE_MARK } from './markdown/cells.js';
export { describeResult } from './markdown/criteria.js';

/**
 * The markdown report. Stays within `ctx.limit` (GitHub's comment limit by default) by dropping the
 * least important parts first — error samples, the per-stage intervals and distributions (and all
 * but three baseline notes), then the passing/skipped criteria rows, then missed criteria rows beyond
 * what fits, the chart, diagnoses, stage rows (markdown/budget.ts) — and says what it left out.
 */
export function renderMarkdown(report: Report, ctx: MarkdownContext = {}): string {
  return fitToLimit(report, ctx.limit ?? COMMENT_LIMIT, fullShape(report), (shape, notes) => compose(report, ctx, shape, notes));
}
