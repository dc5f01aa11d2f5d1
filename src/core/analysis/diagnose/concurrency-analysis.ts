// The per-stage figures the serialized / saturated diagnoses read, in a module of their own so
// the diagnosis (serialized.ts) and its text (serialized-text.ts) both import them without a cycle.
import type { FirstWave } from './wave.js';

/** What the client saw at one stage, against the reference stage. */
export interface ConcurrencyAnalysis {
  index: number;
  users: number;
  referenceUsers: number;
  /** Typical single-request time to first chunk at the reference stage (median, connection setup excluded). */
  singleRequestMs: number;
  /** Typical single-request total time at the reference stage (median, connection setup excluded); null when unknown. */
  singleTotalMs: number | null;
  /** Mean time to first chunk at this stage (connection setup excluded). */
  ttfcAvgMs: number;
  /** ttfcAvgMs / singleRequestMs. */
  ttfcGrowth: number;
  throughputRatio: number | null;
  scalingEfficiency: number | null;
  firstWave: FirstWave | null;
}
