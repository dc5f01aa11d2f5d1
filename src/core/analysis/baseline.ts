// Baseline comparison, so a PR is judged against the last accepted run rather than only against
// fixed numbers: an earlier JSON report, its stages matched to this run's by users, deltas of TTFC
// avg / p95 and success rate, regressions over a threshold. Reading the file is the only I/O
// (readBaseline); everything else is pure and never throws on a strange baseline.

import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import { changePct, ms, plural, rate, trimOneZero } from '../format.js';
import { num, obj, str } from '../json-guards.js';
import { metric } from './metrics.js';
import { LATENCY_METRICS, OPTIONAL_LATENCIES, STAT_NAMES, type LatencyMetric } from '../metric-names.js';
import { emptyFailures } from './stats.js';
import { FAILURE_CATEGORIES, type BaselineDelta, type BaselineSection, type Diagnosis, type RateFigures, type StageSummary, type Stats } from '../types.js';
import { formatRate, stageKey, stageOf, stageText, stageWho } from '../config/stages.js';
import { VERSION } from '../version.js';

const BASELINE_SCHEMA_VERSION = 1;
/** `regression-threshold` default: TTFC avg or p95 more than 20% above the baseline is a regression. */
const DEFAULT_REGRESSION_THRESHOLD = 0.2;
/** A success-rate drop of at least this much (5 percentage points) is a regression. */
export const DEFAULT_SUCCESS_RATE_DROP = 0.05;
/** TTFC changes smaller than this (ms) are never regressions, whatever the ratio (sub-10 ms endpoints). */
const DEFAULT_MIN_DELTA_MS = 5;

export interface BaselineReport {
  /** Where it came from (the path as given). */
  source: string;
  schemaVersion: 1;
  toolVersion: string | null;
  startedAt: string | null;
  commit: string | null;
  target: { method: string | null; url: string | null; preset: string | null };
  /** Validated and completed stage summaries: pass to `evaluateCriteria(…, { baseline: stages })`. */
  stages: StageSummary[];
}

export type BaselineLoad = { ok: true; baseline: BaselineReport; warnings: string[] } | { ok: false; message: string };

/** Parses `regression-threshold`: `20%`, `20 %`, `0.2` (a fraction) → 0.2. Throws InputError. */
export function parseRegressionThreshold(text: string | undefined, input = 'regression-threshold'): number {
  if (text === undefined || text.trim() === '') return DEFAULT_REGRESSION_THRESHOLD;
  const t = text.trim();
  const m = /^(\d+(?:\.\d+)?|\.\d+)\s*(%?)$/.exec(t);
  if (!m) throw new InputError(input, `"${t}" is not a percentage (e.g. 20%)`);
  const v = m[2] === '%' ? Number(m[1]) / 100 : Number(m[1]);
  if (m[2] !== '%' && v > 1) throw new InputError(input, `"${t}" is ambiguous: write a percentage, e.g. ${t}%`);
  if (!(v > 0)) throw new InputError(input, `"${t}" must be more than 0%`);
  return v;
}

/** Reads and validates a baseline report from a file. Never throws: problems come back as `ok: false`. */
export function readBaseline(path: string): BaselineLoad {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') {
      return { ok: false, message: `baseline ${path} not found: nothing to compare against (normal on a first run)` };
    }
    if (code === 'EISDIR') return { ok: false, message: `baseline ${path} is a directory, not a JSON report` };
    return { ok: false, message: `cannot read baseline ${path}: ${code ?? (err as Error).message}` };
  }
  return parseBaseline(text, path);
}

/** Validates a baseline report from its JSON text. Pure; never throws. */
export function parseBaseline(text: string, source: string): BaselineLoad {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    return { ok: false, message: `baseline ${source} is not valid JSON (${(err as Error).message})` };
  }
  return validateBaseline(json, source);
}

/** Validates a parsed baseline report. Pure; never throws. */
export function validateBaseline(json: unknown, source: string): BaselineLoad {
  const what = `baseline ${source}`;
  const report = obj(json);
  if (report === null) return { ok: false, message: `${what} is not a ttfc-gate JSON report (expected an object)` };
  const tool = obj(report.tool);
  if (tool !== null && tool.name !== 'ttfc-gate') {
    return { ok: false, message: `${what} is not a ttfc-gate report (tool "${String(tool.name)}")` };
  }
  if (!('schemaVersion' in report)) {
    return { ok: false, message: `${what} has no schemaVersion: not a ttfc-gate JSON report` };
  }
  if (report.schemaVersion !== BASELINE_SCHEMA_VERSION) {
    const toolVersion = tool !== null && typeof tool.version === 'string' ? ` (written by ttfc-gate ${tool.version})` : '';
    return {
      ok: false,
      message:
        `${what} has schemaVersion ${JSON.stringify(report.schemaVersion)}${toolVersion}; ttfc-gate ${VERSION} reads ` +
        `schemaVersion ${BASELINE_SCHEMA_VERSION} — not compared. Refresh the baseline with a report from this version.`,
    };
  }
  if (!Array.isArray(report.stages)) return { ok: false, message: `${what} has no stages array` };

  const warnings: string[] = [];
  if (tool === null) warnings.push(`${what} does not name its tool; read as a ttfc-gate report`);
  const stages: StageSummary[] = [];
  report.stages.forEach((raw: unknown, i: number) => {
    const s = normalizeStage(raw, i + 1);
    if (typeof s === 'string') warnings.push(`${what}: stage ${i + 1} ${s} — ignored`);
    else stages.push(s);
  });
  if (stages.length === 0) return { ok: false, message: `${what} has no usable stages${warnings.length ? ` (${warnings.join('; ')})` : ''}` };

  const target = obj(report.target) ?? {};
  return {
    ok: true,
    warnings,
    baseline: {
      source,
      schemaVersion: 1,
      toolVersion: tool !== null ? str(tool.version) : null,
      startedAt: str(report.startedAt),
      commit: str(target.commit),
      target: { method: str(target.method), url: str(target.url), preset: str(target.preset) },
      stages,
    },
  };
}

function normalizeStats(v: unknown): Stats {
  const o = obj(v) ?? {};
  const out = { n: Math.max(0, Math.round(num(o.n) ?? 0)) } as Stats;
  for (const k of STAT_NAMES) out[k] = num(o[k]);
  return out;
}

/** A rate stage's own figures from a baseline stage (offered rate and duration required), or null. */
function normalizeRate(v: unknown): RateFigures | null {
  const o = obj(v);
  const offered = num(o?.offered);
  const durationMs = num(o?.durationMs);
  if (o === null || offered === null || !(offered > 0) || durationMs === null || !(durationMs > 0)) return null;
  const count = (x: unknown): number => Math.max(0, Math.round(num(x) ?? 0));
  return {
    offered,
    durationMs,
    arrival: o.arrival === 'uniform' ? 'uniform' : 'poisson',
    seed: count(o.seed),
    scheduled: count(o.scheduled),
    dropped: count(o.dropped),
    achieved: num(o.achieved) ?? 0,
    maxInFlight: count(o.maxInFlight),
    peakInFlight: count(o.peakInFlight),
    lateness: normalizeStats(o.lateness),
  };
}

/** The LLM and goodput figures of a baseline stage, where it has them (baseline.goodput_rate, baseline.tokens_per_sec, …). */
function normalizeExtras(raw: Record<string, unknown>): Partial<StageSummary> {
  const out: Partial<StageSummary> = {};
  const tokens = obj(raw.tokens);
  if (tokens && num(tokens.perSec) !== null) {
    out.tokens = {
      total: num(tokens.total) ?? 0,
      perSec: num(tokens.perSec)!,
      perRequest: normalizeStats(tokens.perRequest),
      ...(obj(tokens.output) ? { output: normalizeStats(tokens.output) } : {}),
    };
  }
  const g = obj(raw.goodput);
  if (g && num(g.perSec) !== null) {
    const rate = num(g.rate);
    out.goodput = {
      slo: Array.isArray(g.slo) ? g.slo.filter((x): x is string => typeof x === 'string') : [],
      good: Math.max(0, Math.round(num(g.good) ?? 0)),
      perSec: num(g.perSec)!,
      rate: rate !== null && rate >= 0 && rate <= 1 ? rate : null,
      missed: {},
    };
  }
  return out;
}

/** A complete StageSummary from a baseline stage, or why it cannot be used. */
function normalizeStage(value: unknown, position: number): StageSummary | string {
  const raw = obj(value);
  if (raw === null) return 'is not an object';
  const rate = raw.rate === undefined ? null : normalizeRate(raw.rate);
  if (raw.rate !== undefined && rate === null) return 'has no valid "rate" (offered and durationMs above 0)';
  const users = rate ? 0 : num(raw.users);
  if (users === null || (!rate && (!Number.isInteger(users) || users < 1))) return 'has no valid "users"';
  const issued = Math.max(0, Math.round(num(raw.issued) ?? 0));
  const succeeded = Math.max(0, Math.round(num(raw.succeeded) ?? 0));
  const skipped = raw.skipped === true;
  let successRate = num(raw.successRate);
  if (successRate === null || successRate < 0 || successRate > 1) {
    if (issued > 0) successRate = succeeded / issued;
    else if (skipped) successRate = 0;
    else return 'has no valid "successRate"';
  }
  const count = (v: unknown): number | undefined => {
    const n = num(v);
    return n === null ? undefined : Math.max(0, Math.round(n));
  };
  const connections = count(raw.connections);
  const retries = count(raw.retries);
  const failures = emptyFailures();
  const rawFailures = obj(raw.failures);
  if (rawFailures) for (const c of FAILURE_CATEGORIES) failures[c] = Math.max(0, Math.round(num(rawFailures[c]) ?? 0));
  // The optional latencies (tpot, ttft_reasoning) only where the baseline measured them.
  const latencies = Object.fromEntries(
    LATENCY_METRICS.filter((m) => raw[m] !== undefined || !(OPTIONAL_LATENCIES as readonly string[]).includes(m)).map((m) => [m, normalizeStats(raw[m])]),
  ) as Pick<StageSummary, LatencyMetric>;
  return {
    index: num(raw.index) ?? position,
    users,
    requestsPerUser: rate ? 0 : Math.max(1, Math.round(num(raw.requestsPerUser) ?? 1)),
    skipped,
    issued,
    succeeded,
    failed: Math.max(0, Math.round(num(raw.failed) ?? issued - succeeded)),
    successRate,
    failures,
    ...latencies,
    durationMs: num(raw.durationMs) ?? 0,
    ...(connections !== undefined ? { connections } : {}),
    ...(retries !== undefined ? { retries } : {}),
    rps: num(raw.rps),
    eventsPerSec: num(raw.eventsPerSec),
    ...(obj(raw.streamRate) ? { streamRate: { unit: 'events/s' as const, perRequest: normalizeStats(obj(raw.streamRate)?.perRequest) } } : {}),
    ...normalizeExtras(raw),
    ...(raw.itlPer === 'token' || raw.itlPer === 'event' ? { itlPer: raw.itlPer } : {}),
    ...(rate ? { rate } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Comparison

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
