// client_limit: a closed stage whose client had fewer than 90% of its users' requests on the wire at
// once (its own count, StageSummary.concurrency). Hand-made summaries: on this machine the engine
// starts a few hundred users in one loop, so no real stage here falls short (the timing project's
// start-together test shows the real count); the rule and its words are checked here, the failure first.
import { detectClientLimit, CLIENT_LIMIT_SHARE } from '../../src/core/analysis/diagnose/client-limit.js';
import { diagnose } from '../../src/core/analysis/diagnose/index.js';
import { summarizeStage } from '../../src/core/analysis/stats.js';
import { evidenceRows } from '../../src/core/report/diagnosis-evidence.js';
import type { RequestRecord, StageConcurrency, StageSummary } from '../../src/core/types.js';

function stage(index: number, users: number, totalMs: number, concurrency: StageConcurrency | undefined, okShare = 1): { summary: StageSummary; records: RequestRecord[] } {
  const records: RequestRecord[] = [];
  for (let u = 1; u <= users; u++) {
    const ok = u <= Math.round(okShare * users);
    records.push({
      stage: index,
      user: u,
      iteration: 1,
      startedAt: 1_700_000_000_000 + u,
      status: ok ? 200 : null,
      ok,
      category: ok ? null : 'connection',
      error: ok ? null : 'connection failed: ECONNREFUSED',
      connect: ok ? 1 : null,
      ttfb: ok ? 5 : null,
      ttfc: ok ? 10 : null,
      ttft: ok ? 10 : null,
      total: ok ? totalMs : null,
      stall: null,
      events: ok ? 3 : 0,
      bytes: 30,
      gaps: [],
    });
  }
  const summary = summarizeStage(index, { kind: 'closed', users, requestsPerUser: 1 }, records, 1000);
  if (concurrency) summary.concurrency = concurrency;
  return { summary, records };
}

function run(...stages: Array<ReturnType<typeof stage>>): { stages: StageSummary[]; requests: RequestRecord[] } {
  return { stages: stages.map((s) => s.summary), requests: stages.flatMap((s) => s.records) };
}

test('a stage of 1000 users with at most 361 on the wire: the client was the limit, and the numbers add up', () => {
  const d = detectClientLimit(run(stage(1, 1, 90, { peak: 1, mean: 1, startSpreadMs: 0 }), stage(2, 1000, 90, { peak: 361, mean: 212.4, startSpreadMs: 970 })));
  expect(d).toHaveLength(1);
  expect(d[0]!.kind).toBe('client_limit');
  expect(d[0]!.users).toBe(1000);
  expect(d[0]!.message).toContain('at 1000 users this client had at most 361 requests on the wire at once (36% of the users; 212.4 on average)');
  expect(d[0]!.message).toContain('its users took 970 ms to start their first requests while a request lasted a median 90 ms');
  expect(d[0]!.message).toContain('the first users were done before the last began');
  expect(d[0]!.message).toContain("this stage's figures are those of about 361");
  expect(d[0]!.evidence).toEqual({ users: 1000, peakInFlight: 361, meanInFlight: 212.4, startSpreadMs: 970, totalP50Ms: 90 });
  expect(evidenceRows(d[0]!)).toEqual([
    ['On the wire at once', "at most 361 of 1000 users' requests, 212.4 on average"],
    ['Users started within', '970 ms'],
    ['A request lasted (median)', '90 ms'],
  ]);
});

test('a shortfall with a start shorter than a request says only what it shows', () => {
  const d = detectClientLimit(run(stage(1, 100, 500, { peak: 50, mean: 40, startSpreadMs: 120 })));
  expect(d).toHaveLength(1);
  expect(d[0]!.message).toContain('its users took 120 ms to start their first requests (a request lasted a median 500 ms)');
  expect(d[0]!.message).not.toContain('done before the last began');
});

test('no client_limit: all users out at once, 90% exactly, one user, a rate stage, failures, older reports', () => {
  expect(detectClientLimit(run(stage(1, 200, 1200, { peak: 200, mean: 190, startSpreadMs: 40 })))).toEqual([]);
  expect(detectClientLimit(run(stage(1, 100, 90, { peak: CLIENT_LIMIT_SHARE * 100, mean: 60, startSpreadMs: 300 })))).toEqual([]);
  expect(detectClientLimit(run(stage(1, 1, 90, { peak: 0, mean: 0, startSpreadMs: 0 })))).toEqual([]);
  // Refused connections never reach the wire: the server's doing, not the client's.
  expect(detectClientLimit(run(stage(1, 100, 90, { peak: 20, mean: 10, startSpreadMs: 300 }, 0.5)))).toEqual([]);
  // A report from before the count (no concurrency field) says nothing.
  expect(detectClientLimit(run(stage(1, 100, 90, undefined)))).toEqual([]);
  const rate = stage(1, 100, 90, { peak: 10, mean: 5, startSpreadMs: 300 });
  rate.summary.rate = { offered: 2 } as unknown as StageSummary['rate'];
  expect(detectClientLimit(run(rate))).toEqual([]);
  const skipped = stage(1, 100, 90, { peak: 10, mean: 5, startSpreadMs: 300 });
  skipped.summary.skipped = true;
  expect(detectClientLimit(run(skipped))).toEqual([]);
});

test('diagnose() includes it with the others', () => {
  expect(diagnose(run(stage(1, 1000, 90, { peak: 361, mean: 212, startSpreadMs: 970 }))).map((d) => d.kind)).toContain('client_limit');
});
