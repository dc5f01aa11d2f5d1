// Same-run A/B (compare-url): per stage, the ratio head / base of each latency statistic with a
// seeded bootstrap interval over the paired rounds (paired-bootstrap.ts), the stages that are
// regressions or improvements, and the diagnosis that says so. Pure: a function of the run's records.
import { DEFAULT_LEVEL, DEFAULT_RESAMPLES, DEFAULT_SEED } from './confidence.js';
import { metric as metricOf } from './metrics.js';
import { differenceInterval, FLAG_KEYS, insufficient, RATE_ROUNDS, RATIO_METRICS, RATIO_STATS, ratioInterval, type PairedSampler } from './paired-bootstrap.js';
import { formatRatio } from '../format.js';
import { redactText } from '../redact.js';
import { scopeWho } from '../config/stages.js';
import type { CompareSide, Diagnosis, RunResult, StageSummary } from '../types.js';
import type { CompareSection, CompareStage, RatioInterval } from '../section-types.js';

const COMPARE_METHOD =
  `every stage of U users × R requests runs as R rounds of U concurrent requests a side, head and base back to back, ` +
  `alternating which goes first (HB BH …; stages start with each side in turn); intervals of head / base: seeded two-level bootstrap ` +
  `(rounds, then requests within a round), ${DEFAULT_RESAMPLES} resamples, ${Math.round(DEFAULT_LEVEL * 100)}% level, seed ${DEFAULT_SEED}, ` +
  `widened by t(R − 1) / z · √(R / (R − 1)) for R paired rounds; a rate stage sends the same seeded arrivals to both sides at once ` +
  `(alternating which is written first), its rounds are ${RATE_ROUNDS} consecutive slices of the arrivals`;

const metricLabel = (key: string): string => metricOf(key)?.label ?? key;
/** `10 users`, `2/s`. */
const where = (s: CompareStage): string => scopeWho(s) ?? '';

/**
 * The compare section of the report: per stage the base's summary, the ratios with intervals, the
 * success-rate difference; a stage is a regression when the interval of TTFC avg or p95 lies wholly
 * above 1 + threshold, an improvement when wholly below 1 / (1 + threshold).
 */
export function compareSection(run: RunResult, sample: PairedSampler, ctx: { url: string; threshold: number; method: string }): CompareSection | null {
  const side = run.compare;
  if (!side) return null;
  const level = DEFAULT_LEVEL;
  const stages: CompareStage[] = [];
  for (const head of run.stages) {
    const base = side.stages.find((s) => s.index === head.index);
    if (!base) continue;
    const order = side.order.find((o) => o.stage === head.index)?.rounds ?? '';
    const ratios: Record<string, RatioInterval> = {};
    let flagged: string | null = null;
    let regressed = false;
    let improved = false;
    if (!head.skipped) {
      for (const m of RATIO_METRICS) {
        for (const st of RATIO_STATS) {
          const d = sample(head, m, st);
          if (d) ratios[`${m}.${st}`] = ratioInterval(d);
        }
      }
      for (const key of FLAG_KEYS) {
        const r = ratios[key];
        if (!r || r.low === null || r.high === null) continue;
        if (r.low > 1 + ctx.threshold) regressed = true;
        else if (r.high < 1 / (1 + ctx.threshold)) improved = true;
        else continue;
        flagged ??= key;
      }
      if (regressed) improved = false;
    }
    const sr = head.skipped ? null : sample(head, 'success_rate', 'avg');
    const srDiff = sr && !insufficient(sr) ? differenceInterval(sr, 1) : null;
    stages.push({
      index: head.index,
      users: head.users,
      requestsPerUser: head.requestsPerUser,
      ...(head.rate ? { rate: head.rate.offered } : {}),
      order,
      base,
      ratios,
      successRate: {
        head: head.skipped ? null : head.successRate * 100,
        base: base.skipped ? null : base.successRate * 100,
        difference: head.skipped || base.skipped ? null : (head.successRate - base.successRate) * 100,
        low: srDiff?.low ?? null,
        high: srDiff?.high ?? null,
      },
      regressed,
      improved,
      flagged,
    });
  }
  const rates = (f: (s: CompareStage) => boolean): { list?: number[] } => {
    const list = stages.filter((s) => f(s) && s.rate !== undefined).map((s) => s.rate!);
    return list.length ? { list } : {};
  };
  const regressionRates = rates((s) => s.regressed).list;
  const improvementRates = rates((s) => s.improved).list;
  return {
    url: ctx.url,
    threshold: ctx.threshold,
    level,
    method: ctx.method,
    smokeFailed: side.smokeFailed,
    stages,
    regressions: stages.filter((s) => s.regressed && s.rate === undefined).map((s) => s.users),
    improvements: stages.filter((s) => s.improved && s.rate === undefined).map((s) => s.users),
    ...(regressionRates ? { regressionRates } : {}),
    ...(improvementRates ? { improvementRates } : {}),
    requests: [],
    errorSamples: [],
  };
}

/**
 * `regression` / `improvement` from the same-run comparison: the stage with the largest (smallest)
 * ratio, the others that are flagged, and the smallest stage when it is not flagged — the slowdown
 * then appears only under concurrency.
 */
export function diagnoseCompare(section: CompareSection): Diagnosis[] {
  const out: Diagnosis[] = [];
  for (const kind of ['regression', 'improvement'] as const) {
    const flagged = section.stages.filter((s) => (kind === 'regression' ? s.regressed : s.improved) && s.flagged);
    if (flagged.length === 0) continue;
    const key = (s: CompareStage): number => s.ratios[s.flagged!]?.ratio ?? 1;
    flagged.sort((a, b) => (kind === 'regression' ? key(b) - key(a) : key(a) - key(b)));
    const describe = (s: CompareStage, first: boolean): string => {
      const r = s.ratios[s.flagged!];
      const ci = r && r.low !== null && r.high !== null ? ` (${Math.round(section.level * 100)}% CI ${formatRatio(r.low).slice(0, -1)}–${formatRatio(r.high)})` : '';
      return `at ${where(s)} ${first ? `${metricLabel(s.flagged!)} is ` : ''}${formatRatio(r?.ratio ?? null)}${first ? " the base's" : ''}${ci}`;
    };
    const worst = flagged[0]!;
    const parts = [describe(worst, true), ...flagged.slice(1).map((s) => describe(s, false))];
    const ran = section.stages.filter((s) => !s.base.skipped && s.ratios[worst.flagged!]?.ratio !== undefined);
    // "Only under concurrency" is a closed-model reading: the fewest users against the flagged closed stages.
    const smallest = ran.filter((s) => s.rate === undefined).reduce<CompareStage | null>((a, s) => (a === null || s.users < a.users ? s : a), null);
    const flaggedClosed = flagged.filter((s) => s.rate === undefined);
    let tail = '';
    if (smallest && flaggedClosed.length && !flagged.includes(smallest) && smallest.users < Math.min(...flaggedClosed.map((s) => s.users))) {
      const r = smallest.ratios[worst.flagged!];
      tail = `; at ${where(smallest)} ${formatRatio(r?.ratio ?? null)}: the ${kind === 'regression' ? 'slowdown' : 'speed-up'} appears only under concurrency`;
    } else if (flagged.length === ran.length && ran.length > 1) {
      tail = `; ${kind === 'regression' ? 'slower' : 'faster'} at every stage`;
    }
    out.push({
      kind,
      ...(worst.rate !== undefined ? { users: null, rate: worst.rate } : { users: worst.users }),
      message: `same-run comparison with the compare target: ${parts.join(', ')}${tail}`,
      evidence: {
        metric: worst.flagged,
        threshold: section.threshold,
        stages: section.stages
          .filter((s) => s.ratios[worst.flagged!])
          .map((s) => ({
            users: s.users,
            ...(s.rate !== undefined ? { rate: s.rate } : {}),
            ratio: s.ratios[worst.flagged!]!.ratio,
            low: s.ratios[worst.flagged!]!.low,
            high: s.ratios[worst.flagged!]!.high,
          })),
      },
    });
  }
  return out;
}

/**
 * For criteria: the interval of head − factor × base of a metric on a stage — a latency statistic
 * with an interval in the metrics table, or the success rate; null for the others (the point decides).
 */
export function compareIntervalOf(sample: PairedSampler) {
  return (stage: StageSummary, metric: string, factor: number): { low: number; high: number; level: number } | { insufficient: string } | null => {
    const iv = metric === 'success_rate' ? ({ metric: 'success_rate', stat: 'avg' } as const) : metricOf(metric)?.interval;
    if (!iv) return null;
    const d = sample(stage, iv.metric, iv.stat);
    if (d === null) return null;
    const why = insufficient(d);
    return why ? { insufficient: why } : differenceInterval(d, factor);
  };
}

/** The compare section of the report and its diagnoses (a failed smoke test on the compare target, regressions, improvements). */
export function sameRunComparison(
  run: RunResult,
  sample: PairedSampler,
  ctx: { url: string; threshold: number; secrets: readonly string[] },
): { section: CompareSection | null; diagnoses: Diagnosis[] } {
  const side = run.compare;
  const section = compareSection(run, sample, { url: ctx.url, threshold: ctx.threshold, method: COMPARE_METHOD });
  if (!side || !section) return { section: null, diagnoses: [] };
  section.requests = side.requests.map(({ gaps: _gaps, ...r }) => (r.error ? { ...r, error: redactText(r.error, ctx.secrets) } : r));
  section.errorSamples = side.errorSamples.map((e) => ({ ...e, message: redactText(e.message, ctx.secrets) }));
  section.warmup = side.warmup ?? null;
  const diagnoses: Diagnosis[] = [];
  if (side.smokeFailed) {
    const first = side.stages[0];
    const err = side.errorSamples[0];
    diagnoses.push({
      kind: 'smoke',
      ...(first?.rate ? { users: null, rate: first.rate.offered } : { users: first?.users ?? null }),
      message:
        `smoke test failed: no request of the first stage to the compare target (compare-url ${ctx.url}) succeeded` +
        `${err ? ` (${err.category}: ${err.message})` : ''}; the remaining stages were skipped`,
      evidence: { failures: first?.failures ?? {} },
    });
  }
  diagnoses.push(...diagnoseCompare(section));
  return { section, diagnoses };
}

/** With `repeat`: the compare side of each stage from the run its head stage was chosen from. */
export function compareOfChosen(runs: readonly RunResult[], chosen: readonly number[], stages: readonly StageSummary[]): CompareSide | undefined {
  const first = runs[chosen[0] ?? 0]?.compare;
  if (!first) return undefined;
  const side: CompareSide = { stages: [], requests: [], errorSamples: [], smokeFailed: first.smokeFailed, order: [] };
  // The warm-up is sent before the first run only.
  const warmup = runs[0]?.compare?.warmup;
  if (warmup) side.warmup = warmup;
  stages.forEach((s, i) => {
    const c = runs[chosen[i] ?? 0]?.compare;
    const st = c?.stages.find((x) => x.index === s.index);
    if (!c || !st) return;
    side.stages.push(st);
    // A loop, not push(...): a stage of 130,000+ requests as arguments overflows the stack.
    for (const r of c.requests) if (r.stage === s.index) side.requests.push(r);
    side.errorSamples.push(...c.errorSamples.filter((e) => e.stage === s.index));
    side.order.push(...c.order.filter((o) => o.stage === s.index));
  });
  return side;
}
