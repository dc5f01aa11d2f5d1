// The collapsed per-stage section: the figures the stage table leaves out (percentiles, TTFT, tokens,
// scaling), then the TTFC intervals, the spread over repeated runs and the distributions.
import { ttfcDistribution } from '../chart.js';
import { efficiencyFor, efficiencyReference, formatEfficiency, formatRange, showsEfficiency, showsStreamRate, spreadFor } from '../common.js';
import { codeSpan, mdTable } from '../escape.js';
import { stageLoad, stageOf, stageWho } from '../../config/stages.js';
import { differs, ms } from '../../format.js';
import type { Report } from '../../report-types.js';
import { collapsed, loadHead, MISSING, nb } from './cells.js';

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
export function perStageSection(report: Report, withDetails: boolean): string {
  const figures = figuresTable(report);
  const details = withDetails ? detailsSection(report) : '';
  if (!figures && !details) return '';
  const what = ['percentiles', 'scaling', ...(details ? ['intervals', 'distributions'] : [])];
  return collapsed(`Per stage: ${what.join(', ')}`, [figures, details].filter(Boolean).join('\n\n'));
}
