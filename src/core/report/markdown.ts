// The markdown report: one document for the PR comment and the job summary. Pure: a function of
// the Report and a small context; knows nothing of the GitHub client.

import { DEFAULT_SUCCESS_RATE_DROP } from '../analysis/baseline.js';
import { compareTable } from './ab.js';
import { mermaidChart, ttfcDistribution, type ChartThreshold } from './chart.js';
import { criterionOf } from '../analysis/criteria/index.js';
import { metric as metricOf, metricValue } from '../analysis/metrics.js';
import { verdictOf } from '../analysis/verdict.js';
import { differs, formatThreshold, formatThresholdPct, formatValue, ms, plural } from '../format.js';
import { diagnosesMarkdown, diagnosisDetailsMarkdown } from './diagnoses.js';
import { codeSpan, commentMarker, escapeHtml, escapeInline, mdTable } from './escape.js';
import { baselineFor, baselineTitle, efficiencyFor, efficiencyReference, formatEfficiency, formatRange, runNotes, showsEfficiency, showsStreamRate, spreadFor } from './common.js';
import type { BaselineDelta, CriterionResult, StageSummary } from '../types.js';
import type { Report } from '../report-types.js';
import { serverMarkdown } from './server.js';
import { capacityHeadline, capacityMarkdown } from './capacity.js';
import { rateSweepCharts } from './rate-chart.js';
import { formatRate, scopeWho, stageKey, stageLoad, stageOf, stageWho } from '../config/stages.js';
import { arrivalsMarkdown } from './arrivals.js';
import { historyMarkdown, trendChart } from './trend.js';

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
  const who = scopeWho(c);
  const where = who === null ? '' : ` — ${who}`;
  const why = c.reason ? ` (${c.reason})` : '';
  return `${c.text}${where}: actual ${formatValue(c.actual, c.unit)}, threshold ${formatThreshold(c.threshold, c.unit)}${why}`;
}

// ---------------------------------------------------------------------------------------------
// pieces

const MISSING = '—';
/** U+00A0: a number and its unit never wrap apart in a narrow table. */
export const NBSP = '\u00A0';
const nb = (text: string): string => text.replace(/ /g, NBSP);
/** Inconclusive: a red question mark, visible on light and dark themes (❔ is white and vanishes on light). */
export const INCONCLUSIVE_MARK = '❓';

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

/** The first cell of a stage row: `10 × 3`, `2/s for 30s`, with the stage number when two stages have the same load. */
function loadCell(report: Report, s: StageSummary): string {
  const twin = report.stages.filter((o) => stageKey(o) === stageKey(s)).length > 1;
  return nb(`${stageLoad(stageOf(s))}${twin ? ` (#${s.index})` : ''}`);
}

/** The first column's header: users × requests, or the load when rate stages are in the plan. */
const loadHead = (report: Report): string => (report.stages.some((s) => s.rate) ? 'Load' : 'Users × requests');

/** `92% good (3.40/s)`: a stage's goodput rate and goodput, `—` without goodput figures. */
function goodputText(s: StageSummary): string {
  const g = s.goodput;
  return g ? `${g.rate === null ? 'n/a' : formatValue(g.rate * 100, '%')} good (${g.perSec.toFixed(2)}/s)` : MISSING;
}

/** The stage table: at most 7 columns so it fits a PR comment (~780 px); the other figures are in the details. */
function stagesSection(report: Report, maxRows: number): string {
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

/** Same-run A/B: head and base side by side, the ratio column with its interval. '' without compare-url. */
function compareSection(report: Report): string {
  const t = compareTable(report, (text) => `❗ **${text}**`);
  const c = report.compare;
  if (!t || !c) return '';
  const align: Array<'l' | 'r'> = t.head.map((_, i) => (i === 1 ? 'l' : 'r'));
  const regressed = stageList(c.regressions, c.regressionRates);
  const improved = stageList(c.improvements, c.improvementRates);
  const summary = regressed
    ? `**Slower than the base** at ${regressed} (see Diagnoses).`
    : improved
      ? `**Faster than the base** at ${improved}.`
      : 'No stage is a regression against the base.';
  return `### Head vs base (same run)

Base: ${codeSpan(c.url, { max: 500 })}

${mdTable(
  t.head,
  align,
  t.rows.map((r) => r.cells),
)}

${summary} ${t.legend}`;
}

/** A collapsed section: `<details>` with a one-line summary (escaped by the caller). */
function collapsed(summary: string, body: string): string {
  return `<details>\n<summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

/** Per stage, the figures the stage table leaves out: p50, TTFT, TTFR, total, tokens/s, scaling. */
function figuresTable(report: Report): string {
  const ran = report.stages.filter((s) => !s.skipped);
  if (!ran.length) return '';
  const showTtft = ran.some((s) => differs(s.ttft, s.ttfc));
  const showTtfr = ran.some((s) => s.ttfr && s.ttfr.n > 0);
  const showTokens = ran.some((s) => s.tokens);
  // ITL for an LLM preset, labelled with what it is between.
  const showItl = report.target.preset !== 'generic' && ran.some((s) => s.itl.n > 0);
  const itlPerToken = ran.filter((s) => s.itl.n > 0).every((s) => s.itlPer === 'token');
  const itlHead = itlPerToken ? 'ITL avg / p95 per token' : 'ITL avg / p95 per event';
  const showRate = showsStreamRate(report);
  const showEff = showsEfficiency(report);
  const head = [
    'Stage',
    loadHead(report),
    'TTFC p50',
    'TTFB avg',
    ...(showTtft ? ['TTFT avg', 'TTFT p95'] : []),
    ...(showTtfr ? ['TTFT reasoning avg'] : []),
    'Total avg',
    'Events/s',
    ...(showTokens ? ['Tokens/s', 'TPOT avg', 'TPOT p95', 'Output tokens avg'] : []),
    ...(showRate ? ['Stream rate'] : []),
    ...(showItl ? [itlHead] : []),
    ...(showEff ? ['Scaling'] : []),
  ];
  const rows = ran.map((s) => [
    String(s.index),
    nb(stageLoad(stageOf(s))),
    nb(ms(s.ttfc.p50)),
    nb(ms(s.ttfb.avg)),
    ...(showTtft ? [nb(ms(s.ttft.avg)), nb(ms(s.ttft.p95))] : []),
    ...(showTtfr ? [s.ttfr && s.ttfr.n > 0 ? nb(ms(s.ttfr.avg)) : MISSING] : []),
    nb(ms(s.total.avg)),
    s.eventsPerSec === null ? MISSING : nb(s.eventsPerSec.toFixed(1)),
    ...(showTokens
      ? s.tokens
        ? [
            nb(`${s.tokens.perSec.toFixed(1)} tok/s`),
            nb(ms(s.tpot?.avg ?? null)),
            nb(ms(s.tpot?.p95 ?? null)),
            s.tokens.output?.avg != null ? s.tokens.output.avg.toFixed(1) : MISSING,
          ]
        : [MISSING, MISSING, MISSING, MISSING]
      : []),
    ...(showRate ? [s.streamRate?.perRequest.p50 != null ? nb(`${s.streamRate.perRequest.p50.toFixed(1)} events/s`) : MISSING] : []),
    ...(showItl ? [s.itl.n > 0 ? nb(`${ms(s.itl.avg)} / ${ms(s.itl.p95)}`) : MISSING] : []),
    ...(showEff ? [formatEfficiency(efficiencyFor(report, s.index))] : []),
  ]);
  const legend: string[] = [];
  if (showTtfr) legend.push('TTFT reasoning: time to the first reasoning token (TTFT is then the first content token).');
  if (showTokens) legend.push('Tokens/s: output tokens (from usage) per second of the stage; TPOT: (total − first token) / (output tokens − 1) per request.');
  if (showItl) legend.push(itlPerToken ? 'ITL: between tokens (the server sent usage with every chunk).' : 'ITL: between events, not tokens (an event may carry several tokens).');
  if (showRate) legend.push('Stream rate: the server sent no token usage, so this is events per second after the first chunk (median per request), not tokens/s.');
  if (showEff) {
    const ref = efficiencyReference(report);
    legend.push(
      `Scaling: the throughput gain divided by the users gain against the ${ref === null ? 'smallest' : `${ref}-user`} stage — 100% is perfect scaling, 1/N means requests are served one at a time.`,
    );
  }
  return `${mdTable(
    head,
    head.map((_, i) => (i === 1 ? 'l' : 'r')),
    rows,
  )}${legend.length ? `\n\n${legend.join(' ')}` : ''}`;
}

/** Per stage: TTFC intervals, the spread over `repeat` runs, the TTFC distribution. '' when there is none of them. */
function detailsSection(report: Report): string {
  const ran = report.stages.filter((s) => !s.skipped);
  const hasIntervals = ran.some((s) => s.ttfcInterval && (s.ttfcInterval.avg || s.ttfcInterval.p95));
  const repeat = report.repeat && report.repeat.runs > 1 ? report.repeat : null;
  const dist = ttfcDistribution(report);
  const hasDist = dist !== null && dist.rows.some((r) => r.n > 0);
  if (!hasIntervals && !repeat && !hasDist) return '';
  const level = ran.find((s) => s.ttfcInterval)?.ttfcInterval?.level ?? 0.95;
  const pct = `${Math.round(level * 100)}%`;
  const head = [
    'Stage',
    report.stages.some((s) => s.rate) ? 'Load' : 'Users',
    ...(hasIntervals ? [`TTFC avg, ${pct} CI`, `TTFC p95, ${pct} CI`] : []),
    ...(repeat ? [`TTFC avg over ${repeat.runs} runs`, 'Run shown'] : []),
    ...(hasDist ? ['TTFC distribution', 'Range'] : []),
  ];
  const rows = ran.map((s) => {
    const sp = spreadFor(repeat, s.index);
    const row = dist?.rows.find((r) => r.index === s.index);
    return [
      String(s.index),
      s.rate ? nb(stageWho(stageOf(s))) : String(s.users),
      ...(hasIntervals ? [nb(formatRange(s.ttfcInterval?.avg)), nb(formatRange(s.ttfcInterval?.p95))] : []),
      ...(repeat
        ? [
            sp && sp.ttfcAvg.min !== null && sp.ttfcAvg.max !== null ? nb(formatRange({ low: sp.ttfcAvg.min, high: sp.ttfcAvg.max })) : MISSING,
            sp ? `${sp.chosenRun + 1} of ${repeat.runs}` : MISSING,
          ]
        : []),
      ...(hasDist ? [row && row.n > 0 ? codeSpan(`▕${row.spark}▏`, { inTable: true }) : MISSING, row && row.n > 0 ? nb(`${ms(row.min)} – ${ms(row.max)}`) : MISSING] : []),
    ];
  });
  const legend: string[] = [];
  if (hasIntervals) legend.push(`CI: ${pct} confidence interval (seeded bootstrap over the successful requests: the same requests give the same interval; n/a with fewer than 5).`);
  if (repeat) legend.push(`The whole plan ran ${repeat.runs} times; each stage shows its median run by TTFC avg, this column the fastest and slowest run.`);
  if (hasDist && dist) legend.push(`Distribution: ${dist.bins} bins from ${ms(dist.lo)} to ${ms(dist.hi)}, the same for every stage (taller = more requests).`);
  const align: Array<'l' | 'r'> = head.map((h) => (h === 'TTFC distribution' ? 'l' : 'r'));
  return `${mdTable(head, align, rows)}\n\n${legend.join(' ')}`;
}

/** The collapsed per-stage section: other figures, then intervals / runs / distributions. */
function perStageSection(report: Report, withDetails: boolean): string {
  const figures = figuresTable(report);
  const details = withDetails ? detailsSection(report) : '';
  if (!figures && !details) return '';
  const what = ['percentiles', 'scaling', ...(details ? ['intervals', 'distributions'] : [])];
  return collapsed(`Per stage: ${what.join(', ')}`, [figures, details].filter(Boolean).join('\n\n'));
}

function baselineSection(report: Report, maxNotes: number): string {
  const b = report.baseline;
  if (!b?.loaded) return '';
  const rows = b.stages.map((d) => {
    const delta = (x: BaselineDelta): string => (x.text ? (x.regressed ? `❗${NBSP}**${nb(x.text)}**` : nb(x.text)) : MISSING);
    return [String(d.index), d.rate !== undefined ? nb(`${formatRate(d.rate)}/s`) : String(d.users), delta(d.ttfcAvg), delta(d.ttfcP95), delta(d.successRate)];
  });
  const lines = b.messages.slice(0, maxNotes).map((m) => `- ${escapeInline(m, MESSAGE_MAX)}`);
  if (b.messages.length > lines.length) lines.push(`- _… ${b.messages.length - lines.length} more in the JSON report._`);
  const legend =
    `▲ / ▼: change against ${codeSpan(baselineTitle(report), { max: 200 })}; ❗ a regression (TTFC avg or p95 more than ` +
    `${formatThresholdPct(b.threshold)} slower, or the success rate ${Math.round(DEFAULT_SUCCESS_RATE_DROP * 100)} pp lower).`;
  const summary = stageList(b.regressions, b.regressionRates)
    ? `Baseline: ❗ regressions at ${stageList(b.regressions, b.regressionRates)}`
    : b.stages.length
      ? 'Baseline: no regression'
      : 'Baseline: no stage could be compared';
  const table = rows.length
    ? mdTable(['Stage', b.stages.some((d) => d.rate !== undefined) ? 'Load' : 'Users', 'TTFC avg', 'TTFC p95', 'Success rate'], ['r', 'r', 'r', 'r', 'r'], rows)
    : '';
  return collapsed(summary, [table, legend, lines.join('\n')].filter(Boolean).join('\n\n'));
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

/** Missed (fail, then warn), inconclusive, passed, skipped: the ones to read first on top. */
const STATUS_RANK = (c: CriterionResult): number =>
  c.status === 'fail' ? (c.severity === 'fail' ? 0 : 1) : c.status === 'inconclusive' ? 2 : c.status === 'pass' ? (c.inconclusive ? 2 : 3) : 4;

/**
 * One line per missed criterion, failures first, then warnings and inconclusive ones:
 * `- ❌ `@10: ttfc.avg < 1s` **1.42 s** vs < 1 s · 10 users`. The first thing a reviewer reads.
 */
function missedLines(report: Report, max: number): { text: string; hidden: number } {
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

interface CriteriaMode {
  /** The collapsed table of all criteria; false leaves it out (the missed ones are listed on top anyway). */
  table: boolean;
  /** At most this many lines in the list of missed criteria. */
  maxMissed: number;
}

function criteriaSection(report: Report): string {
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

const MAX_SHARD_ROWS = 20;

/** A merged run: what each shard contributed, and how far after the first shard it started each stage. */
function shardsSection(report: Report): string {
  const m = report.merge;
  if (!m) return '';
  const rows = m.shards
    .slice(0, MAX_SHARD_ROWS)
    .map((s) => [
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
  return diagnosesMarkdown(report.diagnoses, max);
}

/** Each diagnosis shown in full, with its evidence in words, collapsed: for whoever wants to check the reasoning. */
function evidenceSection(report: Report, max: number): string {
  return diagnosisDetailsMarkdown(report.diagnoses, max);
}

/** Fixed TTFC avg / p95 limits of the criteria (scoped ones at the stage's users): the chart's limit lines. */
function chartThresholds(report: Report): ChartThreshold[] {
  const out: ChartThreshold[] = [];
  for (const c of report.criteria) {
    if (c.severity !== 'fail' || c.status === 'skipped' || c.threshold === null || c.unit !== 'ms') continue;
    const parsed = criterionOf(c);
    const metric = parsed?.metric;
    if (metric !== 'ttfc.avg' && metric !== 'ttfc.p95') continue;
    // A factor of this run's own metric (`2 * ttfc.avg`) moves with the stage: no line.
    if (/\*/.test(c.text) && !/baseline\./.test(c.text)) continue;
    // The chart is of the closed stages: a limit of a rate stage is not one of its lines.
    if (c.rate !== undefined) continue;
    const scoped = /^\s*@/.test(c.text);
    out.push({ metric: metric === 'ttfc.avg' ? 'avg' : 'p95', value: c.threshold, users: scoped ? c.users : null });
  }
  return out;
}

/**
 * TTFC avg and p95 against concurrency, with the limits: a mermaid xychart (GitHub renders it); with
 * several rate stages, the sweep against the offered rate. '' with fewer than two stages of a kind to plot.
 */
function chartSection(report: Report): string {
  const chart = mermaidChart(report.stages, { thresholds: chartThresholds(report), ...(report.compare ? { base: report.compare.stages.map((s) => s.base) } : {}) });
  const sweep = rateSweepCharts(report.stages);
  return [chart ? `### TTFC vs concurrency\n\n${chart}` : '', sweep ? `### TTFC and goodput vs offered rate\n\n${sweep}` : ''].filter(Boolean).join('\n\n');
}

/** `10, 20 users and 2/s, 4/s` (or '' when neither list has one). */
function stageList(users: readonly number[], rates: readonly number[] | undefined): string {
  const parts = [users.length ? `${users.join(', ')} users` : '', rates?.length ? rates.map((r) => `${formatRate(r)}/s`).join(', ') : ''].filter(Boolean);
  return parts.join(' and ');
}

export interface ErrorGroup {
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

function samplesSection(report: Report): string {
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

/**
 * The document, in the order a reviewer reads it: the verdict and what missed (one line each), the
 * diagnoses, the chart — the first screen — then the stage table, the errors, and collapsed details.
 */
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
  const diag = diagnosesSection(report, shape.maxDiagnoses);
  if (diag) parts.push(diag);
  const search = capacityMarkdown(report, { chart: shape.chart, probes: shape.details });
  if (search) parts.push(search);
  if (shape.chart) {
    const chart = chartSection(report);
    if (chart) parts.push(chart);
  }
  parts.push(stagesSection(report, shape.maxStages));
  const arrivals = arrivalsMarkdown(report);
  if (arrivals) parts.push(arrivals);
  const trend = historyMarkdown(report, { chart: shape.chart });
  if (trend) parts.push(trend);
  const ab = compareSection(report);
  if (ab) parts.push(ab);
  const server = serverMarkdown(report.server, { charts: shape.chart });
  if (server) parts.push(server);
  if (shape.samples) {
    const samples = samplesSection(report);
    if (samples) parts.push(samples);
  }
  if (shape.details) {
    const shards = shardsSection(report);
    if (shards) parts.push(shards);
  }
  if (shape.criteria.table) parts.push(criteriaSection(report));
  const perStage = perStageSection(report, shape.details);
  if (perStage && shape.details) parts.push(perStage);
  const baseline = baselineSection(report, shape.maxNotes);
  if (baseline) parts.push(baseline);
  const evidence = evidenceSection(report, shape.maxDiagnoses);
  if (evidence && shape.details) parts.push(evidence);
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
  const missed = report.criteria.filter((c) => c.status === 'fail' || c.status === 'inconclusive').length;
  const shape: Shape = {
    samples: true,
    details: true,
    maxNotes: 10,
    criteria: { table: true, maxMissed: missed },
    maxStages: report.stages.length,
    maxDiagnoses: report.diagnoses.length,
    chart: true,
  };
  const notes: string[] = [];
  const render = (): string => compose(report, ctx, shape, notes);
  let out = render();
  if (out.length <= limit) return out;

  // 1. errors
  if (samplesSection(report)) {
    shape.samples = false;
    notes.push('the errors table left out');
    out = render();
    if (out.length <= limit) return out;
  }
  // 2. the per-stage details (figures, intervals, runs, distributions, evidence) and all but a few baseline notes
  if (perStageSection(report, true) || evidenceSection(report, report.diagnoses.length) || (report.capacity?.probes.length ?? 0) > 0) {
    shape.details = false;
    notes.push(`the per-stage intervals and distributions${report.capacity?.probes.length ? ' and the capacity probes' : ''} left out`);
    out = render();
    if (out.length <= limit) return out;
  }
  if ((report.baseline?.messages.length ?? 0) > 3) {
    shape.maxNotes = 3;
    out = render();
    if (out.length <= limit) return out;
  }
  // 3. the table of all criteria (the missed ones stay listed on top)
  if (report.criteria.length) {
    shape.criteria = { table: false, maxMissed: missed };
    notes.push('the table of all criteria left out (the missed ones are listed on top)');
    out = render();
    if (out.length <= limit) return out;
  }
  // 4. missed criteria lines beyond what fits
  if (missed > 0) {
    const i = notes.push('') - 1;
    const withRows = (n: number): string => {
      shape.criteria = { table: false, maxMissed: n };
      notes[i] = n < missed ? `${plural(missed - n, 'missed criterion', 'missed criteria')} not listed (the check's message names them)` : '';
      return render();
    };
    out = withRows(
      Math.max(
        0,
        largest(0, missed, (n) => withRows(n).length <= limit),
      ),
    );
    if (out.length <= limit) return out;
  }
  // 5. the chart, then diagnoses, then stage rows
  if (chartSection(report) || trendChart(report)) {
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
    out = withDiag(
      Math.max(
        0,
        largest(0, report.diagnoses.length, (n) => withDiag(n).length <= limit),
      ),
    );
    if (out.length <= limit) return out;
  }
  {
    const i = notes.push('') - 1;
    const withStages = (n: number): string => {
      shape.maxStages = n;
      notes[i] = n < report.stages.length ? `${plural(report.stages.length - n, 'stage row', 'stage rows')} left out` : '';
      return render();
    };
    out = withStages(
      Math.max(
        0,
        largest(0, report.stages.length, (n) => withStages(n).length <= limit),
      ),
    );
    if (out.length <= limit) return out;
  }
  // 6. last resort (a huge URL or tag cannot get here: both are truncated): cut at a line break.
  const tail = '\n\n_… cut to fit the limit._\n';
  const cut = out.slice(0, Math.max(0, limit - tail.length));
  const nl = cut.lastIndexOf('\n');
  return `${nl > 0 ? cut.slice(0, nl) : cut}${tail}`;
}
