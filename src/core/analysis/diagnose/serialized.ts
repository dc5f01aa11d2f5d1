// Serialized and saturated servers, seen from the client: the commonest reason TTFC grows with users.
//
// A handler that makes a blocking call serves concurrent requests one after another: the first
// chunks of a stage's first wave form a staircase (the k-th arrives about k single-request times
// after the stage starts) or, when the blocked event loop writes them late, lumps that end after
// n single-request times; TTFC grows with the users. A bounded pool does the same in groups of its
// size, one hold time apart — the whole request when the slot is held for the stream (a gunicorn
// thread, a semaphore around the LLM client), so the groups of a pool serving long answers are far
// apart however short the TTFC. Pure: runs after the load, on the request records.

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
/** At least this many successful first-wave requests (and this share of the users) for a staircase. */
const MIN_WAVE = 3;
const MIN_WAVE_SHARE = 0.6;
/** TTFC must have grown by at least this much in absolute terms: client overhead on tiny endpoints is not a server problem. */
const MIN_GROWTH_MS = 50;
/** Serialized: about one request at a time (rounds to 1) … */
const SERIAL_MAX_CONCURRENCY = 1.5;
/** … said as "one, perhaps two" from here on, and a saturation at 2 as "perhaps one" below the mirror bound. */
const AMBIGUOUS_BAND = 0.2;
/**
 * … and TTFC grew at least max(2, users / 5) times: one at a time means ≈ (users + 1) / 2 on the first
 * wave and ≈ users later, so this leaves room for a slow single reference sample (a cold 1x1).
 */
const SERIAL_MIN_GROWTH = 2;
const SERIAL_GROWTH_PER_USER = 0.2;
/** Fallback without a usable first wave: throughput stayed within 1.5× of the reference stage. */
const SERIAL_MAX_THROUGHPUT_RATIO = 1.5;
/**
 * Throughput within 2× of one user's is shown as agreeing with "one at a time" (the 1-user reference is
 * one sample); beyond it the message explains why it grew instead of leading with it.
 */
const SERIAL_FLAT_THROUGHPUT = 2;
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
 * Groups of first chunks: sorted first-chunk times split where consecutive ones are more than
 * max(20 ms, 35% of the single-request TTFC, 25% of the widest gap) apart — jitter inside a group stays
 * well under any of these, the step between groups (one request's hold time) well over.
 */
const GROUP_SPLIT_MIN_MS = 20;
const GROUP_SPLIT_OF_TTFC = 0.35;
const GROUP_SPLIT_OF_WIDEST = 0.25;
/** A staircase's step matches a hold time (time to first chunk, or the whole request) within these ratios. */
const STEP_MATCH_LOW = 0.6;
const STEP_MATCH_HIGH = 1.5;
/** Without a regular staircase, a wave counts as queued only when it took at least this many single-request TTFCs. */
const WAVE_MIN_ROUNDS = 2.5;
/** The steps of a regular staircase lie within these ratios of their median (client jitter on a busy machine). */
const STEP_REGULAR_LOW = 0.4;
const STEP_REGULAR_HIGH = 2;

/** How long a request holds its place in the queue: until its first chunk, or to the end of its stream. */
export type Hold = 'first_chunk' | 'whole_request';

/** The first wave (each user's first request) of a stage, seen as a queue. */
export interface FirstWave {
  /** Successful first-wave requests used. */
  requests: number;
  /** First chunks grouped by arrival (sizes, in order) and when each group started (ms after the stage started). */
  groups: number[];
  groupStartsMs: number[];
  /** Time between consecutive groups of a regular staircase (ms); null when the groups are not one. */
  stepMs: number | null;
  /** What a request holds a place for, and for how long (ms): the single-request TTFC or whole time. */
  held: Hold;
  holdMs: number;
  /** Requests served at once: a regular staircase's group size, else n × TTFC / time to the wave's last first chunk. */
  concurrency: number;
  /** How `concurrency` was found: from groups of a regular staircase, or from the time the wave took. */
  from: 'groups' | 'wave_time';
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
  /** Typical single-request total time at the reference stage (median, connection setup excluded); null when unknown. */
  singleTotalMs: number | null;
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
  const refRecords = byStage.get(ref.index) ?? [];
  const single = singleRequestTime(ref, refRecords);
  if (single === null) return [];
  const singleTotal = singleTotalTime(ref, refRecords);
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
      singleTotalMs: singleTotal,
      ttfcAvgMs: avg,
      ttfcGrowth: avg / single,
      throughputRatio: sc?.throughputRatio ?? null,
      scalingEfficiency: sc?.efficiency ?? null,
      firstWave: firstWave(s, ok, single, singleTotal),
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

/** The same for the whole request (to the end of the stream): how long a pool slot held per request is busy. */
function singleTotalTime(ref: StageSummary, records: readonly RequestRecord[]): number | null {
  const vals: number[] = [];
  for (const r of records) if (r.ok && r.total !== null) vals.push(Math.max(0, r.total - (r.connect ?? 0)));
  let t = median(vals);
  if (t === null && ref.total.p50 !== null) t = Math.max(0, ref.total.p50 - (ref.connect.p50 ?? 0));
  return t === null ? null : Math.max(t, 1);
}

const within = (x: number, target: number): boolean => x >= STEP_MATCH_LOW * target && x <= STEP_MATCH_HIGH * target;

/**
 * The first wave as a queue. Its sorted first-chunk times are split into groups (see GROUP_SPLIT_*).
 * A regular staircase — at least two groups of about the same size c (the last may be smaller), one
 * hold time apart — is a pool of c: the hold is the whole request when the step matches the single
 * request's total time (a thread or semaphore held for the stream: groups one whole answer apart),
 * else its time to first chunk. Anything else (one lump, groups of uneven sizes: a blocked event loop
 * writes several first chunks at once) is measured by the time the wave took: n requests of TTFC u
 * each, all done by the last first chunk T, ran about n·u / T at a time.
 */
function firstWave(stage: StageSummary, ok: readonly RequestRecord[], single: number, singleTotal: number | null): FirstWave | null {
  const wave = ok.filter((r) => r.iteration === 1);
  if (wave.length < MIN_WAVE || wave.length < MIN_WAVE_SHARE * stage.users) return null;
  let start = Infinity;
  let fastest = Infinity;
  let connect = Infinity;
  for (const r of wave) {
    if (r.startedAt < start) start = r.startedAt;
    fastest = Math.min(fastest, serverTtfc(r)!);
    connect = Math.min(connect, r.connect ?? 0);
  }
  // A request that did not wait: the wave's fastest (measured under the same load, unlike one cold
  // 1x1 sample) — unless a stalled event loop held even the fastest back, then the reference's.
  const u = Math.max(1, Math.min(fastest, single));
  const t = Float64Array.from(wave, (r) => r.startedAt + r.ttfc! - start).sort();
  const n = t.length;

  let widest = 0;
  for (let k = 1; k < n; k++) widest = Math.max(widest, t[k]! - t[k - 1]!);
  const split = Math.max(GROUP_SPLIT_MIN_MS, GROUP_SPLIT_OF_TTFC * u, GROUP_SPLIT_OF_WIDEST * widest);
  const groups: number[] = [1];
  const starts: number[] = [t[0]!];
  for (let k = 1; k < n; k++) {
    if (t[k]! - t[k - 1]! > split) {
      groups.push(1);
      starts.push(t[k]!);
    } else groups[groups.length - 1]!++;
  }

  const base = { requests: n, groups, groupStartsMs: starts, firstMs: t[0]!, lastMs: t[n - 1]! };
  const staircase = regularStaircase(groups, starts);
  if (staircase !== null) {
    const { size, step } = staircase;
    const whole = singleTotal !== null && singleTotal >= 1.5 * u && within(step, singleTotal);
    if (whole || within(step, u)) {
      const held: Hold = whole && Math.abs(Math.log(step / singleTotal)) < Math.abs(Math.log(step / u)) ? 'whole_request' : 'first_chunk';
      return { ...base, stepMs: step, held, holdMs: held === 'whole_request' ? singleTotal! : u, concurrency: size, from: 'groups' };
    }
  }
  // From the time the wave took (server side: from the first request reaching the server).
  const took = Math.max(1, t[n - 1]! - connect);
  // A wave done within a few single-request times shows no queue: an async server slowed by a busy CPU
  // (or client) spreads its first chunks a little, and n·u / T would read that as a pool of n / 2.
  const concurrency = took < WAVE_MIN_ROUNDS * u ? n : Math.min(n, Math.max(1, (n * u) / took));
  return { ...base, stepMs: null, held: 'first_chunk', holdMs: u, concurrency, from: 'wave_time' };
}

/** Groups of about one size c (±max(1, c/4)), the last no larger, at least two: c and the median step; else null. */
function regularStaircase(groups: readonly number[], starts: readonly number[]): { size: number; step: number } | null {
  if (groups.length < 2) return null;
  const full = groups.slice(0, -1);
  const size = Math.round(median(full)!);
  const slack = Math.max(1, size / 4);
  if (full.some((g) => Math.abs(g - size) > slack) || groups[groups.length - 1]! > size + slack) return null;
  const steps: number[] = [];
  for (let i = 1; i < starts.length; i++) steps.push(starts[i]! - starts[i - 1]!);
  const step = median(steps)!;
  // Loose: a group boundary is already a clear jump; the steps only have to be of one kind.
  if (steps.some((d) => d < STEP_REGULAR_LOW * step || d > STEP_REGULAR_HIGH * step)) return null;
  return { size, step };
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
          },
    singleTotalMs: a.singleTotalMs === null ? null : round(a.singleTotalMs),
  };
}

const BLOCKING_HINT =
  'requests look served one at a time — look for blocking calls in the async handler, e.g. database, ' + 'vector search or LLM client calls not offloaded to a thread pool';

const WHOLE_SERIAL_HINT =
  'requests look served one at a time, each to the end of its stream — look for a blocking call that runs for ' +
  'the whole answer (a synchronous LLM client iterated in an async handler), or a server with a single worker, ' +
  'thread or lock (e.g. gunicorn with 1 sync worker, a semaphore of 1)';

/** "the first chunks of the first 8 concurrent requests …": what the wave itself showed. */
function waveText(w: FirstWave, _a: ConcurrencyAnalysis): string {
  const head = `the first chunks of the first ${w.requests} concurrent requests`;
  if (w.from === 'groups') {
    const apart = w.held === 'whole_request' ? `one whole request (about ${ms(w.holdMs)}) apart` : `about ${ms(w.stepMs)} apart`;
    return w.groups.every((g) => g === 1) || Math.round(w.concurrency) === 1
      ? `${head} came one after another, ${apart}`
      : `${head} came in groups of about ${Math.round(w.concurrency)}, ${apart}`;
  }
  const shape =
    w.groups.length === 1
      ? 'all together'
      : w.groups.every((g) => g === 1)
        ? 'one after another'
        : `in groups of ${w.groups.slice(0, 6).join(', ')}${w.groups.length > 6 ? ', …' : ''}`;
  const rate = Math.round(w.concurrency) === 1 && w.concurrency < SERIAL_MAX_CONCURRENCY - AMBIGUOUS_BAND ? 'one' : `about ${formatConcurrency(w.concurrency)}`;
  return (
    `${head} came ${shape}, the last after ${ms(w.lastMs)} — the time ${w.requests} requests of ${ms(w.holdMs)} each ` +
    `(the single-request TTFC) take when served ${rate} at a time`
  );
}

function formatConcurrency(c: number): string {
  return c < 1.95 ? c.toFixed(1) : String(Math.round(c));
}

function growthText(a: ConcurrencyAnalysis): string {
  return `TTFC grew ${times(a.ttfcGrowth)} (avg ${ms(a.ttfcAvgMs)} vs ${ms(a.singleRequestMs)} with ${users(a.referenceUsers)})`;
}

function serializedMessage(a: ConcurrencyAnalysis): string {
  const w = a.firstWave;
  const tp = a.throughputRatio;
  // Throughput supports "one at a time" only when it stayed flat; when it grew, say why that fits.
  let msg =
    tp !== null && tp <= SERIAL_FLAT_THROUGHPUT
      ? `at ${a.users} users throughput is ${times(tp)} that of ${users(a.referenceUsers)} and ${growthText(a)}`
      : `at ${a.users} users ${growthText(a)}`;
  if (w === null) return `${msg}: ${BLOCKING_HINT}`;
  msg += `; ${waveText(w, a)}`;
  if (tp !== null && tp > SERIAL_FLAT_THROUGHPUT) {
    msg +=
      w.held === 'whole_request'
        ? ` (yet throughput is ${times(tp)} that of ${users(a.referenceUsers)}, which does not fit one at a time: a small pool is as likely)`
        : ` (throughput still grew to ${times(tp)} that of ${users(a.referenceUsers)}: only the part before the first chunk waits its turn, the streams then run side by side)`;
  }
  const perhaps = w.concurrency >= SERIAL_MAX_CONCURRENCY - AMBIGUOUS_BAND ? ' (or two: the estimate is ' + formatConcurrency(w.concurrency) + ')' : '';
  const hint = w.held === 'whole_request' ? WHOLE_SERIAL_HINT : BLOCKING_HINT;
  const upTo = w.held === 'first_chunk' && tp !== null && tp > SERIAL_FLAT_THROUGHPUT ? ' up to their first chunk' : '';
  return `${msg}: ${hint.replace('served one at a time', `served one at a time${upTo}${perhaps}`)}`;
}

function saturatedMessage(a: ConcurrencyAnalysis, w: FirstWave): string {
  const capacity = Math.round(w.concurrency);
  let msg = `at ${a.users} users ${growthText(a)}`;
  if (a.throughputRatio !== null && a.scalingEfficiency !== null) {
    msg += ` and throughput is ${times(a.throughputRatio)} that of ${users(a.referenceUsers)} (scaling efficiency ${pct(a.scalingEfficiency)})`;
  }
  const perhaps = w.concurrency < SERIAL_MAX_CONCURRENCY + AMBIGUOUS_BAND ? ' (perhaps one at a time: the estimate is ' + formatConcurrency(w.concurrency) + ')' : '';
  msg += `: the server saturates at about ${capacity} concurrent requests${perhaps} — ${waveText(w, a)}`;
  if (w.from === 'groups' && w.held === 'whole_request') {
    return (
      `${msg}, so each request holds its place for its whole stream. Look for a bounded worker or thread pool ` +
      `(e.g. gunicorn workers × threads), a semaphore or connection pool around the LLM or upstream client, or an ` +
      `upstream concurrency limit of about ${capacity}, and size it for the concurrency you expect`
    );
  }
  if (w.from === 'groups') {
    return (
      `${msg}, so each request holds its place until its first chunk. Look for a bounded worker or thread pool, a ` +
      `connection pool (database, vector store, HTTP client) or an upstream concurrency or rate limit of about ${capacity} ` +
      `around the work before the first chunk, and size it for the concurrency you expect`
    );
  }
  return (
    `${msg}. Most likely a bounded pool or limit of about ${capacity} (worker or thread pool, connection pool, ` +
    `upstream concurrency limit); or CPU-bound work before the first chunk that the server's cores share — ` +
    `check the server's CPU during the run`
  );
}

/**
 * Serialized (`kind: 'serialized'`) and saturated (`kind: 'saturated'`) stages, one diagnosis per stage.
 * A stage is never both.
 */
export function detectSerialized(run: RunData, byStage = groupByStage(run.requests)): Diagnosis[] {
  const serialized: Diagnosis[] = [];
  const saturated: { a: ConcurrencyAnalysis; w: FirstWave }[] = [];
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
      saturated.push({ a, w });
    }
  }

  // A capacity estimate that grows along with the users is not a capacity.
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
  const out = [...serialized];
  saturated.forEach(({ a, w }, i) => {
    if (drop.has(i)) return;
    out.push({
      kind: 'saturated',
      users: a.users,
      message: saturatedMessage(a, w),
      evidence: { ...evidence(a), capacity: Math.round(w.concurrency) },
    });
  });
  return out.sort((x, y) => (x.users ?? 0) - (y.users ?? 0));
}
