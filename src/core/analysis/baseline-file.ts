// Reading a baseline: an earlier JSON report, checked and normalized into stage summaries, so the
// comparison (baseline.ts) never meets a strange file. Reading the file is the only I/O (readBaseline);
// a bad baseline is a message, never a throw.

import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import { num, obj, str } from '../json-guards.js';
import { LATENCY_METRICS, OPTIONAL_LATENCIES, STAT_NAMES, type LatencyMetric } from '../metric-names.js';
import { emptyFailures } from './stats.js';
import { FAILURE_CATEGORIES, type RateFigures, type StageSummary, type Stats } from '../types.js';
import { VERSION } from '../version.js';

const BASELINE_SCHEMA_VERSION = 1;
/** `regression-threshold` default: TTFC avg or p95 more than 20% above the baseline is a regression. */
export const DEFAULT_REGRESSION_THRESHOLD = 0.2;
/** A success-rate drop of at least this much (5 percentage points) is a regression. */
export const DEFAULT_SUCCESS_RATE_DROP = 0.05;
/** TTFC changes smaller than this (ms) are never regressions, whatever the ratio (sub-10 ms endpoints). */
export const DEFAULT_MIN_DELTA_MS = 5;

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
