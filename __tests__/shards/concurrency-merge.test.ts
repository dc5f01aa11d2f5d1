// A merged stage's concurrency: each shard's client counted its own requests on the wire and its own
// start; the merge keeps them per shard, so `connect_storm` takes each client's start off its own
// users' connects (on its own clock), and `client_limit` names the shards that fell short.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig } from '../../src/core/config/config.js';
import { runGate } from '../../src/core/gate.js';
import { buildMergeConfig, runMerge } from '../../src/core/merge.js';
import { startDemoServer } from '../../src/demo/server.js';
import { T0, validShardReport, writeJson } from '../helpers/shard-report.js';
import type { Report } from '../../src/core/report-types.js';

let dir: string;
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ttfc-merge-conc-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PLAN = '1x1, 1000x1';
type Shard = ReturnType<typeof validShardReport>;
type Figures = { peak: number; mean: number; startSpreadMs: number; startBusyMs?: number };

/**
 * Shard `index` of 2 at stage 2 (500 users), as a client that starts its users over 300 ms and is back
 * to take completed connections `busy` ms after its first handover: each user's connect is that wait
 * plus `setup` (the server's own), its clock `clock` ms off the other shard's.
 */
function shard(index: number, o: { busy: number; setup: number; clock?: number; figures?: Figures | null }): string {
  const r: Shard = validShardReport({ index, count: 2, stages: PLAN });
  const start = T0 + 2000 + (o.clock ?? 0);
  for (const q of r.requests) {
    if (q.stage !== 2) continue;
    const k = (q.user as number) - (index === 1 ? 1 : 501);
    const handover = (300 * k) / 500;
    const connect = Math.max(o.busy - handover, 0) + o.setup + (k % 7);
    Object.assign(q, { startedAt: start + handover, connect, ttfb: connect + 20, ttfc: connect + 50, ttft: connect + 50, total: connect + 80 });
  }
  const t = (r.shard.stages as Array<Record<string, unknown>>)[1]!;
  t.startedAt = start;
  const figures = o.figures === undefined ? { peak: 500, mean: 430, startSpreadMs: 300, startBusyMs: o.busy } : o.figures;
  if (figures !== null) r.stages = [{ index: 2, concurrency: figures }];
  return writeJson(dir, `shard-${++n}.json`, r);
}

const merge = (files: string[]): Report => runMerge(files, buildMergeConfig({ criteria: 'errors == 0' }, dir), { cwd: dir, noWrite: true });
const storms = (r: Report) => r.diagnoses.filter((d) => d.kind === 'connect_storm');

test("each shard's client start is taken off its own users' connects: no storm at 500 users a shard (each client back at 650 ms)", () => {
  const r = merge([shard(1, { busy: 650, setup: 2 }), shard(2, { busy: 650, setup: 2, clock: 300 })]);
  const c = r.stages[1]!.concurrency!;
  expect(c).toMatchObject({ peak: 1000, mean: 860, startSpreadMs: 300, startBusyMs: 650 });
  expect(c.shards!.map((p) => [p.shard, p.firstUser, p.users, p.peak])).toEqual([
    [1, 1, 500, 500],
    [2, 501, 500, 500],
  ]);
  expect(storms(r)).toEqual([]);
  expect(r.diagnoses.filter((d) => d.kind === 'client_limit')).toEqual([]);
});

test("without the shards' figures (older shards) the same connects read as a storm: the measured connect is the client's start", () => {
  const r = merge([shard(1, { busy: 650, setup: 2, figures: null }), shard(2, { busy: 650, setup: 2, clock: 300, figures: null })]);
  expect(r.stages[1]!.concurrency).toBeUndefined();
  expect(storms(r).map((d) => d.evidence.reading)).toEqual(['setup']);
});

test("a real storm at merged shards is still read, its setup net of each client's own start on that client's clock", () => {
  // 800 ms of the server's own per connection; shard 2's clock is 300 ms off shard 1's.
  const r = merge([shard(1, { busy: 400, setup: 800 }), shard(2, { busy: 400, setup: 800, clock: 300 })]);
  const d = storms(r);
  expect(d.map((x) => x.evidence.reading)).toEqual(['setup']);
  // Each connection's setup is 800 + k mod 7: a wait taken off from one start for both shards would leave up to 300 ms more on half of them.
  expect(d[0]!.evidence.connectP50Ms).toBeGreaterThanOrEqual(800);
  expect(d[0]!.evidence.connectP50Ms).toBeLessThanOrEqual(807);
  expect(d[0]!.evidence.clientWaitP50Ms).toBeCloseTo(250, 0);
  expect(d[0]!.message).toMatch(/beyond this client's own start of its users/);
});

test('a merged stage short of its users names the shards whose clients fell short', () => {
  const r = merge([
    shard(1, { busy: 650, setup: 2, figures: { peak: 480, mean: 400, startSpreadMs: 300, startBusyMs: 650 } }),
    shard(2, { busy: 650, setup: 2, figures: { peak: 200, mean: 150, startSpreadMs: 1900, startBusyMs: 650 } }),
  ]);
  const d = r.diagnoses.filter((x) => x.kind === 'client_limit');
  expect(d).toHaveLength(1);
  expect(d[0]!.message).toMatch(
    /^at 1000 users its 2 shards' clients had at most 680 requests on the wire at once in all \(68% of the users; 550 on average; short of their users: shard 2 \(200 of 500\)\)/,
  );
  expect(d[0]!.message).not.toMatch(/shard 1 \(/);
  expect(d[0]!.evidence.shards).toEqual([
    { shard: 1, users: 500, peakInFlight: 480, startSpreadMs: 300 },
    { shard: 2, users: 500, peakInFlight: 200, startSpreadMs: 1900 },
  ]);
});

test('a shard without startBusyMs (written before it): the merged stage has none, its connects are read as measured', () => {
  const r = merge([shard(1, { busy: 650, setup: 2 }), shard(2, { busy: 650, setup: 2, figures: { peak: 500, mean: 430, startSpreadMs: 300 } })]);
  const c = r.stages[1]!.concurrency!;
  expect(c.startBusyMs).toBeUndefined();
  expect(c.shards![1]!.startBusyMs).toBeUndefined();
  expect(c.peak).toBe(1000);
});

test("real shards of a closed stage: the merged stage carries each shard's own figures, their sums beside them", async () => {
  const demo = await startDemoServer();
  try {
    const files = [1, 2].map((k) => join(dir, `real-${k}.json`));
    const shards = await Promise.all(
      files.map((file, i) =>
        runGate(
          buildConfig(
            { url: `${demo.url}/chat?mode=async&delay=30&events=2&interval=2`, method: 'GET', stages: '1x1, 6x2', shard: `${i + 1}/2`, 'report-path': file },
            { env: {} },
          ),
        ),
      ),
    );
    const own = shards.map((r) => r.stages[1]!.concurrency!);
    const c = runMerge(files, buildMergeConfig({ criteria: 'errors == 0' }, dir), { cwd: dir, noWrite: true }).stages[1]!.concurrency!;
    expect(c.shards!.map((p) => [p.shard, p.firstUser, p.users])).toEqual([
      [1, 1, 3],
      [2, 4, 3],
    ]);
    expect(c.shards!.map(({ peak, mean, startSpreadMs, startBusyMs }) => ({ peak, mean, startSpreadMs, startBusyMs }))).toEqual(own);
    expect(c.peak).toBe(own[0]!.peak + own[1]!.peak);
    expect(c.startBusyMs).toBe(Math.max(own[0]!.startBusyMs!, own[1]!.startBusyMs!));
  } finally {
    await demo.close();
  }
});
