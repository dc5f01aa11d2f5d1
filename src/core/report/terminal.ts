import { DEFAULT_SUCCESS_RATE_DROP } from '../analysis/baseline.js';
import { compareTable } from './ab.js';
import { asciiChart, chartPoints, formatDistribution, ttfcDistribution } from './chart.js';
import { verdictLine } from '../analysis/verdict.js';
import { differs, formatThreshold, formatThresholdPct, formatValue, ms, plural } from '../format.js';
import { baselineFor, baselineTitle, efficiencyFor, efficiencyReference, formatEfficiency, formatRange, runNotes, showsEfficiency, showsStreamRate, spreadFor } from './common.js';
import type { CriterionResult, Stage, StageSummary } from '../types.js';
import type { BaselineDelta } from '../section-types.js';
import type { Report } from '../report-types.js';
import { monitorSummary, serverTable } from './server.js';
import { diagnosesTerminal } from './diagnoses.js';
import { capacityLines } from './capacity.js';
import { formatRate, isRate, scopeWho, stageLoad, stageOf, stageText, stageWho } from '../config/stages.js';
import { LATE_P99_MS } from '../analysis/diagnose/queue.js';
import { arrivalsTable } from './arrivals.js';
import { rateSweepLines } from './rate-chart.js';

/** A plain-text table: columns padded to their widest cell, numbers right-aligned (the first and `left` columns left-aligned). */
function textTable(head: string[], rows: string[][], left: readonly number[] = []): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === 0 || left.includes(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The progress line when a stage starts (CLI and action log). */
export function stageStartLine(index: number, count: number, s: Stage): string {
  if (isRate(s))
    return `stage ${index}/${count}: ${stageLoad(s)} (${s.rate * (s.durationMs / 1000) >= 2 ? 'about ' : ''}${plural(Math.round(s.rate * (s.durationMs / 1000)), 'arrival')})…`;
  return `stage ${index}/${count}: ${plural(s.users, 'user')} x ${plural(s.requestsPerUser, 'request')}…`;
}

export function stageLine(s: StageSummary): string {
  if (s.skipped) return `stage ${s.index}: ${stageText(stageOf(s))} skipped`;
  if (s.rate) {
    const r = s.rate;
    return (
      `stage ${s.index}: ${stageLoad(stageOf(s))}: ${s.succeeded}/${s.issued} ok${r.dropped ? `, ${r.dropped} dropped` : ''}, achieved ${r.achieved.toFixed(2)}/s, ` +
      `ttfc avg ${ms(s.ttfc.avg)} p95 ${ms(s.ttfc.p95)} max ${ms(s.ttfc.max)}, lateness p99 ${ms(r.lateness.p99)}` +
      (r.lateness.p99 !== null && r.lateness.p99 > LATE_P99_MS ? ` (above ${LATE_P99_MS} ms: this client fell behind the schedule)` : '')
    );
  }
  return (
    `stage ${s.index}: ${plural(s.users, 'user')} x ${s.requestsPerUser}: ${s.succeeded}/${s.issued} ok, ` +
    `ttfc avg ${ms(s.ttfc.avg)} p95 ${ms(s.ttfc.p95)} max ${ms(s.ttfc.max)}, ${s.rps === null ? 'n/a' : s.rps.toFixed(2)} req/s`
  );
}

/** `▲ 30%!` (a regression), `▼ 4.5%`, '' when not compared. */
function deltaCell(d: BaselineDelta | undefined): string {
  if (!d || !d.text) return '';
  return d.regressed ? `${d.text}!` : d.text;
}

/** The stage table; with a report, also the baseline deltas and the scaling efficiency. */
export function stagesTable(stages: StageSummary[], report?: Report): string {
  const showTtft = stages.some((s) => differs(s.ttft, s.ttfc));
  const showTtfr = stages.some((s) => s.ttfr && s.ttfr.n > 0);
  const showTokens = stages.some((s) => s.tokens);
  const showGoodput = stages.some((s) => s.goodput);
  const showRate = report !== undefined && showsStreamRate(report);
  const showBase = report !== undefined && stages.some((s) => baselineFor(report, s.index));
  const showEff = report !== undefined && showsEfficiency(report);
  const head = [
    'stage',
    stages.some((s) => s.rate) ? 'load' : 'users x req',
    'success',
    'connect avg',
    'ttfb p50',
    'ttfc avg',
    'ttfc p50',
    'ttfc p95',
    'ttfc max',
    ...(showBase ? ['vs base avg', 'vs base p95', 'vs base ok'] : []),
    ...(showTtft ? ['ttft avg', 'ttft p95'] : []),
    ...(showTtfr ? ['ttfr avg'] : []),
    'total avg',
    'req/s',
    ...(showTokens ? ['tok/s', 'tpot avg', 'tpot p95'] : []),
    ...(showGoodput ? ['goodput'] : []),
    ...(showRate ? ['events/s after 1st chunk'] : []),
    ...(showEff ? ['scaling'] : []),
  ];
  const rows = stages.map((s) => {
    const load = s.rate ? stageLoad(stageOf(s)) : `${s.users} x ${s.requestsPerUser}`;
    if (s.skipped) return [String(s.index), load, 'skipped', ...head.slice(3).map(() => '')];
    const b = report ? baselineFor(report, s.index) : undefined;
    return [
      String(s.index),
      load,
      `${s.succeeded}/${s.issued}${s.rate?.dropped ? ` +${s.rate.dropped} dropped` : ''}`,
      ms(s.connect.avg),
      ms(s.ttfb.p50),
      ms(s.ttfc.avg),
      ms(s.ttfc.p50),
      ms(s.ttfc.p95),
      ms(s.ttfc.max),
      ...(showBase ? [deltaCell(b?.ttfcAvg), deltaCell(b?.ttfcP95), deltaCell(b?.successRate)] : []),
      ...(showTtft ? [ms(s.ttft.avg), ms(s.ttft.p95)] : []),
      ...(showTtfr ? [s.ttfr && s.ttfr.n > 0 ? ms(s.ttfr.avg) : ''] : []),
      ms(s.total.avg),
      s.rps === null ? 'n/a' : s.rps.toFixed(2),
      ...(showTokens ? (s.tokens ? [s.tokens.perSec.toFixed(1), ms(s.tpot?.avg ?? null), ms(s.tpot?.p95 ?? null)] : ['', '', '']) : []),
      ...(showGoodput ? [s.goodput ? `${s.goodput.rate === null ? 'n/a' : formatValue(s.goodput.rate * 100, '%')} ${s.goodput.perSec.toFixed(2)}/s` : ''] : []),
      ...(showRate ? [s.streamRate?.perRequest.p50 != null ? s.streamRate.perRequest.p50.toFixed(1) : ''] : []),
      ...(showEff ? [formatEfficiency(efficiencyFor(report!, s.index))] : []),
    ];
  });
  return textTable(head, rows);
}

/** Per stage: the TTFC intervals and, with `repeat`, the spread over the runs. Empty when there is neither. */
function detailsTable(report: Report): string {
  const ran = report.stages.filter((s) => !s.skipped);
  const hasIntervals = ran.some((s) => s.ttfcInterval);
  const repeat = report.repeat && report.repeat.runs > 1 ? report.repeat : null;
  if (!hasIntervals && !repeat) return '';
  const level = ran.find((s) => s.ttfcInterval)?.ttfcInterval?.level ?? 0.95;
  const pct = `${Math.round(level * 100)}%`;
  const head = [
    'stage',
    ran.some((s) => s.rate) ? 'load' : 'users',
    ...(hasIntervals ? [`ttfc avg ${pct} CI`, `ttfc p95 ${pct} CI`] : []),
    ...(repeat ? [`ttfc avg over ${repeat.runs} runs`, 'run shown'] : []),
  ];
  const rows = ran.map((s) => {
    const sp = spreadFor(repeat, s.index);
    return [
      String(s.index),
      s.rate ? stageWho(stageOf(s)) : String(s.users),
      ...(hasIntervals ? [formatRange(s.ttfcInterval?.avg), formatRange(s.ttfcInterval?.p95)] : []),
      ...(repeat
        ? [sp ? formatRange(sp.ttfcAvg.min === null || sp.ttfcAvg.max === null ? null : { low: sp.ttfcAvg.min, high: sp.ttfcAvg.max }) : '', sp ? String(sp.chosenRun + 1) : '']
        : []),
    ];
  });
  return textTable(head, rows);
}

const MARK: Record<string, string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skipped: 'SKIP', inconclusive: 'INCONCLUSIVE' };

function criterionMark(c: CriterionResult): string {
  if (c.status === 'fail' && c.severity === 'warn') return MARK.warn!;
  return MARK[c.status]!;
}

function criterionValue(c: CriterionResult): string {
  if (c.status === 'skipped') return c.reason ?? '';
  let v = `actual ${formatValue(c.actual, c.unit)} vs ${formatThreshold(c.threshold, c.unit)}`;
  if (c.reason) v += ` (${c.reason})`;
  else if (c.interval) v += ` (${Math.round(c.interval.level * 100)}% CI ${formatValue(c.interval.low, c.unit)} – ${formatValue(c.interval.high, c.unit)})`;
  return v;
}

function criteriaTable(results: CriterionResult[]): string {
  const rows = results.map((c) => [criterionMark(c), c.text, scopeWho(c) ?? 'all', criterionValue(c)]);
  return textTable(['', 'criterion', 'stage', 'value'], rows, [1, 3]);
}

/** The baseline lines: what was compared against, or why nothing was. */
function baselineLines(report: Report): string[] {
  const b = report.baseline;
  if (!b) return [];
  if (!b.loaded) return [`baseline NOT compared: ${b.messages[0] ?? 'it could not be read'}`, ...b.messages.slice(1).map((m) => `  - ${m}`)];
  const lines = [
    `baseline: ${baselineTitle(report)}; regression threshold ${formatThresholdPct(b.threshold)} (TTFC avg / p95), ${Math.round(DEFAULT_SUCCESS_RATE_DROP * 100)} pp (success rate); "!" marks a regression` +
      (b.regressions.length || b.regressionRates?.length
        ? ` — regressions at ${[b.regressions.length ? `${b.regressions.join(', ')} users` : '', (b.regressionRates ?? []).map((r) => `${formatRate(r)}/s`).join(', ')].filter(Boolean).join(' and ')}`
        : ' — no regression'),
  ];
  for (const m of b.messages.slice(0, 10)) lines.push(`  - ${m}`);
  if (b.messages.length > 10) lines.push(`  - … ${b.messages.length - 10} more (see the JSON report)`);
  return lines;
}

/** The server side: the table per stage, the monitors' run figures, log error samples, warnings. */
function serverLines(report: Report): string[] {
  const sv = report.server;
  if (!sv) return [];
  const out = ['server:'];
  const t = serverTable(sv);
  if (t) out.push(textTable(t.head, t.rows));
  for (const m of sv.monitors) out.push(`  ${monitorSummary(m)}`);
  for (const s of sv.logs?.stages ?? []) for (const line of s.samples) out.push(`  log error, stage ${s.index}: ${line}`);
  for (const w of sv.warnings.slice(0, 10)) out.push(`  warning: ${w}`);
  return out;
}

/** A start this long kept the client busy enough to be worth a word beside the connect column … */
const START_NOTE_MIN_MS = 50;
/** … when it is at least this share of the stage's connect avg. */
const START_NOTE_SHARE = 0.5;

/**
 * A user's connect counts from its own start, and a client starting thousands of users takes no
 * completed connection before it is done (concurrency.startBusyMs): where that is most of a stage's
 * connect avg, the column reads as the client's start, not the server's accept, and the report says so.
 */
function clientStartNote(stages: readonly StageSummary[]): string {
  const busy = stages.filter((s) => {
    const b = s.concurrency?.startBusyMs;
    return !s.skipped && b !== undefined && b >= START_NOTE_MIN_MS && s.connect.avg !== null && b >= START_NOTE_SHARE * s.connect.avg;
  });
  if (busy.length === 0) return '';
  const at = busy.map((s) => `${ms(s.concurrency!.startBusyMs!)} at stage ${s.index} (${s.users} users)`).join(', ');
  return `connect counts from each user's start: starting its users kept this client busy for ${at}, and no connection could be taken before`;
}

/** The whole terminal report. */
export function renderTerminal(report: Report): string {
  const parts = [`${report.target.method} ${report.target.url} (preset ${report.target.preset})`];
  const notes = runNotes(report);
  if (notes.length) parts.push(notes.join('; '));
  parts.push('', stagesTable(report.stages, report));
  if (showsEfficiency(report)) {
    const ref = efficiencyReference(report);
    parts.push(`scaling: throughput gain / users gain against the ${ref ?? 'fewest'}-user stage (100% = perfect, 1/N = one at a time)`);
  }
  const start = clientStartNote(report.stages);
  if (start) parts.push(start);
  const ab = compareTable(report, (text) => `${text}!`);
  if (ab && report.compare) {
    parts.push('', `head vs base (same run), base ${report.compare.url}; "!" marks a regression or improvement`);
    parts.push(
      textTable(
        ab.head,
        ab.rows.map((r) => r.cells),
        [1, 2],
      ),
    );
  }
  const base = baselineLines(report);
  if (base.length) parts.push('', ...base);
  const details = detailsTable(report);
  if (details) parts.push('', details);
  const dist = ttfcDistribution(report);
  if (dist && dist.rows.some((r) => r.n > 0)) parts.push('', ...formatDistribution(dist));
  const chart = asciiChart(report.stages);
  if (chart && chartPoints(report.stages).length >= 2) parts.push('', chart);
  const sweep = rateSweepLines(report.stages);
  if (sweep.length) parts.push('', ...sweep);
  const arrivals = arrivalsTable(report);
  if (arrivals) parts.push('', textTable(arrivals.head, arrivals.rows), arrivals.legend);
  const server = serverLines(report);
  if (server.length) parts.push('', ...server);
  const capacity = capacityLines(report, textTable);
  if (capacity.length) parts.push('', ...capacity);
  parts.push('', criteriaTable(report.criteria));
  if (report.diagnoses.length) parts.push('', ...diagnosesTerminal(report.diagnoses));
  if (report.errorSamples.length) {
    parts.push('', 'error samples:', ...report.errorSamples.map((e) => `  stage ${e.stage} ${e.category}${e.status ? ` (${e.status})` : ''}: ${e.message.slice(0, 200)}`));
  }
  parts.push('', verdictLine(report));
  return parts.join('\n');
}
