// Serialized and saturated servers, seen from the client: the commonest reason TTFC grows with users.
//
// A handler that makes a blocking call serves concurrent requests one after another: the first
// chunks of a stage's first wave form a staircase (the k-th arrives about k single-request times
// after the stage starts), TTFC grows with the users, and throughput stays flat. A bounded worker
// pool does the same in steps of its size. Pure: runs after the load, on the request records.

import type { Diagnosis, RequestRecord, StageSummary } from '../../types.js';
import { groupByStage, mean, median, ms, pct, referenceStage, round, serverTtfc, times, users, type RunData } from './common.js';

/** Throughput scaling of one stage against the reference (fewest users) stage. */
export interface ScalingRow {
  index: number;
  users: number;
  requestsPerUser: number;
  /** Requests per second (as in the stage summary); null for a skipped stage. */
  rps: number | null;
  /** rps / rps of the reference stage. */
  throughputRatio: number | null;
  /** users / users of the reference stage. */
  usersRatio: number | null;
  /** throughputRatio / usersRatio: 1 = perfect scaling, 1/usersRatio = no scaling at all. */
  efficiency: number | null;
}

/**
 * Scaling efficiency per stage: (throughput at N users / throughput at the reference stage) divided by
 * (N / reference users). The reference is the stage with the fewest users that ran (normally 1x1); its
 * throughput discounts the setup of a cold connection (see referenceRps).
 */
export function scalingEfficiency(stages: readonly StageSummary[]): ScalingRow[] {
  const ref = referenceStage(stages.filter((s) => s.rps > 0));
  const refRps = ref === null ? 0 : referenceRps(ref);
  return stages.map((s) => {
    const row: ScalingRow = {
      index: s.index,
      users: s.users,
      requestsPerUser: s.requestsPerUser,
      rps: s.skipped ? null : s.rps,
      throughputRatio: null,
      usersRatio: null,
      efficiency: null,
    };
    if (ref === null || s.skipped || s.issued === 0) return row;
    row.throughputRatio = s.index === ref.index ? 1 : s.rps / refRps;
    row.usersRatio = s.users / ref.users;
    row.efficiency = row.throughputRatio / row.usersRatio;
    return row;
  });
}

/**
 * Throughput of the reference stage. A 1x1 stage is one request on a cold connection: its rps counts the
 * connection setup (a TLS handshake can double it). The reference is the better of the measured rps and
 * users / (median total − median connect), i.e. what its users do back to back on warm connections.
 */
function referenceRps(ref: StageSummary): number {
  const total = ref.total.p50;
  const warm = total === null ? 0 : total - (ref.connect.p50 ?? 0);
  return warm > 0 ? Math.max(ref.rps, (ref.users * 1000) / warm) : ref.rps;
}

// ---------------------------------------------------------------------------------------------
// Thresholds (see the module comment of index.ts for the reasoning)

/** Stages with fewer users say little about serialization (2 users: a staircase of 2 steps). */
const MIN_USERS = 3;
/** At least this many successful first-wave requests (and this share of the users) for a staircase. */
const MIN_WAVE = 3;
const MIN_WAVE_SHARE = 0.6;
/** TTFC must have grown by at least this much in absolute terms: client overhead on tiny endpoints is not a server problem. */
const MIN_GROWTH_MS = 50;
/** Serialized: the staircase says about one request at a time … */
const SERIAL_MAX_CONCURRENCY = 1.5;
/**
 * … and TTFC grew at least max(2, users / 5) times: one at a time means ≈ (users + 1) / 2 on the first
 * wave and ≈ users later, so this leaves room for a slow single reference sample (a cold 1x1).
 */
const SERIAL_MIN_GROWTH = 2;
const SERIAL_GROWTH_PER_USER = 0.2;
/** Fallback without a usable first wave: throughput stayed within 1.5× of the reference stage. */
const SERIAL_MAX_THROUGHPUT_RATIO = 1.5;
/** Saturated: at most half of the users served at once, and TTFC grew at least 1.5×. */
const SATURATED_MAX_SHARE = 0.5;
const SATURATED_MIN_GROWTH = 1.5;
/**
 * A fixed capacity stays put as users grow; an estimate that grows along with the users is noise in the
 * service times (an honest server with a wide TTFC spread), not a pool. Two saturated stages whose
 * capacity estimates grew by at least this share of the users' growth are both dropped.
 */
const CAPACITY_TRACKS_USERS = 0.6;

/** The staircase of a stage's first wave (each user's first request). */
export interface FirstWave {
  /** Successful first-wave requests used. */
  requests: number;
  /** Slope of the sorted first-chunk times against their rank (ms per request). */
  stepMs: number;
  /** The fastest first-wave request's own time to first chunk (connection setup excluded): a request that did not wait. */
  unqueuedMs: number;
  /** Requests served at once: unqueuedMs / step, between 1 and users. */
  concurrency: number;
  /** First and last first chunk of the wave, ms after the stage's first request was issued. */
  firstMs: number;
  lastMs: number;
}

/** What the client saw at one stage, against the reference stage. */
export interface ConcurrencyAnalysis {
  index: number;
  users: number;
  referenceUsers: number;
  /** Typical single-request time to first chunk at the reference stage (median, connection setup excluded). */
  singleRequestMs: number;
  /** Mean time to first chunk at this stage (connection setup excluded). */
  ttfcAvgMs: number;
  /** ttfcAvgMs / singleRequestMs. */
  ttfcGrowth: number;
  throughputRatio: number | null;
  scalingEfficiency: number | null;
  firstWave: FirstWave | null;
}

/** The per-stage figures behind the serialized / saturated diagnoses (also useful as report evidence). */
export function analyzeConcurrency(run: RunData, byStage = groupByStage(run.requests)): ConcurrencyAnalysis[] {
  const ref = referenceStage(run.stages);
  if (ref === null) return [];
  const single = singleRequestTime(ref, byStage.get(ref.index) ?? []);
  if (single === null) return [];
  const scaling = new Map(scalingEfficiency(run.stages).map((r) => [r.index, r]));
  const out: ConcurrencyAnalysis[] = [];
  for (const s of run.stages) {
    if (s.skipped || s.index === ref.index || s.users <= ref.users) continue;
    const ok: RequestRecord[] = [];
    for (const r of byStage.get(s.index) ?? []) if (r.ok && r.ttfc !== null) ok.push(r);
    const avg = mean(ok.map((r) => serverTtfc(r)!));
    if (avg === null) continue;
    const sc = scaling.get(s.index);
    out.push({
      index: s.index,
      users: s.users,
      referenceUsers: ref.users,
      singleRequestMs: single,
      ttfcAvgMs: avg,
      ttfcGrowth: avg / single,
      throughputRatio: sc?.throughputRatio ?? null,
      scalingEfficiency: sc?.efficiency ?? null,
      firstWave: firstWave(s, ok),
    });
  }
  return out;
}

/**
 * The reference single-request time: the median over the reference stage of ttfc minus connection
 * setup, so a cold first connection (TLS handshake) of a 1x1 stage does not count as server time.
 * Falls back to the stage summary when there are no request records.
 */
function singleRequestTime(ref: StageSummary, records: readonly RequestRecord[]): number | null {
  const vals: number[] = [];
  for (const r of records) {
    if (!r.ok) continue;
    const v = serverTtfc(r);
    if (v !== null) vals.push(v);
  }
  let t = median(vals);
  if (t === null && ref.ttfc.p50 !== null) t = Math.max(0, ref.ttfc.p50 - (ref.connect.p50 ?? 0));
  if (t === null) return null;
  return Math.max(t, 1); // a sub-millisecond endpoint: ratios against 0 mean nothing
}

/**
 * The staircase of the first wave: sorted absolute first-chunk times regressed on their rank give the
 * step; the time of a request that did not wait (the wave's fastest, measured under the same load as
 * the rest, unlike a single cold 1x1 sample) divided by the step is how many were served at once.
 */
function firstWave(stage: StageSummary, ok: readonly RequestRecord[]): FirstWave | null {
  const wave = ok.filter((r) => r.iteration === 1);
  if (wave.length < MIN_WAVE || wave.length < MIN_WAVE_SHARE * stage.users) return null;
  let start = Infinity;
  let unqueued = Infinity;
  for (const r of wave) {
    if (r.startedAt < start) start = r.startedAt;
    unqueued = Math.min(unqueued, serverTtfc(r)!);
  }
  unqueued = Math.max(unqueued, 1);
  const t = Float64Array.from(wave, (r) => r.startedAt + r.ttfc! - start).sort();
  const n = t.length;
  // Least-squares slope of t[k] against k.
  const kMean = (n - 1) / 2;
  let tMean = 0;
  for (const v of t) tMean += v;
  tMean /= n;
  let cov = 0;
  let varK = 0;
  for (let k = 0; k < n; k++) {
    cov += (k - kMean) * (t[k]! - tMean);
    varK += (k - kMean) ** 2;
  }
  const step = Math.max(0, cov / varK);
  let concurrency = step > 0 ? Math.min(stage.users, Math.max(1, unqueued / step)) : stage.users;
  // The span of the staircase counts its groups: n requests served c at a time form g = ceil(n / c)
  // groups, one single-request time apart, so c lies in [n / g, n / (g - 1)). The regression slope
  // alone is pulled by the partial last group and by noise (a pool of 4 read as 5).
  const groups = Math.max(1, Math.round((t[n - 1]! - t[0]!) / unqueued) + 1);
  const lo = n / groups;
  const hi = groups > 1 ? n / (groups - 1) : n;
  concurrency = Math.min(Math.max(concurrency, lo), Math.max(lo, hi - 0.5));
  return { requests: n, stepMs: step, unqueuedMs: unqueued, concurrency, firstMs: t[0]!, lastMs: t[n - 1]! };
}

function evidence(a: ConcurrencyAnalysis): Record<string, unknown> {
  return {
    referenceUsers: a.referenceUsers,
    singleRequestMs: round(a.singleRequestMs),
    ttfcAvgMs: round(a.ttfcAvgMs),
    ttfcGrowth: round(a.ttfcGrowth),
    throughputRatio: a.throughputRatio === null ? null : round(a.throughputRatio),
    scalingEfficiency: a.scalingEfficiency === null ? null : round(a.scalingEfficiency, 3),
    firstWave:
      a.firstWave === null
        ? null
        : {
            requests: a.firstWave.requests,
            stepMs: round(a.firstWave.stepMs),
            unqueuedMs: round(a.firstWave.unqueuedMs),
            concurrency: round(a.firstWave.concurrency),
            firstChunkMs: [round(a.firstWave.firstMs), round(a.firstWave.lastMs)],
          },
  };
}

const BLOCKING_HINT =
  'requests look served one at a time — look for blocking calls in the async handler, e.g. database, ' +
  'vector search or LLM client calls not offloaded to a thread pool';

function serializedMessage(a: ConcurrencyAnalysis): string {
  const parts: string[] = [];
  if (a.throughputRatio !== null) parts.push(`throughput is ${times(a.throughputRatio)} that of ${users(a.referenceUsers)} and`);
  parts.push(`TTFC grew ${times(a.ttfcGrowth)} (avg ${ms(a.ttfcAvgMs)} vs ${ms(a.singleRequestMs)} with ${users(a.referenceUsers)})`);
  let msg = `at ${a.users} users ${parts.join(' ')}`;
  if (a.firstWave !== null) {
    msg += `; the first chunks of the first ${a.firstWave.requests} concurrent requests came one after another, about ${ms(a.firstWave.stepMs)} apart`;
  }
  return `${msg}: ${BLOCKING_HINT}`;
}

function saturatedMessage(a: ConcurrencyAnalysis, capacity: number): string {
  let msg = `at ${a.users} users TTFC grew ${times(a.ttfcGrowth)} (avg ${ms(a.ttfcAvgMs)} vs ${ms(a.singleRequestMs)} with ${users(a.referenceUsers)})`;
  if (a.throughputRatio !== null && a.scalingEfficiency !== null) {
    msg += ` and throughput is ${times(a.throughputRatio)} that of ${users(a.referenceUsers)} (scaling efficiency ${pct(a.scalingEfficiency)})`;
  }
  msg += `: the server saturates at about ${capacity} concurrent requests — the first chunks came in groups of about ${capacity}, one single-request time apart`;
  return (
    `${msg}. Look for a bounded worker or thread pool, a connection pool (database, HTTP client) or an ` +
    `upstream concurrency or rate limit, and size it for the concurrency you expect`
  );
}

/**
 * Serialized (`kind: 'serialized'`) and saturated (`kind: 'saturated'`) stages, one diagnosis per stage.
 * A stage is never both.
 */
export function detectSerialized(run: RunData, byStage = groupByStage(run.requests)): Diagnosis[] {
  const serialized: Diagnosis[] = [];
  const saturated: { a: ConcurrencyAnalysis; c: number }[] = [];
  for (const a of analyzeConcurrency(run, byStage)) {
    if (a.users < Math.max(MIN_USERS, 2 * a.referenceUsers)) continue;
    if (a.ttfcAvgMs - a.singleRequestMs < MIN_GROWTH_MS) continue;
    const serialGrowth = Math.max(SERIAL_MIN_GROWTH, SERIAL_GROWTH_PER_USER * (a.users / a.referenceUsers));
    const w = a.firstWave;
    if (w === null) {
      // No usable staircase (too few first-wave successes): throughput and inflation only.
      if (a.throughputRatio !== null && a.throughputRatio <= SERIAL_MAX_THROUGHPUT_RATIO && a.ttfcGrowth >= serialGrowth) {
        serialized.push({ kind: 'serialized', users: a.users, message: serializedMessage(a), evidence: evidence(a) });
      }
      continue;
    }
    if (w.concurrency < SERIAL_MAX_CONCURRENCY) {
      if (a.ttfcGrowth >= serialGrowth) {
        serialized.push({ kind: 'serialized', users: a.users, message: serializedMessage(a), evidence: evidence(a) });
      }
    } else if (w.concurrency <= SATURATED_MAX_SHARE * a.users && a.ttfcGrowth >= SATURATED_MIN_GROWTH) {
      saturated.push({ a, c: w.concurrency });
    }
  }

  // A capacity estimate that grows along with the users is not a capacity.
  const drop = new Set<number>();
  for (let i = 0; i < saturated.length; i++) {
    for (let j = i + 1; j < saturated.length; j++) {
      const [lo, hi] = saturated[i]!.a.users <= saturated[j]!.a.users ? [saturated[i]!, saturated[j]!] : [saturated[j]!, saturated[i]!];
      if (hi.a.users === lo.a.users) continue;
      const usersGrowth = hi.a.users / lo.a.users;
      if (hi.c / lo.c >= 1 + CAPACITY_TRACKS_USERS * (usersGrowth - 1)) {
        drop.add(i);
        drop.add(j);
      }
    }
  }
  const out = [...serialized];
  saturated.forEach(({ a, c }, i) => {
    if (drop.has(i)) return;
    const capacity = Math.round(c);
    out.push({
      kind: 'saturated',
      users: a.users,
      message: saturatedMessage(a, capacity),
      evidence: { ...evidence(a), capacity },
    });
  });
  return out.sort((x, y) => (x.users ?? 0) - (y.users ?? 0));
}
