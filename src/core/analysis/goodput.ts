// Goodput: the requests that met every SLO line of `goodput` (`ttft < 1s`, `tpot < 50ms`), per
// second and as a share of the arrivals. A line is about one request (its TTFT, its TPOT…), never a
// stage's statistic; a request that failed, or has nothing to measure a line by, is not good.
// Pure: parsing and counting.

import { InputError } from '../errors.js';
import { firstToken, tpotOf } from './metrics.js';
import type { GoodputFigures, RequestRecord, StageSummary } from '../types.js';

/** Per-request figures a goodput line may name (ms). */
const GOODPUT_METRICS = ['ttfc', 'ttft', 'ttfb', 'total', 'connect', 'stall', 'itl', 'tpot', 'ttft_reasoning'] as const;
export type GoodputMetric = (typeof GOODPUT_METRICS)[number];

export interface GoodputLine {
  /** As written (trimmed). */
  text: string;
  metric: GoodputMetric;
  op: '<' | '<=' | '>' | '>=';
  /** Milliseconds. */
  value: number;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** `ttft < 1s`, one a line (`#` comments and blank lines skipped). Throws InputError naming `input`. */
export function parseGoodput(text: string, input = 'goodput'): GoodputLine[] {
  const out: GoodputLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\s#.*$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    const at = `line ${i + 1}: "${line}"`;
    if (line.startsWith('@'))
      throw new InputError(input, `${at}: a goodput line is about every request, it takes no stage selector (judge a stage with a criterion such as "@2/s: goodput_rate > 95%")`);
    const m = /^([A-Za-z_][\w.]*)\s*(<=|>=|<|>|==|!=|=)?\s*(.*)$/.exec(line)!;
    const metric = m[1]!;
    if (!(GOODPUT_METRICS as readonly string[]).includes(metric)) {
      const hint = metric.includes('.') ? ' (a goodput line names a per-request figure, not a statistic: "ttft < 1s", not "ttft.p95 < 1s")' : '';
      throw new InputError(input, `${at}: unknown metric "${metric}"${hint}; expected one of ${GOODPUT_METRICS.join(', ')}`);
    }
    const op = m[2];
    if (op === undefined) throw new InputError(input, `${at}: expected <, <=, > or >= after "${metric}"`);
    if (op !== '<' && op !== '<=' && op !== '>' && op !== '>=') throw new InputError(input, `${at}: "${op}" is not an operator a goodput line takes (<, <=, > or >=)`);
    const v = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m)?$/.exec(m[3]!.trim());
    if (!v) throw new InputError(input, `${at}: "${m[3]!.trim()}" is not a duration (e.g. 500ms, 1s)`);
    if (v[2] === undefined) throw new InputError(input, `${at}: "${v[1]}" needs a unit (ms, s or m)`);
    out.push({ text: line, metric: metric as GoodputMetric, op, value: Number(v[1]) * UNIT_MS[v[2]]! });
  });
  if (out.length === 0) throw new InputError(input, 'holds no SLO line (e.g. "ttft < 1s"; leave it unset for no goodput)');
  return out;
}

const holds = (x: number, op: GoodputLine['op'], v: number): boolean => (op === '<' ? x < v : op === '<=' ? x <= v : op === '>' ? x > v : x >= v);

/** Whether a successful request met one line: every gap for `itl`; a single token has no TPOT to miss. */
export function meets(r: RequestRecord, line: GoodputLine): boolean {
  switch (line.metric) {
    case 'itl': {
      const gaps = r.tokenGaps ?? r.gaps ?? [];
      return gaps.every((g) => holds(g, line.op, line.value));
    }
    case 'tpot': {
      if (r.tokens !== undefined && r.tokens < 2 && firstToken(r) !== null) return true;
      const t = tpotOf(r);
      return t !== null && holds(t, line.op, line.value);
    }
    case 'ttft_reasoning':
      return r.ttfr !== undefined && holds(r.ttfr, line.op, line.value);
    default: {
      const x = r[line.metric];
      return x !== null && holds(x, line.op, line.value);
    }
  }
}

/** A stage's goodput from its records; dropped arrivals (rate stages) count as not served. */
export function goodputOf(lines: readonly GoodputLine[], stage: StageSummary, records: readonly RequestRecord[]): GoodputFigures {
  const missed: Record<string, number> = Object.fromEntries(lines.map((l) => [l.text, 0]));
  let good = 0;
  for (const r of records) {
    if (!r.ok) continue;
    let all = true;
    for (const l of lines) {
      if (meets(r, l)) continue;
      all = false;
      missed[l.text]!++;
    }
    if (all) good++;
  }
  const arrivals = stage.issued + (stage.rate?.dropped ?? 0);
  const seconds = stage.durationMs / 1000;
  return { slo: lines.map((l) => l.text), good, perSec: seconds > 0 ? good / seconds : 0, rate: arrivals > 0 ? good / arrivals : null, missed };
}

/** Sets `goodput` on every stage that ran. */
export function attachGoodput(lines: readonly GoodputLine[], stages: readonly StageSummary[], requests: readonly RequestRecord[]): void {
  const byStage = new Map<number, RequestRecord[]>();
  for (const r of requests) {
    const list = byStage.get(r.stage);
    if (list) list.push(r);
    else byStage.set(r.stage, [r]);
  }
  for (const s of stages) if (!s.skipped) s.goodput = goodputOf(lines, s, byStage.get(s.index) ?? []);
}
