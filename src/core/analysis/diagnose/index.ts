// Diagnoses of a run: why TTFC is what it is (so a failed gate says what to fix, not only that it
// failed), said only when the evidence holds.
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
//    arrived as one bunch: within max(3 ms, 0.5% of ttfc) of each other and of the end (one read).
//  - connect_storm (connect.ts): for new connections at a stage with ≥ 2 users, connection setup is the
//    median ≥ 50% of TTFC, ≥ 100 ms, and ≥ 2× the reference stage's.
//  - smoke (smoke.ts): no request of the first stage succeeded, so the other stages were skipped.

import type { Diagnosis, RunResult } from '../../types.js';
import { detectBuffered } from './buffered.js';
import { groupByStage, type RunData } from './common.js';
import { detectConnectStorm } from './connect.js';
import { detectSerialized } from './serialized.js';
import { detectSmoke } from './smoke.js';

export type { RunData } from './common.js';
export { detectBuffered, isBunched, BUFFERING_CAUSES } from './buffered.js';
export { detectConnectStorm } from './connect.js';
export { detectSmoke } from './smoke.js';
export {
  analyzeConcurrency,
  detectSerialized,
  scalingEfficiency,
  type ConcurrencyAnalysis,
  type FirstWave,
  type ScalingRow,
} from './serialized.js';

/**
 * Every diagnosis of a run: a failed smoke test (when the run says so), serialized / saturated stages
 * (by users), connection storms (by users), then buffered streams (whole run). Regressions come from
 * baseline.ts.
 */
export function diagnose(run: RunData & Partial<Pick<RunResult, 'smokeFailed' | 'errorSamples'>>): Diagnosis[] {
  const byStage = groupByStage(run.requests);
  return [
    ...detectSmoke({ stages: run.stages, smokeFailed: run.smokeFailed ?? false, errorSamples: run.errorSamples ?? [] }),
    ...detectSerialized(run, byStage),
    ...detectConnectStorm(run, byStage),
    ...detectBuffered(run, byStage),
  ];
}
