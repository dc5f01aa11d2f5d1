// Corked streams (issue 24 §1), hand-made: a socket that holds every write up to 200 ms sends the stream
// in small bursts at a regular period, at every stage; what looks alike but is not — a server's own
// batches, a proxy buffer, a loaded client, headers sent early — is left alone.
import { corked, detectBuffered, detectCorked, diagnose } from '../../src/core/analysis/diagnose/index.js';
import { summarizeStage } from '../../src/core/analysis/stats.js';
import type { RequestRecord, RunResult } from '../../src/core/types.js';
import { record } from '../helpers/records.js';

/**
 * A response of `events` events written every `cadence` ms from `ttfc0` (the server's TTFC), through a
 * socket that sends what it holds `hold` ms after its first unsent write (and at the end of the stream).
 */
function corkedResponse(stage: number, user: number, o: { ttfc0?: number; events?: number; cadence?: number; hold?: number; headersAlone?: boolean } = {}): RequestRecord {
  const { ttfc0 = 300, events = 20, cadence = 50, hold = 200, headersAlone = false } = o;
  const writes = Array.from({ length: events }, (_, i) => ttfc0 + i * cadence);
  const arrivals: number[] = [];
  let release = -1;
  for (const w of writes) {
    if (w > release) release = w + hold; // a new hold starts with the first write after a release
    arrivals.push(Math.min(release, writes[writes.length - 1]!)); // the end of the stream flushes
  }
  const gaps = arrivals.slice(1).map((a, i) => a - arrivals[i]!);
  const ttfc = arrivals[0]!;
  return record({ stage, user, connect: 1, ttfb: headersAlone ? 1 + hold : ttfc, ttfc, ttft: ttfc, total: arrivals[events - 1]!, events, bytes: events * 208, gaps });
}

/** A plain stream: every event on its own, `cadence` apart (± a little jitter). */
function streamed(stage: number, user: number, cadence = 50, events = 20): RequestRecord {
  const gaps = Array.from({ length: events - 1 }, (_, i) => cadence + (i % 3) - 1);
  return record({ stage, user, connect: 1, ttfb: 2, ttfc: 300, ttft: 300, total: 300 + gaps.reduce((a, b) => a + b, 0), events, bytes: events * 208, gaps });
}

function run(stages: { users: number; make: (stage: number, user: number) => RequestRecord }[]): RunResult {
  const requests: RequestRecord[] = [];
  const summaries = stages.map((s, i) => {
    const recs = Array.from({ length: s.users }, (_, u) => s.make(i + 1, u + 1));
    requests.push(...recs);
    return summarizeStage(i + 1, { users: s.users, requestsPerUser: 1 }, recs, 2000);
  });
  return { startedAt: '', finishedAt: '', stages: summaries, requests, smokeFailed: false, errorSamples: [] };
}

const everyStage = (make: (stage: number, user: number) => RequestRecord): RunResult =>
  run([
    { users: 1, make },
    { users: 10, make },
    { users: 20, make },
  ]);

test('one response: bursts of 5 every ~250 ms, each write held ~200 ms', () => {
  const c = corked(corkedResponse(1, 1))!;
  expect(c).not.toBeNull();
  expect(c.bursts.map((b) => b.events)).toEqual([5, 5, 5, 5]);
  expect(c.periodMs).toBe(250);
  expect(c.burstEvents).toBe(5);
  expect(c.cadenceMs).toBe(50);
  expect(c.heldMs).toBeGreaterThanOrEqual(200);
  expect(c.heldMs).toBeLessThanOrEqual(250);
  expect(c.headersMs).toBeNull(); // the headers came with the first burst
  // The headers sent alone: held as long as a write.
  expect(corked(corkedResponse(1, 1, { headersAlone: true }))!.headersMs).toBe(200);
});

test('at every stage: corked, with its evidence, the summary and the causes in order', () => {
  const ds = diagnose(everyStage((s, u) => corkedResponse(s, u, { headersAlone: true })));
  expect(ds.map((d) => d.kind)).toEqual(['corked']);
  const d = ds[0]!;
  expect(d.users).toBeNull();
  expect(d.evidence).toMatchObject({ corkedResponses: 31, judgedResponses: 31, periodMs: 250, burstEvents: 5, cadenceMs: 50, headersHeldMs: 200, holdMs: 200, compressed: null });
  expect(d.evidence.stages).toEqual([
    { stage: 1, users: 1, judged: 1, corked: 1 },
    { stage: 2, users: 10, judged: 10, corked: 10 },
    { stage: 3, users: 20, judged: 20, corked: 20 },
  ]);
  expect(d.summary).toBe('a proxy holds the stream back ~200 ms and sends it in bursts of ~5 events (~1.0 KB) every ~250 ms — haproxy without `option http-no-delay`?');
  expect(d.message).toMatch(/^corked stream: in 31 of 31 responses \(100%\), at every stage \(1, 10 and 20 users\), the events came in bursts of ~5 events/);
  expect(d.message).toContain('the response headers too (sent alone, they came 200 ms after the request)');
  expect(d.message).toMatch(/\(1\) haproxy without `option http-no-delay`.*\(2\) Nagle-style corking.*\(3\) compression that flushes on a timer/);
  // A corked response is not "held in blocks": no second, wrong diagnosis.
  expect(detectBuffered(everyStage((s, u) => corkedResponse(s, u)))).toEqual([]);
});

test('the same at other paces: 30 ms (bursts of 7) and 70 ms (bursts of 3)', () => {
  for (const [cadence, burst] of [
    [30, 7],
    [70, 3],
  ] as const) {
    const [d] = detectCorked(everyStage((s, u) => corkedResponse(s, u, { cadence, events: 40 })));
    expect(d!.evidence.burstEvents).toBe(burst);
  }
});

test('compressed responses: compression named first', () => {
  const [d] = detectCorked(everyStage((s, u) => ({ ...corkedResponse(s, u), encoding: 'gzip' })));
  expect(d!.evidence.compressed).toBe('gzip');
  expect(d!.message).toMatch(/\(1\) compression of the event stream \(the responses came with Content-Encoding: gzip\).*\(2\) haproxy/);
  expect(d!.summary).toContain('compression (gzip) or haproxy');
});

test('a stream at its own pace, straight or with a little jitter: nothing', () => {
  expect(diagnose(everyStage((s, u) => streamed(s, u)))).toEqual([]);
});

test("a server's own batches of 5 every 100 ms: not a cork's period", () => {
  expect(detectCorked(everyStage((s, u) => corkedResponse(s, u, { cadence: 20, hold: 80, events: 40 })))).toEqual([]);
});

test('a proxy buffer that fills every ~1.3 s (nginx): buffered, not corked', () => {
  const block = (s: number, u: number) => corkedResponse(s, u, { cadence: 25, hold: 1300, events: 120 });
  const ds = diagnose(everyStage(block));
  expect(ds.map((d) => d.kind)).toEqual(['buffered']);
});

test('headers sent alone and early: the socket did not hold them, so not corked', () => {
  const early = (s: number, u: number) => ({ ...corkedResponse(s, u), ttfb: 5 });
  expect(corked(early(1, 1))).toBeNull();
  expect(detectCorked(everyStage(early))).toEqual([]);
});

test('not at 1 user (a loaded client reading in lumps), or not at most responses of a stage: nothing', () => {
  const c = (s: number, u: number) => corkedResponse(s, u);
  expect(
    detectCorked(
      run([
        { users: 1, make: (s, u) => streamed(s, u) },
        { users: 10, make: c },
      ]),
    ),
  ).toEqual([]);
  expect(
    detectCorked(
      run([
        { users: 1, make: c },
        { users: 10, make: (s, u) => (u <= 5 ? c(s, u) : streamed(s, u)) },
      ]),
    ),
  ).toEqual([]);
});

test('irregular bursts, too few events, too few responses, or a report without gaps: nothing', () => {
  const irregular = (s: number, u: number) => {
    const r = corkedResponse(s, u);
    const gaps = [...r.gaps!];
    gaps[4] = 120; // the second burst early, the third late
    gaps[9] = 380;
    return { ...r, gaps };
  };
  expect(detectCorked(everyStage(irregular))).toEqual([]);
  expect(detectCorked(everyStage((s, u) => corkedResponse(s, u, { events: 5 })))).toEqual([]);
  expect(detectCorked(run([{ users: 1, make: (s, u) => corkedResponse(s, u) }]))).toEqual([]);
  expect(detectCorked(everyStage((s, u) => ({ ...corkedResponse(s, u), gaps: undefined })))).toEqual([]);
});
