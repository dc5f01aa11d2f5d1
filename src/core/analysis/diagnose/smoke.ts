// The smoke diagnosis: no request of the first stage succeeded, so the rest of the plan was skipped.

import type { Diagnosis, RunResult } from '../../types.js';

/** The smoke diagnosis of a run, when its smoke test failed. */
export function detectSmoke(run: Pick<RunResult, 'stages' | 'smokeFailed' | 'errorSamples'>): Diagnosis[] {
  const first = run.stages[0];
  // A run whose first stage worked failed its smoke test on the compare target (ab.ts says so).
  if (!run.smokeFailed || (first?.succeeded ?? 0) > 0) return [];
  const sample = run.errorSamples[0];
  return [
    {
      kind: 'smoke',
      ...(first?.rate ? { users: null, rate: first.rate.offered } : { users: first?.users ?? null }),
      message: `smoke test failed: no request of the first stage succeeded${sample ? ` (${sample.category}: ${sample.message})` : ''}; the remaining stages were skipped`,
      evidence: { failures: first?.failures ?? {} },
    },
  ];
}
