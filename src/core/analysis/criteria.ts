// Pass/fail criteria: parsing (`[@USERS:] METRIC OP VALUE [warn]`, one a line) and evaluation
// against stage summaries. Pure: no I/O.

import { compare } from './compare.js';
import { judge, type Verdict } from './confidence.js';
import type {
  CompareOp,
  Criterion,
  CriterionResult,
  CriterionValue,
  LatencyMetric,
  MetricRef,
  Severity,
  StageSummary,
  StatName,
} from '../types.js';

/** The default criteria (DESIGN.md), one a line. */
export const DEFAULT_CRITERIA: string = [
  'success_rate > 95%',
  'errors_5xx == 0',
  'timeouts == 0',
  'ttfc.p95 < 3s',
  '@10: ttfc.avg < 1s',
  '@10: ttfc.max < 2s',
  '@20: ttfc.avg < 1.5s',
  '@20: ttfc.max < 3s',
  'ttfc.max < 2 * ttfc.avg warn',
  '@50: ttfc.avg < 2s warn',
].join('\n');

/** A syntax error in the criteria text. The message never starts with "criteria" (the caller prefixes it). */
export class CriteriaError extends Error {
  readonly line: number;
  readonly column: number;
  /** The message without the `line L, column C: ` prefix. */
  readonly detail: string;

  constructor(line: number, column: number, detail: string) {
    super(`line ${line}, column ${column}: ${detail}`);
    this.name = 'CriteriaError';
    this.line = line;
    this.column = column;
    this.detail = detail;
  }
}

export type MetricUnit = CriterionResult['unit'];
type MetricKind = 'duration' | 'percent' | 'count' | 'rps';

const CRITERIA_LATENCY: readonly LatencyMetric[] = ['ttfc', 'ttft', 'ttfb', 'total', 'itl', 'connect', 'stall'];
const CRITERIA_STATS: readonly StatName[] = ['min', 'avg', 'p50', 'p90', 'p95', 'p99', 'max', 'stddev'];
const SCALAR_KINDS: Readonly<Record<string, MetricKind>> = {
  success_rate: 'percent',
  errors: 'count',
  errors_5xx: 'count',
  timeouts: 'count',
  rps: 'rps',
};
const EXPECTED_METRICS =
  `success_rate, errors, errors_5xx, timeouts, rps or ` +
  `${CRITERIA_LATENCY.join('|')}.${CRITERIA_STATS.join('|')}`;

const OPS: readonly CompareOp[] = ['<', '<=', '>', '>=', '==', '!='];
const EXPECTED_OPS = '<, <=, >, >=, == or !=';
const OP_CHARS = '<>=!';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000 };
const KNOWN_UNITS = new Set(['ms', 's', 'm', '%']);
const KIND_UNIT: Readonly<Record<MetricKind, MetricUnit>> = { duration: 'ms', percent: '%', count: 'count', rps: 'rps' };
const KIND_NAME: Readonly<Record<MetricKind, string>> = {
  duration: 'a duration',
  percent: 'a percentage',
  count: 'a count',
  rps: 'a rate (requests/s)',
};

const NUMBER_RE = /^(\d+(?:\.\d+)?|\.\d+)([A-Za-zµ%]*)$/;

function metricKind(name: string): MetricKind | null {
  const scalar = SCALAR_KINDS[name];
  if (scalar) return scalar;
  const dot = name.indexOf('.');
  if (dot < 0) return null;
  const base = name.slice(0, dot) as LatencyMetric;
  const stat = name.slice(dot + 1) as StatName;
  return CRITERIA_LATENCY.includes(base) && CRITERIA_STATS.includes(stat) ? 'duration' : null;
}

/** The unit of a criteria metric (`ttfc.p95` → `ms`, `success_rate` → `%`, …), or null if it is not one. */
export function metricUnit(name: string): MetricUnit | null {
  const kind = metricKind(name);
  return kind ? KIND_UNIT[kind] : null;
}

interface Token {
  text: string;
  col: number; // 1-based
}

const isWs = (c: string): boolean => /\s/.test(c);

class LineScanner {
  pos = 0;
  constructor(
    readonly src: string,
    readonly line: number,
  ) {}

  get eol(): boolean {
    return this.pos >= this.src.length;
  }
  get col(): number {
    return this.pos + 1;
  }
  peek(): string {
    return this.src[this.pos] ?? '';
  }
  skipWs(): void {
    while (!this.eol && isWs(this.peek())) this.pos++;
  }
  take(pred: (c: string) => boolean): Token {
    const start = this.pos;
    while (!this.eol && pred(this.peek())) this.pos++;
    return { text: this.src.slice(start, this.pos), col: start + 1 };
  }
  /** The next whitespace-delimited token, without consuming it (after skipping whitespace). */
  peekToken(): Token {
    const save = this.pos;
    this.skipWs();
    const t = this.take((c) => !isWs(c));
    this.pos = save;
    return t;
  }
  fail(col: number, detail: string): never {
    throw new CriteriaError(this.line, col, detail);
  }
}

/** Parses criteria text: one criterion a line, `#` comment lines and blank lines ignored. Throws CriteriaError. */
export function parseCriteria(text: string): Criterion[] {
  const out: Criterion[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, i) => {
    const c = parseLine(raw.replace(/\r$/, ''), i + 1);
    if (c) out.push(c);
  });
  return out;
}

function parseLine(raw: string, lineNo: number): Criterion | null {
  const trimmed = raw.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return null;
  // A `#` preceded by whitespace starts a trailing comment.
  const hash = raw.search(/\s#/);
  const src = hash >= 0 ? raw.slice(0, hash) : raw;
  const s = new LineScanner(src, lineNo);

  s.skipWs();
  let users: number | null = null;
  if (s.peek() === '@') {
    const atCol = s.col;
    s.pos++;
    const tok = s.take((c) => !isWs(c) && c !== ':');
    const n = Number(tok.text);
    if (!/^\d+$/.test(tok.text) || !Number.isSafeInteger(n) || n < 1) {
      s.fail(atCol, `invalid scope "@${tok.text}" (expected @USERS: with a positive whole number of users, e.g. @10:)`);
    }
    s.skipWs();
    if (s.peek() !== ':') s.fail(s.col, `expected ":" after "@${tok.text}"`);
    s.pos++;
    users = n;
    s.skipWs();
  }

  // METRIC
  const mTok = s.take((c) => !isWs(c) && !OP_CHARS.includes(c));
  if (!mTok.text) s.fail(s.col, s.eol ? 'expected a metric' : `expected a metric before "${s.peekToken().text}"`);
  const metric = parseMetricRef(s, mTok, false);
  const kind = metricKind(metric.name)!;
  s.skipWs();

  // OP
  let opTok = s.take((c) => OP_CHARS.includes(c));
  if (!opTok.text) opTok = s.take((c) => !isWs(c) && !/[A-Za-z0-9_.%]/.test(c));
  if (!opTok.text) {
    s.fail(
      s.col,
      s.eol
        ? `expected an operator (${EXPECTED_OPS}) after "${mTok.text}"`
        : `expected an operator (${EXPECTED_OPS}) after "${mTok.text}", found "${s.peekToken().text}"`,
    );
  }
  if (!(OPS as readonly string[]).includes(opTok.text)) {
    s.fail(opTok.col, `unknown operator "${opTok.text}" (expected ${EXPECTED_OPS})`);
  }
  const op = opTok.text as CompareOp;
  s.skipWs();

  // VALUE
  if (s.eol) s.fail(s.col, `expected a value after "${op}"`);
  const value = parseValue(s, metric.name, kind);
  s.skipWs();

  // [warn]
  let severity: Severity = 'fail';
  const tail = s.take((c) => !isWs(c));
  if (tail.text) {
    if (tail.text.toLowerCase() !== 'warn') {
      s.fail(tail.col, `unexpected "${tail.text}" after the value (only "warn" may follow; one criterion a line)`);
    }
    severity = 'warn';
    s.skipWs();
    const extra = s.take((c) => !isWs(c));
    if (extra.text) s.fail(extra.col, `unexpected "${extra.text}" after "warn"`);
  }

  return { text: src.trim(), line: lineNo, users, metric, op, value, severity };
}

function parseMetricRef(s: LineScanner, tok: Token, allowBaseline: boolean): MetricRef {
  let name = tok.text;
  let baseline = false;
  if (name.startsWith('baseline.')) {
    if (!allowBaseline) {
      s.fail(tok.col, `"${name}": a baseline metric can only be used in the value (e.g. "ttfc.p95 < 1.2 * ${name}")`);
    }
    baseline = true;
    name = name.slice('baseline.'.length);
  }
  if (!metricKind(name)) s.fail(tok.col, `unknown metric "${tok.text}" (expected ${EXPECTED_METRICS})`);
  return { name, baseline };
}

function parseValue(s: LineScanner, left: string, kind: MetricKind): CriterionValue {
  const first = s.take((c) => !isWs(c) && c !== '*');
  if (!first.text) s.fail(s.col, 'expected a number or a metric before "*"');
  if (/^[-+]\.?\d/.test(first.text)) s.fail(first.col, `invalid number "${first.text}" (write a plain non-negative number)`);

  if (/^[0-9.]/.test(first.text)) {
    const m = NUMBER_RE.exec(first.text);
    if (!m) s.fail(first.col, `invalid number "${first.text}"`);
    const num = Number(m[1]);
    let unit: Token = { text: m[2] ?? '', col: first.col };
    const save = s.pos;
    s.skipWs();
    if (s.peek() === '*') {
      // NUMBER * METRIC
      if (unit.text) s.fail(first.col, `a factor takes no unit: "${first.text}" (e.g. "2 * ttfc.avg")`);
      s.pos++;
      s.skipWs();
      const mt = s.take((c) => !isWs(c) && c !== '*');
      if (!mt.text) s.fail(s.col, 'expected a metric after "*"');
      const ref = parseMetricRef(s, mt, true);
      checkSameKind(s, mt, ref, left, kind);
      return { kind: 'factor', factor: num, metric: ref };
    }
    s.pos = save;
    if (!unit.text) {
      // A unit separated by a space ("1.5 s"), or a forgotten "*" ("2 ttfc.avg").
      const next = s.peekToken();
      if (next.text && metricKind(next.text.replace(/^baseline\./, ''))) {
        s.fail(next.col, `expected "*" between "${first.text}" and "${next.text}"`);
      }
      if (/^[A-Za-zµ%]+$/.test(next.text) && next.text.toLowerCase() !== 'warn') {
        unit = next;
        s.skipWs();
        s.take((c) => !isWs(c));
      }
    }
    return { kind: 'number', value: applyUnit(s, num, first, unit, left, kind) };
  }

  // METRIC [* NUMBER]
  if (first.text.toLowerCase() === 'warn' && s.peekToken().text === '') {
    s.fail(first.col, 'expected a value before "warn"');
  }
  const ref = parseMetricRef(s, first, true);
  checkSameKind(s, first, ref, left, kind);
  const save = s.pos;
  s.skipWs();
  if (s.peek() !== '*') {
    s.pos = save;
    return { kind: 'factor', factor: 1, metric: ref };
  }
  s.pos++;
  s.skipWs();
  const nt = s.take((c) => !isWs(c) && c !== '*');
  if (!nt.text) s.fail(s.col, 'expected a number after "*"');
  const m = NUMBER_RE.exec(nt.text);
  if (!m) s.fail(nt.col, `expected a number after "*", found "${nt.text}"`);
  if (m[2]) s.fail(nt.col, `a factor takes no unit: "${nt.text}" (e.g. "ttfc.avg * 2")`);
  return { kind: 'factor', factor: Number(m[1]), metric: ref };
}

function checkSameKind(s: LineScanner, tok: Token, ref: MetricRef, left: string, kind: MetricKind): void {
  const k = metricKind(ref.name)!;
  if (k !== kind) {
    s.fail(
      tok.col,
      `"${tok.text}" is ${KIND_NAME[k]} but ${left} is ${KIND_NAME[kind]}; a factor must reference a metric of the same kind`,
    );
  }
}

function applyUnit(s: LineScanner, num: number, numTok: Token, unit: Token, left: string, kind: MetricKind): number {
  const u = unit.text;
  const shown = unit.col === numTok.col ? numTok.text : `${numTok.text} ${u}`;
  if (u && !KNOWN_UNITS.has(u)) {
    const expected =
      kind === 'duration' ? 'expected ms, s or m' : kind === 'percent' ? 'expected %' : `${left} takes a bare number`;
    s.fail(unit.col, `unknown unit "${u}" in "${shown}" (${expected})`);
  }
  switch (kind) {
    case 'duration': {
      if (!u) s.fail(numTok.col, `"${numTok.text}" needs a unit (ms, s or m) for ${left}, e.g. "${numTok.text}ms" or "${numTok.text}s"`);
      const mult = UNIT_MS[u];
      if (mult === undefined) s.fail(unit.col, `unexpected unit "${u}" in "${shown}": ${left} is a duration (ms, s or m)`);
      return num * mult;
    }
    case 'percent':
      if (!u) s.fail(numTok.col, `"${numTok.text}" needs a unit (%) for ${left}, e.g. "${numTok.text}%"`);
      if (u !== '%') s.fail(unit.col, `unexpected unit "${u}" in "${shown}": ${left} is a percentage (%)`);
      return num;
    case 'count':
    case 'rps':
      if (u) s.fail(unit.col, `unexpected unit "${u}" in "${shown}": ${left} takes a bare number`);
      return num;
  }
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/** The value of a criteria metric on a stage (null when there is nothing to measure). */
export function metricValue(stage: StageSummary, name: string): number | null {
  switch (name) {
    case 'success_rate':
      return stage.successRate * 100;
    case 'errors':
      return stage.failed;
    case 'errors_5xx':
      return stage.failures?.http_5xx ?? 0;
    case 'timeouts':
      return stage.failures?.timeout ?? 0;
    case 'rps':
      return stage.rps;
  }
  const [base, stat] = name.split('.') as [LatencyMetric, StatName];
  const v = stage[base]?.[stat];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function missingReason(stage: StageSummary, name: string, baseline: boolean): string {
  const where = baseline ? ` in the baseline stage with ${stage.users} users` : '';
  if (stage.succeeded === 0) return `no successful requests to measure${where}`;
  return `no ${name.split('.')[0]} samples to measure${where}`;
}

/** Rounds away floating-point noise (0.95 * 100 = 95.00000000000001). */
function tidy(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}


/** The statistics a confidence interval is computed for (min, max and stddev have none). */
export const INTERVAL_STATS = ['avg', 'p50', 'p90', 'p95', 'p99'] as const;
export type IntervalStatName = (typeof INTERVAL_STATS)[number];

export interface EvaluateOptions {
  /** The baseline report's stages, for `baseline.` references. */
  baseline?: StageSummary[];
  /** Why there are no baseline stages (shown as the reason of skipped `baseline.` criteria). */
  baselineMissing?: string;
  /** strict (default): the point value decides; confident: only an interval wholly on the wrong side fails. */
  verdict?: Verdict;
  /**
   * The confidence interval of a duration statistic on a stage (avg / p50 / p90 / p95 / p99), or null.
   * Without it no interval is shown and the point value decides.
   */
  intervalOf?: (stage: StageSummary, metric: LatencyMetric, stat: IntervalStatName) => { low: number; high: number; level: number } | null;
}

/**
 * Evaluates criteria on stage summaries. Scoped criteria apply to the stage(s) with that many users,
 * unscoped ones to every stage that was run; a criterion with nothing to apply to is `skipped`.
 * With `intervalOf`, a duration criterion with a fixed threshold (a number, or a factor of a baseline
 * metric) carries the interval of its measured value and is judged by `verdict` (see confidence.ts
 * `judge`); a threshold that is itself a figure of this run (`2 * ttfc.avg`) is noisy too, so there
 * the point value decides.
 */
export function evaluateCriteria(criteria: Criterion[], stages: StageSummary[], opts: EvaluateOptions = {}): CriterionResult[] {
  const results: CriterionResult[] = [];
  const run = stages.filter((s) => !s.skipped);
  for (const c of criteria) {
    const unit = metricUnit(c.metric.name) ?? 'count';
    const targets = c.users === null ? run : run.filter((s) => s.users === c.users);
    if (targets.length === 0) {
      let reason: string;
      if (c.users === null) reason = 'no stage was run';
      else if (stages.some((s) => s.users === c.users)) reason = `no stage with ${c.users} users was run (the stage was skipped)`;
      else reason = `no stage with ${c.users} users was run`;
      results.push({ text: c.text, users: c.users, severity: c.severity, status: 'skipped', actual: null, threshold: null, unit, reason });
      continue;
    }
    for (const stage of targets) results.push(evaluateOne(c, stage, unit, opts));
  }
  return results;
}

function evaluateOne(c: Criterion, stage: StageSummary, unit: MetricUnit, opts: EvaluateOptions): CriterionResult {
  const baseline = opts.baseline;
  const base = { text: c.text, users: stage.users, severity: c.severity, unit, stage: stage.index };

  let threshold: number | null;
  let thresholdStage = stage;
  if (c.value.kind === 'number') {
    threshold = c.value.value;
  } else {
    if (c.value.metric.baseline) {
      const b = baseline?.find((s) => s.users === stage.users && !s.skipped);
      if (!b) {
        const why = baseline ? '' : ` (${opts.baselineMissing ?? 'no baseline report'})`;
        return { ...base, status: 'skipped', actual: null, threshold: null, reason: `no baseline stage with ${stage.users} user${stage.users === 1 ? '' : 's'}${why}` };
      }
      thresholdStage = b;
    }
    const ref = metricValue(thresholdStage, c.value.metric.name);
    threshold = ref === null ? null : c.value.factor * ref;
  }

  const raw = metricValue(stage, c.metric.name);
  const actual = raw === null ? null : tidy(raw);
  threshold = threshold === null ? null : tidy(threshold);
  if (actual === null) {
    return { ...base, status: 'fail', actual, threshold, reason: missingReason(stage, c.metric.name, false) };
  }
  if (threshold === null) {
    const name = c.value.kind === 'factor' ? c.value.metric.name : c.metric.name;
    return { ...base, status: 'fail', actual, threshold, reason: missingReason(thresholdStage, name, thresholdStage !== stage) };
  }
  const pointPass = compare(actual, c.op, threshold);
  const [metricName, statName] = c.metric.name.split('.') as [LatencyMetric, string | undefined];
  const fixedThreshold = c.value.kind === 'number' || c.value.metric.baseline;
  if (opts.intervalOf === undefined || !fixedThreshold || !(INTERVAL_STATS as readonly string[]).includes(statName ?? '')) {
    return { ...base, status: pointPass ? 'pass' : 'fail', actual, threshold };
  }
  const iv = opts.intervalOf(stage, metricName, statName as IntervalStatName);
  if (iv === null) return { ...base, status: pointPass ? 'pass' : 'fail', actual, threshold };
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

/** False iff a failing (non-warn) criterion was missed. */
export function criteriaPassed(results: CriterionResult[]): boolean {
  return !results.some((r) => r.severity === 'fail' && r.status === 'fail');
}

// ---------------------------------------------------------------------------------------------
// Formatting for humans

const trimZeros = (s: string): string => (s.includes('.') ? s.replace(/\.?0+$/, '') : s);

function formatMs(v: number, trim: boolean): string {
  const a = Math.abs(v);
  const t = (s: string): string => (trim ? trimZeros(s) : s);
  if (a < 9.95) return `${t(v.toFixed(1))} ms`;
  if (Math.round(a) < 1000) return `${Math.round(v)} ms`;
  return `${t((v / 1000).toFixed(2))} s`;
}

function formatPercent(v: number, trim: boolean): string {
  if (Number.isInteger(v)) return `${v}%`;
  let s = v.toFixed(1);
  if (s === '100.0' && v < 100) s = '99.9'; // never show a partial success as 100%
  if (s === '0.0' && v > 0) return '<0.1%';
  return `${trim ? trimZeros(s) : s}%`;
}

/** A measured value for humans: `412 ms`, `4.1 ms`, `1.23 s`, `96.7%`, `3`, `4.20 req/s`; `n/a` for null. */
export function formatValue(value: number | null, unit: MetricUnit): string {
  if (value === null) return 'n/a';
  if (!Number.isFinite(value)) return String(value);
  switch (unit) {
    case 'ms':
      return formatMs(value, false);
    case '%':
      return formatPercent(value, false);
    case 'count':
      return String(Math.round(value));
    case 'rps':
      return `${value.toFixed(2)} req/s`;
  }
}

/** A threshold for humans: like formatValue, but without trailing zeros (`1 s`, `1.5 s`, `95%`, `4 req/s`). */
export function formatThreshold(value: number | null, unit: MetricUnit): string {
  if (value === null) return 'n/a';
  if (!Number.isFinite(value)) return String(value);
  switch (unit) {
    case 'ms':
      return formatMs(value, true);
    case '%':
      return formatPercent(value, true);
    case 'count':
      return trimZeros(value.toFixed(2));
    case 'rps':
      return `${trimZeros(value.toFixed(2))} req/s`;
  }
}
