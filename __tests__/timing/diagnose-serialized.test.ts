// Serialized and saturated servers (issue 5 §1): the demo target in blocking, async and pool mode,
// driven by the real load runner, plus hand-made records for the edge cases.
import { analyzeConcurrency, diagnose, scalingEfficiency } from '../../src/core/analysis/diagnose/index.js';
import { getPreset } from '../../src/core/load/presets/index.js';
import { runLoad, type LoadTarget } from '../../src/core/run/run-load.js';
import { parseStages } from '../../src/core/config/stages.js';
import { summarizeStage } from '../../src/core/analysis/stats.js';
import type { ClosedStage, Diagnosis, RequestRecord, RunResult, StageSummary } from '../../src/core/types.js';
import { spawnDemo, type SpawnedDemo } from '../helpers/demo.js';

let demo: SpawnedDemo;
beforeAll(async () => {
  demo = await spawnDemo();
});
afterAll(async () => {
  await demo.close();
});

function target(query: string): LoadTarget {
  const u = new URL(`${demo.url}/chat?${query}`);
  return {
    spec: { origin: u.origin, path: u.pathname + u.search, method: 'GET', timeoutMs: 20_000, format: 'auto', preset: getPreset('generic') },
    render: () => ({ headers: {}, body: null }),
  };
}

async function load(query: string, stages: string): Promise<RunResult> {
  const run = await runLoad(target(query), { stages: parseStages(stages), cooldownMs: 100 });
  for (const s of run.stages) expect(s.failed).toBe(0);
  return run;
}

const kinds = (ds: Diagnosis[]): string[] => ds.map((d) => `${d.kind}@${d.users}`);

describe('blocking handler (event loop stalled per request)', () => {
  let run: RunResult;
  let ds: Diagnosis[];
  beforeAll(async () => {
    run = await load('mode=blocking&delay=120&events=3&interval=10', '1x1, 10x1, 20x1');
    ds = diagnose(run);
  });

  test('flagged as serialized at 10 and 20 users, nothing else', () => {
    expect(kinds(ds)).toEqual(['serialized@10', 'serialized@20']);
  });

  test('the message carries throughput, TTFC growth and the staircase, and points at blocking calls', () => {
    const d20 = ds.find((d) => d.users === 20)!;
    expect(d20.message).toMatch(
      /^at 20 users throughput is \d+\.\d× that of 1 user and TTFC grew \d+\.\d× \(avg [\d.]+ m?s vs \d+ ms with 1 user\); the first chunks of the first 20 concurrent requests came one after another, about \d+ ms apart: requests look served one at a time — look for blocking calls in the async handler, e\.g\. database, vector search or LLM client calls not offloaded to a thread pool$/,
    );
    const e = d20.evidence as {
      throughputRatio: number;
      ttfcGrowth: number;
      singleRequestMs: number;
      firstWave: { requests: number; concurrency: number; stepMs: number; holdMs: number; held: string; from: string };
    };
    // One at a time: throughput did not grow with the users, TTFC did (≈ (20 + 1) / 2 on a single wave).
    expect(e.throughputRatio).toBeLessThan(2);
    expect(e.ttfcGrowth).toBeGreaterThan(6);
    expect(e.firstWave.requests).toBe(20);
    expect(e.firstWave.concurrency).toBeLessThan(1.5);
    // Each step is about one blocking call (120 ms).
    expect(e.firstWave.stepMs).toBeGreaterThan(90);
    expect(e.firstWave.stepMs).toBeLessThan(200);
    expect(e.singleRequestMs).toBeGreaterThanOrEqual(120);
    // The first request served did not wait: about one blocking call too.
    expect(e.firstWave).toMatchObject({ held: 'first_chunk', from: 'groups' });
    expect(e.firstWave.holdMs).toBeGreaterThanOrEqual(120);
    expect(e.firstWave.holdMs).toBeLessThan(250);
  });

  test('scaling efficiency per stage is low', () => {
    const rows = scalingEfficiency(run.stages);
    expect(rows.map((r) => r.users)).toEqual([1, 10, 20]);
    expect(rows[0]!.efficiency).toBe(1);
    expect(rows[1]!.efficiency!).toBeLessThan(0.25);
    expect(rows[2]!.efficiency!).toBeLessThan(0.12);
  });
});

test('async handler: never flagged at 10, 20 and 50 users over 3 runs', async () => {
  for (let i = 0; i < 3; i++) {
    const run = await load('mode=async&delay=120&events=3&interval=10', '1x1, 10x2, 20x2, 50x1');
    expect(diagnose(run)).toEqual([]);
    const a = analyzeConcurrency(run);
    expect(a.map((x) => x.users)).toEqual([10, 20, 50]);
    // Served concurrently: the first chunks of a wave did not queue behind each other.
    for (const x of a) expect(x.firstWave!.concurrency).toBeGreaterThan(x.users / 2);
    // Throughput grows with the users (a blocking handler stays under 0.15 at 10 users).
    for (const row of scalingEfficiency(run.stages).slice(1)) expect(row.efficiency!).toBeGreaterThan(0.25);
  }
});

test('a pool of 4 workers is reported as saturated at about 4, not as serialized', async () => {
  const run = await load('mode=pool&workers=4&delay=120&events=2&interval=10', '1x1, 10x1, 20x1');
  const ds = diagnose(run);
  expect(ds.some((d) => d.kind === 'serialized')).toBe(false);
  const d20 = ds.find((d) => d.users === 20);
  expect(d20?.kind).toBe('saturated');
  expect(d20!.message).toContain('the server saturates at about 4 concurrent requests');
  expect(d20!.message).toMatch(/^at 20 users TTFC grew \d+\.\d× \(avg .+ vs \d+ ms with 1 user\) and throughput is \d+\.\d× that of 1 user \(scaling efficiency \d+%\): /);
  expect(d20!.message).toContain('worker or thread pool');
  expect(d20!.evidence.capacity).toBe(4);
  // At 10 users (3 groups: 4, 4, 2) the same capacity shows, if it is flagged at all.
  for (const d of ds) expect(d).toMatchObject({ kind: 'saturated', evidence: { capacity: 4 } });
});

// ---------------------------------------------------------------------------------------------
// Hand-made runs: the rules themselves, without timing noise.

let clock = 1_700_000_000_000;

/** One request record: `ttfc` server-side plus `connect`, issued at `at` (epoch ms). */
function rec(stage: number, user: number, iteration: number, at: number, ttfc: number, extra: Partial<RequestRecord> = {}): RequestRecord {
  return {
    stage,
    user,
    iteration,
    startedAt: at,
    status: 200,
    ok: true,
    category: null,
    error: null,
    connect: 0,
    ttfb: 1,
    ttfc,
    ttft: ttfc,
    total: ttfc + 40,
    stall: 10,
    events: 5,
    bytes: 100,
    ...extra,
  };
}

/** A closed-loop run of one wave per stage where the k-th first chunk arrives at `firstChunk(users, k)`. */
function synthRun(stagesText: string, firstChunk: (users: number, k: number) => number, tail = 40): RunResult {
  const stages: StageSummary[] = [];
  const requests: RequestRecord[] = [];
  (parseStages(stagesText) as ClosedStage[]).forEach((st, i) => {
    const start = (clock += 60_000);
    const recs: RequestRecord[] = [];
    let end = 0;
    for (let u = 1; u <= st.users; u++) {
      const ttfc = firstChunk(st.users, u);
      recs.push(rec(i + 1, u, 1, start, ttfc, { total: ttfc + tail }));
      end = Math.max(end, ttfc + tail);
    }
    stages.push(summarizeStage(i + 1, st, recs, end));
    requests.push(...recs);
  });
  return { startedAt: '', finishedAt: '', stages, requests, smokeFailed: false, errorSamples: [] };
}

test('synthetic staircase: serialized; steps of 3: saturated at about 3; flat: nothing', () => {
  const serial = diagnose(synthRun('1x1, 10x1', (_n, k) => 200 * k));
  expect(kinds(serial)).toEqual(['serialized@10']);
  expect(serial[0]!.message).toContain('TTFC grew 5.5× (avg 1.10 s vs 200 ms with 1 user)');
  expect(serial[0]!.message).toContain('about 200 ms apart');

  const pool = diagnose(synthRun('1x1, 12x1, 24x1', (_n, k) => 200 * Math.ceil(k / 3)));
  expect(kinds(pool)).toEqual(['saturated@12', 'saturated@24']);
  expect(pool[1]!.message).toContain('saturates at about 3 concurrent requests');

  expect(diagnose(synthRun('1x1, 10x1, 50x1', (_n, k) => 200 + k * 0.2))).toEqual([]);
});

test('a cold 1x1 connection is not server time: the reference excludes connect', () => {
  const run = synthRun('1x1, 10x1', (_n, k) => 200 * k);
  // The single request spent 900 ms opening its connection (TLS to a far edge): still 200 ms of server time.
  run.requests[0] = { ...run.requests[0]!, connect: 900, ttfc: 1100 };
  const [a] = analyzeConcurrency(run);
  expect(a!.singleRequestMs).toBe(200);
  expect(kinds(diagnose(run))).toEqual(['serialized@10']);
});

test('a slow single reference sample (cold start) still lets a staircase through: the step comes from the stage', () => {
  // 1x1 took 450 ms (a cold instance); under load each request takes 200 ms, one at a time.
  const run = synthRun('1x1, 10x1', (n, k) => (n === 1 ? 450 : 200 * k));
  const [a] = analyzeConcurrency(run);
  expect(a!.ttfcGrowth).toBeCloseTo(1100 / 450, 5);
  expect(a!.firstWave).toMatchObject({ holdMs: 200, stepMs: 200, concurrency: 1, from: 'groups' });
  expect(kinds(diagnose(run))).toEqual(['serialized@10']);
});

test('an honest server with noisy TTFC and one loaded stage: no growth against its typical single request, nothing', () => {
  const run = synthRun('1x1, 10x1', (n, k) => (n === 1 ? 800 : 300 + (1600 * (k - 1)) / 9));
  expect(analyzeConcurrency(run)[0]!.ttfcGrowth).toBeCloseTo(1100 / 800, 5);
  expect(diagnose(run)).toEqual([]);
});

test('growth under 50 ms is never a diagnosis (tiny endpoints, client overhead)', () => {
  expect(diagnose(synthRun('1x1, 10x1', (_n, k) => 2 * k))).toEqual([]);
});

test('2 users, or no reference stage below the loaded one: no verdict', () => {
  expect(diagnose(synthRun('1x1, 2x1', (_n, k) => 200 * k))).toEqual([]);
  expect(diagnose(synthRun('10x1', (_n, k) => 200 * k))).toEqual([]);
});

test('an honest server with noisy service times is not a pool: a capacity that grows with the users is dropped', () => {
  // First chunks spread evenly over 300–1900 ms whatever the users: the "capacity" doubles with them.
  const run = synthRun('1x1, 10x1, 20x1', (n, k) => (n === 1 ? 300 : 300 + (1600 * (k - 1)) / (n - 1)));
  const a = analyzeConcurrency(run);
  expect(a[1]!.firstWave!.concurrency / a[0]!.firstWave!.concurrency).toBeGreaterThan(1.6);
  expect(diagnose(run)).toEqual([]);
});

test('without a usable first wave, flat throughput and grown TTFC still say serialized', () => {
  const run = synthRun('1x1, 10x1', (_n, k) => 200 * k);
  // Most first requests failed; the summary still shows throughput ≈ 1 user's and TTFC 5.5×.
  run.requests = run.requests.map((r) => (r.stage === 2 && r.user > 2 ? { ...r, iteration: 2 } : r));
  const s = run.stages[1]!;
  run.stages[1] = { ...s, rps: run.stages[0]!.rps! * 1.2 };
  const ds = diagnose(run);
  expect(kinds(ds)).toEqual(['serialized@10']);
  expect(ds[0]!.message).not.toContain('one after another');
  expect(ds[0]!.evidence.firstWave).toBeNull();
});

test('skipped stages have no scaling row values', () => {
  const run = synthRun('1x1, 10x1', (_n, k) => 200 * k);
  run.stages[1] = { ...run.stages[1]!, skipped: true, issued: 0 };
  const rows = scalingEfficiency(run.stages);
  expect(rows[1]).toMatchObject({ users: 10, rps: null, efficiency: null });
});

// ---------------------------------------------------------------------------------------------
// Pools that hold a request for its whole stream: groups of first chunks one whole request apart.

/** A 1x1 then a 10x1 stage whose first chunks arrive at `at` (ms), each stream lasting `stream` ms after it. */
function poolRun(single: number, stream: number, at: number[]): RunResult {
  const run = synthRun('1x1, 10x1', (n, k) => (n === 1 ? single : at[k - 1]!), stream);
  return run;
}

test("the issue's 4-slot pool with 4.2 s answers: saturated at 4, groups one whole request apart, never serialized", () => {
  const run = poolRun(300, 3900, [306, 308, 316, 316, 4549, 4552, 4553, 4553, 8796, 8808]);
  const ds = diagnose(run);
  expect(kinds(ds)).toEqual(['saturated@10']);
  const d = ds[0]!;
  expect(d.evidence).toMatchObject({ capacity: 4, firstWave: { groups: [4, 4, 2], held: 'whole_request', from: 'groups', concurrency: 4, holdMs: 4200 } });
  expect(d.message).toContain(
    'the server saturates at about 4 concurrent requests — the first chunks of the first 10 concurrent requests came in groups of about 4, one whole request (about 4.20 s) apart, so each request holds its place for its whole stream',
  );
  expect(d.message).not.toMatch(/one at a time|blocking/);
});

test("the issue's 4-slot pool with 0.75 s answers: 4, not 2 (one whole request apart, not one TTFC)", () => {
  const run = poolRun(300, 450, [310, 310, 312, 312, 1066, 1067, 1067, 1068, 1820, 1821]);
  const ds = diagnose(run);
  expect(kinds(ds)).toEqual(['saturated@10']);
  expect(ds[0]!.evidence).toMatchObject({ capacity: 4, firstWave: { groups: [4, 4, 2], held: 'whole_request', concurrency: 4 } });
});

test('one whole request at a time (a single worker): serialized, with both likely causes', () => {
  const run = poolRun(300, 900, [300, 1500, 2700, 3900, 5100, 6300, 7500, 8700, 9900, 11100]);
  const ds = diagnose(run);
  expect(kinds(ds)).toEqual(['serialized@10']);
  expect(ds[0]!.evidence).toMatchObject({ firstWave: { held: 'whole_request', concurrency: 1 } });
  expect(ds[0]!.message).toContain('one whole request (about 1.20 s) apart');
  expect(ds[0]!.message).toContain('a blocking call that runs for the whole answer');
  expect(ds[0]!.message).toContain('a server with a single worker');
});

test('a blocked event loop that writes the first chunks in lumps: serialized by the time the wave took', () => {
  // Quart with time.sleep(0.15) in the handler: 2 first chunks at 350 ms, the other 6 together at 1.27 s
  // (8 × 158 ms); the streams after the first chunk run side by side, so throughput grew.
  const run = synthRun('1x1, 8x1', (n, k) => (n === 1 ? 158 : k <= 2 ? 350 : 1270), 500);
  const ds = diagnose(run);
  expect(kinds(ds)).toEqual(['serialized@8']);
  const d = ds[0]!;
  expect(d.evidence).toMatchObject({ firstWave: { groups: [2, 6], from: 'wave_time', held: 'first_chunk' } });
  expect((d.evidence.firstWave as { concurrency: number }).concurrency).toBeLessThan(1.3);
  expect(d.message).toContain(
    'came in groups of 2, 6, the last after 1.27 s: 8 requests of 158 ms each (the single-request TTFC) take 1.26 s one at a time, about as long as the wave took',
  );
  // Its throughput grew: the message does not claim otherwise, it says why.
  expect((d.evidence.throughputRatio as number) > 2).toBe(true);
  expect(d.message).not.toMatch(/^at 8 users throughput is/);
  expect(d.message).toContain('only the part before the first chunk waits its turn');
});

test('between one and two at a time, the message says both', () => {
  // 8 requests of 200 ms done by 1.2 s: about 1.3 at a time.
  const run = synthRun('1x1, 8x1', (n, k) => (n === 1 ? 200 : k <= 4 ? 600 : 1200), 20);
  const [d] = diagnose(run);
  expect(d!.kind).toBe('serialized');
  expect(d!.message).toMatch(/served one at a time \(or two: the estimate is 1\.[3-4]\)/);
});

test('a blocked event loop that writes every first chunk at once, late: serialized, "all together"', () => {
  // time.sleep(0.15) inside the async generator: 8 × 150 ms of blocking, then all 8 first chunks go out together.
  const run = synthRun('1x1, 8x1', (n) => (n === 1 ? 150 : 1220), 300);
  const ds = diagnose(run);
  expect(kinds(ds)).toEqual(['serialized@8']);
  expect(ds[0]!.evidence).toMatchObject({ firstWave: { groups: [8], from: 'wave_time', stepMs: null } });
  expect(ds[0]!.message).toContain('came all together, the last after 1.22 s: 8 requests of 150 ms each (the single-request TTFC) take 1.20 s one at a time');
});

test('CPU shared by all (every first chunk together at 4 × the single TTFC with 8 users): saturated at 2, both causes named', () => {
  const run = synthRun('1x1, 8x1', (n) => (n === 1 ? 300 : 1200), 100);
  const [d] = diagnose(run);
  expect(d).toMatchObject({ kind: 'saturated', evidence: { capacity: 2 } });
  expect(d!.message).toContain('Most likely a bounded pool or limit of about 2');
  expect(d!.message).toContain("or CPU-bound work before the first chunk that the server's cores share");
  expect(d!.message).not.toContain('groups of about');
});
