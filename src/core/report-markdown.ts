// The markdown report: one document for the PR comment and the job summary. Pure: a function of
// the Report and a small context; knows nothing of the GitHub client.

import { formatThreshold, formatValue, metricUnit } from './criteria.js';
import { codeSpan, commentMarker, escapeHtml, escapeInline, mdTable } from './markdown.js';
import type { CriterionResult, Report, StageSummary, Stats } from './types.js';

/** GitHub rejects issue comments longer than this (characters). */
export const COMMENT_LIMIT = 65_536;
/** Longest server message shown in an error sample or diagnosis (characters, before escaping). */
export const MESSAGE_MAX = 300;

export interface MarkdownContext {
  /** `comment-tag`: adds the hidden marker `<!-- ttfc-gate:TAG -->` (first line) and names a non-default tag. */
  tag?: string | null;
  /** Link to the workflow run. */
  runUrl?: string | null;
  /** The commit under test (full SHA); defaults to report.target.commit. */
  commit?: string | null;
  /** Link to the commit. */
  commitUrl?: string | null;
  /** Whether a missed criterion fails the check; defaults to report.config.failOnCriteria (true). */
  failOnCriteria?: boolean;
  /** Where the JSON report was written (shown in the footer). */
  reportPath?: string | null;
  /** Maximum length of the document (default COMMENT_LIMIT). */
  limit?: number;
}

// ---------------------------------------------------------------------------------------------
// verdict

export interface Verdict {
  /** Failing (non-warn) criteria that were missed. */
  failed: CriterionResult[];
  /** Missed warn criteria. */
  warned: CriterionResult[];
  icon: string;
  /** e.g. "failed: 2 criteria missed", "passed with 1 warning". */
  text: string;
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

export function verdictOf(report: Report, failOnCriteria = true): Verdict {
  const failed = report.criteria.filter((c) => c.status === 'fail' && c.severity === 'fail');
  const warned = report.criteria.filter((c) => c.status === 'fail' && c.severity === 'warn');
  const warnText = warned.length ? `, ${plural(warned.length, 'warning', 'warnings')}` : '';
  if (report.smokeFailed) {
    return { failed, warned, icon: '❌', text: `failed: smoke test failed (no request of the first stage succeeded)${failOnCriteria ? '' : ' — report only'}` };
  }
  if (failed.length) {
    const text = `${plural(failed.length, 'criterion', 'criteria')} missed${warnText}`;
    return { failed, warned, icon: '❌', text: failOnCriteria ? `failed: ${text}` : `${text} — report only (\`fail-on-criteria: false\`)` };
  }
  if (warned.length) return { failed, warned, icon: '⚠️', text: `passed with ${plural(warned.length, 'warning', 'warnings')}` };
  return { failed, warned, icon: '✅', text: 'passed' };
}

/** One line per missed criterion: `@10: ttfc.avg < 1s — 10 users: actual 2.05 s, threshold 1 s`. Plain text. */
export function describeResult(c: CriterionResult): string {
  const where = c.users === null ? '' : ` — ${plural(c.users, 'user', 'users')}`;
  const why = c.reason ? ` (${c.reason})` : '';
  return `${c.text}${where}: actual ${formatValue(c.actual, c.unit)}, threshold ${formatThreshold(c.threshold, c.unit)}${why}`;
}

// ---------------------------------------------------------------------------------------------
// pieces

const ms = (v: number | null): string => formatValue(v, 'ms');
const MISSING = '—';

function differs(a: Stats, b: Stats): boolean {
  return a.avg !== null && b.avg !== null && Math.abs(a.avg - b.avg) > 0.05;
}

/** The metric a criterion is about (`@10: ttfc.avg < 1s` → `ttfc.avg`). */
export function criterionMetric(text: string): string | null {
  const m = /^\s*(?:@\s*\d+\s*:\s*)?([A-Za-z_]+(?:\.[A-Za-z0-9]+)?)/.exec(text);
  return m?.[1] ?? null;
}

/** The value of a metric on a stage, as criteria see it (for matching a result to its stage). */
function stageMetric(s: StageSummary, metric: string): number | null {
  switch (metric) {
    case 'success_rate':
      return s.successRate * 100;
    case 'errors':
      return s.failed;
    case 'errors_5xx':
      return s.failures.http_5xx;
    case 'timeouts':
      return s.failures.timeout;
    case 'rps':
      return s.rps;
  }
  const [base, stat] = metric.split('.');
  const st = (s as unknown as Record<string, Record<string, number | null> | undefined>)[base ?? '']?.[stat ?? ''];
  return typeof st === 'number' ? st : null;
}

/** Stage-table column of a metric, if the table shows it. */
function columnOf(metric: string): string | null {
  if (metric === 'success_rate' || metric === 'errors' || metric === 'errors_5xx' || metric === 'timeouts') return 'success';
  if (metric === 'rps') return 'rps';
  if (['ttfc.avg', 'ttfc.p50', 'ttfc.p95', 'ttfc.max', 'ttft.avg', 'ttft.p95', 'total.avg'].includes(metric)) return metric;
  return null;
}

/** Marks per stage index and column: '❌' (a failing criterion missed) or '⚠️' (a warning). */
function stageMarks(report: Report): Map<string, string> {
  const marks = new Map<string, string>();
  for (const c of report.criteria) {
    if (c.status !== 'fail' || c.users === null) continue;
    const metric = criterionMetric(c.text);
    const col = metric ? columnOf(metric) : null;
    if (!metric || !col) continue;
    // A result carries the stage's users, not its index: several stages may share a user count,
    // so the stage is the one whose value is the result's actual value.
    const candidates = report.stages.filter((s) => !s.skipped && s.users === c.users);
    const stage =
      candidates.length === 1
        ? candidates[0]
        : candidates.find((s) => {
            const v = stageMetric(s, metric);
            return v === null ? c.actual === null : c.actual !== null && Math.abs(v - c.actual) <= 1e-6 * Math.max(1, Math.abs(v));
          });
    if (!stage) continue;
    const key = `${stage.index}:${col}`;
    const mark = c.severity === 'fail' ? '❌' : '⚠️';
    if (marks.get(key) !== '❌') marks.set(key, mark);
  }
  return marks;
}

function stagesSection(report: Report, maxRows: number): string {
  const stages = report.stages;
  const showTtft = stages.some((s) => differs(s.ttft, s.ttfc));
  const marks = stageMarks(report);
  const cell = (s: StageSummary, col: string, text: string): string => {
    const mark = marks.get(`${s.index}:${col}`);
    return mark ? `${mark} **${text}**` : text;
  };
  const head = ['Stage', 'Users × requests', 'Success', 'TTFC avg', 'TTFC p50', 'TTFC p95', 'TTFC max', ...(showTtft ? ['TTFT avg', 'TTFT p95'] : []), 'Total avg', 'Throughput'];
  const align: Array<'l' | 'r'> = ['r', 'l', 'r', 'r', 'r', 'r', 'r', ...(showTtft ? (['r', 'r'] as const) : []), 'r', 'r'];
  const shown = stages.slice(0, maxRows);
  const rows = shown.map((s) => {
    const load = `${s.users} × ${s.requestsPerUser}`;
    if (s.skipped) return [String(s.index), load, 'skipped', ...head.slice(3).map(() => MISSING)];
    const success = `${s.succeeded}/${s.issued} (${formatValue(s.successRate * 100, '%')})`;
    return [
      String(s.index),
      load,
      cell(s, 'success', success),
      cell(s, 'ttfc.avg', ms(s.ttfc.avg)),
      cell(s, 'ttfc.p50', ms(s.ttfc.p50)),
      cell(s, 'ttfc.p95', ms(s.ttfc.p95)),
      cell(s, 'ttfc.max', ms(s.ttfc.max)),
      ...(showTtft ? [cell(s, 'ttft.avg', ms(s.ttft.avg)), cell(s, 'ttft.p95', ms(s.ttft.p95))] : []),
      cell(s, 'total.avg', ms(s.total.avg)),
      cell(s, 'rps', `${s.rps.toFixed(2)} req/s`),
    ];
  });
  const more = stages.length - shown.length;
  const note = more > 0 ? `\n\n_… ${plural(more, 'more stage', 'more stages')} not shown._` : '';
  const legend = '\n\nLatencies are over the successful requests (n = the first number under Success). ❌ marks a value that misses a criterion, ⚠️ a warning.';
  return `### Stages\n\n${mdTable(head, align, rows)}${note}${legend}`;
}

const STATUS_ICON: Record<string, string> = { pass: '✅', fail: '❌', warn: '⚠️', skipped: '⏭️ skipped', inconclusive: '❔' };

function statusCell(c: CriterionResult): string {
  if (c.status === 'fail' && c.severity === 'warn') return STATUS_ICON.warn!;
  return STATUS_ICON[c.status] ?? c.status;
}

/** The comparison of a criterion (`@10: ttfc.avg < 1s` → `<`). */
export function criterionOp(text: string): string | null {
  return /(<=|>=|==|!=|<|>)/.exec(text)?.[1] ?? null;
}

function criterionRow(c: CriterionResult): string[] {
  const stage = c.users === null ? 'all' : plural(c.users, 'user', 'users');
  if (c.status === 'skipped') {
    return [statusCell(c), codeSpan(c.text, { inTable: true, max: 200 }), stage, MISSING, c.reason ? escapeInline(c.reason, MESSAGE_MAX) : MISSING];
  }
  const actual = formatValue(c.actual, c.unit) + (c.reason ? ` (${escapeInline(c.reason, MESSAGE_MAX)})` : '');
  const op = criterionOp(c.text);
  return [
    statusCell(c),
    codeSpan(c.text, { inTable: true, max: 200 }),
    stage,
    `${op ? `${escapeHtml(op)} ` : ''}${formatThreshold(c.threshold, c.unit)}`,
    c.status === 'fail' ? `**${actual}**` : actual,
  ];
}

interface CriteriaMode {
  /** List only missed criteria (fail and warn); the others are counted. */
  missedOnly: boolean;
  /** At most this many rows. */
  maxRows: number;
}

function criteriaSection(report: Report, mode: CriteriaMode): { text: string; hidden: number } {
  const all = report.criteria;
  if (all.length === 0) return { text: '### Criteria\n\nNo criteria were given.', hidden: 0 };
  const missed = (c: CriterionResult): boolean => c.status === 'fail';
  const listed = mode.missedOnly ? all.filter(missed) : all;
  const shown = listed.slice(0, mode.maxRows);
  const notes: string[] = [];
  if (mode.missedOnly) {
    const passed = all.filter((c) => c.status === 'pass').length;
    const skipped = all.filter((c) => c.status === 'skipped').length;
    const other = all.length - listed.length - passed - skipped;
    const parts = [passed ? `${passed} passed` : '', skipped ? `${skipped} skipped` : '', other ? `${other} other` : ''].filter(Boolean);
    if (parts.length) notes.push(`${parts.join(', ')} not listed.`);
  }
  if (listed.length > shown.length) notes.push(`… ${plural(listed.length - shown.length, 'more row', 'more rows')} not shown.`);
  const table = shown.length ? mdTable(['', 'Criterion', 'Stage', 'Threshold', 'Actual'], ['c', 'l', 'l', 'r', 'r'], shown.map(criterionRow)) : '';
  const text = ['### Criteria', table, notes.length ? `_${notes.join(' ')}_` : ''].filter(Boolean).join('\n\n');
  return { text, hidden: all.length - shown.length };
}

function diagnosesSection(report: Report, max: number): string {
  if (!report.diagnoses.length) return '';
  const shown = report.diagnoses.slice(0, max);
  const lines = shown.map((d) => {
    const where = d.users === null ? '' : ` (${plural(d.users, 'user', 'users')})`;
    return `- **${escapeInline(d.kind, 40)}**${where}: ${escapeInline(d.message, 1000)}`;
  });
  if (report.diagnoses.length > shown.length) lines.push(`- _… ${report.diagnoses.length - shown.length} more not shown._`);
  return `### Diagnoses\n\n${lines.join('\n')}`;
}

const BLOCKS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

function bar(value: number, maxValue: number, width: number): string {
  if (maxValue <= 0 || value <= 0) return '';
  const eighths = Math.max(1, Math.round((value / maxValue) * width * 8));
  return '█'.repeat(Math.floor(eighths / 8)) + (BLOCKS[eighths % 8] ?? '');
}

/** TTFC avg against concurrency as a text bar chart (numbers only, no server text). */
function chartSection(report: Report): string {
  const run = report.stages.filter((s) => !s.skipped && s.ttfc.avg !== null);
  if (run.length < 2 || run.length > 30) return '';
  const width = 30;
  const top = Math.max(...run.map((s) => s.ttfc.avg ?? 0));
  const usersW = Math.max(5, ...run.map((s) => String(s.users).length));
  const avgW = Math.max(...run.map((s) => ms(s.ttfc.avg).length));
  const lines = run.map((s) => {
    const b = bar(s.ttfc.avg ?? 0, top, width).padEnd(width + 1);
    return `${String(s.users).padStart(usersW)}  ${b} ${ms(s.ttfc.avg).padStart(avgW)}   p95 ${ms(s.ttfc.p95)}`;
  });
  return `### TTFC vs concurrency\n\n\`\`\`text\n${'users'.padStart(usersW)}  TTFC avg\n${lines.join('\n')}\n\`\`\``;
}

function samplesSection(report: Report): string {
  if (!report.errorSamples.length) return '';
  const rows = report.errorSamples.map((e) => [
    String(e.stage),
    codeSpan(e.category, { inTable: true }),
    e.status === null ? MISSING : String(e.status),
    e.message ? escapeInline(e.message, MESSAGE_MAX) : '_(no message)_',
  ]);
  return `### Error samples\n\nThe first few failures of each category, as the server sent them (escaped, truncated).\n\n${mdTable(['Stage', 'Category', 'Status', 'Message'], ['r', 'l', 'r', 'l'], rows)}`;
}

// ---------------------------------------------------------------------------------------------
// the document

interface Shape {
  samples: boolean;
  criteria: CriteriaMode;
  maxStages: number;
  maxDiagnoses: number;
  chart: boolean;
}

function compose(report: Report, ctx: MarkdownContext, shape: Shape, shortened: string[]): string {
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
  parts.push(`**Target** ${target.join(' · ')}`);
  const notes = shortened.filter(Boolean);
  if (notes.length) {
    parts.push(`> [!NOTE]\n> This report was shortened to fit GitHub's ${(ctx.limit ?? COMMENT_LIMIT).toLocaleString('en-US')}-character limit: ${notes.join('; ')}. The JSON report${ctx.reportPath ? ` (${codeSpan(ctx.reportPath, { max: 200 })})` : ''} has everything.`);
  }
  parts.push(stagesSection(report, shape.maxStages));
  parts.push(criteriaSection(report, shape.criteria).text);
  const diag = diagnosesSection(report, shape.maxDiagnoses);
  if (diag) parts.push(diag);
  if (shape.chart) {
    const chart = chartSection(report);
    if (chart) parts.push(chart);
  }
  if (shape.samples) {
    const samples = samplesSection(report);
    if (samples) parts.push(samples);
  }
  const footer = [
    `ttfc-gate ${escapeInline(report.tool.version, 40)}`,
    `percentiles: ${escapeInline(report.percentileMethod, 200)}`,
    ctx.reportPath ? `JSON report: ${codeSpan(ctx.reportPath, { max: 200 })}` : '',
  ].filter(Boolean);
  parts.push(`<sub>${footer.join(' · ')}</sub>`);
  return `${parts.join('\n\n')}\n`;
}

/** The largest n in [lo, hi] for which fits(n) holds (fits is monotone), or lo - 1 when none does. */
function largest(lo: number, hi: number, fits: (n: number) => boolean): number {
  let best = lo - 1;
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

/**
 * The markdown report. Stays within `ctx.limit` (GitHub's comment limit by default) by dropping the
 * least important parts first — error samples, then the passing/skipped criteria rows, then missed
 * criteria rows beyond what fits, the chart, diagnoses, stage rows — and says what it left out.
 */
export function renderMarkdown(report: Report, ctx: MarkdownContext = {}): string {
  const limit = ctx.limit ?? COMMENT_LIMIT;
  const total = report.criteria.length;
  const missed = report.criteria.filter((c) => c.status === 'fail').length;
  const shape: Shape = {
    samples: true,
    criteria: { missedOnly: false, maxRows: total },
    maxStages: report.stages.length,
    maxDiagnoses: report.diagnoses.length,
    chart: true,
  };
  const notes: string[] = [];
  const render = (): string => compose(report, ctx, shape, notes);
  let out = render();
  if (out.length <= limit) return out;

  // 1. error samples
  if (report.errorSamples.length) {
    shape.samples = false;
    notes.push(`${plural(report.errorSamples.length, 'error sample', 'error samples')} left out`);
    out = render();
    if (out.length <= limit) return out;
  }
  // 2. criteria that passed or were skipped: counted, not listed
  if (total > missed) {
    shape.criteria = { missedOnly: true, maxRows: missed };
    notes.push(`only the missed criteria are listed`);
    out = render();
    if (out.length <= limit) return out;
  }
  // 3. missed criteria rows beyond what fits
  if (missed > 0) {
    const i = notes.push('') - 1;
    const withRows = (n: number): string => {
      shape.criteria = { missedOnly: true, maxRows: n };
      notes[i] = n < missed ? `${plural(missed - n, 'missed criterion', 'missed criteria')} not listed (the check's message names them)` : '';
      return render();
    };
    out = withRows(Math.max(0, largest(0, missed, (n) => withRows(n).length <= limit)));
    if (out.length <= limit) return out;
  }
  // 4. the chart, then diagnoses, then stage rows
  if (chartSection(report)) {
    shape.chart = false;
    notes.push('the chart left out');
    out = render();
    if (out.length <= limit) return out;
  }
  if (report.diagnoses.length) {
    const i = notes.push('') - 1;
    const withDiag = (n: number): string => {
      shape.maxDiagnoses = n;
      notes[i] = n < report.diagnoses.length ? `${plural(report.diagnoses.length - n, 'diagnosis', 'diagnoses')} left out` : '';
      return render();
    };
    out = withDiag(Math.max(0, largest(0, report.diagnoses.length, (n) => withDiag(n).length <= limit)));
    if (out.length <= limit) return out;
  }
  {
    const i = notes.push('') - 1;
    const withStages = (n: number): string => {
      shape.maxStages = n;
      notes[i] = n < report.stages.length ? `${plural(report.stages.length - n, 'stage row', 'stage rows')} left out` : '';
      return render();
    };
    out = withStages(Math.max(0, largest(0, report.stages.length, (n) => withStages(n).length <= limit)));
    if (out.length <= limit) return out;
  }
  // 5. last resort (a huge URL or tag cannot get here: both are truncated): cut at a line break.
  const tail = '\n\n_… cut to fit the limit._\n';
  const cut = out.slice(0, Math.max(0, limit - tail.length));
  const nl = cut.lastIndexOf('\n');
  return `${nl > 0 ? cut.slice(0, nl) : cut}${tail}`;
}
