// The first wave of a stage — each user's first request, all sent at once — read as a queue seen from
// outside: when each first chunk came says how many requests the server served at a time, and what a
// request held its place for. Pure.

import type { RequestRecord, StageSummary } from '../../types.js';
import { median, serverTtfc } from './common.js';

/** Serialized: about one request at a time (rounds to 1) … */
export const SERIAL_MAX_CONCURRENCY = 1.5;
/** … said as "one, perhaps two" from here on, and a saturation at 2 as "perhaps one" below the mirror bound. */
export const AMBIGUOUS_BAND = 0.2;
/** At least this many successful first-wave requests (and this share of the users) for a staircase. */
const MIN_WAVE = 3;
const MIN_WAVE_SHARE = 0.6;
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
/**
 * A blocking section shorter than the TTFC: the first chunks come one at a time, a fixed step s apart,
 * with s under STEP_MATCH_LOW of the single-request TTFC (a longer step is the whole TTFC: groups above).
 * At least SECTION_MIN_WAVE requests; s at least max(20 ms, 10% of the TTFC); at least SECTION_SINGLES of
 * the steps within SECTION_STEP_LOW–SECTION_STEP_HIGH of the median step (single first chunks, not groups),
 * the mean step within SECTION_MEAN_LOW–HIGH of the median (no lump hidden in a long gap); and the first
 * request served no later than one TTFC plus SECTION_FIRST_STEPS steps (it did not wait for the others:
 * work the cores share delays every request, the first one too).
 */
const SECTION_MIN_WAVE = 4;
const SECTION_MIN_OF_TTFC = 0.1;
const SECTION_SINGLES = 0.8;
const SECTION_STEP_LOW = 0.4;
const SECTION_STEP_HIGH = 2;
const SECTION_MEAN_LOW = 0.75;
const SECTION_MEAN_HIGH = 1.33;
const SECTION_FIRST_STEPS = 1.5;
/**
 * The same section when the blocked event loop lumps the first chunks: it runs the n sections back to
 * back and writes the first chunks whose awaited part ended meanwhile when it is free again, so the wave
 * took (n − 1)·s + u, and either the last request — its section run last — comes alone, its awaited part
 * a = u − s after the rest, or the first chunks between lumps come s apart. Its gap from the others must match a within LOOP_TRAIL_SLACK (share of a) plus
 * LOOP_TRAIL_SLACK_MS.
 */
const LOOP_TRAIL_SLACK = 0.35;
const LOOP_TRAIL_SLACK_MS = 20;
/** Or at least this many steps between lumps, their median within LOOP_STEP_FIT of s. */
const LOOP_MIN_STEPS = 3;
const LOOP_STEP_FIT = 0.15;
/** The last request stands apart: its gap is over this many times the wave's median gap (a lump, not a staircase). */
const LOOP_TRAIL_OVER_MEDIAN = 3;

/**
 * How long a request holds its place in the queue: until its first chunk, to the end of its stream, or
 * for a section of its time to first chunk only (a synchronous call before an awaited one).
 */
export type Hold = 'first_chunk' | 'whole_request' | 'section';

/** The first wave (each user's first request) of a stage, seen as a queue. */
export interface FirstWave {
  /** Successful first-wave requests used. */
  requests: number;
  /** First chunks grouped by arrival (sizes, in order) and when each group started (ms after the stage started). */
  groups: number[];
  groupStartsMs: number[];
  /** Time between consecutive groups of a regular staircase (ms); null when the groups are not one. */
  stepMs: number | null;
  /** What a request holds a place for, and for how long (ms): the single-request TTFC, its whole time, or the section. */
  held: Hold;
  holdMs: number;
  /** Requests served at once: a regular staircase's group size (1 for a section), else n × TTFC / time to the wave's last first chunk. */
  concurrency: number;
  /** How `concurrency` was found: from groups of a regular staircase, or from the time the wave took. */
  from: 'groups' | 'wave_time';
  /** First and last first chunk of the wave, ms after the stage's first request was issued. */
  firstMs: number;
  lastMs: number;
  /** From the first request reaching the server (connection set up) to the last first chunk. */
  tookMs: number;
  /**
   * Of tookMs, the time the server held none of the wave's requests: gaps of at least u between the
   * ones done and the next to arrive, whose connection came up late (a SYN sent again after a full
   * accept queue dropped it). n·u is divided by tookMs − idleMs: the server cannot queue what has not reached it.
   */
  idleMs: number;
  /** u: the time to first chunk of a request that did not wait (the wave's fastest, at most the reference's). */
  singleMs: number;
}

const within = (x: number, target: number): boolean => x >= STEP_MATCH_LOW * target && x <= STEP_MATCH_HIGH * target;

/**
 * The first wave as a queue. Its sorted first-chunk times are split into groups (see GROUP_SPLIT_*).
 * A regular staircase — at least two groups of about the same size c (the last may be smaller), one
 * hold time apart — is a pool of c: the hold is the whole request when the step matches the single
 * request's total time (a thread or semaphore held for the stream: groups one whole answer apart),
 * else its time to first chunk. Single first chunks a fixed step apart, shorter than the TTFC, are a
 * blocking section of that step (see serialSection). Anything else (one lump, groups of uneven sizes: a blocked event loop
 * writes several first chunks at once) is measured by the time the wave took: n requests of TTFC u
 * each, all done by the last first chunk T, ran about n·u / T at a time.
 */
export function firstWave(
  stage: StageSummary,
  ok: readonly RequestRecord[],
  single: number,
  singleTotal: number | null,
  opts: { sections: boolean } = { sections: true },
): FirstWave | null {
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

  // From the time the wave took (server side: from the first request reaching the server).
  const took = Math.max(1, t[n - 1]! - connect);
  const idle = Math.min(took - 1, idleWithin(wave, u));
  const base = { requests: n, groups, groupStartsMs: starts, firstMs: t[0]!, lastMs: t[n - 1]!, tookMs: took, idleMs: idle, singleMs: u };
  // One lump and a last request alone: a blocked event loop (see LOOP_TRAIL_*), not a pool of n − 1.
  const loop = opts.sections ? loopSection(t, u, took) : null;
  if (loop !== null && groups.length === 2) return { ...base, stepMs: loop, held: 'section', holdMs: loop, concurrency: 1, from: 'wave_time' };
  const staircase = regularStaircase(groups, starts);
  if (staircase !== null) {
    const { size, step } = staircase;
    const whole = singleTotal !== null && singleTotal >= 1.5 * u && within(step, singleTotal);
    if (whole || within(step, u)) {
      const held: Hold = whole && Math.abs(Math.log(step / singleTotal)) < Math.abs(Math.log(step / u)) ? 'whole_request' : 'first_chunk';
      return { ...base, stepMs: step, held, holdMs: held === 'whole_request' ? singleTotal! : u, concurrency: size, from: 'groups' };
    }
  }
  const section = opts.sections ? serialSection(t, u, connect) : null;
  if (section !== null) return { ...base, stepMs: section, held: 'section', holdMs: section, concurrency: 1, from: 'groups' };
  if (loop !== null) return { ...base, stepMs: loop, held: 'section', holdMs: loop, concurrency: 1, from: 'wave_time' };
  // A wave done within a few single-request times shows no queue: an async server slowed by a busy CPU
  // (or client) spreads its first chunks a little, and n·u / T would read that as a pool of n / 2.
  const held = took - idle;
  const concurrency = held < WAVE_MIN_ROUNDS * u ? n : Math.min(n, Math.max(1, (n * u) / held));
  return { ...base, stepMs: null, held: 'first_chunk', holdMs: u, concurrency, from: 'wave_time' };
}

/**
 * How long the server held none of the wave's requests between its first arrival and its last first
 * chunk: each request is at the server from its connection's coming up (startedAt + connect) to its
 * first chunk, and a gap of at least u between those spans is time the server had nothing of the wave
 * to queue. In a wave whose users connect at once there is none.
 */
function idleWithin(wave: readonly RequestRecord[], u: number): number {
  const spans = wave.map((r) => [r.startedAt + (r.connect ?? 0), r.startedAt + r.ttfc!] as const).sort((a, b) => a[0] - b[0]);
  let idle = 0;
  let end = -Infinity;
  for (const [from, to] of spans) {
    if (end !== -Infinity && from - end >= u) idle += from - end;
    end = Math.max(end, to);
  }
  return idle;
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

/**
 * The step of a staircase of single first chunks shorter than the TTFC u (see SECTION_*): the mean step
 * (t[n-1] − t[0]) / (n − 1), so that the first chunk plus (n − 1) steps is the last one; null when the
 * wave is not one.
 */
function serialSection(t: Float64Array, u: number, connect: number): number | null {
  const n = t.length;
  if (n < SECTION_MIN_WAVE) return null;
  const steps: number[] = [];
  for (let k = 1; k < n; k++) steps.push(t[k]! - t[k - 1]!);
  const med = median(steps)!;
  const mean = (t[n - 1]! - t[0]!) / (n - 1);
  if (mean < Math.max(GROUP_SPLIT_MIN_MS, SECTION_MIN_OF_TTFC * u) || mean >= STEP_MATCH_LOW * u) return null;
  if (mean < SECTION_MEAN_LOW * med || mean > SECTION_MEAN_HIGH * med) return null;
  const singles = steps.filter((d) => d >= SECTION_STEP_LOW * med && d <= SECTION_STEP_HIGH * med).length;
  if (singles < SECTION_SINGLES * steps.length) return null;
  if (t[0]! - connect > u + SECTION_FIRST_STEPS * mean) return null;
  return mean;
}

/**
 * The section s of an event loop that ran the sections back to back and wrote the first chunks in lumps
 * (see LOOP_*), or null: the wave took (n − 1)·s + u, and either the last request came alone one awaited
 * part after the rest, or the first chunks that came apart came about s apart (a lump, then a staircase).
 */
function loopSection(t: Float64Array, u: number, took: number): number | null {
  const n = t.length;
  if (n < SECTION_MIN_WAVE) return null;
  const s = (took - u) / (n - 1);
  const least = Math.max(GROUP_SPLIT_MIN_MS, SECTION_MIN_OF_TTFC * u);
  if (s < least || s >= STEP_MATCH_LOW * u) return null;
  const gaps: number[] = [];
  for (let k = 1; k < n; k++) gaps.push(t[k]! - t[k - 1]!);
  // The last request alone, well after the others (which came lumped, not a step apart), by its awaited part.
  const trail = gaps[gaps.length - 1]!;
  const awaited = u - s;
  if (trail > Math.max(GROUP_SPLIT_MIN_MS, LOOP_TRAIL_OVER_MEDIAN * median(gaps)!) && Math.abs(trail - awaited) <= LOOP_TRAIL_SLACK * awaited + LOOP_TRAIL_SLACK_MS) {
    return s;
  }
  // Or the steps between lumps: about s each.
  const steps = gaps.filter((g) => g >= least);
  if (steps.length < LOOP_MIN_STEPS) return null;
  const step = median(steps)!;
  const regular = steps.filter((g) => g >= SECTION_STEP_LOW * step && g <= SECTION_STEP_HIGH * step).length;
  return regular >= SECTION_SINGLES * steps.length && Math.abs(step - s) <= LOOP_STEP_FIT * s ? s : null;
}
