// The markdown document, in the order a reviewer reads it: the header (the verdict and what missed,
// the target, notes), the diagnoses, the charts — the first screen — then the stage table, the
// errors and the collapsed details, and the footer. Its Shape says what to leave out (budget.ts).
import { verdictOf } from '../../analysis/verdict.js';
import type { Report } from '../../report-types.js';
import { arrivalsMarkdown } from '../arrivals.js';
import { capacityHeadline, capacityMarkdown } from '../capacity.js';
import { runNotes } from '../common.js';
import { diagnosesMarkdown, diagnosisDetailsMarkdown } from '../diagnoses.js';
import { codeSpan, commentMarker, escapeInline } from '../escape.js';
import { serverMarkdown } from '../server.js';
import { historyMarkdown } from '../trend.js';
import { chartSection } from './charts.js';
import { baselineSection, compareSection } from './comparisons.js';
import { COMMENT_LIMIT, MESSAGE_MAX, type MarkdownContext } from './context.js';
import { criteriaSection, missedCount, missedLines, type CriteriaMode } from './criteria.js';
import { samplesSection } from './errors.js';
import { perStageSection } from './per-stage.js';
import { shardsSection } from './shards.js';
import { stagesSection } from './stages.js';

/** What the document shows: everything at first; the size budget takes away from it step by step. */
export interface Shape {
  samples: boolean;
  /** The per-stage table of intervals, runs and distributions. */
  details: boolean;
  /** At most this many baseline notes (mismatched stages, …). */
  maxNotes: number;
  criteria: CriteriaMode;
  maxStages: number;
  maxDiagnoses: number;
  chart: boolean;
}

/** The whole document as `report` and `ctx` give it: every section, and every row of each. */
export function fullShape(report: Report): Shape {
  return {
    samples: true,
    details: true,
    maxNotes: 10,
    criteria: { table: true, maxMissed: missedCount(report) },
    maxStages: report.stages.length,
    maxDiagnoses: report.diagnoses.length,
    chart: true,
  };
}

/** The document; `shortened` says what the size budget left out (empty strings are no note). */
export function compose(report: Report, ctx: MarkdownContext, shape: Shape, shortened: string[]): string {
  return `${[...header(report, ctx, shape, shortened), ...body(report, shape), footer(report, ctx)].join('\n\n')}\n`;
}

/** The verdict and what missed (one line each), the target, the run's notes, and warnings about the report itself. */
function header(report: Report, ctx: MarkdownContext, shape: Shape, shortened: string[]): string[] {
  const failOn = ctx.failOnCriteria ?? report.config?.failOnCriteria !== false;
  const v = verdictOf(report, failOn);
  const tag = ctx.tag && ctx.tag !== 'default' ? ` (${escapeInline(ctx.tag, 100)})` : '';
  const commit = ctx.commit ?? report.target.commit ?? null;
  const target = [
    `${codeSpan(`${report.target.method} ${report.target.url}`, { max: 500 })}`,
    `preset ${codeSpan(report.target.preset)}`,
    commit ? `commit ${ctx.commitUrl ? `[${codeSpan(commit.slice(0, 7))}](${ctx.commitUrl})` : codeSpan(commit.slice(0, 12))}` : '',
    ctx.runUrl ? `[workflow run](${ctx.runUrl})` : '',
  ].filter(Boolean);
  const parts: string[] = [];
  if (ctx.tag) parts.push(commentMarker(ctx.tag));
  parts.push(`## ${v.icon} TTFC gate${tag} ${v.text}`);
  const capacity = capacityHeadline(report);
  if (capacity) parts.push(capacity);
  const missed = missedLines(report, shape.criteria.maxMissed);
  if (missed.text) parts.push(missed.text);
  parts.push(`<sub>${target.join(' · ')}</sub>`);
  const run = runNotes(report);
  if (run.length) parts.push(`**Run** ${run.map((n) => escapeInline(n, 200)).join(' · ')}`);
  if (report.baseline && !report.baseline.loaded) {
    parts.push(
      `> [!WARNING]\n> **Baseline not compared:** ${escapeInline((report.baseline.messages[0] ?? 'it could not be read').replace(/\.$/, ''), MESSAGE_MAX)}. The verdict does not depend on it; criteria that use \`baseline.\` are skipped.`,
    );
  }
  const notes = shortened.filter(Boolean);
  if (notes.length) {
    parts.push(
      `> [!NOTE]\n> This report was shortened to fit GitHub's ${(ctx.limit ?? COMMENT_LIMIT).toLocaleString('en-US')}-character limit: ${notes.join('; ')}. The JSON report${ctx.reportPath ? ` (${codeSpan(ctx.reportPath, { max: 200 })})` : ''} has everything.`,
    );
  }
  return parts;
}

/** The sections, each '' (left out) when it has nothing to say or the shape drops it. */
function body(report: Report, shape: Shape): string[] {
  return [
    diagnosesMarkdown(report.diagnoses, shape.maxDiagnoses),
    capacityMarkdown(report, { chart: shape.chart, probes: shape.details }),
    shape.chart ? chartSection(report) : '',
    stagesSection(report, shape.maxStages),
    arrivalsMarkdown(report),
    historyMarkdown(report, { chart: shape.chart }),
    compareSection(report),
    serverMarkdown(report.server, { charts: shape.chart }),
    shape.samples ? samplesSection(report) : '',
    shape.details ? shardsSection(report) : '',
    shape.criteria.table ? criteriaSection(report) : '',
    shape.details ? perStageSection(report, true) : '',
    baselineSection(report, shape.maxNotes),
    shape.details ? diagnosisDetailsMarkdown(report.diagnoses, shape.maxDiagnoses) : '',
  ].filter(Boolean);
}

/** The tool's version, how percentiles are computed, where the JSON report is. */
function footer(report: Report, ctx: MarkdownContext): string {
  const footer = [
    `ttfc-gate ${escapeInline(report.tool.version, 40)}`,
    `percentiles: ${escapeInline(report.percentileMethod, 200)}`,
    ctx.reportPath ? `JSON report: ${codeSpan(ctx.reportPath, { max: 200 })}` : '',
  ].filter(Boolean);
  return `<sub>${footer.join(' · ')}</sub>`;
}
