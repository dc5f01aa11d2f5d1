// From the search and its probes to the report's `capacity` section: each side's capacity and bound,
// the probes with their figures, the intervals, the notes (budget, cut probe, errors, non-monotone
// probes) and the diagnosis at the knee. Pure.

import { diagnose } from '../analysis/diagnose/index.js';
import { formatDuration } from '../time/duration.js';
import { plural } from '../format.js';
import type { Criterion, CriterionResult, Diagnosis, FailureCategory } from '../types.js';
import { formatResolution } from './config.js';
import { bracketDraws, capacityInterval, capacityRatio, CAPACITY_INTERVAL_METHOD, type BracketDraws, type ProbeSample } from './interval.js';
import type { ProbeData, SideData } from './probe.js';
import { nonMonotone, type Bracket, type SearchRun, type SideResult } from './search.js';
import type { CapacityProbe, CapacityResult, CapacitySection, CapacitySpec, ProbeFigures, ProbeSide, Side } from './types.js';

/** The section, and what the criteria on `capacity` judge by (kept in memory only). */
export interface CapacityOutcome {
  section: CapacitySection;
  diagnoses: Diagnosis[];
  brackets: Partial<Record<Side, Bracket>>;
  draws: Partial<Record<Side, BracketDraws>>;
}

const SLO_METRIC_ERRORS = new Set(['success_rate']);

/** Why a side missed: its success rate (or nothing to measure), else latency. */
function causeOf(d: SideData, passed: boolean): ProbeSide['cause'] {
  if (passed) return null;
  const missed = d.slo.filter((c) => c.status !== 'pass');
  return missed.some((c) => SLO_METRIC_ERRORS.has(c.metric ?? '') || c.actual === null) ? 'errors' : 'latency';
}

function figuresOf(d: SideData): ProbeFigures {
  const s = d.summary;
  const failures: Partial<Record<FailureCategory, number>> = {};
  for (const [k, v] of Object.entries(s.failures) as Array<[FailureCategory, number]>) if (v > 0) failures[k] = v;
  return {
    issued: s.issued,
    succeeded: s.succeeded,
    failed: s.failed,
    successRate: s.successRate,
    failures,
    rps: s.rps,
    durationMs: s.durationMs,
    ttfc: s.ttfc,
    slo: d.slo.map((c: CriterionResult) => ({
      text: c.text,
      status: c.status === 'skipped' ? 'fail' : c.status,
      actual: c.actual,
      threshold: c.threshold,
      ...(c.interval ? { interval: c.interval } : {}),
      ...(c.reason ? { reason: c.reason } : {}),
    })),
  };
}

function sideOf(d: SideData, passed: boolean, rerun: boolean, above: boolean): ProbeSide {
  return { passed, ...(rerun ? { rerun: true } : {}), cause: causeOf(d, passed), ...(above ? { nonMonotone: true } : {}), figures: figuresOf(d) };
}

/** Each side's probes as the bootstrap reads them (a line it cannot resample keeps its measured verdict). */
function samplesOf(run: SearchRun, probes: readonly ProbeData[], side: Side): ProbeSample[] {
  return run.steps.flatMap((step, i) => {
    const d = probes[i]?.[side];
    if (!d) return [];
    const passedLine = (c: Criterion): boolean => d.slo.find((r) => r.text === c.text)?.status === 'pass';
    return [{ users: step.users, records: d.records, pointPassed: passedLine }];
  });
}

function resultOf(s: SideResult, draws: BracketDraws | undefined): CapacityResult {
  return {
    users: s.bracket.lastPass,
    firstMissUsers: s.bracket.firstMiss,
    bound: s.bound,
    stoppedBy: s.stoppedBy,
    interval: draws ? capacityInterval(s.bracket, draws) : null,
  };
}

/** Notes worth a sentence: the budget, a cut probe, misses by errors, non-monotone probes, an error. */
function notesOf(spec: CapacitySpec, run: SearchRun, section: CapacitySection): string[] {
  const notes: string[] = [];
  if (section.stoppedBy === 'budget') notes.push(`the capacity-budget of ${formatDuration(spec.budgetMs)} ran out`);
  if (run.cut !== null) notes.push(`the probe at ${plural(run.cut, 'user')} was cut short; its requests count in no figure`);
  if (run.error !== null) notes.push(`the search stopped: ${run.error}`);
  for (const side of ['head', 'base'] as const) {
    const errors = section.probes.filter((p) => (side === 'head' ? p : p.base) && !(side === 'head' ? p : p.base)!.passed && (side === 'head' ? p : p.base)!.cause === 'errors');
    if (errors.length === 0) continue;
    const kinds = new Map<string, number>();
    for (const p of errors) for (const [k, v] of Object.entries((side === 'head' ? p : p.base)!.figures.failures)) kinds.set(k, (kinds.get(k) ?? 0) + v);
    const top = [...kinds.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}: ${v}`);
    const who = side === 'base' ? "the base's probes" : 'the probes';
    const users = errors.map((p) => p.users).join(', ');
    notes.push(
      `${who} at ${users} users missed with errors${top.length ? ` (${top.join(', ')})` : ''}, not latency${errors.length === section.probes.filter((p) => p.users > section.users).length && side === 'head' ? ': the server may have failed during the search' : ''}`,
    );
  }
  for (const n of section.nonMonotone) {
    notes.push(
      `${n.side === 'base' ? 'the base ' : ''}passed at ${plural(n.users, 'user')} above a miss at ${n.aboveMiss}: the SLO does not hold steadily around the knee (the capacity is the last pass below the first miss)`,
    );
  }
  return notes;
}

/**
 * The knee's diagnosis: the serialized / saturated analysis on the first probe that missed, against
 * the 1-user probe (its reference stage), e.g. "a pool of 4 that holds the whole answer".
 */
function kneeDiagnoses(run: SearchRun, probes: readonly ProbeData[]): Diagnosis[] {
  const i = run.steps.findIndex((s) => s.passed.head === false);
  const miss = probes[i];
  const ref = probes.find((p, k) => k < run.steps.length && p.users === 1);
  if (!miss || !ref || miss.users <= 1) return [];
  const found = diagnose({ stages: [ref.head.summary, miss.head.summary], requests: [...ref.head.records, ...miss.head.records] });
  return found
    .filter((d) => d.kind === 'serialized' || d.kind === 'saturated')
    .map((d) => ({ ...d, message: `capacity search, first missed probe (${plural(miss.users, 'user')}): ${d.message}`, evidence: { ...d.evidence, capacityProbe: miss.index } }));
}

/** The report's section from a finished (or stopped) search. */
export function buildOutcome(spec: CapacitySpec, verdict: string, run: SearchRun, probes: readonly ProbeData[]): CapacityOutcome {
  const head = run.sides.head!;
  const base = run.sides.base;
  const sides: Side[] = base ? ['head', 'base'] : ['head'];
  const hasProbes = run.steps.length > 0;
  const drawn = hasProbes
    ? bracketDraws(
        sides.map((s) => samplesOf(run, probes, s)),
        spec.slo,
      )
    : [];
  const draws: Partial<Record<Side, BracketDraws>> = {};
  sides.forEach((s, i) => {
    if (drawn[i]) draws[s] = drawn[i];
  });
  const above = { head: new Set(nonMonotone(head.obs).map((n) => n.users)), base: new Set(base ? nonMonotone(base.obs).map((n) => n.users) : []) };
  const list: CapacityProbe[] = run.steps.flatMap((step, i) => {
    const d = probes[i];
    if (!d) return [];
    const h = sideOf(d.head, step.passed.head === true, step.rerun.includes('head'), step.passed.head === true && above.head.has(step.users));
    const p: CapacityProbe = { index: d.index, users: step.users, runs: step.runs, ...h };
    if (d.base) p.base = sideOf(d.base, step.passed.base === true, step.rerun.includes('base'), step.passed.base === true && above.base.has(step.users));
    return [p];
  });
  const section: CapacitySection = {
    slo: spec.sloText,
    implied: spec.implied,
    ...resultOf(head, draws.head),
    probes: list,
    ...(base
      ? {
          base: resultOf(base, draws.base),
          ratio: draws.head && draws.base ? capacityRatio(head.bracket, base.bracket, draws.head, draws.base) : ratioWithout(head.bracket, base.bracket),
        }
      : {}),
    settings: { maxUsers: spec.maxUsers, requestsPerUser: spec.requestsPerUser, resolution: formatResolution(spec.resolution), budgetMs: spec.budgetMs, verdict },
    elapsedMs: run.elapsedMs,
    cut: run.cut === null ? null : { users: run.cut },
    nonMonotone: [...nonMonotone(head.obs).map((n) => ({ side: 'head' as const, ...n })), ...(base ? nonMonotone(base.obs).map((n) => ({ side: 'base' as const, ...n })) : [])],
    method: CAPACITY_INTERVAL_METHOD,
    notes: [],
  };
  section.notes = notesOf(spec, run, section);
  const brackets: Partial<Record<Side, Bracket>> = { head: head.bracket, ...(base ? { base: base.bracket } : {}) };
  return { section, diagnoses: kneeDiagnoses(run, probes), brackets, draws };
}

/** Without probes: the ratio of what is known (nothing). */
function ratioWithout(head: Bracket, base: Bracket): CapacitySection['ratio'] {
  return { value: base.lastPass > 0 ? head.lastPass / base.lastPass : null, low: null, high: null, level: 0.95 };
}
