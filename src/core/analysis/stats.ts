import { mean, quantileSorted, standardDeviation } from 'simple-statistics';
import { latencyStats } from './metrics.js';
import { FAILURE_CATEGORIES, type FailureCategory, type RequestRecord, type Stage, type StageSummary, type Stats } from '../types.js';

export const PERCENTILE_METHOD = 'linear interpolation between closest ranks (R-7 / numpy default), over successful requests';

const EMPTY: Stats = { n: 0, min: null, avg: null, p50: null, p90: null, p95: null, p99: null, max: null, stddev: null };

/** Descriptive statistics of a sample (population stddev). Null values when the sample is empty. */
export function computeStats(values: number[]): Stats {
  if (values.length === 0) return { ...EMPTY };
  const sorted = Float64Array.from(values).sort();
  const arr = Array.from(sorted);
  return {
    n: arr.length,
    min: arr[0]!,
    avg: mean(arr),
    p50: quantileSorted(arr, 0.5),
    p90: quantileSorted(arr, 0.9),
    p95: quantileSorted(arr, 0.95),
    p99: quantileSorted(arr, 0.99),
    max: arr[arr.length - 1]!,
    stddev: arr.length > 1 ? standardDeviation(arr) : 0,
  };
}

export function emptyFailures(): Record<FailureCategory, number> {
  return Object.fromEntries(FAILURE_CATEGORIES.map((c) => [c, 0])) as Record<FailureCategory, number>;
}

/** Summary of one stage from its request records; latency stats over successful requests only. */
export function summarizeStage(index: number, stage: Stage, records: RequestRecord[], durationMs: number): StageSummary {
  const ok = records.filter((r) => r.ok);
  const failures = emptyFailures();
  for (const r of records) if (!r.ok && r.category) failures[r.category]++;
  let events = 0;
  for (const r of ok) events += r.events;
  const seconds = durationMs / 1000;
  const summary: StageSummary = {
    index,
    users: stage.users,
    requestsPerUser: stage.requestsPerUser,
    skipped: false,
    issued: records.length,
    succeeded: ok.length,
    failed: records.length - ok.length,
    successRate: records.length ? ok.length / records.length : 0,
    failures,
    ...latencyStats(ok, computeStats),
    durationMs,
    retries: records.reduce((n, r) => (r.retried === true ? n + 1 : n), 0),
    // No success, no throughput: failures per second are not a rate of service (null, shown as n/a).
    rps: ok.length > 0 && seconds > 0 ? records.length / seconds : null,
    eventsPerSec: ok.length > 0 && seconds > 0 ? events / seconds : null,
  };
  const withTokens = ok.filter((r) => r.tokens !== undefined);
  if (withTokens.length > 0) {
    const total = withTokens.reduce((n, r) => n + r.tokens!, 0);
    const rates: number[] = [];
    for (const r of withTokens) {
      const streaming = r.total !== null && r.ttft !== null ? (r.total - r.ttft) / 1000 : 0;
      if (r.tokens! > 1 && streaming > 0) rates.push(r.tokens! / streaming);
    }
    summary.tokens = { total, perSec: seconds > 0 ? total / seconds : 0, perRequest: computeStats(rates) };
  }
  if (summary.tokens === undefined) {
    // No usage from the server: the rate of what was received after the first chunk, in events.
    const rates: number[] = [];
    for (const r of ok) {
      if (r.events > 1 && r.total !== null && r.ttfc !== null && r.total > r.ttfc) rates.push((r.events - 1) / ((r.total - r.ttfc) / 1000));
    }
    if (rates.length > 0) summary.streamRate = { unit: 'events/s', perRequest: computeStats(rates) };
  }
  const ttfr: number[] = [];
  for (const r of ok) if (r.ttfr !== undefined) ttfr.push(r.ttfr);
  if (ttfr.length > 0) summary.ttfr = computeStats(ttfr);
  return summary;
}

export function skippedStage(index: number, stage: Stage): StageSummary {
  return { ...summarizeStage(index, stage, [], 0), skipped: true };
}
