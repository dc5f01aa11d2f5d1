// Connection storms: connection setup dominating TTFC at a stage (hand-made records: a real storm
// needs a slow edge, not a localhost socket), and localhost runs that must never show one.
import { detectConnectStorm, diagnose } from '../../src/core/analysis/diagnose/index.js';
import { getPreset } from '../../src/core/load/presets/index.js';
import { runLoad } from '../../src/core/run/run-load.js';
import { parseStages } from '../../src/core/config/stages.js';
import { summarizeStage } from '../../src/core/analysis/stats.js';
import type { RequestRecord, RunResult, StageSummary } from '../../src/core/types.js';
import { spawnDemo } from '../helpers/demo.js';

interface Spec {
  users: number;
  perUser?: number;
  /** connect / ttfc of each user's first request; later requests reuse the connection (connect ≈ 0). */
  connect: (user: number) => number;
  ttfc: (user: number) => number;
}

function synth(specs: Spec[]): RunResult {
  const stages: StageSummary[] = [];
  const requests: RequestRecord[] = [];
  specs.forEach((sp, i) => {
    const recs: RequestRecord[] = [];
    for (let u = 1; u <= sp.users; u++) {
      for (let it = 1; it <= (sp.perUser ?? 1); it++) {
        const connect = it === 1 ? sp.connect(u) : 0.2;
        const ttfc = it === 1 ? sp.ttfc(u) : sp.ttfc(u) - sp.connect(u);
        recs.push({
          stage: i + 1,
          user: u,
          iteration: it,
          startedAt: 1_700_000_000_000 + i * 60_000 + it * 1000,
          status: 200,
          ok: true,
          category: null,
          error: null,
          connect,
          ttfb: connect + 5,
          ttfc,
          ttft: ttfc,
          total: ttfc + 100,
          stall: 25,
          events: 5,
          bytes: 100,
        });
      }
    }
    stages.push(summarizeStage(i + 1, { users: sp.users, requestsPerUser: sp.perUser ?? 1 }, recs, 1000));
    requests.push(...recs);
  });
  return { startedAt: '', finishedAt: '', stages, requests, smokeFailed: false, errorSamples: [] };
}

test('new connections taking most of TTFC at 50 users, against 40 ms at 1 user: a connect storm', () => {
  const run = synth([
    { users: 1, connect: () => 40, ttfc: () => 240 },
    { users: 10, perUser: 3, connect: () => 60, ttfc: () => 260 },
    { users: 50, perUser: 2, connect: (u) => 300 + u * 20, ttfc: (u) => 500 + u * 20 },
  ]);
  const ds = detectConnectStorm(run);
  expect(ds).toHaveLength(1);
  const d = ds[0]!;
  expect(d).toMatchObject({ kind: 'connect_storm', users: 50 });
  // Median new connection: 810 ms of a 1.01 s TTFC.
  expect(d.message).toMatch(
    /^at 50 users connection setup takes 80% of TTFC for new connections \(connect p50 810 ms vs 40 ms with 1 user; TTFC p50 1\.01 s\): the server or the proxy in front of it is slow to accept new connections — /,
  );
  for (const hint of ['TLS handshakes', 'accept backlog', 'serverless cold starts', 'keep-alive']) expect(d.message).toContain(hint);
  expect(d.evidence).toEqual({
    newConnections: 50,
    connectP50Ms: 810,
    ttfcP50Ms: 1010,
    connectShareP50: 0.802,
    referenceUsers: 1,
    referenceConnectP50Ms: 40,
  });
  // Only first requests count as new connections: the second iterations (connect ≈ 0) do not dilute it.
  expect(diagnose(run).map((x) => x.kind)).toEqual(['connect_storm']);
});

test('a far server (slow handshake at every stage, also with 1 user) is latency, not a storm', () => {
  const run = synth([
    { users: 1, connect: () => 450, ttfc: () => 650 },
    { users: 20, connect: () => 470, ttfc: () => 680 },
  ]);
  expect(detectConnectStorm(run)).toEqual([]);
});

test('under 100 ms of connection setup, or under half of TTFC, is no storm', () => {
  expect(
    detectConnectStorm(
      synth([
        { users: 1, connect: () => 1, ttfc: () => 20 },
        { users: 20, connect: () => 60, ttfc: () => 80 },
      ]),
    ),
  ).toEqual([]);
  expect(
    detectConnectStorm(
      synth([
        { users: 1, connect: () => 10, ttfc: () => 900 },
        { users: 20, connect: () => 400, ttfc: () => 900 },
      ]),
    ),
  ).toEqual([]);
});

test('without a smaller reference stage the absolute rules decide; 1-user stages never storm', () => {
  const ds = detectConnectStorm(synth([{ users: 20, connect: () => 600, ttfc: () => 800 }]));
  expect(ds).toHaveLength(1);
  expect(ds[0]!.message).toContain('(connect p50 600 ms; TTFC p50 800 ms)');
  expect(ds[0]!.evidence).toMatchObject({ referenceUsers: null, referenceConnectP50Ms: null });
  expect(detectConnectStorm(synth([{ users: 1, perUser: 3, connect: () => 600, ttfc: () => 800 }]))).toEqual([]);
});

test('localhost: connection setup is never a storm', async () => {
  const demo = await spawnDemo();
  try {
    const u = new URL(`${demo.url}/chat?mode=async&delay=100&events=3&interval=10`);
    const run = await runLoad(
      {
        spec: { origin: u.origin, path: u.pathname + u.search, method: 'GET', timeoutMs: 20_000, format: 'auto', preset: getPreset('generic') },
        render: () => ({ headers: {}, body: null }),
      },
      { stages: parseStages('1x1, 30x1'), cooldownMs: 50 },
    );
    expect(run.requests.every((r) => r.ok)).toBe(true);
    expect(detectConnectStorm(run)).toEqual([]);
  } finally {
    await demo.close();
  }
});
