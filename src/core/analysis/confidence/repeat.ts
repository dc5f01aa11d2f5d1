// `repeat`: the median run per stage and the spread over the runs. Pure.

import type { ErrorSample, RequestRecord, RunResult, StageSummary } from '../../types.js';
import type { RepeatSection } from '../../section-types.js';

// ---------------------------------------------------------------------------------------------
// repeat: the median run per stage

export interface Spread {
  min: number | null;
  max: number | null;
  /** One value per run (null: no successful request, or the stage was skipped). */
  values: (number | null)[];
}

export interface StageSpread {
  index: number;
  users: number;
  runs: number;
  /** 0-based index of the run whose stage is reported. */
  chosenRun: number;
  ttfcAvg: Spread;
  ttfcP95: Spread;
  successRate: Spread;
}

export interface MedianSelection {
  stages: StageSummary[];
  chosenRuns: number[];
  spread: StageSpread[];
}

function spread(values: (number | null)[]): Spread {
  let min: number | null = null;
  let max: number | null = null;
  for (const v of values) {
    if (v === null) continue;
    if (min === null || v < min) min = v;
    if (max === null || v > max) max = v;
  }
  return { min, max, values };
}

/**
 * For `repeat`: per stage (by position), the run whose TTFC avg is the median. With an even count the
 * lower median (the faster of the two middle runs: an actual run, never an average). A run whose stage
 * had no success, or was skipped, sorts as the slowest. The spread is min–max over the runs.
 */
export function selectMedianRuns(runs: readonly (readonly StageSummary[])[]): MedianSelection {
  const count = Math.max(0, ...runs.map((r) => r.length));
  const stages: StageSummary[] = [];
  const chosenRuns: number[] = [];
  const spreads: StageSpread[] = [];
  for (let i = 0; i < count; i++) {
    const candidates: { run: number; stage: StageSummary; key: number }[] = [];
    runs.forEach((r, run) => {
      const s = r[i];
      if (s !== undefined) candidates.push({ run, stage: s, key: s.skipped || s.ttfc.avg === null ? Infinity : s.ttfc.avg });
    });
    candidates.sort((a, b) => a.key - b.key || a.run - b.run);
    const chosen = candidates[(candidates.length - 1) >> 1]!;
    const ran = (s: StageSummary): boolean => !s.skipped;
    stages.push(chosen.stage);
    chosenRuns.push(chosen.run);
    const byRun = runs.map((r) => r[i]);
    spreads.push({
      index: chosen.stage.index,
      users: chosen.stage.users,
      runs: candidates.length,
      chosenRun: chosen.run,
      ttfcAvg: spread(byRun.map((s) => (s && ran(s) ? s.ttfc.avg : null))),
      ttfcP95: spread(byRun.map((s) => (s && ran(s) ? s.ttfc.p95 : null))),
      successRate: spread(byRun.map((s) => (s && ran(s) ? s.successRate : null))),
    });
  }
  return { stages, chosenRuns, spread: spreads };
}

/**
 * The median run of `repeat` runs as one RunResult: per stage, the chosen run's summary, its requests
 * and its error samples, so diagnoses, intervals and charts read one consistent set of records.
 */
export function medianRun(runs: readonly RunResult[]): RunResult & MedianSelection {
  if (runs.length === 0) throw new Error('medianRun: no runs');
  const sel = selectMedianRuns(runs.map((r) => r.stages));
  const requests: RequestRecord[] = [];
  const errorSamples: ErrorSample[] = [];
  sel.chosenRuns.forEach((run, i) => {
    const stage = sel.stages[i]!.index;
    for (const r of runs[run]!.requests) if (r.stage === stage) requests.push(r);
    for (const e of runs[run]!.errorSamples) if (e.stage === stage) errorSamples.push(e);
  });
  const first = sel.chosenRuns[0];
  return {
    startedAt: runs[0]!.startedAt,
    finishedAt: runs[runs.length - 1]!.finishedAt,
    stages: sel.stages,
    requests,
    smokeFailed: first === undefined ? false : runs[first]!.smokeFailed,
    errorSamples,
    chosenRuns: sel.chosenRuns,
    spread: sel.spread,
  };
}

/**
 * The run a report describes and its `repeat` section: with several runs, the median run per stage;
 * `requested` > 1 gets a section even when only one run happened (its smoke test failed).
 */
export function repeatOf(runs: readonly RunResult[], requested: number): { run: RunResult; repeat: RepeatSection | null } {
  const median = runs.length > 1 ? medianRun(runs) : null;
  const run: RunResult = median ?? runs[0]!;
  if (requested <= 1) return { run, repeat: null };
  return {
    run,
    repeat: {
      requested,
      runs: runs.length,
      chosenRuns: median ? median.chosenRuns : run.stages.map(() => 0),
      spread: median ? median.spread : [],
    },
  };
}
