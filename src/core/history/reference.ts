// What `history.<metric>` means for each stage of this run: the median of the metric over the latest
// `history-window` passing runs of the history that had a stage with the same key. Pure.

import { plural } from '../format.js';
import type { StageSummary } from '../types.js';
import { MIN_HISTORY_RUNS } from './config.js';
import { HISTORY_METRICS, keyLabel, stageKeys, type HistoryEntry, type HistoryMetric } from './schema.js';

export interface HistoryReferenceRow {
  /** This run's stage (1-based) and its key. */
  index: number;
  key: string;
  users: number;
  /** Passing runs the medians are over (at most history-window). */
  runs: number;
  /** The medians; a metric with fewer than MIN_HISTORY_RUNS values is absent. */
  values: Partial<Record<HistoryMetric, number>>;
}

export interface HistoryReference {
  rows: HistoryReferenceRow[];
  /** For evaluateCriteria's `history` option. */
  lookup: (stage: StageSummary, metric: string) => { value: number } | { skip: string };
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The reference rows of this run's stages (skipped ones have none). */
export function historyReference(entries: readonly HistoryEntry[], stages: readonly StageSummary[], window: number): HistoryReference {
  const keys = stageKeys(stages);
  const rows: HistoryReferenceRow[] = [];
  stages.forEach((s, i) => {
    if (s.skipped) return;
    const key = keys[i]!;
    const found = entries.filter((e) => e.passed).flatMap((e) => e.stages.filter((st) => st.key === key));
    const recent = found.slice(-window);
    const values: HistoryReferenceRow['values'] = {};
    for (const m of HISTORY_METRICS) {
      const xs = recent.map((st) => st.metrics[m]).filter((v): v is number => typeof v === 'number');
      if (xs.length >= MIN_HISTORY_RUNS) values[m] = median(xs);
    }
    rows.push({ index: s.index, key, users: s.users, runs: recent.length, values });
  });
  const lookup = (stage: StageSummary, metric: string): { value: number } | { skip: string } => {
    const row = rows.find((r) => r.index === stage.index);
    if (!row) return { skip: 'the stage was not run' };
    const where = `a stage with ${keyLabel(row.key)}`;
    if (row.runs < MIN_HISTORY_RUNS) {
      return { skip: `the history has ${plural(row.runs, 'passing run', 'passing runs')} with ${where}: ${MIN_HISTORY_RUNS} needed` };
    }
    const v = row.values[metric as HistoryMetric];
    if (v === undefined) return { skip: `fewer than ${MIN_HISTORY_RUNS} of the history's latest passing runs with ${where} measured ${metric}` };
    return { value: v };
  };
  return { rows, lookup };
}
