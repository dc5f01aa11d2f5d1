// Criteria evaluation: parsed criteria against stage summaries (and the baseline's), each value read
// through the metrics table, judged by its interval where it has one. Pure: no I/O.

import { compare } from './operators.js';
import { judge, type VerdictMode } from '../confidence.js';
import { metric as metricOf } from '../metrics.js';
import { type IntervalStat, type LatencyMetric, type MetricUnit } from '../../metric-names.js';
import { formatThreshold, formatValue } from '../../format.js';
import { formatRate, stageKey, stageOf, stageWho } from '../../config/stages.js';
import { gatePassed } from '../verdict.js';
import { parseCriteria } from './parse.js';
import { unitMismatch } from './units.js';
import type { CompareOp, Criterion, CriterionResult, StageSummary } from '../../types.js';

function missingReason(stage: StageSummary, name: string, other: 'baseline' | 'compare' | null): string {
  const who = stageWho(stageOf(stage));
  const where = other === 'baseline' ? ` in the baseline stage ${stage.rate ? 'at' : 'with'} ${who}` : other === 'compare' ? ` on the compare target at ${who}` : '';
  const own = metricOf(name)?.missing;
  if (own) return `${own(stage)}${where}`;
  if (stage.succeeded === 0) return `no successful requests to measure${where}`;
  return `no ${metricOf(name)?.samples ?? 'samples'} to measure${where}`;
}

/** Rounds away floating-point noise (0.95 * 100 = 95.00000000000001). */
function tidy(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

export interface EvaluateOptions {
  /** The baseline report's stages, for `baseline.` references. */
  baseline?: StageSummary[];
  /** Why there are no baseline stages (shown as the reason of skipped `baseline.` criteria). */
  baselineMissing?: string;
  /** strict (default): the point value decides; confident: only an interval wholly on the wrong side fails. */
  verdict?: VerdictMode;
  /**
   * The confidence interval of a duration statistic on a stage (avg / p50 / p90 / p95 / p99), or null.
   * Without it no interval is shown and the point value decides.
   */
  intervalOf?: (stage: StageSummary, metric: LatencyMetric, stat: IntervalStat) => { low: number; high: number; level: number } | null;
  /** Same-run A/B: the compare target's stages (paired by index), for `compare.` references. */
  compare?: StageSummary[];
  /**
   * The interval of `head − factor × base` of a metric on a stage, from the paired rounds (null: the
   * metric has none, the point decides); `{ insufficient }` when a side has too few samples for one.
   */
  compareIntervalOf?: (stage: StageSummary, metric: string, factor: number) => { low: number; high: number; level: number } | { insufficient: string } | null;
  /**
   * `history.` references: the history's figure of a metric at this stage (the median over its latest
   * passing runs), or why there is none (the criterion is then skipped with that reason).
   */
  history?: (stage: StageSummary, metric: string) => { value: number } | { skip: string };
}

/** Attaches the parsed metric and operator to a result, for the reports, without widening the JSON report. */
function withCriterion(r: CriterionResult, c: Criterion): CriterionResult {
  Object.defineProperty(r, 'metric', { value: c.metric.name, enumerable: false });
  Object.defineProperty(r, 'op', { value: c.op, enumerable: false });
  return r;
}

/**
 * The metric and operator of a result: its own, or, for a result that does not carry them (read back
 * from a JSON report, built by hand), its text parsed again by the one parser. Null when the text
 * does not parse.
 */
export function criterionOf(r: CriterionResult): { metric: string; op: CompareOp } | null {
  if (r.metric !== undefined && r.op !== undefined) return { metric: r.metric, op: r.op };
  try {
    const [c] = parseCriteria(r.text);
    return c ? { metric: c.metric.name, op: c.op } : null;
  } catch {
    return null;
  }
}

/**
 * Evaluates criteria on stage summaries. Scoped criteria apply to the stage(s) with that many users,
 * unscoped ones to every stage that was run; a criterion with nothing to apply to is `skipped`.
 * With `intervalOf`, a criterion on a metric that has an interval and a fixed threshold (a number, or
 * a factor of a baseline metric) carries the interval of its measured value and is judged by
 * `verdict` (see confidence.ts `judge`); a threshold that is itself a figure of this run
 * (`2 * ttfc.avg`) is noisy too, so there the point value decides.
 */
export function evaluateCriteria(criteria: Criterion[], stages: StageSummary[], opts: EvaluateOptions = {}): CriterionResult[] {
  const results: CriterionResult[] = [];
  const run = stages.filter((s) => !s.skipped);
  for (const c of criteria) {
    const m = metricOf(c.metric.name);
    // Scoped: the stages of those users, or of that rate; unscoped: every stage the metric means something at.
    let targets =
      c.rate !== undefined
        ? run.filter((s) => s.rate?.offered === c.rate)
        : c.users === null
          ? run.filter((s) => m?.appliesTo?.(s) ?? true)
          : run.filter((s) => !s.rate && s.users === c.users);
    // A figure of the whole run (monitor growth) is judged once, on the last stage it applies to.
    if (m?.scope === 'run' && targets.length > 1) targets = targets.slice(-1);
    const unit = (targets[0] && m?.unitOn?.(targets[0])) ?? m?.unit ?? 'count';
    if (targets.length === 0) {
      let reason: string;
      const planned = c.rate !== undefined ? stages.some((s) => s.rate?.offered === c.rate) : stages.some((s) => !s.rate && s.users === c.users);
      const which = c.rate !== undefined ? `at ${formatRate(c.rate)}/s` : `with ${c.users} users`;
      if (c.users === null && c.rate === undefined) reason = run.length ? `no stage it applies to was run (${m?.label ?? c.metric.name}: rate stages only)` : 'no stage was run';
      else if (planned) reason = `no stage ${which} was run (the stage was skipped)`;
      else reason = `no stage ${which} was run`;
      const scope = c.rate !== undefined ? { rate: c.rate } : {};
      results.push(withCriterion({ text: c.text, users: c.users, ...scope, severity: c.severity, status: 'skipped', actual: null, threshold: null, unit, reason }, c));
      continue;
    }
    for (const stage of targets) results.push(withCriterion(evaluateOne(c, stage, unit, opts), c));
  }
  return results;
}

function evaluateOne(c: Criterion, stage: StageSummary, unit: MetricUnit, opts: EvaluateOptions): CriterionResult {
  const baseline = opts.baseline;
  const base = { text: c.text, users: stage.rate ? null : stage.users, ...(stage.rate ? { rate: stage.rate.offered } : {}), severity: c.severity, unit, stage: stage.index };
  const misfit = unitMismatch(c, unit);
  if (misfit) return { ...base, status: 'fail', actual: metricOf(c.metric.name)?.read(stage) ?? null, threshold: null, reason: misfit };

  let threshold: number | null;
  let thresholdStage = stage;
  if (c.value.kind === 'number') {
    threshold = c.value.value;
  } else if (c.value.metric.history) {
    const h = opts.history?.(stage, c.value.metric.name) ?? { skip: 'no history (set history-path)' };
    if ('skip' in h) return { ...base, status: 'skipped', actual: null, threshold: null, reason: h.skip };
    threshold = c.value.factor * h.value + (c.value.offset ?? 0);
  } else {
    if (c.value.metric.compare) {
      const b = opts.compare?.find((s) => s.index === stage.index && !s.skipped);
      if (!b) {
        return {
          ...base,
          status: 'skipped',
          actual: null,
          threshold: null,
          reason: opts.compare ? `the compare target's stage ${stage.index} was not run` : 'no compare target (set compare-url)',
        };
      }
      thresholdStage = b;
    } else if (c.value.metric.baseline) {
      const b = baseline?.find((s) => stageKey(s) === stageKey(stage) && !s.skipped);
      if (!b) {
        const why = baseline ? '' : ` (${opts.baselineMissing ?? 'no baseline report'})`;
        return { ...base, status: 'skipped', actual: null, threshold: null, reason: `no baseline stage ${stage.rate ? 'at' : 'with'} ${stageWho(stageOf(stage))}${why}` };
      }
      thresholdStage = b;
    }
    const ref = metricOf(c.value.metric.name)?.read(thresholdStage) ?? null;
    threshold = ref === null ? null : c.value.factor * ref + (c.value.offset ?? 0);
  }

  const m = metricOf(c.metric.name);
  const raw = m?.read(stage) ?? null;
  const actual = raw === null ? null : tidy(raw);
  threshold = threshold === null ? null : tidy(threshold);
  if (actual === null) {
    return { ...base, status: 'fail', actual, threshold, reason: missingReason(stage, c.metric.name, null) };
  }
  if (threshold === null) {
    const name = c.value.kind === 'factor' ? c.value.metric.name : c.metric.name;
    const other = thresholdStage === stage ? null : c.value.kind === 'factor' && c.value.metric.compare ? 'compare' : 'baseline';
    return { ...base, status: 'fail', actual, threshold, reason: missingReason(thresholdStage, name, other) };
  }
  const pointPass = compare(actual, c.op, threshold);
  if (c.value.kind === 'factor' && c.value.metric.compare) return judgeCompare(c, c.value.factor, stage, { ...base, actual, threshold }, pointPass, opts);
  const fixedThreshold = c.value.kind === 'number' || c.value.metric.baseline || c.value.metric.history === true;
  if (opts.intervalOf === undefined || !fixedThreshold || m?.interval === undefined) {
    return { ...base, status: pointPass ? 'pass' : 'fail', actual, threshold };
  }
  const iv = opts.intervalOf(stage, m.interval.metric, m.interval.stat);
  if (iv === null) {
    // Too few samples for an interval: `confident` cannot be confident of a failure.
    if (pointPass || (opts.verdict ?? 'strict') !== 'confident') return { ...base, status: pointPass ? 'pass' : 'fail', actual, threshold };
    const n = (stage as unknown as Record<string, { n?: number } | undefined>)[m.interval.metric]?.n ?? 0;
    const reason = `inconclusive: ${n} ${n === 1 ? 'sample is' : 'samples are'} too few for an interval; verdict confident: not failed`;
    return { ...base, status: 'inconclusive', actual, threshold, inconclusive: true, reason };
  }
  const interval = { low: tidy(iv.low), high: tidy(iv.high), level: iv.level };
  const verdict = opts.verdict ?? 'strict';
  const j = judge({ op: c.op, threshold, actual, interval }, verdict);
  if (!j.inconclusive) return { ...base, status: pointPass ? 'pass' : 'fail', actual, threshold, interval };
  const range = `${formatValue(interval.low, unit)} – ${formatValue(interval.high, unit)}`;
  const reason =
    `inconclusive: the ${Math.round(interval.level * 100)}% interval ${range} straddles ${formatThreshold(threshold, unit)}` +
    (verdict === 'strict' ? `; verdict strict: the measured value ${pointPass ? 'passes' : 'fails'}` : '; verdict confident: not failed');
  return { ...base, status: verdict === 'strict' ? (pointPass ? 'pass' : 'fail') : 'inconclusive', actual, threshold, interval, inconclusive: true, reason };
}

/**
 * A criterion against the compare target (`ttfc.avg < 1.2 * compare.ttfc.avg`): both sides are noisy,
 * so the interval is of head − factor × base over the paired rounds, shown shifted onto the head's
 * value (the threshold moves with the base; `head < f × base + c` ⇔ `head − f × base < c`). Under
 * `verdict: confident` it fails only when that whole interval misses; too few samples for an
 * interval is inconclusive there.
 */
function judgeCompare(
  c: Criterion,
  factor: number,
  stage: StageSummary,
  res: Omit<CriterionResult, 'status'> & { actual: number; threshold: number },
  pointPass: boolean,
  opts: EvaluateOptions,
): CriterionResult {
  const verdict = opts.verdict ?? 'strict';
  const diff = opts.compareIntervalOf?.(stage, c.metric.name, factor) ?? null;
  if (diff === null) return { ...res, status: pointPass ? 'pass' : 'fail' };
  if ('insufficient' in diff) {
    if (verdict === 'strict' || pointPass) return { ...res, status: pointPass ? 'pass' : 'fail' };
    return { ...res, status: 'inconclusive', inconclusive: true, reason: `inconclusive: ${diff.insufficient}; verdict confident: not failed` };
  }
  // The interval of the head's value given the base's: head − f × base, plus f × base.
  const shift = res.threshold - (c.value.kind === 'factor' ? (c.value.offset ?? 0) : 0);
  const interval = { low: tidy(diff.low + shift), high: tidy(diff.high + shift), level: diff.level };
  const j = judge({ op: c.op, threshold: res.threshold, actual: res.actual, interval }, verdict);
  if (!j.inconclusive) return { ...res, status: pointPass ? 'pass' : 'fail', interval };
  const range = `${formatValue(interval.low, res.unit)} – ${formatValue(interval.high, res.unit)}`;
  const reason =
    `inconclusive: the ${Math.round(interval.level * 100)}% interval ${range} (paired with the compare target) straddles ${formatThreshold(res.threshold, res.unit)}` +
    (verdict === 'strict' ? `; verdict strict: the measured value ${pointPass ? 'passes' : 'fails'}` : '; verdict confident: not failed');
  return { ...res, status: verdict === 'strict' ? (pointPass ? 'pass' : 'fail') : 'inconclusive', interval, inconclusive: true, reason };
}

/** False iff a failing (non-warn) criterion was missed. */
export function criteriaPassed(results: CriterionResult[]): boolean {
  return gatePassed(false, results);
}
