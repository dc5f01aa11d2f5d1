// Baseline comparison, so a PR is judged against the last accepted run rather than only against
// fixed numbers: an earlier JSON report (read by baseline-file.ts), its stages matched to this run's
// by users, deltas of TTFC avg / p95 and success rate, regressions over a threshold. Pure; never
// throws on a strange baseline.

import { changePct, ms, plural, rate, trimOneZero } from '../format.js';
import { metric } from './metrics.js';
import type { Diagnosis, StageSummary } from '../types.js';
import type { BaselineDelta, BaselineSection } from '../section-types.js';
import { formatRate, stageKey, stageOf, stageText, stageWho } from '../config/stages.js';
import { DEFAULT_MIN_DELTA_MS, DEFAULT_REGRESSION_THRESHOLD, DEFAULT_SUCCESS_RATE_DROP, type BaselineLoad, type BaselineReport } from './baseline-file.js';

export { DEFAULT_SUCCESS_RATE_DROP, parseBaseline, parseRegressionThreshold, readBaseline, validateBaseline, type BaselineLoad, type BaselineReport } from './baseline-file.js';

export interface Delta {
  current: number | null;
  baseline: number | null;
  /** current − baseline (ms for TTFC, a fraction 0..1 for the success rate). */
  diff: number | null;
  /** (current − baseline) / baseline; null when either side is missing or the baseline is 0. */
  change: number | null;
  /** `▲ 12%`, `▼ 4.5%`, `±0%`; for the success rate percentage points: `▼ 3.3 pp`. Empty when not comparable. */
  text: string;
  /** Over the threshold in the bad direction. */
  regressed: boolean;
}

export interface StageComparison {
  /** This run's stage (1-based index) and the matched baseline stage. */
  index: number;
  baselineIndex: number;
  users: number;
  requestsPerUser: number;
  baselineRequestsPerUser: number;
  /** A rate stage: its offered rate (the baseline's stage has the same). */
  rate?: number;
  ttfcAvg: Delta;
  ttfcP95: Delta;
  successRate: Delta;
  regressed: boolean;
}

export interface BaselineComparison {
  threshold: number;
  source: string;
  /** One entry per compared stage of this run. */
  stages: StageComparison[];
  /** Users of this run's stages without a baseline stage, and of baseline stages this run did not have. */
  unmatchedCurrent: number[];
  unmatchedBaseline: number[];
  /** Mismatches and other notes for the report, one sentence each. */
  messages: string[];
  /** One `regression` diagnosis per regressed stage. */
  diagnoses: Diagnosis[];
}

export interface CompareOptions {
  /** Relative TTFC increase that counts as a regression (0.2 = 20%). */
  threshold?: number;
  /** Absolute success-rate drop (fraction) that counts as a regression. */
  successRateDrop?: number;
  minDeltaMs?: number;
  /** This run's target: a baseline measured against another URL or preset is noted. */
  target?: { method?: string; url?: string; preset?: string };
}

function msDelta(current: number | null, baseline: number | null, threshold: number, minDeltaMs: number): Delta {
  if (current === null || baseline === null) return { current, baseline, diff: null, change: null, text: '', regressed: false };
  const diff = current - baseline;
  const change = baseline > 0 ? diff / baseline : null;
  let text: string;
  if (change === null) text = diff === 0 ? '±0%' : diff > 0 ? '▲' : '▼';
  else if (Math.abs(change) < 0.0005) text = '±0%';
  else text = `${change > 0 ? '▲' : '▼'} ${changePct(change)}`;
  const regressed = diff >= minDeltaMs && (change === null || change > threshold);
  return { current, baseline, diff, change, text, regressed };
}

function rateDelta(current: number, baseline: number, drop: number): Delta {
  const diff = current - baseline;
  const change = baseline > 0 ? diff / baseline : null;
  const pp = Math.abs(diff * 100);
  const text = pp < 0.05 ? '±0 pp' : `${diff > 0 ? '▲' : '▼'} ${trimOneZero(pp.toFixed(1))} pp`;
  return { current, baseline, diff, change, text, regressed: -diff >= drop - 1e-9 };
}

/**
 * Compares this run's stages with the baseline's, matched by users (the k-th stage with N users with
 * the baseline's k-th stage with N users). Stages on one side only, and skipped ones, are reported in
 * `messages`, never an error.
 */
export function compareBaseline(current: readonly StageSummary[], baseline: BaselineReport, opts: CompareOptions = {}): BaselineComparison {
  const threshold = opts.threshold ?? DEFAULT_REGRESSION_THRESHOLD;
  const drop = opts.successRateDrop ?? DEFAULT_SUCCESS_RATE_DROP;
  const minDeltaMs = opts.minDeltaMs ?? DEFAULT_MIN_DELTA_MS;
  const messages: string[] = [];
  const diagnoses: Diagnosis[] = [];
  const stages: StageComparison[] = [];
  const unmatchedCurrent: number[] = [];

  const t = opts.target;
  const bt = baseline.target;
  if (t?.url && bt.url && t.url !== bt.url) messages.push(`the baseline was measured against ${bt.url}, this run against ${t.url}`);
  if (t?.preset && bt.preset && t.preset !== bt.preset) messages.push(`the baseline used preset ${bt.preset}, this run ${t.preset}`);
  if (t?.method && bt.method && t.method !== bt.method) messages.push(`the baseline used ${bt.method}, this run ${t.method}`);

  // Baseline stages by users (rate stages by rate), in order; each is matched once.
  const pool = new Map<string, StageSummary[]>();
  for (const b of baseline.stages) {
    const list = pool.get(stageKey(b)) ?? [];
    list.push(b);
    pool.set(stageKey(b), list);
  }
  for (const c of current) {
    const b = pool.get(stageKey(c))?.shift();
    const at = (s: StageSummary): string => `${s.rate ? 'at' : 'with'} ${stageWho(stageOf(s))}`;
    if (b === undefined) {
      unmatchedCurrent.push(c.users);
      messages.push(`no baseline stage ${at(c)}: stage ${c.index} (${stageText(stageOf(c))}) not compared`);
      continue;
    }
    if (c.skipped) {
      messages.push(`stage ${c.index} (${stageText(stageOf(c))}) was skipped in this run: not compared`);
      continue;
    }
    if (b.skipped) {
      messages.push(`the baseline skipped its stage ${at(c)}: stage ${c.index} not compared`);
      continue;
    }
    if (stageText(stageOf(b)) !== stageText(stageOf(c))) {
      messages.push(`stage ${at(c)}: the baseline ran ${stageText(stageOf(b))}, this run ${stageText(stageOf(c))} — compared anyway`);
    }
    const row: StageComparison = {
      index: c.index,
      baselineIndex: b.index,
      users: c.users,
      ...(c.rate ? { rate: c.rate.offered } : {}),
      requestsPerUser: c.requestsPerUser,
      baselineRequestsPerUser: b.requestsPerUser,
      ttfcAvg: msDelta(c.ttfc.avg, b.ttfc.avg, threshold, minDeltaMs),
      ttfcP95: msDelta(c.ttfc.p95, b.ttfc.p95, threshold, minDeltaMs),
      successRate: rateDelta(c.successRate, b.successRate, drop),
      regressed: false,
    };
    row.regressed = row.ttfcAvg.regressed || row.ttfcP95.regressed || row.successRate.regressed;
    stages.push(row);
    if (row.regressed) diagnoses.push(regression(row, baseline, threshold, drop));
  }
  const unmatchedBaseline: number[] = [];
  for (const list of pool.values()) {
    for (const b of list) {
      unmatchedBaseline.push(b.users);
      messages.push(`the baseline's stage ${b.rate ? 'at' : 'with'} ${stageWho(stageOf(b))} (${stageText(stageOf(b))}) was not run this time`);
    }
  }
  return { threshold, source: baseline.source, stages, unmatchedCurrent, unmatchedBaseline, messages, diagnoses };
}

function regression(row: StageComparison, baseline: BaselineReport, threshold: number, drop: number): Diagnosis {
  const parts: string[] = [];
  const metrics: Record<string, unknown> = {};
  const add = (key: string, d: Delta, fmt: (v: number | null) => string): void => {
    metrics[key] = { current: d.current, baseline: d.baseline, change: d.change, regressed: d.regressed };
    if (d.regressed) parts.push(`${metric(key)?.label ?? key} ${fmt(d.current)} vs ${fmt(d.baseline)} (${d.text})`);
  };
  add('ttfc.avg', row.ttfcAvg, ms);
  add('ttfc.p95', row.ttfcP95, ms);
  add('success_rate', row.successRate, rate);
  const when = [baseline.commit ? `commit ${baseline.commit.slice(0, 7)}` : '', baseline.startedAt ?? ''].filter(Boolean).join(', ');
  return {
    kind: 'regression',
    ...(row.rate !== undefined ? { users: null, rate: row.rate } : { users: row.users }),
    message:
      `at ${row.rate !== undefined ? `${formatRate(row.rate)}/s` : plural(row.users, 'user')}: regression against the baseline${when ? ` (${when})` : ''} — ${parts.join(', ')}; ` +
      `threshold ${changePct(threshold)} slower for TTFC, ${trimOneZero((drop * 100).toFixed(1))} pp for the success rate`,
    evidence: {
      threshold,
      successRateDrop: drop,
      baseline: { source: baseline.source, startedAt: baseline.startedAt, commit: baseline.commit, stage: row.baselineIndex },
      metrics,
    },
  };
}

/** The report's baseline section of a load (read or not), and the regression diagnoses it found. */
export function baselineSection(
  loaded: BaselineLoad,
  current: readonly StageSummary[],
  opts: { source: string; threshold: number; target?: CompareOptions['target'] },
): { section: BaselineSection; diagnoses: Diagnosis[]; messages: string[] } {
  const section: BaselineSection = {
    source: opts.source,
    loaded: loaded.ok,
    threshold: opts.threshold,
    toolVersion: null,
    startedAt: null,
    commit: null,
    messages: loaded.ok ? [...loaded.warnings] : [loaded.message],
    stages: [],
    regressions: [],
  };
  if (!loaded.ok) return { section, diagnoses: [], messages: [] };
  const b = loaded.baseline;
  const cmp = compareBaseline(current, b, { threshold: opts.threshold, ...(opts.target ? { target: opts.target } : {}) });
  const delta = (d: Delta): BaselineDelta => ({ current: d.current, baseline: d.baseline, change: d.change, text: d.text, regressed: d.regressed });
  section.toolVersion = b.toolVersion;
  section.startedAt = b.startedAt;
  section.commit = b.commit;
  section.messages.push(...cmp.messages);
  section.stages = cmp.stages.map((s) => ({
    index: s.index,
    baselineIndex: s.baselineIndex,
    users: s.users,
    ...(s.rate !== undefined ? { rate: s.rate } : {}),
    ttfcAvg: delta(s.ttfcAvg),
    ttfcP95: delta(s.ttfcP95),
    successRate: delta(s.successRate),
    regressed: s.regressed,
  }));
  section.regressions = cmp.stages.filter((s) => s.regressed && s.rate === undefined).map((s) => s.users);
  const rates = cmp.stages.filter((s) => s.regressed && s.rate !== undefined).map((s) => s.rate!);
  if (rates.length) section.regressionRates = rates;
  return { section, diagnoses: cmp.diagnoses, messages: cmp.messages };
}
