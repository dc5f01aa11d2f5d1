// Same-run A/B (compare-url): per stage, the ratio head / base of each latency statistic with a
// seeded bootstrap interval over the paired rounds, the stages that are regressions or improvements,
// and the diagnosis that says so. Pure: a function of the run's records.
//
// The bootstrap is two-level, as the design is: rounds are the pairs (a round of the head and the
// round of the base that ran back to back share the runner's weather), so a resample draws rounds
// with replacement, and within each drawn round the requests of each side with replacement. Drift
// between rounds and the spread within a round both widen the interval; a stage of one round is a
// plain two-sample bootstrap.
//
// Requests of one round share its slot's weather (a busy neighbour, a GC pause), so the slot-to-slot
// noise is only seen across rounds, and a percentile bootstrap over a few rounds under-covers it: the
// interval is widened by the small-sample factor t(R − 1) / z · √(R / (R − 1)) for R paired rounds
// (×9 for 2 rounds, ×1.9 for 4, ×1.3 for 8) — around the point, in log space for ratios. A stage of
// one round sees no slot weather at all; its interval is the spread of its requests only.

import { DEFAULT_LEVEL, DEFAULT_RESAMPLES, DEFAULT_SEED, AB_MAX_DRAWS, MIN_RESAMPLES, mulberry32, QUANTILE, quantileSorted, type BootstrapOptions } from './confidence.js';
import { latencySamples, metric as metricOf } from './metrics.js';
import { type IntervalStat, type LatencyMetric } from '../metric-names.js';
import { redactText } from '../redact.js';
import { scopeWho } from '../config/stages.js';
import type { CompareSection, CompareSide, CompareStage, Diagnosis, RatioInterval, RequestRecord, RunResult, StageSummary } from '../types.js';

/** A rate stage's rounds: its arrivals cut into this many consecutive slices (the same arrivals on both sides). */
const RATE_ROUNDS = 10;

const COMPARE_METHOD =
  `every stage of U users × R requests runs as R rounds of U concurrent requests a side, head and base back to back, ` +
  `alternating which goes first (HB BH …; stages start with each side in turn); intervals of head / base: seeded two-level bootstrap ` +
  `(rounds, then requests within a round), ${DEFAULT_RESAMPLES} resamples, ${Math.round(DEFAULT_LEVEL * 100)}% level, seed ${DEFAULT_SEED}, ` +
  `widened by t(R − 1) / z · √(R / (R − 1)) for R paired rounds; a rate stage sends the same seeded arrivals to both sides at once ` +
  `(alternating which is written first), its rounds are ${RATE_ROUNDS} consecutive slices of the arrivals`;

/** One side's samples of a stage, one array a round (index k − 1 = iteration k). */
export type Rounds = number[][];

export type CompareMetric = LatencyMetric | 'success_rate';

/** The metrics and statistics whose ratios the report shows. */
const RATIO_METRICS = ['ttfc', 'ttft', 'ttfb', 'total'] as const;
const RATIO_STATS: readonly IntervalStat[] = ['avg', 'p50', 'p90', 'p95', 'p99'];
/** The statistics that decide a regression / improvement (as the baseline's: TTFC avg and p95). */
const FLAG_KEYS = ['ttfc.avg', 'ttfc.p95'] as const;

/**
 * A side's samples of a stage by round: the latency metric over successful requests (itl: the pooled
 * gaps), or `success_rate` as 100 / 0 per issued request.
 */
export function roundSamples(
  requests: readonly RequestRecord[],
  stage: number,
  metric: CompareMetric,
  rounds: number,
  roundOf = (r: RequestRecord): number => r.iteration - 1,
): Rounds {
  const out: Rounds = Array.from({ length: rounds }, () => []);
  for (const r of requests) {
    if (r.stage !== stage) continue;
    const into = out[roundOf(r)];
    if (into === undefined) continue;
    if (metric === 'success_rate') into.push(r.ok ? 100 : 0);
    else if (!r.ok) continue;
    else for (const v of latencySamples([r], metric)) into.push(v);
  }
  return out;
}

export interface PairedDraws {
  stat: IntervalStat;
  /** The statistic over all samples of each side (as in the stage summaries). */
  head: number;
  base: number;
  /** Per resample: the statistic of each side (resamples with an empty side left out). */
  headDraws: Float64Array;
  baseDraws: Float64Array;
  n: { head: number; base: number };
  /** Rounds in which both sides had samples: the paired units. */
  rounds: number;
  level: number;
}

/** t quantiles at 0.975 for 1–30 degrees of freedom. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056,
  2.052, 2.048, 2.045, 2.042,
];

/** How much wider than the bootstrap's the interval of R paired rounds is (1 for one round; → 1 for many). */
function smallSampleFactor(rounds: number): number {
  if (rounds < 2) return 1;
  const df = rounds - 1;
  const t = df <= T975.length ? T975[df - 1]! : 1.96 + 2.4 / df;
  return (t / 1.96) * Math.sqrt(rounds / df);
}

const count = (r: Rounds): number => r.reduce((n, x) => n + x.length, 0);

function statOf(sorted: Float64Array, stat: IntervalStat): number {
  if (stat === 'avg') {
    let sum = 0;
    for (const v of sorted) sum += v;
    return sum / sorted.length;
  }
  return quantileSorted(sorted, QUANTILE[stat]);
}

/** The two-level paired bootstrap of one statistic (see the top of the file). Null when a side has no sample. */
export function pairedBootstrap(head: Rounds, base: Rounds, stat: IntervalStat, opts: BootstrapOptions = {}): PairedDraws | null {
  return pairedBootstrapAll(head, base, [stat], opts)?.[stat] ?? null;
}

/**
 * The paired bootstrap of several statistics from the same resamples (one sort of each resample
 * serves them all). Null when a side has no sample.
 */
function pairedBootstrapAll(head: Rounds, base: Rounds, stats: readonly IntervalStat[], opts: BootstrapOptions = {}): Partial<Record<IntervalStat, PairedDraws>> | null {
  const nh = count(head);
  const nb = count(base);
  if (nh === 0 || nb === 0) return null;
  const rounds = Math.max(head.length, base.length);
  const resamples = Math.max(1, Math.min(Math.floor(opts.resamples ?? DEFAULT_RESAMPLES), Math.max(MIN_RESAMPLES, Math.floor(AB_MAX_DRAWS / (nh + nb)))));
  const rand = mulberry32(opts.seed ?? DEFAULT_SEED);
  // A resample can draw the largest round every time.
  const bufH = new Float64Array(rounds * Math.max(...head.map((r) => r.length)));
  const bufB = new Float64Array(rounds * Math.max(...base.map((r) => r.length)));
  const headDraws = stats.map(() => new Float64Array(resamples));
  const baseDraws = stats.map(() => new Float64Array(resamples));
  let kept = 0;
  for (let r = 0; r < resamples; r++) {
    let h = 0;
    let b = 0;
    for (let k = 0; k < rounds; k++) {
      const pick = (rand() * rounds) | 0;
      const hr = head[pick] ?? [];
      const br = base[pick] ?? [];
      for (let i = 0; i < hr.length; i++) bufH[h++] = hr[(rand() * hr.length) | 0]!;
      for (let i = 0; i < br.length; i++) bufB[b++] = br[(rand() * br.length) | 0]!;
    }
    if (h === 0 || b === 0) continue;
    const sh = bufH.subarray(0, h).sort();
    const sb = bufB.subarray(0, b).sort();
    stats.forEach((st, i) => {
      headDraws[i]![kept] = statOf(sh, st);
      baseDraws[i]![kept] = statOf(sb, st);
    });
    kept++;
  }
  let paired = 0;
  for (let k = 0; k < rounds; k++) if ((head[k]?.length ?? 0) > 0 && (base[k]?.length ?? 0) > 0) paired++;
  const allH = Float64Array.from(head.flat()).sort();
  const allB = Float64Array.from(base.flat()).sort();
  const out: Partial<Record<IntervalStat, PairedDraws>> = {};
  stats.forEach((st, i) => {
    out[st] = {
      stat: st,
      head: statOf(allH, st),
      base: statOf(allB, st),
      headDraws: headDraws[i]!.subarray(0, kept),
      baseDraws: baseDraws[i]!.subarray(0, kept),
      n: { head: nh, base: nb },
      rounds: paired,
      level: opts.level ?? DEFAULT_LEVEL,
    };
  });
  return out;
}

/** The central `level` share of `values` (sorted in place), widened to contain `point`. */
function percentile(values: Float64Array, point: number, level: number): { low: number; high: number } {
  values.sort();
  const tail = (1 - level) / 2;
  if (values.length === 0) return { low: point, high: point };
  return { low: Math.min(point, quantileSorted(values, tail)), high: Math.max(point, quantileSorted(values, 1 - tail)) };
}

/** Fewer than two samples on a side: no interval worth the name. */
export function insufficient(d: PairedDraws): string | null {
  if (d.n.head >= 2 && d.n.base >= 2) return null;
  return `${d.n.head} sample${d.n.head === 1 ? '' : 's'} of the head and ${d.n.base} of the base: too few for an interval`;
}

/** head / base with its interval; null ratio when the base's statistic is 0. */
export function ratioInterval(d: PairedDraws): RatioInterval {
  if (!(d.base > 0)) return { ratio: null, low: null, high: null };
  const ratio = d.head / d.base;
  if (insufficient(d)) return { ratio, low: null, high: null };
  const ratios = new Float64Array(d.headDraws.length);
  let j = 0;
  for (let i = 0; i < d.headDraws.length; i++) if (d.baseDraws[i]! > 0) ratios[j++] = d.headDraws[i]! / d.baseDraws[i]!;
  const p = percentile(ratios.subarray(0, j), ratio, d.level);
  // Widened in log space (a ratio's noise is multiplicative); a non-positive bound stays as it is.
  const f = smallSampleFactor(d.rounds);
  if (f === 1 || !(p.low > 0)) return { ratio, ...p };
  const lr = Math.log(ratio);
  return { ratio, low: Math.exp(lr - f * (lr - Math.log(p.low))), high: Math.exp(lr + f * (Math.log(p.high) - lr)) };
}

/** The interval of head − factor × base (the form every comparison criterion reduces to). */
export function differenceInterval(d: PairedDraws, factor: number): { low: number; high: number; level: number } {
  const diff = new Float64Array(d.headDraws.length);
  for (let i = 0; i < diff.length; i++) diff[i] = d.headDraws[i]! - factor * d.baseDraws[i]!;
  const point = d.head - factor * d.base;
  const p = percentile(diff, point, d.level);
  const f = smallSampleFactor(d.rounds);
  return { low: point - f * (point - p.low), high: point + f * (p.high - point), level: d.level };
}

/** Caches the paired bootstrap per stage, metric and statistic (the report and the criteria share it). */
export function pairedSampler(run: RunResult, opts: BootstrapOptions = {}) {
  const cache = new Map<string, Partial<Record<IntervalStat, PairedDraws>> | null>();
  const side = run.compare;
  return (stage: StageSummary, metric: CompareMetric, stat: IntervalStat): PairedDraws | null => {
    if (!side) return null;
    // All statistics of a metric come from one set of resamples.
    const key = `${stage.index}:${metric}`;
    if (!cache.has(key)) {
      // A rate stage: arrival k (its user number) is in slice ⌊(k − 1) · R / scheduled⌋ on both sides.
      const scheduled = stage.rate?.scheduled ?? 0;
      const rounds = stage.rate ? Math.max(1, Math.min(RATE_ROUNDS, scheduled)) : stage.requestsPerUser;
      const roundOf = stage.rate ? (r: RequestRecord): number => Math.floor(((r.user - 1) * rounds) / Math.max(1, scheduled)) : undefined;
      const h = roundSamples(run.requests, stage.index, metric, rounds, roundOf);
      const b = roundSamples(side.requests, stage.index, metric, rounds, roundOf);
      cache.set(key, pairedBootstrapAll(h, b, RATIO_STATS, opts));
    }
    return cache.get(key)?.[stat] ?? null;
  };
}

export type PairedSampler = ReturnType<typeof pairedSampler>;

/** `1.9x`, `1.03x`, `12x`. */
export function formatRatio(r: number | null): string {
  if (r === null || !Number.isFinite(r)) return 'n/a';
  if (r >= 10) return `${Math.round(r)}x`;
  const s = r.toFixed(r >= 3 ? 1 : 2);
  return `${/\.\d0$/.test(s) ? s.slice(0, -1) : s}x`;
}

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
