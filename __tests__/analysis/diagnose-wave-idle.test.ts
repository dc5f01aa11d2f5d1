// A first wave whose connections came up in batches (a full accept queue drops SYNs; TCP sends them
// again a whole second later): the server cannot queue a request that has not reached it, so the
// time it held none of the wave's requests is not divided into. Seen on hypercorn at 2000 users: the
// wave's last first chunk came 3.38 s after the first request reached the server, 1.17 s of which the
// server held none of them; "about 33 at a time" was about 53.
import { analyzeConcurrency, diagnose } from '../../src/core/analysis/diagnose/index.js';
import { parseStages } from '../../src/core/config/stages.js';
import { summarizeStage } from '../../src/core/analysis/stats.js';
import type { ClosedStage, Diagnosis, RequestRecord, RunResult } from '../../src/core/types.js';
import { record } from '../helpers/records.js';
import { evidenceRows } from '../../src/core/report/diagnosis-evidence.js';

/** 1x1 (50 ms to first chunk), then 40 users: each served 110 ms after its connection came up, `late` of them 1 s late. */
function run(late: number): RunResult {
  const requests: RequestRecord[] = [];
  const stages = (parseStages('1x1, 40x1') as ClosedStage[]).map((st, i) => {
    const start = 1_700_000_000_000 + i * 60_000;
    const recs = Array.from({ length: st.users }, (_, k) => {
      const connect = st.users > 1 && k < late ? 1000 : 0;
      const ttfc = connect + (st.users === 1 ? 50 : 110);
      return record({ stage: i + 1, user: k + 1, startedAt: start, connect, ttfb: ttfc - 1, ttfc, ttft: ttfc, total: ttfc + 40, events: 5, bytes: 100 });
    });
    requests.push(...recs);
    return summarizeStage(i + 1, st, recs, Math.max(...recs.map((r) => r.total!)));
  });
  return { startedAt: '', finishedAt: '', stages, requests, smokeFailed: false, errorSamples: [] };
}

const saturated = (ds: Diagnosis[]): Diagnosis | undefined => ds.find((d) => d.kind === 'saturated');

test('half the connections a second late: the server held the wave for 220 ms of its 1.11 s, so about 9 at a time (not 2)', () => {
  const d = saturated(diagnose(run(20)))!;
  expect(d.evidence.firstWave).toMatchObject({ tookMs: 1110, idleMs: 890, concurrency: 9.09 });
  expect(d.message).toContain(
    "40 requests of 50 ms each (the single-request TTFC) take 2.00 s one at a time; the server held them over 220 ms of the wave's 1.11 s (none for 890 ms, while connections had not come up), so about 9 ran at a time",
  );
  expect(d.message).toMatch(/saturates at about 9 concurrent requests/);
  // The report's evidence table divides by the same time.
  expect(evidenceRows(d)).toContainEqual([
    'Read as',
    "40 × 50 ms / 220 ms (the wave's 1.11 s less 890 ms the server held none of it) ≈ 9.1 at a time (from the time the wave took)",
  ]);
});

test('every connection up at once: no idle time, the wave read as before (110 ms: no queue)', () => {
  const ds = diagnose(run(0));
  expect(saturated(ds)).toBeUndefined();
  expect(ds.map((d) => d.kind)).not.toContain('serialized');
});

test('a gap shorter than a request that did not wait is jitter, not idle time', () => {
  // Two batches 40 ms apart (under u = 50 ms): the spans overlap or nearly, nothing is taken off.
  const r = run(0);
  for (const q of r.requests) if (q.stage === 2 && q.user <= 20) Object.assign(q, { connect: 150, ttfc: 260, ttft: 260, total: 300 });
  expect(analyzeConcurrency(r)[0]!.firstWave).toMatchObject({ tookMs: 260, idleMs: 0 });
  // 60 ms apart: idle.
  for (const q of r.requests) if (q.stage === 2 && q.user <= 20) Object.assign(q, { connect: 170, ttfc: 280, ttft: 280, total: 320 });
  expect(analyzeConcurrency(r)[0]!.firstWave).toMatchObject({ tookMs: 280, idleMs: 60 });
});
