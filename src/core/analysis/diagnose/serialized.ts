// Serialized and saturated servers, seen from the client: the commonest reason TTFC grows with users.
//
// A handler that makes a blocking call serves concurrent requests one after another: the first
// chunks of a stage's first wave form a staircase (the k-th arrives about k single-request times
// after the stage starts) or, when the blocked event loop writes them late, lumps that end after
// n single-request times; TTFC grows with the users. A blocking section shorter than the TTFC (a
// synchronous call, then an awaited one) makes a staircase of that section's step. A bounded pool does
// the same in groups of its size, one hold time apart — the whole request when the slot is held for the
// stream (a gunicorn thread, a semaphore around the LLM client), so the groups of a pool serving long
// answers are far apart however short the TTFC. The first wave is read in wave.ts, the words are in
// serialized-text.ts. Pure: runs after the load, on the request records.

import type { Diagnosis, RequestRecord, StageSummary } from '../../types.js';
import { groupByStage, mean, median, referenceStage, round, serverTtfc, type RunData } from './common.js';
import { readingOf, readingSummary, saturatedMessage, serializedMessage, type Reading, type Unstable } from './serialized-text.js';
import { firstWave, SERIAL_MAX_CONCURRENCY, type FirstWave } from './wave.js';
import type { ConcurrencyAnalysis } from './concurrency-analysis.js';

export type { ConcurrencyAnalysis } from './concurrency-analysis.js';

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
  const ref = referenceStage(stages.filter((s) => s.rps !== null && s.rps > 0));
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
    // A stage with no success has no throughput (rps null) to scale.
    if (ref === null || s.skipped || s.issued === 0 || s.rps === null) return row;
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
  const rps = ref.rps ?? 0;
  return warm > 0 ? Math.max(rps, (ref.users * 1000) / warm) : rps;
}

// ---------------------------------------------------------------------------------------------
// Thresholds (see the module comment of index.ts for the reasoning)

/** Stages with fewer users say little about serialization (2 users: a staircase of 2 steps). */
const MIN_USERS = 3;
/** TTFC must have grown by at least this much in absolute terms: client overhead on tiny endpoints is not a server problem. */
const MIN_GROWTH_MS = 50;
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
/**
 * Capacity estimates of the flagged stages further apart than this ratio are not one pool's size — unless
 * every one came from equal groups of first chunks of one kind within one request of each other (a
 * pool's groups are its size; jitter moves a group boundary by one request at most).
 */
const CAPACITY_UNSTABLE_RATIO = 1.3;
/** Sections found at several stages must agree within this ratio (a handler's section does not change with the load). */
const SECTION_STAGES_RATIO = 1.35;

/** The per-stage figures behind the serialized / saturated diagnoses (also useful as report evidence). */
export function analyzeConcurrency(run: RunData, byStage = groupByStage(run.requests)): ConcurrencyAnalysis[] {
  const ref = referenceStage(run.stages);
  if (ref === null) return [];
  const refRecords = byStage.get(ref.index) ?? [];
  const single = singleRequestTime(ref, refRecords);
  if (single === null) return [];
  const singleTotal = singleTotalTime(ref, refRecords);
  const scaling = new Map(scalingEfficiency(run.stages).map((r) => [r.index, r]));
  const out: (ConcurrencyAnalysis & { ok: RequestRecord[] })[] = [];
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
      singleTotalMs: singleTotal,
      ttfcAvgMs: avg,
      ttfcGrowth: avg / single,
      throughputRatio: sc?.throughputRatio ?? null,
      scalingEfficiency: sc?.efficiency ?? null,
      firstWave: firstWave(s, ok, single, singleTotal),
      ok,
    });
  }
  // A blocking section is the handler's: the same step at every stage. Steps that differ (first chunks
  // spread over one fixed time whatever the users: noisy service times) are no section; read them again.
  const steps = out
    .map((a) => a.firstWave)
    .filter((w) => w?.held === 'section')
    .map((w) => w!.holdMs);
  if (steps.length >= 2 && Math.max(...steps) / Math.min(...steps) > SECTION_STAGES_RATIO) {
    for (const a of out) if (a.firstWave?.held === 'section') a.firstWave = firstWave(stageOf(run, a.index), a.ok, single, singleTotal, { sections: false });
  }
  return out.map(({ ok: _ok, ...a }) => a);
}

const stageOf = (run: RunData, index: number): StageSummary => run.stages.find((s) => s.index === index)!;

/**
 * The reference single-request time: the median over the reference stage of ttfc minus connection
 * setup, so a cold first connection (TLS handshake) of a 1x1 stage does not count as server time.
 * Falls back to the stage summary when there are no request records.
 */
function singleRequestTime(ref: StageSummary, records: readonly RequestRecord[]): number | null {
  const vals = new Float64Array(records.length);
  let n = 0;
  for (const r of records) {
    if (!r.ok) continue;
    const v = serverTtfc(r);
    if (v !== null) vals[n++] = v;
  }
  let t = median(vals.subarray(0, n));
  if (t === null && ref.ttfc.p50 !== null) t = Math.max(0, ref.ttfc.p50 - (ref.connect.p50 ?? 0));
  if (t === null) return null;
  return Math.max(t, 1); // a sub-millisecond endpoint: ratios against 0 mean nothing
}

/** The same for the whole request (to the end of the stream): how long a pool slot held per request is busy. */
function singleTotalTime(ref: StageSummary, records: readonly RequestRecord[]): number | null {
  const vals = new Float64Array(records.length);
  let n = 0;
  for (const r of records) if (r.ok && r.total !== null) vals[n++] = Math.max(0, r.total - (r.connect ?? 0));
  let t = median(vals.subarray(0, n));
  if (t === null && ref.total.p50 !== null) t = Math.max(0, ref.total.p50 - (ref.connect.p50 ?? 0));
  return t === null ? null : Math.max(t, 1);
}

function evidence(a: ConcurrencyAnalysis): Record<string, unknown> {
  const w = a.firstWave;
  return {
    referenceUsers: a.referenceUsers,
    singleRequestMs: round(a.singleRequestMs),
    ttfcAvgMs: round(a.ttfcAvgMs),
    ttfcGrowth: round(a.ttfcGrowth),
    throughputRatio: a.throughputRatio === null ? null : round(a.throughputRatio),
    scalingEfficiency: a.scalingEfficiency === null ? null : round(a.scalingEfficiency, 3),
    firstWave:
      w === null
        ? null
        : {
            requests: w.requests,
            stepMs: w.stepMs === null ? null : round(w.stepMs),
            groups: w.groups.length > 12 ? [...w.groups.slice(0, 12), '…'] : w.groups,
            groupStartsMs: (w.groupStartsMs.length > 12 ? w.groupStartsMs.slice(0, 12) : w.groupStartsMs).map((x) => round(x, 0)),
            held: w.held,
            holdMs: round(w.holdMs),
            concurrency: round(w.concurrency),
            from: w.from,
            firstChunkMs: [round(w.firstMs), round(w.lastMs)],
            tookMs: round(w.tookMs),
            idleMs: round(w.idleMs),
            singleMs: round(w.singleMs),
          },
    singleTotalMs: a.singleTotalMs === null ? null : round(a.singleTotalMs),
  };
}

/** Whether a flagged stage's first wave reads as one at a time (serialized) or as a capacity (saturated). */
function classify(a: ConcurrencyAnalysis): 'serialized' | 'saturated' | null {
  if (a.users < Math.max(MIN_USERS, 2 * a.referenceUsers)) return null;
  if (a.ttfcAvgMs - a.singleRequestMs < MIN_GROWTH_MS) return null;
  const serialGrowth = Math.max(SERIAL_MIN_GROWTH, SERIAL_GROWTH_PER_USER * (a.users / a.referenceUsers));
  const w = a.firstWave;
  if (w === null) {
    // No usable staircase (too few first-wave successes): throughput and inflation only.
    const flat = a.throughputRatio !== null && a.throughputRatio <= SERIAL_MAX_THROUGHPUT_RATIO;
    return flat && a.ttfcGrowth >= serialGrowth ? 'serialized' : null;
  }
  // A section shorter than the TTFC: the staircase shows it; TTFC grows by a share of a request per user.
  if (w.held === 'section') return a.ttfcGrowth >= SATURATED_MIN_GROWTH ? 'serialized' : null;
  if (w.concurrency < SERIAL_MAX_CONCURRENCY) return a.ttfcGrowth >= serialGrowth ? 'serialized' : null;
  return w.concurrency <= SATURATED_MAX_SHARE * a.users && a.ttfcGrowth >= SATURATED_MIN_GROWTH ? 'saturated' : null;
}

/** Saturated stages whose capacity estimate grows along with the users: noise, not a pool (indexes to drop). */
function trackingUsers(saturated: readonly { a: ConcurrencyAnalysis; w: FirstWave }[]): Set<number> {
  const drop = new Set<number>();
  for (let i = 0; i < saturated.length; i++) {
    for (let j = i + 1; j < saturated.length; j++) {
      const [lo, hi] = saturated[i]!.a.users <= saturated[j]!.a.users ? [saturated[i]!, saturated[j]!] : [saturated[j]!, saturated[i]!];
      if (hi.a.users === lo.a.users) continue;
      const usersGrowth = hi.a.users / lo.a.users;
      if (hi.w.concurrency / lo.w.concurrency >= 1 + CAPACITY_TRACKS_USERS * (usersGrowth - 1)) {
        drop.add(i);
        drop.add(j);
      }
    }
  }
  return drop;
}

/**
 * Estimates of the flagged stages (saturated ones, and serialized ones at about one) that disagree, when
 * at least one stage is saturated: CPU-bound work, not a pool (see CAPACITY_UNSTABLE_RATIO); else null.
 */
function unstableCapacity(flagged: readonly { a: ConcurrencyAnalysis; kind: 'serialized' | 'saturated' }[]): Unstable | null {
  const withWave = flagged.filter((f) => f.a.firstWave !== null && f.a.firstWave.held !== 'section');
  if (withWave.length < 2 || !withWave.some((f) => f.kind === 'saturated')) return null;
  const waves = withWave.map((f) => f.a.firstWave!);
  const c = waves.map((w) => w.concurrency);
  if (Math.max(...c) / Math.min(...c) <= CAPACITY_UNSTABLE_RATIO) return null;
  const sizes = waves.map((w) => Math.round(w.concurrency));
  const onePool = waves.every((w) => w.from === 'groups' && w.held === waves[0]!.held) && Math.max(...sizes) - Math.min(...sizes) <= 1;
  if (onePool) return null;
  return { estimates: withWave.map((f) => ({ users: f.a.users, concurrency: f.a.firstWave!.concurrency })).sort((x, y) => x.users - y.users) };
}

/**
 * Serialized (`kind: 'serialized'`) and saturated (`kind: 'saturated'`) stages, one diagnosis per stage.
 * A stage is never both. Stages of one reading share one `summary`.
 */
export function detectSerialized(run: RunData, byStage = groupByStage(run.requests)): Diagnosis[] {
  const serialized: ConcurrencyAnalysis[] = [];
  const saturatedAll: { a: ConcurrencyAnalysis; w: FirstWave }[] = [];
  for (const a of analyzeConcurrency(run, byStage)) {
    const kind = classify(a);
    if (kind === 'serialized') serialized.push(a);
    else if (kind === 'saturated') saturatedAll.push({ a, w: a.firstWave! });
  }
  // A capacity estimate that grows along with the users is not a capacity.
  const drop = trackingUsers(saturatedAll);
  const saturated = saturatedAll.filter((_, i) => !drop.has(i));
  const unstable = unstableCapacity([...serialized.map((a) => ({ a, kind: 'serialized' as const })), ...saturated.map(({ a }) => ({ a, kind: 'saturated' as const }))]);

  const out: { d: Diagnosis; a: ConcurrencyAnalysis; reading: Reading }[] = [];
  for (const a of serialized) {
    out.push({ d: { kind: 'serialized', users: a.users, message: serializedMessage(a), evidence: evidence(a) }, a, reading: readingOf('serialized', a.firstWave, false) });
  }
  for (const { a, w } of saturated) {
    const ev: Record<string, unknown> = { ...evidence(a), capacity: Math.round(w.concurrency) };
    if (unstable !== null) {
      ev.cpuBound = true;
      ev.capacityEstimates = unstable.estimates.map((e) => ({ users: e.users, concurrency: round(e.concurrency) }));
    }
    out.push({ d: { kind: 'saturated', users: a.users, message: saturatedMessage(a, w, unstable), evidence: ev }, a, reading: readingOf('saturated', w, unstable !== null) });
  }
  // One summary per reading, from all of its stages (and, for a pool, one capacity).
  const byReading = new Map<string, typeof out>();
  for (const o of out) {
    const key = o.reading === 'pool_whole' || o.reading === 'pool_first' || o.reading === 'wave' ? `${o.reading}:${o.d.evidence.capacity}` : o.reading;
    byReading.set(key, [...(byReading.get(key) ?? []), o]);
  }
  for (const group of byReading.values()) {
    const summary = readingSummary(
      group[0]!.reading,
      group.map((o) => o.a),
      unstable,
    );
    for (const o of group) o.d.summary = summary;
  }
  return out.map((o) => o.d).sort((x, y) => (x.users ?? 0) - (y.users ?? 0));
}
