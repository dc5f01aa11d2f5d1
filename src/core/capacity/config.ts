// The capacity search's inputs, validated before any load: the SLO (`capacity`), its bounds, and the
// criteria that read its result (`capacity`, `compare.capacity`). Pure.

import { parseCount, value } from '../input-value.js';
import { parseCriteria, parseCriteriaInput } from '../analysis/criteria/index.js';
import { metric } from '../analysis/metrics.js';
import { UNIT_NAME } from '../metric-names.js';
import { parseDuration } from '../time/duration.js';
import { DEFAULT_STAGES, MAX_USERS } from '../config/stages.js';
import { InputError } from '../errors.js';
import { descriptorRoom } from '../load/limits.js';
import { SERVER_METRIC_FAMILIES } from '../server/metrics.js';
import type { Criterion, Stage } from '../types.js';
import type { CapacitySpec, Resolution } from './types.js';

export const DEFAULT_MAX_USERS = 256;
export const DEFAULT_REQUESTS = 3;
const DEFAULT_RESOLUTION: Resolution = { kind: 'fraction', value: 0.1 };
const DEFAULT_BUDGET_MS = 300_000;
export const MAX_REQUESTS = 100;
/** A probe's requests in all (users × requests), as a stage's plan is bounded. */
const MAX_PROBE_REQUESTS = 100_000;
const MAX_BUDGET_MS = 6 * 3_600_000;
/** Implied unless the SLO has a success_rate line: a probe whose requests fail does not meet it. */
const IMPLIED_SUCCESS = 'success_rate >= 99%';

/** The inputs of the capacity search (their rows are in config/inputs.ts). */
const INPUT_NAMES = ['capacity', 'capacity-max-users', 'capacity-requests', 'capacity-resolution', 'capacity-budget'] as const;

export interface CapacityContext {
  /** `shard: K/N` is set. */
  shard: boolean;
  /** compare-url is set: probes run both sides, so twice the connections. */
  compare: boolean;
  /** The criteria: lines on `capacity` need the search. */
  criteria: readonly Criterion[];
}

/**
 * The capacity search (null without `capacity`), and the stages to run before it: with `capacity` and
 * no stages given (or the default ones, which the Action always passes), only a 1x1 smoke stage.
 */
export function readCapacity(inputs: Partial<Record<string, string>>, stages: Stage[], ctx: CapacityContext): { capacity: CapacitySpec | null; stages: Stage[] } {
  checkCapacityCriteria(ctx.criteria);
  const text = value(inputs, 'capacity');
  if (text === undefined) {
    const stray = INPUT_NAMES.find((n) => n !== 'capacity' && value(inputs, n) !== undefined);
    if (stray) throw new InputError(stray, 'only applies with capacity (the SLO the search is for)');
    const uses = ctx.criteria.find(usesCapacity);
    if (uses) throw new InputError('criteria', `line ${uses.line}: "${uses.text}" needs the capacity search: set capacity (the SLO, e.g. ttfc.p95 < 2s)`);
    return { capacity: null, stages };
  }
  if (ctx.shard) throw new InputError('capacity', 'cannot be combined with shard (the search decides each probe from the whole load: run it on one machine)');
  const { sloText, slo, implied } = parseSlo(text);
  const maxUsers = readMaxUsers(value(inputs, 'capacity-max-users'), ctx.compare);
  const requestsPerUser = parseCount('capacity-requests', value(inputs, 'capacity-requests'), DEFAULT_REQUESTS, 1, MAX_REQUESTS);
  if (maxUsers * requestsPerUser > MAX_PROBE_REQUESTS) {
    throw new InputError('capacity-requests', `${requestsPerUser} requests × ${maxUsers} users is more than ${MAX_PROBE_REQUESTS} requests a probe; a gate should be bounded`);
  }
  const resolution = parseResolution(value(inputs, 'capacity-resolution'));
  const budgetText = value(inputs, 'capacity-budget');
  const budgetMs = budgetText === undefined ? DEFAULT_BUDGET_MS : parseDuration('capacity-budget', budgetText, { max: MAX_BUDGET_MS });
  const stagesText = value(inputs, 'stages');
  const given = stagesText !== undefined && stagesText.replace(/\s+/g, '') !== DEFAULT_STAGES.replace(/\s+/g, '');
  return {
    capacity: { sloText, slo, implied, maxUsers, requestsPerUser, resolution, budgetMs },
    stages: given ? stages : [{ users: 1, requestsPerUser: 1 }],
  };
}

/** A metric the SLO may hold: a latency statistic or a rate (success_rate, rps …), measured on the probe itself. */
function sloMetricProblem(name: string): string | null {
  const m = metric(name);
  if (!m) return 'is not a metric';
  if (name === 'capacity') return "is the search's own result";
  if (SERVER_METRIC_FAMILIES.some((f) => f.resolve(name))) return 'is a server-side figure (the probes do not run the health probe, monitors or logs)';
  if (m.unit !== 'ms' && m.unit !== '%' && m.unit !== 'rps') return `is ${UNIT_NAME[m.unit]}, not a latency or a rate (it grows with the users, so no number of users "meets" it)`;
  return null;
}

/** The SLO lines: each unscoped, failing, with a fixed threshold, on a latency or a rate. */
function parseSlo(text: string): { sloText: string[]; slo: Criterion[]; implied: string[] } {
  const lines = parseCriteriaInput('capacity', text);
  if (lines.length === 0) throw new InputError('capacity', 'holds no SLO line (e.g. ttfc.p95 < 2s)');
  for (const c of lines) {
    const where = `line ${c.line}: "${c.text}"`;
    if (c.users !== null) throw new InputError('capacity', `${where} has a stage selector (@${c.users}:): the SLO holds at every probe, drop the selector`);
    if (c.severity === 'warn') throw new InputError('capacity', `${where} is a warning: every SLO line must hold (drop "warn")`);
    const problem = sloMetricProblem(c.metric.name);
    if (problem) throw new InputError('capacity', `${where}: ${c.metric.name} ${problem}`);
    if (c.value.kind !== 'number') throw new InputError('capacity', `${where}: the SLO takes a fixed threshold (e.g. ttfc.p95 < 2s), not a figure of a run`);
  }
  const implied = lines.some((c) => c.metric.name === 'success_rate') ? [] : [IMPLIED_SUCCESS];
  const slo = implied.length ? [...lines, ...parseCriteria(IMPLIED_SUCCESS).map((c) => ({ ...c, line: 0 }))] : lines;
  return { sloText: lines.map((c) => c.text), slo, implied };
}

/** At least 1, at most what a stage may have and what this process's descriptors hold (both sides with compare-url). */
function readMaxUsers(text: string | undefined, compare: boolean): number {
  const n = parseCount('capacity-max-users', text, DEFAULT_MAX_USERS, 1, MAX_USERS);
  const room = descriptorRoom();
  const need = compare ? 2 * n : n;
  if (room !== null && need > room) {
    const fit = compare ? Math.floor(room / 2) : room;
    throw new InputError(
      'capacity-max-users',
      `${n} users need ${need} connections open at once${compare ? ' (head and base)' : ''}, but this process can open files for at most ${fit} users (raise the hard limit: ulimit -n, LimitNOFILE=, --ulimit nofile=)`,
    );
  }
  return n;
}

/** `10%` (a share of the last pass, at least 1 user) or `2` (users). */
function parseResolution(text: string | undefined): Resolution {
  if (text === undefined) return DEFAULT_RESOLUTION;
  const t = text.trim();
  const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(t);
  if (pct) {
    const v = Number(pct[1]);
    if (!(v > 0) || v > 100) throw new InputError('capacity-resolution', `${t} is out of range: more than 0% and at most 100%`);
    return { kind: 'fraction', value: v / 100 };
  }
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n < 1 || n > MAX_USERS) throw new InputError('capacity-resolution', `${t} is out of range: 1 to ${MAX_USERS} users`);
    return { kind: 'users', value: n };
  }
  throw new InputError('capacity-resolution', `"${t.slice(0, 40)}" is not a share of the users (e.g. 10%) or a number of users (e.g. 2)`);
}

/** `10%`, `2 users`. */
export function formatResolution(r: Resolution): string {
  return r.kind === 'fraction' ? `${Math.round(r.value * 1000) / 10}%` : `${r.value} user${r.value === 1 ? '' : 's'}`;
}

/** Whether a criterion reads the capacity (as its metric or in its value). */
export function usesCapacity(c: Criterion): boolean {
  return c.metric.name === 'capacity' || (c.value.kind === 'factor' && c.value.metric.name === 'capacity');
}

/** `capacity >= 20`, `capacity >= 0.9 * compare.capacity`: unscoped, and capacity compared only with the compare target's. */
function checkCapacityCriteria(criteria: readonly Criterion[]): void {
  for (const c of criteria) {
    if (!usesCapacity(c)) continue;
    const where = `line ${c.line}: "${c.text}"`;
    if (c.metric.name !== 'capacity') throw new InputError('criteria', `${where}: capacity can only be compared with capacity (e.g. capacity >= 0.9 * compare.capacity)`);
    if (c.users !== null) throw new InputError('criteria', `${where}: the capacity is one figure of the run, not of a stage: drop @${c.users}:`);
    if (c.value.kind === 'factor') {
      const ref = c.value.metric;
      if (ref.name !== 'capacity') throw new InputError('criteria', `${where}: capacity can only be compared with compare.capacity or a number`);
      if (ref.baseline) throw new InputError('criteria', `${where}: a baseline report's capacity is not compared; use compare.capacity (same-run A/B with compare-url)`);
      if (!ref.compare) throw new InputError('criteria', `${where}: compares the capacity with itself; use a number or compare.capacity`);
    }
  }
}
