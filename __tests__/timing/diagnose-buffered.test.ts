// Buffered streams (issue 5 §2): through a real buffering hop in front of the demo target, and the
// demo's own buffered mode; never for real streams or single-event responses.
import { detectBuffered, diagnose, isBunched } from '../../src/core/analysis/diagnose/index.js';
import { getPreset } from '../../src/core/load/presets/index.js';
import { runLoad } from '../../src/core/run/run-load.js';
import { parseStages } from '../../src/core/config/stages.js';
import { summarizeStage } from '../../src/core/analysis/stats.js';
import type { Diagnosis, RequestRecord, RunResult } from '../../src/core/types.js';
import { startBufferingProxy, type BufferingProxy } from '../helpers/buffering-proxy.js';
import { spawnDemo, type SpawnedDemo } from '../helpers/demo.js';

let demo: SpawnedDemo;
let proxy: BufferingProxy;
beforeAll(async () => {
  demo = await spawnDemo();
  proxy = await startBufferingProxy(demo.url);
});
afterAll(async () => {
  await proxy.close();
  await demo.close();
});

async function load(base: string, query: string, stages = '1x2, 4x1'): Promise<RunResult> {
  const u = new URL(`${base}/chat?${query}`);
  const run = await runLoad(
    {
      spec: { origin: u.origin, path: u.pathname + u.search, method: 'GET', timeoutMs: 20_000, format: 'auto', preset: getPreset('generic') },
      render: () => ({ headers: {}, body: null }),
    },
    { stages: parseStages(stages), cooldownMs: 50 },
  );
  for (const r of run.requests) expect(r.ok).toBe(true);
  return run;
}

const STREAM = 'mode=async&delay=100&events=5&interval=50';

function expectBufferedDiagnosis(ds: Diagnosis[], n: number): Diagnosis {
  expect(ds.map((d) => d.kind)).toEqual(['buffered']);
  const d = ds[0]!;
  expect(d.users).toBeNull();
  expect(d.message).toMatch(
    new RegExp(
      `^buffered stream: in ${n} of ${n} multi-event responses \\(100%\\) all events \\(median 5\\) arrived together at the end — first chunk after \\d+ ms, the last within \\d+(\\.\\d)? ms(, even the response headers were held back)?: TTFC equals the total time and users see nothing stream\\. Usual causes: `,
    ),
  );
  for (const cause of ['proxy_buffering off', 'X-Accel-Buffering: no', 'not compression: the responses came uncompressed']) expect(d.message).toContain(cause);
  // Whether the headers came with the events depends on the scheduler by a few ms; the events' bunching does not.
  expect(d.evidence).toMatchObject({ multiEventResponses: n, bunched: n, inBlocks: 0, share: 1, compressed: null });
  expect(d.evidence.stages).toEqual([
    { stage: 1, users: 1, multiEvent: 2, bunched: 2, inBlocks: 0 },
    { stage: 2, users: 4, multiEvent: 4, bunched: 4, inBlocks: 0 },
  ]);
  return d;
}

test('through a buffering proxy (nginx proxy_buffering on): flagged', async () => {
  const before = proxy.buffered;
  const run = await load(proxy.url, STREAM);
  expect(proxy.buffered - before).toBe(6);
  // The hop really held the stream: the first event arrives with the last one (≥ 100 + 4 × 50 ms).
  for (const r of run.requests) {
    expect(r.events).toBe(5);
    expect(r.ttfc!).toBeGreaterThanOrEqual(290);
    expect(isBunched(r)).toBe(true);
  }
  const d = expectBufferedDiagnosis(diagnose(run), 6);
  expect((d.evidence.ttfcP50Ms as number) >= 290).toBe(true);
});

test("the demo's own buffered mode: flagged", async () => {
  const run = await load(demo.url, 'mode=buffered&delay=100&events=5&interval=50');
  expectBufferedDiagnosis(diagnose(run), 6);
});

test('a real stream straight from the demo: not flagged', async () => {
  const run = await load(demo.url, STREAM);
  for (const r of run.requests) {
    expect(r.total! - r.ttfc!).toBeGreaterThanOrEqual(190);
    expect(isBunched(r)).toBe(false);
  }
  expect(diagnose(run)).toEqual([]);
});

test('single-event responses say nothing about streaming: not flagged, even through the proxy', async () => {
  const run = await load(proxy.url, 'mode=async&delay=100&events=1');
  expect(run.requests.every((r) => r.events === 1)).toBe(true);
  expect(diagnose(run)).toEqual([]);
});

// ---------------------------------------------------------------------------------------------
// Hand-made records: the thresholds.

function rec(i: number, ttfc: number, total: number, events = 5): RequestRecord {
  return {
    stage: 1,
    user: i,
    iteration: 1,
    startedAt: 1_700_000_000_000 + i,
    status: 200,
    ok: true,
    category: null,
    error: null,
    connect: 1,
    ttfb: 2,
    ttfc,
    ttft: ttfc,
    total,
    stall: null,
    events,
    bytes: 100,
  };
}

function run(requests: RequestRecord[]): RunResult {
  const stage = summarizeStage(1, { users: requests.length, requestsPerUser: 1 }, requests, 1000);
  return { startedAt: '', finishedAt: '', stages: [stage], requests, smokeFailed: false, errorSamples: [] };
}

test('with in-memory gaps, the spread of the events counts, not the end of the response', () => {
  // One read with all events (gaps 0), the client descheduled for 40 ms before the end: still bunched.
  expect(isBunched({ ...rec(1, 300, 340), gaps: [0, 0, 0, 0] })).toBe(true);
  // Events 30 ms apart, response ended right after the last: streamed.
  expect(isBunched({ ...rec(1, 300, 420), gaps: [30, 30, 30, 30] })).toBe(false);
  // Gaps that do not cover every event (not from the runner): fall back to total − ttfc.
  expect(isBunched({ ...rec(1, 300, 340), gaps: [0] })).toBe(false);
});

test('the bunching threshold is max(3 ms, 0.5% of ttfc)', () => {
  expect(isBunched(rec(1, 300, 303))).toBe(true);
  expect(isBunched(rec(1, 300, 304))).toBe(false);
  expect(isBunched(rec(1, 2000, 2010))).toBe(true); // 0.5% of 2 s
  expect(isBunched(rec(1, 2000, 2011))).toBe(false);
  expect(isBunched({ ...rec(1, 300, 300), ttfc: null })).toBe(false);
  // A fast 2-event stream queued behind others (ttfc 600 ms, events 10 ms apart) is streaming.
  expect(isBunched({ ...rec(1, 600, 612, 2), gaps: [10] })).toBe(false);
});

test('"most requests": 3 of 5 bunched is flagged, 2 of 5 is not; fewer than 3 multi-event responses never', () => {
  const bunched = (i: number) => rec(i, 400, 401);
  const streamed = (i: number) => rec(i, 400, 600);
  const three = detectBuffered(run([bunched(1), bunched(2), bunched(3), streamed(4), streamed(5)]));
  expect(three).toHaveLength(1);
  expect(three[0]!.message).toMatch(/^buffered stream: in 3 of 5 multi-event responses \(60%\)/);
  expect(three[0]!.message).not.toContain('headers were held back');
  expect(three[0]!.evidence).toMatchObject({ bunched: 3, multiEventResponses: 5, streamingSpreadP50Ms: 200, headersHeldBack: false });
  expect(detectBuffered(run([bunched(1), bunched(2), streamed(3), streamed(4), streamed(5)]))).toEqual([]);
  expect(detectBuffered(run([bunched(1), bunched(2)]))).toEqual([]);
  // Failed and single-event responses do not count either way.
  const failed = { ...bunched(4), ok: false, category: 'timeout' as const };
  expect(detectBuffered(run([bunched(1), bunched(2), rec(3, 400, 400, 1), failed]))).toEqual([]);
});

// ---------------------------------------------------------------------------------------------
// Held in blocks, compression: hand-made records with in-memory gaps.

/** A response whose events arrive in `bursts` ([events, at ms]) — events of a burst 0 ms apart. */
function burstRec(user: number, stage: number, bursts: [number, number][], extra: Partial<RequestRecord> = {}): RequestRecord {
  const gaps: number[] = [];
  let last = bursts[0]![1];
  let events = 0;
  for (const [n, at] of bursts) {
    for (let i = 0; i < n; i++) {
      if (events > 0) gaps.push(i === 0 ? at - last : 0);
      events++;
    }
    last = at;
  }
  return { ...rec(user, bursts[0]![1], last, events), stage, gaps, ttfb: bursts[0]![1] - 1, bytes: events * 128, ...extra };
}

function twoStages(one: RequestRecord[], four: RequestRecord[]): RunResult {
  const s1 = summarizeStage(1, { users: 1, requestsPerUser: one.length }, one, 2000);
  const s2 = summarizeStage(2, { users: four.length, requestsPerUser: 1 }, four, 2000);
  return { startedAt: '', finishedAt: '', stages: [s1, s2], requests: [...one, ...four], smokeFailed: false, errorSamples: [] };
}

test('nginx-like 4 KB blocks (30 events at 1.0 s, 30 at 1.75 s), at 1 user too: buffered in blocks, with the bursts', () => {
  const block = (u: number, s: number) =>
    burstRec(u, s, [
      [30, 1000],
      [30, 1750],
    ]);
  const ds = detectBuffered(twoStages([block(1, 1)], [block(1, 2), block(2, 2), block(3, 2), block(4, 2)]));
  expect(ds).toHaveLength(1);
  const d = ds[0]!;
  expect(d.message).toMatch(
    /^buffered stream: in 5 of 5 multi-event responses \(100%; 1 of 1 at 1 user\) the events arrived in a few bursts far apart rather than at the server's pace — e\.g\. 30 at 1\.00 s, 30 at 1\.75 s \(events at arrival time\), the events of a burst read at once, the bursts 750 ms apart\. At the stream's own rate after the first burst \(an event every 25 ms\), its first event was ready about 725 ms before it arrived/,
  );
  expect(d.message).toContain('nginx `proxy_buffering on` (its default');
  expect(d.evidence).toMatchObject({
    inBlocks: 5,
    bunched: 0,
    burstsP50: 2,
    heldBackP50Ms: 725,
    compressed: null,
    example: {
      bursts: [
        { atMs: 1000, events: 30, bytesApprox: 3840 },
        { atMs: 1750, events: 30, bytesApprox: 3840 },
      ],
      cadenceMs: 25,
    },
  });
});

test('a server that writes a few tokens at a time (5 events every 100 ms) is streaming, not buffered', () => {
  const batches = (u: number, s: number) =>
    burstRec(u, s, [
      [5, 300],
      [5, 400],
      [5, 500],
      [5, 600],
      [5, 700],
    ]);
  expect(detectBuffered(twoStages([batches(1, 1)], [batches(1, 2), batches(2, 2), batches(3, 2), batches(4, 2)]))).toEqual([]);
});

test('bursts only under load, not at 1 user: the loaded client read a real stream in lumps — not buffered', () => {
  const streamed = burstRec(
    1,
    1,
    Array.from({ length: 60 }, (_, i): [number, number] => [1, 200 + 25 * i]),
  );
  const lumps = (u: number) =>
    burstRec(u, 2, [
      [30, 1000],
      [30, 1750],
    ]);
  expect(detectBuffered(twoStages([streamed], [lumps(1), lumps(2), lumps(3), lumps(4)]))).toEqual([]);
});

test('a compressed response held back: compression named first, proxy buffering after', () => {
  const gz = (u: number, s: number) => ({ ...rec(u, 1800, 1800, 60), stage: s, encoding: 'gzip' });
  const [d] = detectBuffered(twoStages([gz(1, 1)], [gz(1, 2), gz(2, 2), gz(3, 2)]));
  expect(d!.evidence.compressed).toBe('gzip');
  expect(d!.message).toContain('The responses were compressed (Content-Encoding: gzip), so the likely cause is compression of the event stream');
  expect(d!.message).toMatch(/compression of the event stream.*Less likely: a proxy that buffers the response — nginx `proxy_buffering on`/);
  expect(d!.message).not.toContain('responses came uncompressed');
});
