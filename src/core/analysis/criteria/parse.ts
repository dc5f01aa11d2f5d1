// Criteria parsing: `[@USERS:] METRIC OP VALUE [warn]`, one a line, into Criterion values with
// their thresholds in the metric's unit. Which metrics exist and their units come from the metrics
// table. Pure: no I/O. Evaluation is in evaluate.ts.

import { InputError } from '../../errors.js';
import { unknownMetricHint } from './suggest-metric.js';
import { metricUnit as unitOf, OTHER_SIDES } from '../metrics.js';
import { UNIT_NAME, type MetricUnit } from '../../metric-names.js';
import { byteMultiplier } from '../../server/units.js';
import type { CompareOp, Criterion, CriterionValue, MetricRef, Severity } from '../../types.js';

/** The default criteria, one a line: a gate that holds for a typical streaming endpoint. */
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

const OPS: readonly CompareOp[] = ['<', '<=', '>', '>=', '==', '!='];
const EXPECTED_OPS = '<, <=, >, >=, == or !=';
const OP_CHARS = '<>=!';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000 };
const KNOWN_UNITS = new Set(['ms', 's', 'm', '%']);

const NUMBER_RE = /^(\d+(?:\.\d+)?|\.\d+)([A-Za-zµ%]*)$/;

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

/** Criteria given as an input: a syntax error is an InputError naming that input (criteria, capacity, …). */
export function parseCriteriaInput(input: string, text: string): Criterion[] {
  try {
    return parseCriteria(text);
  } catch (err) {
    if (err instanceof CriteriaError) throw new InputError(input, err.message);
    throw err;
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
  let rate: number | undefined;
  if (s.peek() === '@') {
    const atCol = s.col;
    s.pos++;
    const tok = s.take((c) => !isWs(c) && c !== ':');
    const n = Number(tok.text);
    // `@2/s:` scopes to the rate stage(s) of that offered rate.
    const r = /^(\d+(?:\.\d+)?|\.\d+)\/s$/.exec(tok.text);
    if (r) {
      if (!(Number(r[1]) > 0)) s.fail(atCol, `invalid scope "@${tok.text}" (a rate stage's rate is more than 0/s)`);
      rate = Number(r[1]);
    } else if (!/^\d+$/.test(tok.text) || !Number.isSafeInteger(n) || n < 1) {
      s.fail(atCol, `invalid scope "@${tok.text}" (expected @USERS: with a positive whole number of users, e.g. @10:, or @RATE/s: for a rate stage, e.g. @2/s:)`);
    }
    s.skipWs();
    if (s.peek() !== ':') s.fail(s.col, `expected ":" after "@${tok.text}"`);
    s.pos++;
    if (rate === undefined) users = n;
    s.skipWs();
  }

  // METRIC
  const mTok = s.take((c) => !isWs(c) && !OP_CHARS.includes(c));
  if (!mTok.text) s.fail(s.col, s.eol ? 'expected a metric' : `expected a metric before "${s.peekToken().text}"`);
  const metric = parseMetricRef(s, mTok, false);
  const kind = unitOf(metric.name)!;
  s.skipWs();

  // OP
  let opTok = s.take((c) => OP_CHARS.includes(c));
  if (!opTok.text) opTok = s.take((c) => !isWs(c) && !/[A-Za-z0-9_.%]/.test(c));
  if (!opTok.text) {
    s.fail(
      s.col,
      s.eol ? `expected an operator (${EXPECTED_OPS}) after "${mTok.text}"` : `expected an operator (${EXPECTED_OPS}) after "${mTok.text}", found "${s.peekToken().text}"`,
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

  return { text: src.trim(), line: lineNo, users, ...(rate !== undefined ? { rate } : {}), metric, op, value, severity };
}

function parseMetricRef(s: LineScanner, tok: Token, allowBaseline: boolean): MetricRef {
  let name = tok.text;
  const side = OTHER_SIDES.find((p) => name.startsWith(`${p}.`));
  if (side !== undefined) {
    if (!allowBaseline) {
      s.fail(tok.col, `"${name}": a ${side} metric can only be used in the value (e.g. "ttfc.p95 < 1.2 * ${name}")`);
    }
    name = name.slice(side.length + 1);
  }
  if (!unitOf(name)) s.fail(tok.col, `unknown metric "${tok.text}"${unknownMetricHint(name, side)}`);
  if (side === 'history') return { name, baseline: false, history: true };
  return side === 'compare' ? { name, baseline: false, compare: true } : { name, baseline: side === 'baseline' };
}

/** A metric token ends before a `+` / `-` (`compare.ttfc.p95+200ms`): the scanner steps back to it. */
function cutAtSign(s: LineScanner, tok: Token): Token {
  const i = tok.text.slice(1).search(/[+-]/) + 1;
  if (i <= 0) return tok;
  s.pos -= tok.text.length - i;
  return { text: tok.text.slice(0, i), col: tok.col };
}

/** An optional `+ 200ms` / `- 5%` after a metric reference: in the unit of the left metric, signed. */
function parseOffset(s: LineScanner, left: string, kind: MetricUnit): number | undefined {
  const save = s.pos;
  s.skipWs();
  const sign = s.peek();
  if (sign !== '+' && sign !== '-') {
    s.pos = save;
    return undefined;
  }
  s.pos++;
  s.skipWs();
  const t = s.take((c) => !isWs(c));
  if (!t.text) s.fail(s.col, `expected a number after "${sign}" (e.g. "${sign} 200ms")`);
  const m = NUMBER_RE.exec(t.text);
  if (!m) s.fail(t.col, `expected a number after "${sign}", found "${t.text}"`);
  let unit: Token = { text: m[2] ?? '', col: t.col };
  if (!unit.text) {
    const next = s.peekToken();
    if (/^[A-Za-zµ%]+$/.test(next.text) && next.text.toLowerCase() !== 'warn') {
      unit = next;
      s.skipWs();
      s.take((c) => !isWs(c));
    }
  }
  const v = applyUnit(s, Number(m[1]), t, unit, left, kind);
  return sign === '-' ? -v : v;
}

function withOffset(v: Extract<CriterionValue, { kind: 'factor' }>, offset: number | undefined): CriterionValue {
  return offset === undefined ? v : { ...v, offset };
}

function parseValue(s: LineScanner, left: string, kind: MetricUnit): CriterionValue {
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
      const mt = cutAtSign(
        s,
        s.take((c) => !isWs(c) && c !== '*'),
      );
      if (!mt.text) s.fail(s.col, 'expected a metric after "*"');
      const ref = parseMetricRef(s, mt, true);
      checkSameKind(s, mt, ref, left, kind);
      return withOffset({ kind: 'factor', factor: num, metric: ref }, parseOffset(s, left, kind));
    }
    s.pos = save;
    if (!unit.text) {
      // A unit separated by a space ("1.5 s"), or a forgotten "*" ("2 ttfc.avg").
      const next = s.peekToken();
      if (next.text && unitOf(stripSide(next.text))) {
        s.fail(next.col, `expected "*" between "${first.text}" and "${next.text}"`);
      }
      if (/^[A-Za-zµ%]+$/.test(next.text) && next.text.toLowerCase() !== 'warn') {
        unit = next;
        s.skipWs();
        s.take((c) => !isWs(c));
      }
    }
    const value = applyUnit(s, num, first, unit, left, kind);
    if (kind !== 'sample') return { kind: 'number', value };
    const written = unit.text === '' ? null : unit.text === '%' ? '%' : 'bytes';
    return { kind: 'number', value, sampleUnit: { unit: written, text: unit.col === first.col ? first.text : `${first.text} ${unit.text}`, column: first.col } };
  }

  // METRIC [* NUMBER]
  if (first.text.toLowerCase() === 'warn' && s.peekToken().text === '') {
    s.fail(first.col, 'expected a value before "warn"');
  }
  const metricTok = cutAtSign(s, first);
  const ref = parseMetricRef(s, metricTok, true);
  checkSameKind(s, metricTok, ref, left, kind);
  const save = s.pos;
  s.skipWs();
  if (s.peek() !== '*') {
    s.pos = save;
    return withOffset({ kind: 'factor', factor: 1, metric: ref }, parseOffset(s, left, kind));
  }
  s.pos++;
  s.skipWs();
  const nt = cutAtSign(
    s,
    s.take((c) => !isWs(c) && c !== '*'),
  );
  if (!nt.text) s.fail(s.col, 'expected a number after "*"');
  const m = NUMBER_RE.exec(nt.text);
  if (!m) s.fail(nt.col, `expected a number after "*", found "${nt.text}"`);
  if (m[2]) s.fail(nt.col, `a factor takes no unit: "${nt.text}" (e.g. "ttfc.avg * 2")`);
  return withOffset({ kind: 'factor', factor: Number(m[1]), metric: ref }, parseOffset(s, left, kind));
}

/** `baseline.ttfc.p95` → `ttfc.p95`. */
function stripSide(name: string): string {
  const side = OTHER_SIDES.find((p) => name.startsWith(`${p}.`));
  return side === undefined ? name : name.slice(side.length + 1);
}

function checkSameKind(s: LineScanner, tok: Token, ref: MetricRef, left: string, kind: MetricUnit): void {
  const k = unitOf(ref.name)!;
  if (k !== kind) {
    s.fail(tok.col, `"${tok.text}" is ${UNIT_NAME[k]} but ${left} is ${UNIT_NAME[kind]}; a factor must reference a metric of the same kind`);
  }
}

function applyUnit(s: LineScanner, num: number, numTok: Token, unit: Token, left: string, kind: MetricUnit): number {
  const u = unit.text;
  const shown = unit.col === numTok.col ? numTok.text : `${numTok.text} ${u}`;
  if (kind === 'sample' || kind === 'bytes') {
    // A monitor's own unit: a bare number (threads), a percentage, or a size (B … GiB, read as bytes).
    const v = sampleThreshold(num, u);
    if (v === null) s.fail(unit.col, `unknown unit "${u}" in "${shown}" (${left} takes a bare number, %, or a size: B, KB, KiB, MB, MiB, GB, GiB)`);
    return v;
  }
  if (u && !KNOWN_UNITS.has(u)) {
    const expected = kind === 'ms' ? 'expected ms, s or m' : kind === '%' ? 'expected %' : `${left} takes a bare number`;
    s.fail(unit.col, `unknown unit "${u}" in "${shown}" (${expected})`);
  }
  switch (kind) {
    case 'ms': {
      if (!u) s.fail(numTok.col, `"${numTok.text}" needs a unit (ms, s or m) for ${left}, e.g. "${numTok.text}ms" or "${numTok.text}s"`);
      const mult = UNIT_MS[u];
      if (mult === undefined) s.fail(unit.col, `unexpected unit "${u}" in "${shown}": ${left} is a duration (ms, s or m)`);
      return num * mult;
    }
    case '%':
      if (!u) s.fail(numTok.col, `"${numTok.text}" needs a unit (%) for ${left}, e.g. "${numTok.text}%"`);
      if (u !== '%') s.fail(unit.col, `unexpected unit "${u}" in "${shown}": ${left} is a percentage (%)`);
      if (num > 100) s.fail(numTok.col, `${shown} is over 100%: ${left} is at most 100%`);
      return num;
    case 'count':
    case 'rps':
    case 'tps':
      if (u) s.fail(unit.col, `unexpected unit "${u}" in "${shown}": ${left} takes a bare number`);
      return num;
  }
}

/** A threshold of a monitor value: a bare number, a percentage, or a size in bytes; null for another unit. */
function sampleThreshold(num: number, unit: string): number | null {
  if (unit === '' || unit === '%') return num;
  const mult = byteMultiplier(unit);
  return mult === null ? null : num * mult;
}
