// Types of the capacity search (issue 21): its settings, what a probe found, and the `capacity`
// section of the JSON report (a contract: names never change, fields may be added).

import type { Criterion, FailureCategory, Stats } from '../types.js';

/** How close the last pass and the first miss must be: a share of the last pass (at least 1 user), or a number of users. */
export type Resolution = { kind: 'fraction'; value: number } | { kind: 'users'; value: number };

/** The search's settings (inputs `capacity`, `capacity-max-users`, `capacity-requests`, `capacity-resolution`, `capacity-budget`). */
export interface CapacitySpec {
  /** The SLO lines as given (trimmed, comments dropped), e.g. `ttfc.p95 < 2s`. */
  sloText: string[];
  /** The lines a probe is judged by: the SLO plus the implied success rate. */
  slo: Criterion[];
  /** Lines added to the SLO: `success_rate >= 99%` unless a success_rate line was given. */
  implied: string[];
  maxUsers: number;
  requestsPerUser: number;
  resolution: Resolution;
  budgetMs: number;
}

/** Head (the url) or base (compare-url). */
export type Side = 'head' | 'base';

/** What one probe of one side found against the SLO. */
export type Verdict = 'pass' | 'miss' | 'inconclusive';

/**
 * Why a side's search ended: `resolution` (the bracket is within the resolution), `max-users` (every
 * probe passed up to capacity-max-users), `no-pass` (even 1 user missed), `budget`, `cancelled`,
 * `error` (a probe could not be run), `smoke` (the smoke stage failed: no search).
 */
export type StopReason = 'resolution' | 'max-users' | 'no-pass' | 'budget' | 'cancelled' | 'error' | 'smoke';

/**
 * `exact`: within the resolution; `lower`: every probe passed (capacity ≥ users); `upper`: no probe
 * passed (capacity below firstMissUsers, users 0); `between`: stopped before the resolution was reached.
 */
export type CapacityBound = 'exact' | 'lower' | 'upper' | 'between';

/** One SLO line on a probe. */
export interface ProbeLine {
  text: string;
  status: 'pass' | 'fail' | 'inconclusive';
  actual: number | null;
  threshold: number | null;
  interval?: { low: number; high: number; level: number };
  reason?: string;
}

/** A probe's figures on one side. */
export interface ProbeFigures {
  issued: number;
  succeeded: number;
  failed: number;
  /** 0..1 */
  successRate: number;
  /** The failure categories that occurred, with their counts. */
  failures: Partial<Record<FailureCategory, number>>;
  /** As the stage's: null when no request of the probe succeeded. */
  rps: number | null;
  durationMs: number;
  ttfc: Stats;
  /** Each SLO line on this probe (the implied success rate included). */
  slo: ProbeLine[];
}

/** One side of a probe. */
export interface ProbeSide {
  passed: boolean;
  /** The first run was inconclusive (verdict confident) and the probe ran once more; the figures are over both runs. */
  rerun?: boolean;
  /** Why it missed: `errors` (the success rate, or no successful request to measure), `latency`; null when it passed. */
  cause: 'errors' | 'latency' | null;
  /** Passed above a probe of the same side that missed. */
  nonMonotone?: boolean;
  figures: ProbeFigures;
}

/** One probe: a closed-model stage of `users` users × capacity-requests requests (both sides with compare-url). */
export interface CapacityProbe extends ProbeSide {
  /** 1-based, in the order they ran. */
  index: number;
  users: number;
  /** 1, or 2 when an inconclusive probe ran once more. */
  runs: number;
  base?: ProbeSide;
}

/** A side's result. */
export interface CapacityResult {
  /** The most users that met the SLO (0: none did). */
  users: number;
  /** The fewest users that missed it (null: none did). */
  firstMissUsers: number | null;
  bound: CapacityBound;
  stoppedBy: StopReason;
  /** The 95% interval of the capacity (bootstrap of each probe's requests, bounded by the bracketing probes); high null: no upper bound. */
  interval: { low: number; high: number | null; level: number } | null;
}

/** The `capacity` section of the JSON report. */
export interface CapacitySection extends CapacityResult {
  /** The SLO lines as given. */
  slo: string[];
  /** Lines added to the SLO (`success_rate >= 99%` unless one was given). */
  implied: string[];
  probes: CapacityProbe[];
  /** compare-url: the base's capacity. */
  base?: CapacityResult;
  /** compare-url: head / base with its 95% interval (null: unbounded or undefined). */
  ratio?: { value: number | null; low: number | null; high: number | null; level: number };
  settings: { maxUsers: number; requestsPerUser: number; resolution: string; budgetMs: number; verdict: string };
  /** Wall time of the search (ms). */
  elapsedMs: number;
  /** A probe cut short by the budget or a cancel: its requests count in no figure. */
  cut: { users: number } | null;
  /** Probes that passed above a miss of the same side. */
  nonMonotone: Array<{ side: Side; users: number; aboveMiss: number }>;
  /** How the intervals were computed. */
  method: string;
  /** One sentence on what stopped the search or what the misses were, when worth saying. */
  notes: string[];
}
