// A rate stage sharded over two machines: each shard sends R/N on its own seeded schedule, and the
// merge rebuilds the stage at R from the pooled records (scheduled and dropped summed), judged by the
// merge step's own goodput lines (a shard's describe, never judge).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig } from '../../src/core/config/config.js';
import { runGate } from '../../src/core/gate.js';
import { buildMergeConfig, runMerge } from '../../src/core/merge.js';
import { startDemoServer, type DemoServer } from '../../src/demo/server.js';

let demo: DemoServer;
let dir: string;
beforeAll(async () => {
  demo = await startDemoServer();
  dir = mkdtempSync(join(tmpdir(), 'ttfc-rate-merge-'));
});
afterAll(async () => {
  await demo.close();
  rmSync(dir, { recursive: true, force: true });
});

test('two shards of 20/s merge into one 20/s stage: every arrival once, numbered apart, goodput counted by the merge step lines', async () => {
  const files: string[] = [];
  const shards = await Promise.all(
    [1, 2].map((k) => {
      const file = join(dir, `shard-${k}.json`);
      files.push(file);
      const cfg = buildConfig(
        {
          url: `${demo.url}/chat?mode=async&delay=10&events=2&interval=2`,
          method: 'GET',
          stages: '20/s:1s',
          shard: `${k}/2`,
          goodput: 'ttfc < 5s',
          criteria: '@20/s: goodput_rate > 90%',
          'report-path': file,
        },
        { env: {} },
      );
      return runGate(cfg);
    }),
  );
  for (const [k, r] of shards.entries()) {
    expect(r.stages[0]!.rate!.offered).toBe(10);
    expect(r.criteria).toEqual([]); // a shard does not judge
    expect(r.requests.every((q) => q.user % 2 === (k === 0 ? 1 : 0))).toBe(true);
  }
  const merged = runMerge(files, buildMergeConfig({ goodput: 'ttfc < 5s', criteria: '@20/s: goodput_rate > 90%' }, dir), { cwd: dir, noWrite: true });
  const s = merged.stages[0]!;
  expect(s.rate).toMatchObject({ offered: 20, durationMs: 1000, scheduled: shards[0]!.stages[0]!.rate!.scheduled + shards[1]!.stages[0]!.rate!.scheduled, dropped: 0 });
  expect(s.issued).toBe(shards[0]!.requests.length + shards[1]!.requests.length);
  expect(new Set(merged.requests.map((q) => q.user)).size).toBe(s.issued);
  expect(s.goodput).toMatchObject({ slo: ['ttfc < 5s'], good: s.issued, rate: 1 });
  expect(merged.criteria.map((c) => [c.text, c.rate, c.status])).toEqual([['@20/s: goodput_rate > 90%', 20, 'pass']]);
});
