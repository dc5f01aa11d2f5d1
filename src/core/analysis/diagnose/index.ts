// Diagnoses of a run (issue 5 §1, §2): why TTFC is what it is, said only when it is true.
//
// All of them read what the client saw after the load finished: stage summaries and request records
// (ttfc, connect, total, startedAt, iteration). None of them runs per request during the load.
//
//  - serialized / saturated (serialized.ts): a stage whose TTFC grew against the reference (fewest
//    users) stage AND whose first wave forms a staircase — sorted first-chunk times regressed on their
//    rank give a step; the fastest first-wave request's time / step = requests served at once (the
//    reference 1x1 is one cold sample: it measures the growth, not the step). About one (< 1.5) and TTFC
//    grown ≥ max(2, users / 5)× → serialized; between 1.5 and users / 2 with TTFC grown ≥ 1.5× →
//    saturated at about that many. Always at least +50 ms of growth. Throughput against users is shown
//    as evidence (and decides alone only when the first wave is unusable).
//  - buffered (buffered.ts): in ≥ 60% (and ≥ 3) of the successful multi-event responses, the events
//    arrived within max(10 ms, 2% of ttfc) of each other and of the end.
//  - connect_storm (connect.ts): for new connections at a stage with ≥ 2 users, connection setup is the
//    median ≥ 50% of TTFC, ≥ 100 ms, and ≥ 2× the reference stage's.

import type { Diagnosis } from '../../types.js';
import { detectBuffered } from './buffered.js';
import { groupByStage, type RunData } from './common.js';
import { detectConnectStorm } from './connect.js';
import { detectSerialized } from './serialized.js';

export type { RunData } from './common.js';
export { detectBuffered, isBunched, BUFFERING_CAUSES } from './buffered.js';
export { detectConnectStorm } from './connect.js';
export {
  analyzeConcurrency,
  detectSerialized,
  scalingEfficiency,
  type ConcurrencyAnalysis,
  type FirstWave,
  type ScalingRow,
} from './serialized.js';

/**
 * Every diagnosis of a run: serialized / saturated stages (by users), connection storms (by users),
 * then buffered streams (whole run). Regressions come from baseline.ts, the smoke failure from the gate.
 */
export function diagnose(run: RunData): Diagnosis[] {
  const byStage = groupByStage(run.requests);
  return [...detectSerialized(run, byStage), ...detectConnectStorm(run, byStage), ...detectBuffered(run, byStage)];
}
