// The merge from known shard reports: checks that name the file, and figures computed on the pooled
// raw samples (never from the shards' own percentiles).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { renderMarkdown } from '../../src/core/report/markdown.js';
import { buildMergeConfig, runMerge } from '../../src/core/merge.js';
import { planIdOf, planOf } from '../../src/core/shards/identity.js';
import { shardUsers } from '../../src/core/config/shard.js';
import { parseStages } from '../../src/core/config/stages.js';
import { InputError } from '../../src/core/errors.js';
import { DEFAULT_CRITERIA } from '../../src/core/analysis/criteria/index.js';
import type { ClosedStage, RequestRecord } from '../../src/core/types.js';
import type { Report } from '../../src/core/report-types.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ttfc-merge-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.parse('2026-12-01T10:00:00Z');

function record(stage: number, user: number, iteration: number, ttfc: number, ok = true): RequestRecord {
  return {
    stage,
    user,
    iteration,
    startedAt: T0 + stage * 1000 + iteration,
    status: ok ? 200 : 503,
    ok,
    category: ok ? null : 'http_5xx',
    error: ok ? null : 'HTTP 503',
    connect: 1,
    ttfb: ttfc / 2,
    ttfc: ok ? ttfc : null,
    ttft: ok ? ttfc : null,
    total: ok ? ttfc + 30 : null,
    stall: ok ? 10 : null,
    events: ok ? 3 : 0,
    bytes: 60,
    gaps: ok ? [10, 20] : [],
  };
}

interface ShardOpts {
  index: number;
  count: number;
  stages?: string;
  url?: string;
  /** Per stage: [firstUser, users, ttfc values (one per request)]. */
  load: Array<[number, number, number[]]>;
  /** Stage starts (epoch ms), default aligned. */
  starts?: number[];
}

function shardReport(o: ShardOpts): Report {
  const stages = o.stages ?? '1x1, 20x2';
  const url = o.url ?? 'http://127.0.0.1:9/chat';
  const config = {
    url,
    method: 'POST',
    preset: 'generic',
    format: 'auto',
    headers: [],
    body: null,
    stages,
    timeoutMs: 5000,
    cooldownMs: 100,
    warmup: 0,
    startAt: '2026-12-01T10:00:00.000Z',
    stageWindowMs: 1000,
    criteria: 'errors == 0',
    shard: `${o.index}/${o.count}`,
  };
  const requests: RequestRecord[] = [];
  const timings = o.load.map(([firstUser, users, values], i) => {
    values.forEach((v, j) => requests.push(record(i + 1, firstUser + (j % Math.max(1, users)), Math.floor(j / Math.max(1, users)) + 1, v)));
    const startedAt = o.starts?.[i] ?? T0 + (i + 1) * 1000;
    return { index: i + 1, firstUser, users, scheduledAt: T0 + (i + 1) * 1000, startedAt, durationMs: 400, lateMs: 0, requests: values.length };
  });
  return {
    schemaVersion: 1,
    tool: { name: 'ttfc-gate', version: '0.1.0' },
    target: { method: 'POST', url, preset: 'generic', commit: null },
    config,
    environment: { node: 'v20', platform: 'linux-x64', cpus: 2 },
    startedAt: new Date(T0).toISOString(),
    finishedAt: new Date(T0 + 5000).toISOString(),
    passed: true,
    smokeFailed: false,
    percentileMethod: '',
    stages: [],
    criteria: [],
    diagnoses: [],
    errorSamples: [],
    requests,
    shard: { index: o.index, count: o.count, host: `runner-${o.index}`, planId: planIdOf(planOf(config, o.count)), startAt: config.startAt, lateMs: 0, stages: timings },
  };
}

function write(name: string, report: Report): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(report));
  return p;
}

const merge = (files: string[], inputs: Record<string, string> = {}): Report =>
  runMerge(files, buildMergeConfig({ criteria: 'errors == 0', ...inputs }, dir), { cwd: dir, noWrite: true });

/** R-7, written out here on purpose (not the code under test). */
function r7(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  return lo + 1 < s.length ? s[lo]! + (h - lo) * (s[lo + 1]! - s[lo]!) : s[lo]!;
}

describe('merged figures come from the pooled raw samples', () => {
  // Two shards of 20x2: users 1–10 and 11–20, very different latency distributions.
  const a = [12, 15, 18, 20, 22, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 400];
  const b = [100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200, 210, 220, 230, 240, 250, 260, 270, 280, 2000];
  const files = (): string[] => [
    write(
      'a.json',
      shardReport({
        index: 1,
        count: 2,
        load: [
          [1, 1, [50]],
          [1, 10, a],
        ],
      }),
    ),
    write(
      'b.json',
      shardReport({
        index: 2,
        count: 2,
        load: [
          [2, 0, []],
          [11, 10, b],
        ],
      }),
    ),
  ];

  test('percentiles, mean, max and counts equal those of the concatenated samples', () => {
    const r = merge(files(), { criteria: '@20: ttfc.p95 < 1s\n@20: ttfc.p50 < 1s' });
    const s = r.stages[1]!;
    const all = [...a, ...b];
    expect(s.users).toBe(20);
    expect(s.issued).toBe(40);
    expect(s.succeeded).toBe(40);
    expect(s.ttfc.n).toBe(40);
    for (const [stat, p] of [
      ['p50', 0.5],
      ['p90', 0.9],
      ['p95', 0.95],
      ['p99', 0.99],
    ] as const)
      expect(s.ttfc[stat]).toBeCloseTo(r7(all, p), 9);
    expect(s.ttfc.avg).toBeCloseTo(all.reduce((x, y) => x + y, 0) / 40, 9);
    expect(s.ttfc.max).toBe(2000);
    // …which is not what averaging the shards' own percentiles would give.
    expect(Math.abs(s.ttfc.p95! - (r7(a, 0.95) + r7(b, 0.95)) / 2)).toBeGreaterThan(40);
    // Inter-event latency pooled from every request's gaps.
    expect(s.itl.n).toBe(80);
    // The criteria are judged on the merged samples.
    const p95 = r.criteria.find((c) => c.text.startsWith('@20: ttfc.p95'))!;
    expect(p95.actual).toBeCloseTo(r7(all, 0.95), 9);
    expect(p95.status).toBe(r7(all, 0.95) < 1000 ? 'pass' : 'fail');
    expect(r.stages[0]!.users).toBe(1);
    expect(r.stages[0]!.issued).toBe(1);
  });

  test('the report keeps each shard: users, requests, start offset, host, file', () => {
    const r = merge(files());
    expect(r.shard).toBeUndefined();
    expect(r.merge!.count).toBe(2);
    expect(r.merge!.shards.map((s) => [s.index, s.host, s.file, s.stages.map((t) => [t.users, t.requests, t.offsetMs])])).toEqual([
      [
        1,
        'runner-1',
        join(dir, 'a.json'),
        [
          [1, 1, 0],
          [10, 20, 0],
        ],
      ],
      [
        2,
        'runner-2',
        join(dir, 'b.json'),
        [
          [0, 0, null],
          [10, 20, 0],
        ],
      ],
    ]);
    expect(r.merge!.startSpread.every((s) => !s.flagged)).toBe(true);
    expect(r.diagnoses.filter((d) => d.kind === 'shards_out_of_step')).toHaveLength(0);
    // A merged report is a normal report: no gaps in its requests.
    expect(JSON.stringify(r.requests)).not.toContain('gaps');
  });

  test('shards whose stage starts spread more than the bound are flagged', () => {
    const late = write(
      'late.json',
      shardReport({
        index: 2,
        count: 2,
        load: [
          [2, 0, []],
          [11, 10, b],
        ],
        starts: [T0 + 1000, T0 + 2000 + 900],
      }),
    );
    const r = merge([
      write(
        'a.json',
        shardReport({
          index: 1,
          count: 2,
          load: [
            [1, 1, [50]],
            [1, 10, a],
          ],
        }),
      ),
      late,
    ]);
    expect(r.merge!.startSpread[1]).toEqual({ index: 2, ms: 900, flagged: true });
    const d = r.diagnoses.find((x) => x.kind === 'shards_out_of_step')!;
    expect(d.message).toMatch(/stage 2 starts spread over 900 ms/);
    expect(r.merge!.shards[1]!.stages[1]!.offsetMs).toBe(900);
    const md = renderMarkdown(r, { tag: 'default' });
    expect(md).toMatch(/### Shards/);
    expect(md).toMatch(/\| 2\/2 \| .*2.* \| 0 · 10 \| 20 \| – · \+900 \|/);
    expect(md).toMatch(/Stage starts more than 250 ms apart: stage 2 \(900 ms\)/);
  });
});

test("the merge step's own settings judge, their defaults when not set; the shards' settings never do", () => {
  const files = [
    write(
      'j1.json',
      shardReport({
        index: 1,
        count: 2,
        load: [
          [1, 1, [50]],
          [1, 10, [100, 120]],
        ],
      }),
    ),
    write(
      'j2.json',
      shardReport({
        index: 2,
        count: 2,
        load: [
          [2, 0, []],
          [11, 10, [300, 320]],
        ],
      }),
    ),
  ];
  const judge = (inputs: Record<string, string>) => runMerge(files, buildMergeConfig(inputs, dir), { cwd: dir, noWrite: true });
  // The shards were given `errors == 0`: the merge, given nothing, judges by the default criteria.
  expect(judge({}).criteria.map((c) => c.text)).toEqual(expect.arrayContaining(DEFAULT_CRITERIA.split('\n')));
  expect(judge({}).config).toMatchObject({ criteria: DEFAULT_CRITERIA, verdict: 'strict', failOnCriteria: true });
  const own = judge({ criteria: '@20: ttfc.max < 1s', verdict: 'confident', 'fail-on-criteria': 'false' });
  expect(own.criteria.map((c) => c.text)).toEqual(['@20: ttfc.max < 1s']);
  expect(own.config).toMatchObject({ criteria: '@20: ttfc.max < 1s', verdict: 'confident', failOnCriteria: false });
});

describe('shards that do not belong together fail the merge, naming the file', () => {
  // Each shard's users as shard K of N really gets them (a report that says otherwise is rejected on its own).
  const one = (name: string, o: Partial<ShardOpts> & { index: number; count: number }): string =>
    write(
      name,
      shardReport({
        load: (parseStages(o.stages ?? '1x1, 20x2') as ClosedStage[]).map((st) => {
          const u = shardUsers(st.users, o);
          return [u.first, u.count, Array.from({ length: u.count }, (_, j) => 5 + j)] as [number, number, number[]];
        }),
        ...o,
      }),
    );
  const fails = (files: string[], re: RegExp): void => {
    let err: unknown;
    try {
      merge(files);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(re);
  };

  test('a missing shard', () => {
    fails([one('s1.json', { index: 1, count: 3 }), one('s3.json', { index: 3, count: 3 })], /^reports: shard 2\/3 missing \(given: .*s1\.json = 1\/3, .*s3\.json = 3\/3\)/);
  });
  test('a duplicate', () => {
    fails([one('d1.json', { index: 1, count: 2 }), one('d1-again.json', { index: 1, count: 2 })], /d1-again\.json \(shard 1\/2\): duplicate: .*d1\.json is shard 1\/2 too/);
  });
  test('shards of different plans', () => {
    fails(
      [one('p1.json', { index: 1, count: 2 }), one('p2.json', { index: 2, count: 2, stages: '1x1, 10x2' })],
      /p2\.json \(shard 2\/2\): another plan than .*p1\.json \(stages "1x1, 10x2" vs "1x1, 20x2"\)/,
    );
  });
  test('a cancelled shard', () => {
    const cut = shardReport({
      index: 2,
      count: 2,
      load: [
        [2, 0, []],
        [11, 10, [1, 2]],
      ],
    });
    cut.cancelled = true;
    fails([one('x1.json', { index: 1, count: 2 }), write('x2.json', cut)], /x2\.json \(shard 2\/2\): was cancelled/);
  });
  test('shards of another target', () => {
    fails([one('t1.json', { index: 1, count: 2 }), one('t2.json', { index: 2, count: 2, url: 'http://127.0.0.1:9/other' })], /t2\.json \(shard 2\/2\): another target/);
  });
  test('shards of different counts', () => {
    fails([one('c1.json', { index: 1, count: 2 }), one('c2.json', { index: 2, count: 3 })], /c2\.json \(shard 2\/3\): is one of 3 shards, but .*c1\.json is one of 2/);
  });
  test('a report that is not a shard report, and a file that is not there', () => {
    const whole = shardReport({
      index: 1,
      count: 1,
      load: [
        [1, 1, [5]],
        [1, 1, [5]],
      ],
    });
    delete whole.shard;
    fails([write('whole.json', whole)], /whole\.json: is not a shard's report/);
    fails([join(dir, 'nope.json')], /nope\.json: cannot be read: no such file/);
    writeFileSync(join(dir, 'bad.json'), '{');
    fails([join(dir, 'bad.json')], /bad\.json: is not JSON/);
  });
});

describe('ttfc-gate merge', () => {
  const cli = async (...argv: string[]): Promise<{ code: number; out: string; err: string }> => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['merge', ...argv], { out: (l) => out.push(l), err: (l) => err.push(l), env: {}, cwd: dir });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  beforeAll(() => {
    write(
      'm1.json',
      shardReport({
        index: 1,
        count: 2,
        load: [
          [1, 1, [50]],
          [1, 10, [100, 120, 140]],
        ],
      }),
    );
    write(
      'm2.json',
      shardReport({
        index: 2,
        count: 2,
        load: [
          [2, 0, []],
          [11, 10, [300, 320, 340]],
        ],
      }),
    );
  });

  test('merges the files given, writes the report where asked, exits 0 / 1 by the criteria', async () => {
    const ok = await cli('m1.json', 'm2.json', '--report-path', 'out/merged.json', '--criteria', '@20: ttfc.max < 1s');
    expect(ok).toMatchObject({ code: 0, err: '' });
    expect(ok.out).toMatch(/merging 2 shard reports/);
    const written = JSON.parse(readFileSync(join(dir, 'out', 'merged.json'), 'utf8')) as Report;
    expect(written.stages[1]!.issued).toBe(6);
    expect((await cli('m1.json', 'm2.json', '--criteria', '@20: ttfc.max < 200ms', '--report-path', 'out/failed.json')).code).toBe(1);
  });

  test('the baseline comparison runs on the merged run', async () => {
    const again = await cli('m1.json', 'm2.json', '--baseline', 'out/merged.json', '--report-path', 'out/again.json', '--criteria', 'ttfc.p95 < 1.5 * baseline.ttfc.p95');
    expect(again.code).toBe(0);
    const r = JSON.parse(readFileSync(join(dir, 'out', 'again.json'), 'utf8')) as Report;
    expect(r.baseline).toMatchObject({ loaded: true, regressions: [] });
    expect(r.baseline!.stages.map((s) => s.users)).toEqual([1, 20]);
    expect(r.criteria.map((c) => c.status)).toEqual(['pass', 'pass']);
  });

  test('shards that do not belong together, or none, exit 2 with one line naming the file', async () => {
    expect(await cli('m1.json')).toEqual({ code: 2, out: '', err: 'ttfc-gate: merge: shard 2/2 missing (given: m1.json = 1/2)' });
    expect(await cli('m1.json', 'm1.json', 'm2.json')).toEqual({ code: 2, out: '', err: 'ttfc-gate: merge: m1.json (shard 1/2): duplicate: m1.json is shard 1/2 too' });
    expect((await cli('--report-path', 'x.json')).err).toBe('ttfc-gate: merge: needs the shard reports to merge (ttfc-gate merge a.json b.json …)');
    expect((await cli('m1.json', 'm2.json', '--url', 'http://x')).err).toMatch(/^ttfc-gate: url: does not apply to merge \(the plan comes from the shard reports/);
    expect((await cli('m1.json', 'm2.json', '--nonsense', 'x')).err).toBe('ttfc-gate: --nonsense: unknown flag (see --help)');
  });

  test('a shard whose smoke test fails still exits 0; the merge fails the run and says why', async () => {
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l), env: {}, cwd: dir };
    // Nothing listens on port 9: every request is a connection failure.
    const code = await main(['--url', 'http://127.0.0.1:9/chat', '--shard', '1/1', '--stages', '1x1, 2x1', '--timeout', '2s', '--report-path', join(dir, 'smoke.json')], io);
    expect(code).toBe(0);
    const merged = await cli('smoke.json', '--report-path', 'out/smoke-merged.json');
    expect(merged.code).toBe(1);
    const r = JSON.parse(readFileSync(join(dir, 'out', 'smoke-merged.json'), 'utf8')) as Report;
    expect(r.smokeFailed).toBe(true);
    expect(r.diagnoses.map((d) => d.kind)).toContain('smoke');
  });
});
