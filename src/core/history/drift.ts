// The `drift` diagnosis: TTFC p95 creeping up run after run — 5% a night passes every 20% threshold
// for a month — found with a Mann–Kendall trend over the latest runs and sized with the Theil–Sen
// line, whether or not any run failed. Pure.

import { changePct, ms, plural } from '../format.js';
import type { Diagnosis } from '../types.js';
import { mannKendall, senSlope } from './mann-kendall.js';
import { keyLabel, type HistoryEntry } from './schema.js';

export const DRIFT = {
  /** Runs the trend is tested over (the latest, this run the last). */
  window: 14,
  /** Fewer figures than this: no test (too few to tell a trend from noise). */
  minRuns: 8,
  /** Two-sided Mann–Kendall p-value below which the trend is taken as real. */
  alpha: 0.05,
  /** Smallest rise of the trend line from its first run to its last (0.1 = +10%). */
  minRise: 0.1,
  metric: 'ttfc.p95',
} as const;

/**
 * One `drift` diagnosis per stage key whose TTFC p95 over the latest DRIFT.window entries (this run's
 * entry last) has a significant upward Mann–Kendall trend and a Theil–Sen rise of at least DRIFT.minRise.
 */
export function driftDiagnoses(entries: readonly HistoryEntry[]): Diagnosis[] {
  const recent = entries.slice(-DRIFT.window);
  const last = recent[recent.length - 1];
  if (!last) return [];
  const out: Diagnosis[] = [];
  for (const stage of last.stages) {
    const series = recent.flatMap((e) => {
      const v = e.stages.find((s) => s.key === stage.key)?.metrics[DRIFT.metric];
      return typeof v === 'number' ? [{ v, passed: e.passed }] : [];
    });
    if (series.length < DRIFT.minRuns) continue;
    const xs = series.map((x) => x.v);
    const mk = mannKendall(xs);
    if (mk.s <= 0 || mk.p >= DRIFT.alpha) continue;
    const { slope, intercept } = senSlope(xs);
    const start = intercept;
    const end = intercept + slope * (xs.length - 1);
    if (!(start > 0) || !(slope > 0)) continue;
    const rise = (end - start) / start;
    if (rise < DRIFT.minRise) continue;
    const allPassed = series.every((x) => x.passed);
    out.push({
      kind: 'drift',
      users: stage.users,
      message:
        `at ${keyLabel(stage.key)}: TTFC p95 has crept up over the last ${plural(xs.length, 'run')} — ${ms(start)} → ${ms(end)} on the trend line ` +
        `(+${changePct(rise)}, Mann–Kendall p ${formatP(mk.p)})${allPassed ? ', though every one of them passed' : ''}`,
      evidence: {
        metric: DRIFT.metric,
        key: stage.key,
        runs: xs.length,
        s: mk.s,
        z: round(mk.z, 3),
        p: round(mk.p, 5),
        slopeMsPerRun: round(slope, 3),
        start: round(start, 1),
        end: round(end, 1),
        rise: round(rise, 4),
        values: xs.map((x) => round(x, 1)),
      },
    });
  }
  return out;
}

const round = (x: number, d: number): number => Math.round(x * 10 ** d) / 10 ** d;

function formatP(p: number): string {
  return p < 0.001 ? '< 0.001' : `= ${p.toFixed(3)}`;
}
