// The strict / confident judgement of a criterion, given its point value and its interval. Pure.

import type { CompareOp } from '../../types.js';
import { compare } from '../criteria/operators.js';
import type { Interval } from './bootstrap.js';

// ---------------------------------------------------------------------------------------------
// Verdicts

/** How a criterion with an interval is judged: by its point value (strict) or its whole interval (confident). */
export type VerdictMode = 'strict' | 'confident';
export const VERDICT_MODES: readonly VerdictMode[] = ['strict', 'confident'];

export interface JudgeInput {
  op: CompareOp;
  threshold: number;
  /** The measured value (the stage summary's). */
  actual: number;
  interval: Pick<Interval, 'low' | 'high' | 'level'> | null;
  /** Formats a value with its unit for the reason (default: plain number). */
  format?: (v: number) => string;
}

export interface Judgement {
  /**
   * `fail` iff the criterion fails the check: strict — the point value is on the wrong side;
   * confident — the whole interval is. A straddling interval is `inconclusive` under `confident`,
   * and keeps the point verdict under `strict` (with `inconclusive: true`).
   */
  status: 'pass' | 'fail' | 'inconclusive';
  /** The interval straddles the threshold. */
  inconclusive: boolean;
  /** e.g. "95% interval 380–460 ms straddles 400 ms". Absent when the interval is on one side. */
  reason?: string;
}

/** Pass / fail / inconclusive of a criterion, given its point value and interval, for a verdict mode. */
export function judge(input: JudgeInput, verdict: VerdictMode): Judgement {
  const pointPass = compare(input.actual, input.op, input.threshold);
  const iv = input.interval;
  // Equality has no "side"; without an interval the point decides.
  if (iv === null || input.op === '==' || input.op === '!=') return { status: pointPass ? 'pass' : 'fail', inconclusive: false };
  const lowPass = compare(iv.low, input.op, input.threshold);
  const highPass = compare(iv.high, input.op, input.threshold);
  if (lowPass && highPass) return { status: 'pass', inconclusive: false };
  if (!lowPass && !highPass) return { status: 'fail', inconclusive: false };
  const f = input.format ?? ((v: number) => String(Math.round(v * 100) / 100));
  const reason =
    `${Math.round(iv.level * 100)}% interval ${f(iv.low)}–${f(iv.high)} straddles ${f(input.threshold)}` +
    (verdict === 'strict' ? ` (verdict strict: the point value ${pointPass ? 'passes' : 'fails'})` : ' (verdict confident: not failed)');
  return { status: verdict === 'strict' ? (pointPass ? 'pass' : 'fail') : 'inconclusive', inconclusive: true, reason };
}
