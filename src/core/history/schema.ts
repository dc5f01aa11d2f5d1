// The history file (history-path): what one entry holds and the strict check of a file read back.
// The file is untrusted input like a baseline (a cache can carry anything): every field is typed,
// bounded and shaped, and a file that does not match is rejected whole. Pure.

import { metric } from '../analysis/metrics.js';
import { obj } from '../json-guards.js';
import type { StageSummary } from '../types.js';

const HISTORY_SCHEMA_VERSION = 1;

/**
 * The figures kept per stage: the ones `history.<metric>` criteria and the trend can read, in the
 * units of the metrics table (ms, percent, req/s). A criterion on another metric is an input error.
 */
export const HISTORY_METRICS = [
  'ttfc.avg',
  'ttfc.p50',
  'ttfc.p90',
  'ttfc.p95',
  'ttfc.p99',
  'ttft.avg',
  'ttft.p50',
  'ttft.p95',
  'total.avg',
  'total.p95',
  'success_rate',
  'rps',
] as const;
export type HistoryMetric = (typeof HISTORY_METRICS)[number];

/** Bounds of what one file may hold, so a forged file cannot make the gate read or chart without end. */
export const HISTORY_BOUNDS = { entries: 1000, stages: 64, text: 300, url: 2048 } as const;

// The shapes of the entry's fields (checked on read, enforced on write).
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const COMMIT = /^[0-9a-f]{7,64}$/i;
const EVENT = /^[a-z][a-z0-9_]{0,39}$/;
const KEY = /^(?:\d{1,7}|\d{1,7}(?:\.\d{1,3})?\/s)(?:#\d{1,3})?$/;
// Control characters and bidi overrides never belong in a ref or a target.
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;
const CONTROLS = new RegExp(CONTROL.source, 'g');

export interface HistoryStage {
  /** The stage's key (see stageKey): `10` (users), `10#2` (the second stage with 10 users), `2/s` (a rate). */
  key: string;
  users: number;
  /** Values of HISTORY_METRICS; null when the stage had nothing to measure. */
  metrics: Partial<Record<HistoryMetric, number | null>>;
}

export interface HistoryEntry {
  /** When the run started (ISO). */
  time: string;
  commit: string | null;
  ref: string | null;
  /** The workflow event (`schedule`, `push`, `workflow_dispatch`; `cli` outside a workflow). */
  event: string;
  /** `METHOD URL`, the URL without secrets. */
  target: string;
  passed: boolean;
  /** Most concurrent users meeting the capacity SLO, when it was measured. */
  capacity: number | null;
  stages: HistoryStage[];
}

/**
 * The key of each stage, by position: users (or the rate of an arrival-rate stage), with `#k` for the
 * k-th stage of the same key, so a run's stages meet the history's stages of the same plan. The one
 * place that decides what "the same stage" means across runs.
 */
export function stageKeys(stages: ReadonlyArray<Pick<StageSummary, 'users'>>): string[] {
  const seen = new Map<string, number>();
  return stages.map((s) => {
    const base = baseKey(s);
    const k = (seen.get(base) ?? 0) + 1;
    seen.set(base, k);
    return k === 1 ? base : `${base}#${k}`;
  });
}

function baseKey(stage: Pick<StageSummary, 'users'>): string {
  // Arrival-rate stages (`R/s:D`) carry their rate; read defensively, the field is newer than this file.
  const rate = (stage as { rate?: unknown }).rate;
  if (typeof rate === 'number' && Number.isFinite(rate) && rate > 0) return `${Math.round(rate * 1000) / 1000}/s`;
  return String(stage.users);
}

/** `10 users`, `1 user`, `2/s`, `10 users (2nd)`: a key for people. */
export function keyLabel(key: string): string {
  const [base, nth] = key.split('#');
  const main = base!.endsWith('/s') ? base! : `${base} ${base === '1' ? 'user' : 'users'}`;
  return nth ? `${main} (#${nth})` : main;
}

/** This run's entry: its figures per stage that ran (skipped stages are left out). */
export function entryOf(
  stages: readonly StageSummary[],
  meta: { time: string; commit: string | null; ref: string | null; event: string; target: string; passed: boolean; capacity: number | null },
): HistoryEntry {
  const keys = stageKeys(stages);
  const out: HistoryStage[] = [];
  stages.forEach((s, i) => {
    if (s.skipped) return;
    const metrics: HistoryStage['metrics'] = {};
    for (const name of HISTORY_METRICS) {
      const v = metric(name)?.read(s) ?? null;
      const rounded = v === null ? null : Math.round(v * 1000) / 1000;
      metrics[name] = figure(rounded) ? rounded : null;
    }
    out.push({ key: keys[i]!, users: s.users, metrics });
  });
  // Whatever the environment says, the entry must pass checkHistory when it is read back.
  const clean = (t: string, max: number): string => t.replace(CONTROLS, '').slice(0, max);
  return {
    time: ISO.test(meta.time) ? meta.time : new Date().toISOString(),
    commit: meta.commit !== null && COMMIT.test(meta.commit) ? meta.commit : null,
    ref: meta.ref === null ? null : clean(meta.ref, HISTORY_BOUNDS.text),
    event: EVENT.test(meta.event) ? meta.event : 'unknown',
    target: clean(meta.target, HISTORY_BOUNDS.url),
    passed: meta.passed,
    capacity: meta.capacity !== null && Number.isInteger(meta.capacity) && meta.capacity >= 0 ? meta.capacity : null,
    stages: out.slice(0, HISTORY_BOUNDS.stages),
  };
}

// ---------------------------------------------------------------------------------------------
// The strict check of a file read back

type Check<T> = { ok: true; value: T } | { ok: false; why: string };
const bad = (why: string): { ok: false; why: string } => ({ ok: false, why });

function text(v: unknown, name: string, max: number, nullable: boolean): Check<string | null> {
  if (v === null && nullable) return { ok: true, value: null };
  if (typeof v !== 'string') return bad(`${name} is not a string`);
  if (v.length > max) return bad(`${name} is longer than ${max} characters`);
  if (CONTROL.test(v)) return bad(`${name} holds control characters`);
  return { ok: true, value: v };
}

function figure(v: unknown): v is number | null {
  return v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v < 1e12);
}

function checkStage(raw: unknown): Check<HistoryStage> {
  const s = obj(raw);
  if (s === null) return bad('a stage is not an object');
  if (typeof s.key !== 'string' || !KEY.test(s.key)) return bad(`stage key ${JSON.stringify(String(s.key)).slice(0, 40)} is not a stage key`);
  if (typeof s.users !== 'number' || !Number.isInteger(s.users) || s.users < 0 || s.users > 1e7) return bad(`stage ${s.key}: users is not a whole number`);
  const m = obj(s.metrics);
  if (m === null) return bad(`stage ${s.key}: metrics is not an object`);
  const metrics: HistoryStage['metrics'] = {};
  for (const name of HISTORY_METRICS) {
    if (!(name in m)) continue;
    if (!figure(m[name])) return bad(`stage ${s.key}: ${name} is not a figure`);
    metrics[name] = m[name] as number | null;
  }
  return { ok: true, value: { key: s.key, users: s.users, metrics } };
}

function checkEntry(raw: unknown): Check<HistoryEntry> {
  const e = obj(raw);
  if (e === null) return bad('not an object');
  if (typeof e.time !== 'string' || !ISO.test(e.time) || Number.isNaN(Date.parse(e.time))) return bad('time is not an ISO time');
  if (e.commit !== null && (typeof e.commit !== 'string' || !COMMIT.test(e.commit))) return bad('commit is not a commit SHA');
  if (typeof e.event !== 'string' || !EVENT.test(e.event)) return bad('event is not an event name');
  if (typeof e.passed !== 'boolean') return bad('passed is not true or false');
  if (e.capacity !== null && (typeof e.capacity !== 'number' || !Number.isInteger(e.capacity) || e.capacity < 0)) return bad('capacity is not a whole number');
  const ref = text(e.ref, 'ref', HISTORY_BOUNDS.text, true);
  if (!ref.ok) return ref;
  const target = text(e.target, 'target', HISTORY_BOUNDS.url, false);
  if (!target.ok) return target;
  if (!Array.isArray(e.stages)) return bad('stages is not an array');
  if (e.stages.length > HISTORY_BOUNDS.stages) return bad(`more than ${HISTORY_BOUNDS.stages} stages`);
  const stages: HistoryStage[] = [];
  for (const raw of e.stages) {
    const s = checkStage(raw);
    if (!s.ok) return s;
    if (stages.some((o) => o.key === s.value.key)) return bad(`stage key ${s.value.key} appears twice`);
    stages.push(s.value);
  }
  return {
    ok: true,
    value: {
      time: e.time,
      commit: e.commit as string | null,
      ref: ref.value,
      event: e.event,
      target: target.value!,
      passed: e.passed,
      capacity: e.capacity as number | null,
      stages,
    },
  };
}

/**
 * A parsed history file checked against the schema: the entries, or why it is not a history of this
 * version. Fields it does not know are dropped (they are not written back). Never throws.
 */
export function checkHistory(json: unknown): { ok: true; entries: HistoryEntry[] } | { ok: false; why: string } {
  const f = obj(json);
  if (f === null) return bad('is not a JSON object');
  if (f.tool !== 'ttfc-gate') return bad('is not a ttfc-gate history (no "tool": "ttfc-gate")');
  if (f.schemaVersion !== HISTORY_SCHEMA_VERSION) {
    return bad(`has schemaVersion ${JSON.stringify(f.schemaVersion ?? null).slice(0, 20)}; this version reads ${HISTORY_SCHEMA_VERSION}`);
  }
  if (!Array.isArray(f.entries)) return bad('has no "entries" array');
  if (f.entries.length > HISTORY_BOUNDS.entries) return bad(`has ${f.entries.length} entries, more than ${HISTORY_BOUNDS.entries}`);
  const entries: HistoryEntry[] = [];
  for (const [i, raw] of f.entries.entries()) {
    const e = checkEntry(raw);
    if (!e.ok) return bad(`entry ${i + 1}: ${e.why}`);
    entries.push(e.value);
  }
  return { ok: true, entries };
}

/** The file's text: one entry a line, so a diff of two nights reads line by line. */
export function serializeHistory(entries: readonly HistoryEntry[]): string {
  const head = `{\n  "schemaVersion": ${HISTORY_SCHEMA_VERSION},\n  "tool": "ttfc-gate",\n  "entries": [`;
  const body = entries.map((e) => `    ${JSON.stringify(e)}`).join(',\n');
  return `${head}${entries.length ? `\n${body}\n  ` : ''}]\n}\n`;
}
