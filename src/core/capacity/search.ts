// The capacity search as a state machine: from the probes so far, the next number of users to probe.
// A ramp 1, 2, 4, 8 … until a probe misses the SLO or capacity-max-users is reached, then bisection
// between the last pass and the first miss down to the resolution. With compare-url both sides'
// searches run in lockstep: every probe runs both, at the fewest users either side still wants, so
// a side also sees probes outside its own bracket (a pass above a miss is reported as non-monotone,
// never used to raise the capacity). Pure but for `searchCapacity`, which only awaits the probe
// function it is given (and a timer for the budget): unit-testable without a server.

import type { CapacityBound, Resolution, Side, StopReason, Verdict } from './types.js';

export interface Observation {
  users: number;
  passed: boolean;
}

export interface Bracket {
  /** The most users below the first miss that passed (0: none). */
  lastPass: number;
  /** The fewest users that missed (null: none). */
  firstMiss: number | null;
}

/** The bracket of a side's observations: the first miss, and the last pass below it. */
export function bracketOf(obs: readonly Observation[]): Bracket {
  let firstMiss: number | null = null;
  for (const o of obs) if (!o.passed && (firstMiss === null || o.users < firstMiss)) firstMiss = o.users;
  let lastPass = 0;
  for (const o of obs) if (o.passed && (firstMiss === null || o.users < firstMiss) && o.users > lastPass) lastPass = o.users;
  return { lastPass, firstMiss };
}

/** Passes above the first miss: the SLO held at more users than where it broke. */
export function nonMonotone(obs: readonly Observation[]): Array<{ users: number; aboveMiss: number }> {
  const { firstMiss } = bracketOf(obs);
  if (firstMiss === null) return [];
  return obs.filter((o) => o.passed && o.users > firstMiss).map((o) => ({ users: o.users, aboveMiss: firstMiss }));
}

/** The widest bracket that counts as found: the resolution's users at the last pass (at least 1). */
function resolutionUsers(lastPass: number, res: Resolution): number {
  return res.kind === 'users' ? res.value : Math.max(1, res.value * lastPass);
}

export interface SearchLimits {
  maxUsers: number;
  resolution: Resolution;
}

/** The next users a side's search wants, or why it is done. */
export function nextUsers(obs: readonly Observation[], s: SearchLimits): { users: number } | { done: StopReason } {
  if (obs.length === 0) return { users: 1 };
  const b = bracketOf(obs);
  if (b.firstMiss === null) {
    if (b.lastPass >= s.maxUsers) return { done: 'max-users' };
    return { users: Math.min(s.maxUsers, Math.max(1, b.lastPass * 2)) };
  }
  if (b.firstMiss - b.lastPass <= resolutionUsers(b.lastPass, s.resolution)) return { done: b.lastPass === 0 ? 'no-pass' : 'resolution' };
  return { users: Math.floor((b.lastPass + b.firstMiss) / 2) };
}

/** What a side's bracket says about its capacity. */
export function boundOf(b: Bracket, s: SearchLimits): CapacityBound {
  if (b.firstMiss === null) return 'lower';
  if (b.lastPass === 0 && b.firstMiss <= 1) return 'upper';
  if (b.firstMiss - b.lastPass <= resolutionUsers(b.lastPass, s.resolution)) return b.lastPass === 0 ? 'upper' : 'exact';
  return 'between';
}

// ---------------------------------------------------------------------------------------------
// the loop

/** A probe: runs `users` users (both sides in lockstep); null when it was cut short (budget, cancel). */
export type ProbeFn = (users: number, ctx: { rerun: boolean; signal: AbortSignal }) => Promise<Partial<Record<Side, Verdict>> | null>;

export interface SearchOptions extends SearchLimits {
  budgetMs: number;
  sides: readonly Side[];
  /** Cancels the search (SIGINT): the probe in flight is cut, the bounds so far stand. */
  signal?: AbortSignal;
  /** Milliseconds, monotonic (default performance.now). */
  now?: () => number;
  /** The cool-down before a probe; should end early when `signal` aborts. */
  pause?: (signal: AbortSignal) => Promise<void>;
}

export interface SearchStep {
  users: number;
  /** Each side's verdict (an inconclusive probe that stayed so after its rerun counts as a miss). */
  passed: Partial<Record<Side, boolean>>;
  /** The sides whose first run was inconclusive. */
  rerun: Side[];
  runs: number;
}

export interface SideResult {
  obs: Observation[];
  bracket: Bracket;
  bound: CapacityBound;
  stoppedBy: StopReason;
}

export interface SearchRun {
  steps: SearchStep[];
  sides: Partial<Record<Side, SideResult>>;
  /** Users of the probe cut short, or null. */
  cut: number | null;
  /** The error that stopped the search (a probe that could not run), or null. */
  error: string | null;
  elapsedMs: number;
}

/** Why the search was interrupted now, or null. */
function interruption(signal: AbortSignal | undefined, budget: AbortSignal, overBudget: boolean): StopReason | null {
  if (signal?.aborted) return 'cancelled';
  if (budget.aborted || overBudget) return 'budget';
  return null;
}

/**
 * Runs the search: probe, record, pick the next users, until every side is done, the budget runs out
 * (checked before each probe and, through the signal given to the probe, during it) or the search is
 * cancelled. An inconclusive side reruns the probe once; inconclusive again, it counts as a miss.
 */
export async function searchCapacity(opts: SearchOptions, probe: ProbeFn): Promise<SearchRun> {
  const now = opts.now ?? (() => performance.now());
  const start = now();
  const budgetCtl = new AbortController();
  const timer = setTimeout(() => budgetCtl.abort(), opts.budgetMs);
  timer.unref?.();
  const stop = opts.signal ? AbortSignal.any([opts.signal, budgetCtl.signal]) : budgetCtl.signal;
  const obs: Record<Side, Observation[]> = { head: [], base: [] };
  const steps: SearchStep[] = [];
  const done = new Map<Side, StopReason>();
  let stopped: StopReason | null = null;
  let cut: number | null = null;
  let error: string | null = null;
  const over = (): boolean => now() - start >= opts.budgetMs;
  const run = async (users: number, rerun: boolean): Promise<Partial<Record<Side, Verdict>> | null> => {
    try {
      const r = await probe(users, { rerun, signal: stop });
      if (r === null) cut = users;
      return r;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      return null;
    }
  };
  try {
    for (;;) {
      // A side that was done may want more again: another side's probe found a miss below its pass.
      const wanted: number[] = [];
      for (const side of opts.sides) {
        const next = nextUsers(obs[side], opts);
        if ('done' in next) done.set(side, next.done);
        else {
          done.delete(side);
          wanted.push(next.users);
        }
      }
      if (wanted.length === 0) break;
      if ((stopped = interruption(opts.signal, budgetCtl.signal, over()))) break;
      if (opts.pause) await opts.pause(stop);
      if ((stopped = interruption(opts.signal, budgetCtl.signal, over()))) break;
      const users = Math.min(...wanted);
      let r = await run(users, false);
      const unsure = r === null ? [] : opts.sides.filter((s) => r![s] === 'inconclusive');
      if (r !== null && unsure.length > 0) {
        // The rerun is judged on both runs' requests; still inconclusive, it is a miss.
        if (opts.pause) await opts.pause(stop);
        r = interruption(opts.signal, budgetCtl.signal, over()) ? null : await run(users, true);
        if (r === null && cut === null && error === null) cut = users;
      }
      if (r === null) {
        stopped = error !== null ? 'error' : (interruption(opts.signal, budgetCtl.signal, true) ?? 'budget');
        break;
      }
      const passed: Partial<Record<Side, boolean>> = {};
      for (const side of opts.sides) {
        passed[side] = r[side] === 'pass';
        obs[side].push({ users, passed: passed[side]! });
      }
      steps.push({ users, passed, rerun: unsure, runs: unsure.length > 0 ? 2 : 1 });
    }
  } finally {
    clearTimeout(timer);
  }
  const sides: Partial<Record<Side, SideResult>> = {};
  for (const side of opts.sides) {
    const bracket = bracketOf(obs[side]);
    sides[side] = { obs: obs[side], bracket, bound: boundOf(bracket, opts), stoppedBy: done.get(side) ?? stopped ?? 'resolution' };
  }
  return { steps, sides, cut, error, elapsedMs: now() - start };
}
