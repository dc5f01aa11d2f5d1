// Pieces both human reports (terminal and markdown) show the same way: run notes, baseline deltas,
// scaling efficiency, intervals. Pure: functions of the Report.

import { ms, plural } from '../format.js';
import type { BaselineStage, RepeatSection, ScalingEfficiency } from '../section-types.js';
import type { Report } from '../report-types.js';

/** `380 ms – 460 ms` (or `n/a`). */
export function formatRange(r: { low: number; high: number } | null | undefined): string {
  return r ? `${ms(r.low)} – ${ms(r.high)}` : 'n/a';
}

/** The baseline comparison of a stage (by 1-based index), if it was compared. */
export function baselineFor(report: Report, index: number): BaselineStage | undefined {
  return report.baseline?.loaded ? report.baseline.stages.find((s) => s.index === index) : undefined;
}

export function efficiencyFor(report: Report, index: number): ScalingEfficiency | undefined {
  return report.efficiency?.find((e) => e.index === index);
}

/** Show a scaling column: efficiencies were computed and at least two stages have one. */
export function showsEfficiency(report: Report): boolean {
  return (report.efficiency ?? []).filter((e) => e.efficiency !== null).length >= 2;
}

/** `100%`, `12%`, `—` when not computed. */
export function formatEfficiency(e: ScalingEfficiency | undefined): string {
  return e?.efficiency === null || e?.efficiency === undefined ? '—' : `${Math.round(e.efficiency * 100)}%`;
}

/** The users of the reference stage of the efficiencies (the one with usersRatio 1 and the fewest users). */
export function efficiencyReference(report: Report): number | null {
  const ref = (report.efficiency ?? []).find((e) => e.usersRatio === 1);
  return ref?.users ?? null;
}

export function spreadFor(repeat: RepeatSection | null | undefined, index: number): RepeatSection['spread'][number] | undefined {
  return repeat?.spread.find((s) => s.index === index);
}

/** One-line notes on how the figures came about: repeat, warm-up, verdict. Empty when all are defaults. */
export function runNotes(report: Report): string[] {
  const notes: string[] = [];
  const r = report.repeat;
  if (r) {
    notes.push(
      r.runs < r.requested
        ? `${plural(r.runs, 'run', 'runs')} of ${r.requested} (a run failed its smoke test), the median run per stage`
        : `${r.runs} runs, the median run per stage (by TTFC avg)`,
    );
  }
  const w = report.warmup;
  if (w) notes.push(`${plural(w.requests, 'warm-up request', 'warm-up requests')} (${w.succeeded} ok) before stage 1, not counted`);
  if (report.shard) {
    const s = report.shard;
    notes.push(
      `shard ${s.index}/${s.count} on ${s.host}: its share of the users, not judged here (merge the shards)${s.lateMs > 50 ? `; started up to ${Math.round(s.lateMs)} ms late` : ''}`,
    );
  }
  const m = report.merge;
  if (m) {
    const spread = Math.max(0, ...m.startSpread.map((x) => x.ms));
    const per = m.shards.map((s) => `${s.index}/${s.count} ${s.host} (${s.stages.reduce((n, t) => n + t.requests, 0)} req)`).join(', ');
    notes.push(`merged from ${m.count} shards: ${per}; stage starts within ${Math.round(spread)} ms${m.startSpread.some((x) => x.flagged) ? ' ⚠️' : ''}`);
  }
  if (report.config?.verdict === 'confident') notes.push('verdict confident: a criterion fails only when its whole 95% interval misses');
  return notes;
}

/**
 * Whether the stage tables show the stream rate (events/s after the first chunk): for an LLM preset whose
 * server sent no token usage, where tokens/s would otherwise be expected. Generic streams keep it in the JSON.
 */
export function showsStreamRate(report: Report): boolean {
  return report.target.preset !== 'generic' && !report.stages.some((s) => s.tokens) && report.stages.some((s) => s.streamRate);
}

/** `baseline prev/ttfc-report.json (commit abc1234, 2026-01-01T03:17:00Z)`. */
export function baselineTitle(report: Report): string {
  const b = report.baseline;
  if (!b) return '';
  const when = [b.commit ? `commit ${b.commit.slice(0, 7)}` : '', b.startedAt ?? ''].filter(Boolean).join(', ');
  return `${b.source}${when ? ` (${when})` : ''}`;
}
