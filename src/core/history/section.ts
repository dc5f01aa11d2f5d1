// The report's `history` section (JSON report field `history`): what was read, what the `history.`
// criteria compared with, the trend of the latest runs, and whether this run was recorded.

import type { HistoryReferenceRow } from './reference.js';

/** Runs shown in the trend (the latest before this one). */
export const TREND_RUNS = 30;

export interface HistoryTrendPoint {
  time: string;
  commit: string | null;
  ref: string | null;
  event: string;
  passed: boolean;
  /** TTFC p95 (ms) per stage key; null: the stage ran without a figure. */
  values: Record<string, number | null>;
}

export interface HistorySection {
  /** history-path as given. */
  path: string;
  /** read: entries were read; missing: no file yet; unreadable: something else is there (see warnings). */
  status: 'read' | 'missing' | 'unreadable';
  /** Runs in the history before this one. */
  runs: number;
  limit: number;
  window: number;
  /** The workflow event of this run (null outside a workflow). */
  event: string | null;
  /** This run's entry was appended to the file. */
  recorded: boolean;
  /** Why it was or was not recorded, and other notes. */
  messages: string[];
  /** What needs a look: an unreadable file (and where it was moved), a failed write. */
  warnings: string[];
  /** Per stage of this run, what `history.<metric>` stood for. */
  reference: HistoryReferenceRow[];
  /** TTFC p95 per stage key over the latest runs before this one (at most TREND_RUNS), oldest first. */
  trend: { metric: 'ttfc.p95'; points: HistoryTrendPoint[] };
}
