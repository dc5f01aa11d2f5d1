// The markdown report: one document for the PR comment and the job summary. Pure: a function of
// the Report and a small context; knows nothing of the GitHub client.

import { DEFAULT_SUCCESS_RATE_DROP } from '../analysis/baseline.js';
import { compareTable } from './ab.js';
import { mermaidChart, ttfcDistribution } from './chart.js';
import { criterionOf } from '../analysis/criteria/index.js';
import { metric as metricOf, metricValue } from '../analysis/metrics.js';
import { verdictOf } from '../analysis/verdict.js';
import { differs, formatThreshold, formatThresholdPct, formatValue, ms, plural } from '../format.js';
import { codeSpan, commentMarker, escapeHtml, escapeInline, mdTable } from './escape.js';
import { baselineFor, baselineTitle, efficiencyFor, efficiencyReference, formatEfficiency, formatEvidence, formatRange, runNotes, showsEfficiency, showsStreamRate, spreadFor } from './common.js';
import type { BaselineDelta, CriterionResult, Report, StageSummary, Stats } from '../types.js';
import { serverMarkdown } from './server.js';

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
// missed criteria, in plain text

/** One line per missed criterion: `@10: ttfc.avg < 1s — 10 users: actual 2.05 s, threshold 1 s`. Plain text. */
export function describeResult(c: CriterionResult): string {
  const where = c.users === null ? '' : ` — ${plural(c.users, 'user')}`;
  const why = c.reason ? ` (${c.reason})` : '';
  return `${c.text}${where}: actual ${formatValue(c.actual, c.unit)}, threshold ${formatThreshold(c.threshold, c.unit)}${why}`;
}

// ---------------------------------------------------------------------------------------------
// pieces

const MISSING = '—';

/** Marks per stage index and cell (the metric's cell in the table: see metrics.ts): '❌' (a failing criterion missed) or '⚠️' (a warning). */
function stageMarks(report: Report): Map<string, string> {
  const marks = new Map<string, string>();
  for (const c of report.criteria) {
    if (c.status !== 'fail' || c.users === null) continue;
    const metric = criterionOf(c)?.metric;
    const m = metric === undefined ? null : metricOf(metric);
    if (!metric || !m) continue;
    const col = m.cell ?? m.name;
    // A result carries the stage's users, not its index: several stages may share a user count,
    // so the stage is the one whose value is the result's actual value.
    const candidates = report.stages.filter((s) => !s.skipped && s.users === c.users);
    const stage =
      c.stage !== undefined
        ? report.stages.find((s) => s.index === c.stage)
        : candidates.length === 1
        ? candidates[0]
        : candidates.find((s) => {
            const v = metricValue(s, metric);
            return v === null ? c.actual === null : c.actual !== null && Math.abs(v - c.actual) <= 1e-6 * Math.max(1, Math.abs(v));
          });
    if (!stage) continue;
    const key = `${stage.index}:${col}`;
    const mark = c.severity === 'fail' ? '❌' : '⚠️';
    if (marks.get(key) !== '❌') marks.set(key, mark);
  }
  return marks;
}

/** `<br>▲ 30%`, a regression `<br>❗ **▲ 30%**`; '' when not compared. */
function deltaSuffix(d: BaselineDelta | undefined): string {
  if (!d || !d.text) return '';
  return d.regressed ? `<br>❗ **${d.text}**` : `<br>${d.text}`;
}

function stagesSection(report: Report, maxRows: number, maxNotes: number): string {
  const stages = report.stages;
  const showTtft = stages.some((s) => differs(s.ttft, s.ttfc));
  const showTtfr = stages.some((s) => s.ttfr && s.ttfr.n > 0);
  const showTokens = stages.some((s) => s.tokens);
  const showRate = showsStreamRate(report);
  const showEff = showsEfficiency(report);
  const marks = stageMarks(report);
  const cell = (s: StageSummary, col: string, text: string): string => {
    const mark = marks.get(`${s.index}:${col}`);
    return mark ? `${mark} **${text}**` : text;
  };
  const head = [
    'Stage', 'Users × requests', 'Success', 'TTFC avg', 'TTFC p50', 'TTFC p95', 'TTFC max',
    ...(showTtft ? ['TTFT avg', 'TTFT p95'] : []),
    ...(showTtfr ? ['TTFR avg'] : []),
    'Total avg', 'Throughput',
    ...(showTokens ? ['Tokens/s'] : []),
    ...(showRate ? ['Stream rate'] : []),
    ...(showEff ? ['Scaling'] : []),
  ];
  const align: Array<'l' | 'r'> = head.map((_, i) => (i === 1 ? 'l' : 'r'));
  const shown = stages.slice(0, maxRows);
  const rows = shown.map((s) => {
    const load = `${s.users} × ${s.requestsPerUser}`;
    if (s.skipped) return [String(s.index), load, 'skipped', ...head.slice(3).map(() => MISSING)];
    const b = baselineFor(report, s.index);
    const success = `${s.succeeded}/${s.issued} (${formatValue(s.successRate * 100, '%')})`;
    return [
      String(s.index),
      load,
      cell(s, 'success', success) + deltaSuffix(b?.successRate),
      cell(s, 'ttfc.avg', ms(s.ttfc.avg)) + deltaSuffix(b?.ttfcAvg),
      cell(s, 'ttfc.p50', ms(s.ttfc.p50)),
      cell(s, 'ttfc.p95', ms(s.ttfc.p95)) + deltaSuffix(b?.ttfcP95),
      cell(s, 'ttfc.max', ms(s.ttfc.max)),
      ...(showTtft ? [cell(s, 'ttft.avg', ms(s.ttft.avg)), cell(s, 'ttft.p95', ms(s.ttft.p95))] : []),
      ...(showTtfr ? [s.ttfr && s.ttfr.n > 0 ? ms(s.ttfr.avg) : MISSING] : []),
      cell(s, 'total.avg', ms(s.total.avg)),
      cell(s, 'rps', `${s.rps.toFixed(2)} req/s`),
      ...(showTokens ? [s.tokens ? `${s.tokens.perSec.toFixed(1)} tok/s` : MISSING] : []),
      ...(showRate ? [s.streamRate?.perRequest.p50 != null ? `${s.streamRate.perRequest.p50.toFixed(1)} events/s` : MISSING] : []),
      ...(showEff ? [formatEfficiency(efficiencyFor(report, s.index))] : []),
    ];
  });
  const more = stages.length - shown.length;
  const note = more > 0 ? `\n\n_… ${plural(more, 'more stage', 'more stages')} not shown._` : '';
  const legend = ['Latencies are over the successful requests (n = the first number under Success). ❌ marks a value that misses a criterion, ⚠️ a warning.'];
  if (showTtfr) legend.push('TTFR: time to the first reasoning token.');
  if (showRate) legend.push('Stream rate: the server sent no token usage, so this is events per second after the first chunk (median per request), not tokens/s.');
  const retried = stages.filter((s) => (s.retries ?? 0) > 0);
  if (retried.length > 0) {
    const where = retried.map((s) => `${s.retries} at stage ${s.index}`).join(', ');
    legend.push(`Sent again on a new connection (the server closed the reused one before answering, a keep-alive race browsers retry too): ${where}; their TTFC counts from the first attempt.`);
  }
  if (showEff) {
    const ref = efficiencyReference(report);
    legend.push(`Scaling: the throughput gain divided by the users gain against the ${ref === null ? 'smallest' : `${ref}-user`} stage — 100% is perfect scaling, 1/N means requests are served one at a time.`);
  }
  const b = report.baseline;
  let baselineText = '';
  if (b?.loaded) {
    legend.push(
      `▲ / ▼: change against the baseline ${codeSpan(baselineTitle(report), { max: 200 })}; ❗ marks a regression (TTFC avg or p95 more than ` +
        `${formatThresholdPct(b.threshold)} slower, or the success rate ${Math.round(DEFAULT_SUCCESS_RATE_DROP * 100)} pp lower).`,
    );
    const lines = b.messages.slice(0, maxNotes).map((m) => `- ${escapeInline(m, MESSAGE_MAX)}`);
    if (b.messages.length > lines.length) lines.push(`- _… ${b.messages.length - lines.length} more in the JSON report._`);
    const regressions = b.regressions.length
      ? `**Regressions against the baseline** at ${b.regressions.join(', ')} users (see Diagnoses).`
      : b.stages.length
        ? 'No regression against the baseline.'
        : 'No stage could be compared with the baseline.';
    baselineText = `\n\n${regressions}${lines.length ? `\n\n${lines.join('\n')}` : ''}`;
  }
  return `### Stages\n\n${mdTable(head, align, rows)}${note}\n\n${legend.join(' ')}${baselineText}`;
}

/** Same-run A/B: head and base side by side, the ratio column with its interval. '' without compare-url. */
function compareSection(report: Report): string {
  const t = compareTable(report, (text) => `❗ **${text}**`);
  const c = report.compare;
  if (!t || !c) return '';
  const align: Array<'l' | 'r'> = t.head.map((_, i) => (i === 1 ? 'l' : 'r'));
  const summary = c.regressions.length
    ? `**Slower than the base** at ${c.regressions.join(', ')} users (see Diagnoses).`
    : c.improvements.length
      ? `**Faster than the base** at ${c.improvements.join(', ')} users.`
      : 'No stage is a regression against the base.';
  return `### Head vs base (same run)

Base: ${codeSpan(c.url, { max: 500 })}

${mdTable(t.head, align, t.rows.map((r) => r.cells))}

${summary} ${t.legend}`;
}

/** Per stage: TTFC intervals, the spread over `repeat` runs, the TTFC distribution. '' when there is none of them. */
function detailsSection(report: Report): string {
  const ran = report.stages.filter((s) => !s.skipped);
  const hasIntervals = ran.some((s) => s.ttfcInterval);
  const repeat = report.repeat && report.repeat.runs > 1 ? report.repeat : null;
  const dist = ttfcDistribution(report);
  const hasDist = dist !== null && dist.rows.some((r) => r.n > 0);
  if (!hasIntervals && !repeat && !hasDist) return '';
  const level = ran.find((s) => s.ttfcInterval)?.ttfcInterval?.level ?? 0.95;
  const pct = `${Math.round(level * 100)}%`;
  const head = [
    'Stage', 'Users',
    ...(hasIntervals ? [`TTFC avg, ${pct} CI`, `TTFC p95, ${pct} CI`] : []),
    ...(repeat ? [`TTFC avg over ${repeat.runs} runs`, 'Run shown'] : []),
    ...(hasDist ? ['TTFC distribution', 'Range'] : []),
  ];
  const rows = ran.map((s) => {
    const sp = spreadFor(repeat, s.index);
    const row = dist?.rows.find((r) => r.index === s.index);
    return [
      String(s.index),
      String(s.users),
      ...(hasIntervals ? [formatRange(s.ttfcInterval?.avg), formatRange(s.ttfcInterval?.p95)] : []),
      ...(repeat
        ? [
            sp && sp.ttfcAvg.min !== null && sp.ttfcAvg.max !== null ? formatRange({ low: sp.ttfcAvg.min, high: sp.ttfcAvg.max }) : MISSING,
            sp ? `${sp.chosenRun + 1} of ${repeat.runs}` : MISSING,
          ]
        : []),
      ...(hasDist ? [row && row.n > 0 ? codeSpan(`▕${row.spark}▏`, { inTable: true }) : MISSING, row && row.n > 0 ? `${ms(row.min)} – ${ms(row.max)}` : MISSING] : []),
    ];
  });
  const legend: string[] = [];
  if (hasIntervals) legend.push(`CI: ${pct} confidence interval (seeded bootstrap over the successful requests: the same requests give the same interval).`);
  if (repeat) legend.push(`The whole plan ran ${repeat.runs} times; each stage shows its median run by TTFC avg, this column the fastest and slowest run.`);
  if (hasDist && dist) legend.push(`Distribution: ${dist.bins} bins from ${ms(dist.lo)} to ${ms(dist.hi)}, the same for every stage (taller = more requests).`);
  const align: Array<'l' | 'r'> = head.map((h) => (h === 'TTFC distribution' ? 'l' : 'r'));
  return `### Per stage: confidence${repeat ? ', runs' : ''} and distribution\n\n${mdTable(head, align, rows)}\n\n${legend.join(' ')}`;
}

const STATUS_ICON: Record<string, string> = { pass: '✅', fail: '❌', warn: '⚠️', skipped: '⏭️ skipped', inconclusive: '❔' };

function statusCell(c: CriterionResult): string {
  if (c.status === 'inconclusive') return '❔ inconclusive';
  const icon = c.status === 'fail' && c.severity === 'warn' ? STATUS_ICON.warn! : (STATUS_ICON[c.status] ?? c.status);
  // verdict strict: the measured value decided, but the interval straddles the threshold.
  return c.inconclusive ? `${icon} ❔` : icon;
}

function criterionRow(c: CriterionResult): string[] {
  const stage = c.users === null ? 'all' : plural(c.users, 'user');
  if (c.status === 'skipped') {
    return [statusCell(c), codeSpan(c.text, { inTable: true, max: 200 }), stage, MISSING, c.reason ? escapeInline(c.reason, MESSAGE_MAX) : MISSING];
  }
  const ci = c.interval && !c.reason ? ` (${Math.round(c.interval.level * 100)}% CI ${formatValue(c.interval.low, c.unit)} – ${formatValue(c.interval.high, c.unit)})` : '';
  const actual = formatValue(c.actual, c.unit) + (c.reason ? ` (${escapeInline(c.reason, MESSAGE_MAX)})` : ci);
  const op = criterionOf(c)?.op;
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
  if (all.some((c) => c.interval)) {
    const confident = report.config?.verdict === 'confident';
    notes.push(
      confident
        ? 'Verdict confident: a criterion fails only when its whole 95% interval is on the wrong side; ❔ inconclusive ones (the interval straddles the threshold) do not fail.'
        : 'Verdict strict: the measured value decides; ❔ marks a criterion whose 95% interval straddles its threshold (`verdict: confident` would not fail it).',
    );
  }
  const table = shown.length ? mdTable(['', 'Criterion', 'Stage', 'Threshold', 'Actual'], ['c', 'l', 'l', 'r', 'r'], shown.map(criterionRow)) : '';
  const text = ['### Criteria', table, notes.length ? `_${notes.join(' ')}_` : ''].filter(Boolean).join('\n\n');
  return { text, hidden: all.length - shown.length };
}

const MAX_SHARD_ROWS = 20;

/** A merged run: what each shard contributed, and how far after the first shard it started each stage. */
function shardsSection(report: Report): string {
  const m = report.merge;
  if (!m) return '';
  const rows = m.shards.slice(0, MAX_SHARD_ROWS).map((s) => [
    `${s.index}/${s.count}`,
    escapeInline(s.host, 60),
    s.stages.map((t) => String(t.users)).join(' · '),
    String(s.stages.reduce((n, t) => n + t.requests, 0)),
    s.stages.map((t) => (t.offsetMs === null || t.offsetMs === undefined ? '–' : `+${Math.round(t.offsetMs)}`)).join(' · '),
  ]);
  const more = m.shards.length > rows.length ? `\n\n_… ${m.shards.length - rows.length} more shards in the JSON report._` : '';
  const flagged = m.startSpread.filter((x) => x.flagged);
  const note = flagged.length
    ? `⚠️ Stage starts more than ${m.boundMs} ms apart: ${flagged.map((x) => `stage ${x.index} (${Math.round(x.ms)} ms)`).join(', ')}.`
    : `Every stage started within ${m.boundMs} ms on every shard.`;
  return `### Shards\n\n${mdTable(['Shard', 'Host', 'Users per stage', 'Requests', 'Start offset per stage (ms)'], ['l', 'l', 'l', 'r', 'l'], rows)}${more}\n\n_${note}_`;
}

function diagnosesSection(report: Report, max: number): string {
  if (!report.diagnoses.length) return '';
  const shown = report.diagnoses.slice(0, max);
  const lines = shown.map((d) => {
    const where = d.users === null ? '' : ` (${plural(d.users, 'user', 'users')})`;
    const ev = formatEvidence(d.evidence);
    return `- **${escapeInline(d.kind, 40)}**${where}: ${escapeInline(d.message, 1000)}${ev ? `<br><sub>evidence: ${codeSpan(ev)}</sub>` : ''}`;
  });
  if (report.diagnoses.length > shown.length) lines.push(`- _… ${report.diagnoses.length - shown.length} more not shown._`);
  return `### Diagnoses\n\n${lines.join('\n')}`;
}

/** TTFC avg and p95 against concurrency: a mermaid xychart (GitHub renders it). '' with fewer than two stages to plot. */
function chartSection(report: Report): string {
  const chart = mermaidChart(report.stages, report.compare ? { base: report.compare.stages.map((s) => s.base) } : {});
  return chart ? `### TTFC vs concurrency\n\n${chart}` : '';
}

function samplesSection(report: Report): string {
  // Same-run A/B: the compare target's failures too, their stage marked "(base)".
  const base = report.compare?.errorSamples ?? [];
  if (!report.errorSamples.length && !base.length) return '';
  const row = (e: Report['errorSamples'][number], side: string): string[] => [
    `${e.stage}${side}`,
    codeSpan(e.category, { inTable: true }),
    e.status === null ? MISSING : String(e.status),
    e.message ? escapeInline(e.message, MESSAGE_MAX) : '_(no message)_',
  ];
  const rows = [...report.errorSamples.map((e) => row(e, '')), ...base.map((e) => row(e, ' (base)'))];
  return `### Error samples\n\nThe first few failures of each category, as the server sent them (escaped, truncated).\n\n${mdTable(['Stage', 'Category', 'Status', 'Message'], ['r', 'l', 'r', 'l'], rows)}`;
}

// ---------------------------------------------------------------------------------------------
// the document

interface Shape {
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
  const run = runNotes(report);
  if (run.length) parts.push(`**Run** ${run.map((n) => escapeInline(n, 200)).join(' · ')}`);
  if (report.baseline && !report.baseline.loaded) {
    parts.push(`> [!WARNING]\n> **Baseline not compared:** ${escapeInline((report.baseline.messages[0] ?? 'it could not be read').replace(/\.$/, ''), MESSAGE_MAX)}. The verdict does not depend on it; criteria that use \`baseline.\` are skipped.`);
  }
  const notes = shortened.filter(Boolean);
  if (notes.length) {
    parts.push(`> [!NOTE]\n> This report was shortened to fit GitHub's ${(ctx.limit ?? COMMENT_LIMIT).toLocaleString('en-US')}-character limit: ${notes.join('; ')}. The JSON report${ctx.reportPath ? ` (${codeSpan(ctx.reportPath, { max: 200 })})` : ''} has everything.`);
  }
  parts.push(stagesSection(report, shape.maxStages, shape.maxNotes));
  const ab = compareSection(report);
  if (ab) parts.push(ab);
  if (shape.details) {
    const details = detailsSection(report);
    if (details) parts.push(details);
    const shards = shardsSection(report);
    if (shards) parts.push(shards);
  }
  parts.push(criteriaSection(report, shape.criteria).text);
  const diag = diagnosesSection(report, shape.maxDiagnoses);
  if (diag) parts.push(diag);
  const server = serverMarkdown(report.server, { charts: shape.chart });
  if (server) parts.push(server);
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
 * least important parts first — error samples, the per-stage intervals and distributions (and all
 * but three baseline notes), then the passing/skipped criteria rows, then missed criteria rows beyond
 * what fits, the chart, diagnoses, stage rows — and says what it left out.
 */
export function renderMarkdown(report: Report, ctx: MarkdownContext = {}): string {
  const limit = ctx.limit ?? COMMENT_LIMIT;
  const total = report.criteria.length;
  const missed = report.criteria.filter((c) => c.status === 'fail').length;
  const shape: Shape = {
    samples: true,
    details: true,
    maxNotes: 10,
    criteria: { missedOnly: false, maxRows: total },
    maxStages: report.stages.length,
    maxDiagnoses: report.diagnoses.length,
    chart: true,
  };
  const notes: string[] = [];
  let out = compose(report, ctx, shape, notes);
  const fits = (): boolean => (out = compose(report, ctx, shape, notes)).length <= limit;
  /** Leaves a part out (changing the shape), says so in the notes; whether the document now fits. */
  const drop = (leaveOut: () => void, note?: string): boolean => {
    leaveOut();
    if (note !== undefined) notes.push(note);
    return fits();
  };
  /** Shows only as many of `count` rows as fit (`show(n)` sets the shape and returns the note); whether it fits. */
  const shrink = (count: number, show: (n: number) => string): boolean => {
    const i = notes.push('') - 1;
    const withRows = (n: number): boolean => {
      notes[i] = show(n);
      return fits();
    };
    withRows(Math.max(0, largest(0, count, withRows)));
    return out.length <= limit;
  };
  if (out.length <= limit) return out;

  // 1. error samples
  const sampleCount = report.errorSamples.length + (report.compare?.errorSamples.length ?? 0);
  if (sampleCount && drop(() => (shape.samples = false), `${plural(sampleCount, 'error sample')} left out`)) return out;
  // 2. the per-stage details (intervals, runs, distributions) and all but a few baseline notes
  if (detailsSection(report) && drop(() => (shape.details = false), 'the per-stage intervals and distributions left out')) return out;
  if ((report.baseline?.messages.length ?? 0) > 3 && drop(() => (shape.maxNotes = 3))) return out;
  // 3. criteria that passed or were skipped: counted, not listed
  if (total > missed && drop(() => (shape.criteria = { missedOnly: true, maxRows: missed }), 'only the missed criteria are listed')) return out;
  // 4. missed criteria rows beyond what fits
  const missedRows = (n: number): string => {
    shape.criteria = { missedOnly: true, maxRows: n };
    return n < missed ? `${plural(missed - n, 'missed criterion', 'missed criteria')} not listed (the check's message names them)` : '';
  };
  if (missed > 0 && shrink(missed, missedRows)) return out;
  // 5. the chart, then diagnoses, then stage rows
  if (chartSection(report) && drop(() => (shape.chart = false), 'the chart left out')) return out;
  const diagnosisRows = (n: number): string => {
    shape.maxDiagnoses = n;
    return n < report.diagnoses.length ? `${plural(report.diagnoses.length - n, 'diagnosis', 'diagnoses')} left out` : '';
  };
  if (report.diagnoses.length && shrink(report.diagnoses.length, diagnosisRows)) return out;
  const stageRows = (n: number): string => {
    shape.maxStages = n;
    return n < report.stages.length ? `${plural(report.stages.length - n, 'stage row')} left out` : '';
  };
  if (shrink(report.stages.length, stageRows)) return out;
  // 6. last resort (a huge URL or tag cannot get here: both are truncated): cut at a line break.
  const tail = '\n\n_… cut to fit the limit._\n';
  const cut = out.slice(0, Math.max(0, limit - tail.length));
  const nl = cut.lastIndexOf('\n');
  return `${nl > 0 ? cut.slice(0, nl) : cut}${tail}`;
}
