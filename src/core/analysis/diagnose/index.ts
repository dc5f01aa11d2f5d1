// Diagnoses of a run: why TTFC is what it is (so a failed gate says what to fix, not only that it
// failed), said only when the evidence holds.
//
// All of them read what the client saw after the load finished: stage summaries and request records
// (ttfc, connect, total, startedAt, iteration). None of them runs per request during the load.
//
//  - serialized / saturated (serialized.ts): a stage whose TTFC grew against the reference (fewest
//    users) stage, read as a queue from its first wave (each user's first request). Sorted first-chunk
//    times split into groups where they jump; a regular staircase (≥ 2 groups of about one size c, one
//    hold time apart) is a pool of c — the hold is the whole request when the step matches the single
//    request's total time (a thread or semaphore held for the stream), else its time to first chunk.
//    Otherwise (one lump, uneven groups: a blocked event loop writes several first chunks at once) the
//    wave's own duration says it: n requests of TTFC u done by T ran n·u / T at a time (a wave done
//    within 2.5 u shows no queue). About one
//    (< 1.5) and TTFC grown ≥ max(2, users / 5)× → serialized; up to users / 2 with TTFC grown ≥ 1.5× →
//    saturated at about c (dropped when c grows with the users). Always at least +50 ms of growth. The
//    message states only what its evidence shows: throughput that grew is explained, never contradicted;
//    an estimate near 1.5 says "one or two".
//  - buffered (buffered.ts): in ≥ 60% (and ≥ 3) of the successful multi-event responses the events were
//    held back — all within max(3 ms, 0.5% of ttfc) of each other, or in a few bursts far apart (≥ 4
//    events a burst on average, the first burst standing for ≥ half the TTFC at the stream's later rate, a
//    quarter when it was kilobytes), the latter also at the reference stage. Compressed responses name
//    compression as the likely cause.
//  - corked (corked.ts): at every stage, the fewest users included, most responses (≥ 60%, ≥ 3 in the
//    run) came in bursts of ≥ 3 events at a regular period of 160–350 ms — a socket corked for up to
//    Linux's 200 ms (haproxy without `option http-no-delay`), not the server's pace; headers sent alone
//    and early rule it out. Such responses are not counted as held in blocks by `buffered`.
//  - connect_storm (connect.ts): for new connections at a stage with ≥ 2 users, connection setup (beyond
//    the client's own start of its users) is the median ≥ 50% of TTFC, ≥ 100 ms, and ≥ 2× the reference stage's.
//  - smoke (smoke.ts): no request of the first stage succeeded, so the other stages were skipped.
//  - queue, client_late (queue.ts): rate stages (`R/s:D`) only, which the closed-model ones above
//    never read (they compare stages by users and read each user's first wave).
//  - client_limit (client-limit.ts): a closed stage of ≥ 2 users, ≥ 90% successes, whose client had
//    fewer than 90% of its users' requests on the wire at once (its own count): the client, not the
//    server, set the concurrency.

import type { Diagnosis, RunResult } from '../../types.js';
import { detectBuffered } from './buffered.js';
import { detectClientLimit } from './client-limit.js';
import { groupByStage, type RunData } from './common.js';
import { detectConnectStorm } from './connect.js';
import { detectCorked } from './corked.js';
import { detectQueue } from './queue.js';
import { detectSerialized } from './serialized.js';
import { detectSmoke } from './smoke.js';

export type { RunData } from './common.js';
export { bursts, detectBuffered, heldInBlocks, isBunched, BUFFERING_CAUSES, type Burst, type HeldInBlocks } from './buffered.js';
export { detectConnectStorm } from './connect.js';
export { corked, detectCorked, CORK_CEILING_MS, type Corked } from './corked.js';
export { detectSmoke } from './smoke.js';
export { analyzeConcurrency, detectSerialized, scalingEfficiency, type ConcurrencyAnalysis, type ScalingRow } from './serialized.js';
export { firstWave, type FirstWave, type Hold } from './wave.js';

/**
 * Every diagnosis of a run: a failed smoke test (when the run says so), serialized / saturated stages
 * (by users), connection storms (by users), then corked and buffered streams (whole run). Regressions come from
 * baseline.ts.
 */
export function diagnose(run: RunData & Partial<Pick<RunResult, 'smokeFailed' | 'errorSamples'>>): Diagnosis[] {
  const byStage = groupByStage(run.requests);
  // The closed-model diagnoses see the closed stages only.
  const closed: RunData = { stages: run.stages.filter((s) => !s.rate), requests: run.requests };
  return [
    ...detectSmoke({ stages: run.stages, smokeFailed: run.smokeFailed ?? false, errorSamples: run.errorSamples ?? [] }),
    ...detectClientLimit(closed),
    ...detectSerialized(closed, byStage),
    ...detectConnectStorm(closed, byStage),
    ...detectCorked(run, byStage),
    ...detectQueue(run, byStage),
    ...detectBuffered(run, byStage),
  ];
}
