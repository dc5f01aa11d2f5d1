// Criteria on the search's result: `capacity >= 20`, `capacity >= 0.9 * compare.capacity`. One figure
// of the run (users: null), judged by the verdict mode in force against the capacity's interval (or,
// against the compare target, the interval of head − factor × base from the same resamples). Pure.

import { judge, type VerdictMode } from '../analysis/confidence.js';
import { formatDuration } from '../time/duration.js';
import { plural } from '../format.js';
import type { Criterion, CriterionResult } from '../types.js';
import { usesCapacity } from './config.js';
import { capacityDifference } from './interval.js';
import type { CapacityOutcome } from './section.js';
import type { CapacitySection } from './types.js';

/** The parsed metric and operator ride along (not enumerable), as the criteria evaluator does for the reports. */
function withCriterion(r: CriterionResult, c: Criterion): CriterionResult {
  Object.defineProperty(r, 'metric', { value: c.metric.name, enumerable: false });
  Object.defineProperty(r, 'op', { value: c.op, enumerable: false });
  return r;
}

const users = (v: number): string => (Number.isFinite(v) ? String(Math.round(v * 100) / 100) : v > 0 ? '∞' : '−∞');

/** What a side's result says: `4 users`, `at least 32 users (capacity-max-users reached)`, `between 8 and 16 users (the capacity-budget of 5m ran out)`. */
export function boundText(s: Pick<CapacitySection, 'users' | 'firstMissUsers' | 'bound' | 'stoppedBy'>, budgetMs?: number): string {
  const budget = budgetMs === undefined ? '' : ` of ${formatDuration(budgetMs)}`;
  const why =
    s.stoppedBy === 'budget'
      ? ` (the capacity-budget${budget} ran out)`
      : s.stoppedBy === 'cancelled'
        ? ' (cancelled)'
        : s.stoppedBy === 'error'
          ? ' (the search stopped on an error)'
          : s.stoppedBy === 'smoke'
            ? ' (not searched: the smoke test failed)'
            : '';
  switch (s.bound) {
    case 'exact':
      return `${plural(s.users, 'user')}`;
    case 'lower':
      if (s.users === 0) return `nothing known${why}`;
      return `at least ${plural(s.users, 'user')}${s.stoppedBy === 'max-users' ? ' (capacity-max-users reached)' : why}`;
    case 'upper':
      return `0 users: not even ${plural(s.firstMissUsers ?? 1, 'user')} met the SLO`;
    case 'between':
      return `between ${s.users} and ${plural(s.firstMissUsers ?? 0, 'user')}${why}`;
  }
}

function skippedReason(outcome: CapacityOutcome | null): string {
  const by = outcome?.section.stoppedBy;
  return `the capacity search did not run${by === 'smoke' ? ' (the smoke test failed)' : by === 'cancelled' ? ' (cancelled)' : by === 'error' ? ' (a probe could not run)' : ''}`;
}

/** Judges one capacity criterion. */
function evaluateOne(c: Criterion, outcome: CapacityOutcome | null, verdict: VerdictMode): CriterionResult {
  const base = { text: c.text, users: null, severity: c.severity, unit: 'count' as const };
  const s = outcome?.section;
  if (!outcome || !s || s.probes.length === 0) return { ...base, status: 'skipped', actual: null, threshold: null, reason: skippedReason(outcome) };
  const actual = s.users;
  let threshold: number;
  let low: number;
  let high: number;
  if (c.value.kind === 'number') {
    threshold = c.value.value;
    low = s.interval?.low ?? actual;
    high = s.interval ? (s.interval.high ?? Infinity) : actual;
  } else {
    const b = s.base;
    const hb = outcome.brackets.head;
    const bb = outcome.brackets.base;
    if (!b || !hb || !bb) return { ...base, status: 'skipped', actual, threshold: null, reason: 'no capacity of the compare target (set compare-url)' };
    const f = c.value.factor;
    threshold = f * b.users + (c.value.offset ?? 0);
    const dh = outcome.draws.head;
    const db = outcome.draws.base;
    // The interval of head − f × base, shown on the head's scale (the threshold moves with the base).
    const d = dh && db ? capacityDifference(hb, bb, dh, db, f) : { low: actual - f * b.users, high: actual - f * b.users };
    low = d.low + f * b.users;
    high = d.high + f * b.users;
  }
  threshold = Math.round(threshold * 1e9) / 1e9;
  const j = judge({ op: c.op, threshold, actual, interval: { low, high, level: 0.95 } }, verdict);
  const finite = Number.isFinite(low) && Number.isFinite(high);
  const interval = finite && (low !== actual || high !== actual) ? { interval: { low, high, level: 0.95 } } : {};
  const bound = s.bound === 'exact' ? '' : `capacity ${boundText(s)}`;
  if (!j.inconclusive) {
    const status = j.status === 'inconclusive' ? 'fail' : j.status;
    return { ...base, status, actual, threshold, ...interval, ...(bound ? { reason: bound } : {}) };
  }
  const pointPass = verdict === 'strict' ? j.status === 'pass' : null;
  const reason =
    `inconclusive: the 95% interval ${users(low)} – ${users(high)} users straddles ${users(threshold)}` +
    (pointPass === null ? '; verdict confident: not failed' : `; verdict strict: the measured value ${pointPass ? 'passes' : 'fails'}`) +
    (bound ? `; ${bound}` : '');
  return { ...base, status: j.status, actual, threshold, ...interval, inconclusive: true, reason };
}

/** Every criterion that reads the capacity, judged; the others are left to the stages. */
export function evaluateCapacityCriteria(criteria: readonly Criterion[], outcome: CapacityOutcome | null, verdict: VerdictMode): CriterionResult[] {
  return criteria.filter(usesCapacity).map((c) => withCriterion(evaluateOne(c, outcome, verdict), c));
}
