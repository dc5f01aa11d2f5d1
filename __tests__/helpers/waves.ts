// Hand-made runs for the serialized / saturated diagnoses: one wave per stage (each user's first
// request, all sent at the stage's start), the k-th first chunk at a time of the test's choosing.
import { parseStages } from '../../src/core/config/stages.js';
import { summarizeStage } from '../../src/core/analysis/stats.js';
import type { RequestRecord, RunResult, StageSummary } from '../../src/core/types.js';
import { record } from './records.js';

/**
 * A run of `stagesText` (e.g. `1x1, 10x1, 20x1`) where user k's first chunk at a stage of n users comes
 * `firstChunk(n, k)` ms after the stage starts, its stream `tail` ms after that.
 */
export function waveRun(stagesText: string, firstChunk: (users: number, k: number) => number, tail = 40): RunResult {
  const stages: StageSummary[] = [];
  const requests: RequestRecord[] = [];
  parseStages(stagesText).forEach((st, i) => {
    const start = 1_700_000_000_000 + i * 60_000;
    const recs: RequestRecord[] = [];
    let end = 0;
    for (let u = 1; u <= st.users; u++) {
      const ttfc = firstChunk(st.users, u);
      recs.push(record({ stage: i + 1, user: u, startedAt: start, connect: 0, ttfb: 1, ttfc, ttft: ttfc, total: ttfc + tail, events: 5, bytes: 100 }));
      end = Math.max(end, ttfc + tail);
    }
    stages.push(summarizeStage(i + 1, st, recs, end));
    requests.push(...recs);
  });
  return { startedAt: '', finishedAt: '', stages, requests, smokeFailed: false, errorSamples: [] };
}

/** Sorted first-chunk times as a function of k: `times[k - 1]` (the last value repeated beyond). */
export const at =
  (times: readonly number[]) =>
  (_n: number, k: number): number =>
    times[Math.min(k, times.length) - 1]!;

/** `count` first chunks at each of `[count, ms]`, in order: `lumps([9, 2000], [1, 2300])`. */
export function lumps(...groups: [count: number, ms: number][]): number[] {
  return groups.flatMap(([count, ms]) => Array.from({ length: count }, () => ms));
}
