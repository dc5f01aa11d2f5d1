// The open model in the analysis, on hand-made records: goodput, the rate scope of criteria, the LLM
// figures, the queue and client_late diagnoses, that no closed-model diagnosis reads a rate stage,
// the baseline matched by rate, and the same-run A/B of a rate stage.
import { evidenceRows } from '../../src/core/report/diagnosis-evidence.js';
import { ms } from '../../src/core/format.js';
import { analyse } from '../../src/core/analysis/analyse.js';
import { pairedSampler } from '../../src/core/analysis/paired-bootstrap.js';
import { compareBaseline, validateBaseline, type BaselineReport } from '../../src/core/analysis/baseline.js';
import { evaluateCriteria, parseCriteria } from '../../src/core/analysis/criteria/index.js';
import { diagnose } from '../../src/core/analysis/diagnose/index.js';
import { attachGoodput, goodputOf, meets, parseGoodput } from '../../src/core/analysis/goodput.js';
import { firstToken, metricValue, tpotOf } from '../../src/core/analysis/metrics.js';
import { summarizeStage } from '../../src/core/analysis/stats.js';
import type { ArrivalCounts } from '../../src/core/load/arrivals.js';
import type { RequestRecord, RunResult, Stage, StageSummary } from '../../src/core/types.js';
import { record } from '../helpers/records.js';

const counts = (scheduled: number, dropped = 0, lateness?: number): ArrivalCounts => ({
  arrival: 'poisson',
  seed: 1,
  maxInFlight: 1000,
  scheduled,
  dropped,
  peakInFlight: 5,
  windowMs: lateness === undefined ? 10_000 : 10_000,
});

const rateStage = (rate: number, durationMs = 10_000): Stage => ({ kind: 'rate', rate, durationMs });

/** A rate stage's records: n arrivals spread over the stage, TTFC by arrival index. */
function arrivals(stage: number, n: number, ttfc: (k: number) => number, extra: (k: number) => Partial<RequestRecord> = () => ({})): RequestRecord[] {
  return Array.from({ length: n }, (_, k) =>
    record({ stage, user: k + 1, startedAt: 1_000_000 + (k * 10_000) / n, ttfc: ttfc(k), ttft: ttfc(k), total: ttfc(k) + 50, lateness: 0.2, connect: 0, ...extra(k) }),
  );
}

function rateRun(plan: Array<[number, (k: number) => number]>, n = 30): RunResult {
  const stages: StageSummary[] = [];
  const requests: RequestRecord[] = [];
  plan.forEach(([rate, f], i) => {
    const recs = arrivals(i + 1, n, f);
    stages.push(summarizeStage(i + 1, rateStage(rate), recs, 10_000, counts(n)));
    requests.push(...recs);
  });
  return { startedAt: '', finishedAt: '', stages, requests, smokeFailed: false, errorSamples: [] };
}

describe('goodput', () => {
  test('a request is good when it succeeded and met every line; dropped arrivals count against the rate', () => {
    const lines = parseGoodput('ttft < 1s\ntpot < 50ms');
    const recs = [
      record({ ttft: 500, total: 1500, tokens: 21 }), // tpot 50: misses < 50ms
      record({ ttft: 500, total: 1400, tokens: 21 }), // tpot 45: good
      record({ ttft: 1200, total: 1500, tokens: 21 }), // ttft misses
      record({ ttft: 100, total: 200 }), // no usage: tpot cannot be measured, not good
      record({ ttft: 100, total: 150, tokens: 1 }), // one token: no TPOT to miss, good
      record({ ok: false, category: 'http_5xx', ttft: null }), // failed
    ];
    const stage = summarizeStage(1, rateStage(1, 2000), recs, 2000, counts(8, 2));
    const g = goodputOf(lines, stage, recs);
    expect(g).toEqual({ slo: ['ttft < 1s', 'tpot < 50ms'], good: 2, perSec: 1, rate: 2 / 8, missed: { 'ttft < 1s': 1, 'tpot < 50ms': 2 } });
    attachGoodput(lines, [stage], recs);
    expect(metricValue(stage, 'goodput')).toBe(1);
    expect(metricValue(stage, 'goodput_rate')).toBe(25);
  });

  test('itl: every gap of the request, per token when it has them; a single event has none to miss', () => {
    const line = parseGoodput('itl < 30ms')[0]!;
    expect(meets(record({ gaps: [10, 20] }), line)).toBe(true);
    expect(meets(record({ gaps: [10, 40] }), line)).toBe(false);
    expect(meets(record({ gaps: [90], tokenGaps: [20, 20, 20] }), line)).toBe(true);
    expect(meets(record({ gaps: [] }), line)).toBe(true);
  });
});

describe('LLM figures', () => {
  test('TPOT counts from the first token, content or reasoning; tokens/s and output tokens per stage', () => {
    expect(tpotOf(record({ ttft: 200, total: 1200, tokens: 11 }))).toBe(100);
    expect(tpotOf(record({ ttft: 700, ttfr: 200, total: 1200, tokens: 11 }))).toBe(100);
    expect(firstToken(record({ ttft: null, ttfr: 300 }))).toBe(300);
    expect(tpotOf(record({ ttft: 200, total: 1200, tokens: 1 }))).toBeNull();
    expect(tpotOf(record({ ttft: 200, total: 1200 }))).toBeNull();
    const recs = [
      record({ ttft: 200, total: 1200, tokens: 11, gaps: [100], tokenGaps: [100] }),
      record({ ttft: 200, total: 2200, tokens: 21, ttfr: 100, events: 2, gaps: [100], tokenGaps: [50, 50] }),
    ];
    for (const r of recs) r.events = 2;
    const s = summarizeStage(1, { users: 2, requestsPerUser: 1 }, recs, 2000);
    expect(s.tpot).toMatchObject({ n: 2, avg: (100 + 2100 / 20) / 2 });
    expect(s.ttft_reasoning).toMatchObject({ n: 1, avg: 100 });
    expect(s.itlPer).toBe('token');
    expect(s.itl).toMatchObject({ n: 3, avg: 200 / 3 });
    expect(s.tokens).toMatchObject({ total: 32, perSec: 16, output: { avg: 16 } });
    expect(metricValue(s, 'tokens_per_sec')).toBe(16);
    expect(metricValue(s, 'output_tokens.max')).toBe(21);
    expect(metricValue(s, 'tpot.avg')).toBeCloseTo(102.5);
    // Without usage: no tpot, itl per event.
    const plain = summarizeStage(1, { users: 1, requestsPerUser: 1 }, [record({ events: 3, gaps: [10, 10] })], 1000);
    expect(plain.tpot).toBeUndefined();
    expect(plain.itlPer).toBe('event');
    expect(metricValue(plain, 'tpot.avg')).toBeNull();
  });
});

describe('criteria', () => {
  const run = (): StageSummary[] => [
    summarizeStage(1, { users: 2, requestsPerUser: 1 }, [record({ ttfc: 100 }), record({ ttfc: 100 })], 1000),
    summarizeStage(
      2,
      rateStage(2),
      arrivals(2, 20, () => 300),
      10_000,
      counts(22, 2),
    ),
    summarizeStage(
      3,
      rateStage(4),
      arrivals(3, 40, () => 900),
      10_000,
      counts(40),
    ),
  ];

  test('@R/s: applies to the rate stage of that rate, @USERS: never to a rate stage', () => {
    const results = evaluateCriteria(parseCriteria('@2/s: ttfc.avg < 500ms\n@4/s: ttfc.avg < 500ms\n@8/s: ttfc.avg < 1s\n@2: ttfc.avg < 1s'), run());
    expect(results.map((r) => [r.text, r.stage ?? null, r.users, r.rate ?? null, r.status])).toEqual([
      ['@2/s: ttfc.avg < 500ms', 2, null, 2, 'pass'],
      ['@4/s: ttfc.avg < 500ms', 3, null, 4, 'fail'],
      ['@8/s: ttfc.avg < 1s', null, null, 8, 'skipped'],
      ['@2: ttfc.avg < 1s', 1, 2, null, 'pass'],
    ]);
    expect(results[2]!.reason).toBe('no stage at 8/s was run');
  });

  test('rate-stage figures apply to rate stages only: an unscoped dropped == 0 does not read the closed stage', () => {
    const results = evaluateCriteria(parseCriteria('dropped == 0\nlateness.p99 < 5ms\nachieved_rate > 1'), run());
    expect(results.map((r) => [r.text, r.stage, r.status, r.actual])).toEqual([
      ['dropped == 0', 2, 'fail', 2],
      ['dropped == 0', 3, 'pass', 0],
      ['lateness.p99 < 5ms', 2, 'pass', 0.2],
      ['lateness.p99 < 5ms', 3, 'pass', 0.2],
      ['achieved_rate > 1', 2, 'pass', 2],
      ['achieved_rate > 1', 3, 'pass', 4],
    ]);
  });
});

describe('diagnoses of rate stages', () => {
  test('queue: where TTFC grows through a stage, at the lowest such rate, with the rate the server served', () => {
    // 2/s flat; 4/s and 8/s queue (TTFC grows with each arrival).
    const run = rateRun([
      [2, () => 100],
      [4, (k) => 100 + 80 * k],
      [8, (k) => 100 + 200 * k],
    ]);
    const ds = diagnose(run);
    expect(ds.map((d) => `${d.kind}@${d.rate}`)).toEqual(['queue@4']);
    const q = ds[0]!;
    expect(q.users).toBeNull();
    expect(q.message).toMatch(
      /^at 4\/s TTFC grew through the stage \(avg 460 ms in its first third of arrivals, 2\.06 s in its last\): the server serves about [\d.]+ requests\/s/,
    );
    expect(q.message).toContain('at 2/s it held (100 ms → 100 ms), so the queue starts between the two');
    expect(q.message).toContain('it grew at 8/s too');
  });

  test("a flat rate stage, or one whose growth is the client's own lateness, has no queue", () => {
    expect(diagnose(rateRun([[4, () => 300]]))).toEqual([]);
    // TTFC grows only by the lateness: the client fell behind, not the server.
    const late = rateRun([[4, (k) => 100 + 30 * k]]);
    late.requests.forEach((r, k) => (r.lateness = 30 * k));
    late.stages[0] = summarizeStage(1, rateStage(4), late.requests, 10_000, counts(30));
    expect(diagnose(late).map((d) => d.kind)).toEqual(['client_late']);
  });

  test('client_late needs p99 above 5 ms over at least 20 requests, two of them that late (one hiccup is not a slow client)', () => {
    const one = rateRun([[4, () => 100]]);
    one.requests[5]!.lateness = 40;
    one.stages[0] = summarizeStage(1, rateStage(4), one.requests, 10_000, counts(30));
    expect(one.stages[0]!.rate!.lateness.p99).toBeGreaterThan(5);
    expect(diagnose(one)).toEqual([]);
    one.requests[6]!.lateness = 40;
    one.stages[0] = summarizeStage(1, rateStage(4), one.requests, 10_000, counts(30));
    const [d] = diagnose(one);
    expect(d).toMatchObject({ kind: 'client_late', rate: 4, users: null });
    expect(d!.message).toMatch(/^this client sent requests late against their schedule at 4\/s \(lateness p99 /);
    // 40 ms late beside a 100 ms TTFC p95: the client shaped the figures, and the message says how much.
    expect(d!.message).toMatch(/ — \d+% of the TTFC p95 of 100 ms: the client, not only the server, shaped these figures/);
  });

  test('client_late beside a server queue of seconds says the lateness is small against the TTFC; the evidence reads as sentences', () => {
    const run = rateRun([[4, (k) => 1000 + 100 * k]]);
    run.requests[5]!.lateness = 8;
    run.requests[6]!.lateness = 9;
    run.stages[0] = summarizeStage(1, rateStage(4), run.requests, 10_000, counts(30));
    const ds = diagnose(run);
    expect(ds.map((d) => d.kind)).toEqual(['queue', 'client_late']);
    const late = ds[1]!;
    const p95 = run.stages[0]!.ttfc.p95!;
    const share = ((late.evidence.stages as Array<{ latenessP99Ms: number }>)[0]!.latenessP99Ms / p95) * 100;
    expect(late.message).toContain(`small beside the TTFC p95 of ${ms(p95)} (${share.toFixed(1)}%)`);
    expect(evidenceRows(late)).toEqual([['4/s', expect.stringMatching(/^lateness p50 [\d.]+ (?:ms|µs), p99 [\d.]+ ms \(above 5\.0 ms\); TTFC p95 [\d.]+ s$/)]]);
    const rows = evidenceRows(ds[0]!);
    expect(rows[0]).toEqual([
      '4/s',
      expect.stringMatching(/^TTFC [\d.]+ s in the first third of the arrivals, [\d.]+ s in the last: a queue; about [\d.]+ first chunks a second$/),
    ]);
    expect(rows.at(-1)![0]).toBe('Read as a queue when');
  });

  test('no closed-model diagnosis reads a rate stage: a growing rate stage beside a 1x1 is a queue, not serialized or a connect storm', () => {
    const run = rateRun([[10, (k) => 100 + 100 * k]]);
    // A 1x1 reference stage; rate-stage requests each on a new connection with a slow connect.
    const ref = record({ stage: 2, ttfc: 100, total: 150 });
    run.stages.push(summarizeStage(2, { users: 1, requestsPerUser: 1 }, [ref], 200));
    run.requests.push(ref);
    for (const r of run.requests) if (r.stage === 1) r.connect = 0.9 * r.ttfc!;
    run.stages[0] = summarizeStage(
      1,
      rateStage(10),
      run.requests.filter((r) => r.stage === 1),
      10_000,
      counts(30),
    );
    expect(diagnose(run).map((d) => d.kind)).toEqual(['queue']);
    const a = analyse(run, { criteria: [], verdict: 'strict', regressionThreshold: 0.2, baseline: null, loaded: null, target: { method: 'GET', url: 'x', preset: 'generic' } });
    expect(a.efficiency.map((e) => e.index)).toEqual([2]);
  });
});

describe('baseline and same-run A/B', () => {
  test('rate stages match the baseline stage of the same rate (never a closed one); a rate regression is named by its rate', () => {
    const base = rateRun([[2, () => 100]]);
    base.stages.push(summarizeStage(2, { users: 10, requestsPerUser: 1 }, [record({ stage: 2 })], 100));
    const loaded = validateBaseline(JSON.parse(JSON.stringify({ schemaVersion: 1, tool: { name: 'ttfc-gate', version: 'x' }, stages: base.stages })), 'b.json');
    expect(loaded.ok).toBe(true);
    const b = (loaded as { baseline: BaselineReport }).baseline;
    expect(b.stages[0]).toMatchObject({ users: 0, requestsPerUser: 0, rate: { offered: 2, durationMs: 10_000, scheduled: 30 } });
    const now = rateRun([
      [2, () => 400],
      [3, () => 100],
    ]);
    const cmp = compareBaseline(now.stages, b);
    expect(cmp.stages.map((s) => [s.index, s.baselineIndex, s.rate, s.regressed])).toEqual([[1, 1, 2, true]]);
    expect(cmp.diagnoses[0]).toMatchObject({ kind: 'regression', users: null, rate: 2 });
    expect(cmp.diagnoses[0]!.message).toMatch(/^at 2\/s: regression against the baseline/);
    expect(cmp.messages).toEqual(['no baseline stage at 3/s: stage 2 (3/s:10s) not compared', "the baseline's stage with 10 users (10x1) was not run this time"]);
    expect(validateBaseline({ schemaVersion: 1, stages: [{ rate: { offered: 0, durationMs: 1 } }] }, 'x')).toMatchObject({ ok: false });
  });

  test('A/B of a rate stage pairs arrival k of both sides, in slices of the arrivals', () => {
    const head = rateRun([[4, (k) => 200 + (k % 3)]], 40);
    const base = rateRun([[4, (k) => 100 + (k % 3)]], 40);
    head.compare = { stages: base.stages, requests: base.requests, errorSamples: [], smokeFailed: false, order: [{ stage: 1, rounds: 'together' }] };
    const d = pairedSampler(head)(head.stages[0]!, 'ttfc', 'avg')!;
    expect(d.rounds).toBe(10);
    expect(d.head / d.base).toBeCloseTo(201 / 101, 2);
  });
});
