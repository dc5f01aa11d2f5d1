import { computeStats } from '../sample-stats.js';
import { firstToken, latencyStats } from './metrics.js';
import type { ArrivalCounts } from '../load/arrivals.js';
import { FAILURE_CATEGORIES, type FailureCategory, type RateFigures, type RequestRecord, type Stage, type StageSummary } from '../types.js';

export const PERCENTILE_METHOD = 'linear interpolation between closest ranks (R-7 / numpy default), over successful requests';

export function emptyFailures(): Record<FailureCategory, number> {
  return Object.fromEntries(FAILURE_CATEGORIES.map((c) => [c, 0])) as Record<FailureCategory, number>;
}

/**
 * Summary of one stage from its request records; latency stats over successful requests only. A rate
 * stage also gets its `rate` figures from `counts`. Runs once a stage, cold: indexed loops, since an
 * unoptimized for-of allocates an iterator result per record (100,000 of them, per loop).
 */
export function summarizeStage(index: number, stage: Stage, records: RequestRecord[], durationMs: number, counts?: ArrivalCounts): StageSummary {
  const ok: RequestRecord[] = [];
  const failures = emptyFailures();
  let retries = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (r.ok) ok.push(r);
    else if (r.category) failures[r.category]++;
    if (r.retried === true) retries++;
  }
  let events = 0;
  for (let i = 0; i < ok.length; i++) events += ok[i]!.events;
  const seconds = durationMs / 1000;
  const summary: StageSummary = {
    index,
    users: stage.kind === 'rate' ? 0 : stage.users,
    requestsPerUser: stage.kind === 'rate' ? 0 : stage.requestsPerUser,
    skipped: false,
    issued: records.length,
    succeeded: ok.length,
    failed: records.length - ok.length,
    successRate: records.length ? ok.length / records.length : 0,
    failures,
    ...latencyStats(ok, computeStats),
    durationMs,
    retries,
    // No success, no throughput: failures per second are not a rate of service (null, shown as n/a).
    rps: ok.length > 0 && seconds > 0 ? records.length / seconds : null,
    eventsPerSec: ok.length > 0 && seconds > 0 ? events / seconds : null,
  };
  if (stage.kind === 'rate') summary.rate = rateFigures(stage, records, counts);
  const tokens = tokenFigures(ok, seconds);
  if (tokens !== undefined) summary.tokens = tokens;
  const itlPer = itlUnit(ok);
  if (itlPer !== undefined) summary.itlPer = itlPer;
  if (summary.tokens === undefined) {
    // No usage from the server: the rate of what was received after the first chunk, in events.
    const rates: number[] = [];
    for (let i = 0; i < ok.length; i++) {
      const r = ok[i]!;
      if (r.events > 1 && r.total !== null && r.ttfc !== null && r.total > r.ttfc) rates.push((r.events - 1) / ((r.total - r.ttfc) / 1000));
    }
    if (rates.length > 0) summary.streamRate = { unit: 'events/s', perRequest: computeStats(rates) };
  }
  const ttfr: number[] = [];
  for (let i = 0; i < ok.length; i++) if (ok[i]!.ttfr !== undefined) ttfr.push(ok[i]!.ttfr!);
  if (ttfr.length > 0) summary.ttfr = computeStats(ttfr);
  return summary;
}

/** Tokens the server reported (usage), and the decode rate per request; undefined when none did. */
function tokenFigures(ok: readonly RequestRecord[], seconds: number): StageSummary['tokens'] {
  const withTokens: RequestRecord[] = [];
  for (let i = 0; i < ok.length; i++) if (ok[i]!.tokens !== undefined) withTokens.push(ok[i]!);
  if (withTokens.length === 0) return undefined;
  let total = 0;
  const output: number[] = [];
  const rates: number[] = [];
  for (let i = 0; i < withTokens.length; i++) {
    const r = withTokens[i]!;
    total += r.tokens!;
    output.push(r.tokens!);
    const first = firstToken(r);
    const streaming = r.total !== null && first !== null ? (r.total - first) / 1000 : 0;
    // The decode rate: the tokens after the first over the time after it (1 / TPOT).
    if (r.tokens! > 1 && streaming > 0) rates.push((r.tokens! - 1) / streaming);
  }
  return { total, perSec: seconds > 0 ? total / seconds : 0, perRequest: computeStats(rates), output: computeStats(output) };
}

/** itl per token when every streamed request (more than one event) carried per-token gaps, else per event; undefined with none streamed. */
function itlUnit(ok: readonly RequestRecord[]): StageSummary['itlPer'] {
  let streamed = 0;
  let perToken = 0;
  for (let i = 0; i < ok.length; i++) {
    const r = ok[i]!;
    if (r.events <= 1) continue;
    streamed++;
    if (r.tokenGaps !== undefined) perToken++;
  }
  if (streamed === 0) return undefined;
  return perToken === streamed ? 'token' : 'event';
}

/** What a rate stage offered and sent: from the scheduler's counts, the lateness from the records. */
export function rateFigures(stage: Extract<Stage, { kind: 'rate' }>, records: readonly RequestRecord[], counts?: ArrivalCounts): RateFigures {
  const late: number[] = [];
  for (const r of records) if (r.lateness !== undefined) late.push(r.lateness);
  const windowMs = counts?.windowMs ?? stage.durationMs;
  return {
    offered: stage.rate,
    durationMs: stage.durationMs,
    arrival: counts?.arrival ?? 'poisson',
    seed: counts?.seed ?? 1,
    scheduled: counts?.scheduled ?? records.length,
    dropped: counts?.dropped ?? 0,
    achieved: windowMs > 0 ? records.length / (windowMs / 1000) : 0,
    maxInFlight: counts?.maxInFlight ?? 0,
    peakInFlight: counts?.peakInFlight ?? 0,
    lateness: computeStats(late),
  };
}

export function skippedStage(index: number, stage: Stage): StageSummary {
  return { ...summarizeStage(index, stage, [], 0), skipped: true };
}
