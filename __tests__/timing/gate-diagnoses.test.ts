// Issue 5 end to end: buildConfig → runGate against real servers on 127.0.0.1 → the JSON report, the
// markdown report (PR comment / job summary) and the terminal report. No speed assertions: the
// thresholds below are far from what the servers are built to show.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig, type Inputs } from '../../src/core/config/config.js';
import { runGate } from '../../src/core/gate.js';
import { renderMarkdown } from '../../src/core/report/markdown.js';
import { renderTerminal } from '../../src/core/report/terminal.js';
import type { Report } from '../../src/core/report-types.js';
import { spawnDemo, type SpawnedDemo } from '../helpers/demo.js';

let demo: SpawnedDemo;
let dir: string;
beforeAll(async () => {
  demo = await spawnDemo();
  dir = mkdtempSync(join(tmpdir(), 'ttfc-gate5-'));
});
afterAll(async () => {
  await demo.close();
  rmSync(dir, { recursive: true, force: true });
});

const url = (q: string): string => `${demo.url}/chat?${q}`;

interface Run {
  report: Report;
  md: string;
  term: string;
  log: string[];
}

/** The whole gate as the adapters run it; the report as written to disk when report-path is given. */
async function gate(inputs: Inputs): Promise<Run> {
  const log: string[] = [];
  const cfg = buildConfig({ cooldown: '20ms', ...inputs }, { env: {}, cwd: dir });
  const report = await runGate(cfg, { noWrite: inputs['report-path'] === undefined, log: (l) => log.push(l) });
  // What users parse: the JSON as written (round-tripped), not the in-memory object.
  const json = JSON.parse(JSON.stringify(report)) as Report;
  // U+00A0 (number–unit) read as plain spaces.
  return { report: json, md: renderMarkdown(json, { tag: 'default', reportPath: 'ttfc-report.json' }).replace(/\u00A0/g, ' '), term: renderTerminal(json), log };
}

const kinds = (r: Report): string[] => r.diagnoses.map((d) => `${d.kind}@${d.users}`);

describe('serialized requests (blocking handler) with verdict confident', () => {
  let run: Run;
  beforeAll(async () => {
    // 6 requests served one after another: first chunks at ~100, 200, … 600 ms; mean ~350 ms with a
    // wide interval (~±125 ms), so 360 ms lies inside it whatever the machine adds.
    run = await gate({
      url: url('mode=blocking&delay=100&events=3&interval=10'),
      stages: '1x1, 6x1',
      verdict: 'confident',
      criteria: '@6: ttfc.avg < 360ms\n@6: ttfc.avg < 20s\nerrors == 0',
    });
  });

  test('the serialized diagnosis with its evidence is in the JSON report', () => {
    expect(kinds(run.report)).toEqual(['serialized@6']);
    const d = run.report.diagnoses[0]!;
    expect(d.message).toMatch(
      /^at 6 users throughput is \d+\.\d× that of 1 user and TTFC grew \d+\.\d× \(avg .+ vs .+ with 1 user\); the first chunks of the first 6 concurrent requests came one after another, about \d+ ms apart: requests look served one at a time — look for blocking calls in the async handler/,
    );
    const e = d.evidence as { ttfcGrowth: number; throughputRatio: number; firstWave: { requests: number; concurrency: number } };
    expect(e.ttfcGrowth).toBeGreaterThan(2);
    expect(e.throughputRatio).toBeLessThan(2);
    expect(e.firstWave.requests).toBe(6);
    expect(e.firstWave.concurrency).toBeLessThan(1.5);
    // Scaling efficiency per stage: the reference is 100%, serialized 6 users far below.
    expect(run.report.efficiency!.map((x) => x.users)).toEqual([1, 6]);
    expect(run.report.efficiency![0]!.efficiency).toBe(1);
    expect(run.report.efficiency![1]!.efficiency!).toBeLessThan(0.4);
  });

  test('… in the markdown report, message and evidence, with the scaling column', () => {
    const line = run.md.split('\n').find((l) => l.startsWith('- **serialized** at 6 users: '));
    expect(line).toBeDefined();
    expect(line).toContain('look for a blocking call in the async handler');
    // The full message and the evidence in words are in the collapsed section.
    const details = run.md.slice(run.md.indexOf('<summary>Diagnosis details</summary>'));
    expect(details).toMatch(/^- 6 users: throughput is \d+\.\d× that of 1 user/m);
    expect(details).toMatch(/^\| TTFC avg vs 1 user \| \d+ ms vs \d+ ms \\\(\d+\.\d×\\\) \|$/m);
    expect(details).toMatch(/^\| First wave \| 6 requests, first chunks from /m);
    expect(run.md).toContain('| Events/s | Scaling |');
    expect(run.md).toMatch(/^\| 1 \| 1 × 1 \|.*\| 100% \|$/m);
    expect(run.md).toMatch(/^\| 2 \| 6 × 1 \|.*\| \d{1,2}% \|$/m);
  });

  test('… and in the terminal report', () => {
    expect(run.term).toMatch(/^diagnosis serialized at 6 users: one request at a time up to the first chunk/m);
    expect(run.term).toMatch(/^ {2}6 users: throughput is \d+\.\d× that of 1 user/m);
    expect(run.term).toMatch(/^ {4}Read as: 1 at a time, groups \d+ ms apart/m);
    expect(run.term).toMatch(/^stage +users x req .* scaling$/m);
  });

  test('verdict confident: a straddling interval is inconclusive and does not fail; a clear one passes', () => {
    const [straddle, clear, errors] = run.report.criteria;
    expect(straddle).toMatchObject({ text: '@6: ttfc.avg < 360ms', stage: 2, status: 'inconclusive', inconclusive: true, threshold: 360 });
    expect(straddle!.interval!.low).toBeLessThan(360);
    expect(straddle!.interval!.high).toBeGreaterThan(360);
    expect(straddle!.interval!.level).toBe(0.95);
    expect(straddle!.reason).toMatch(/^inconclusive: the 95% interval \d+ ms – \d+ ms straddles 360 ms; verdict confident: not failed$/);
    expect(clear).toMatchObject({ status: 'pass', threshold: 20_000 });
    expect(clear!.inconclusive).toBeUndefined();
    expect(clear!.interval!.high).toBeLessThan(20_000);
    expect(errors).toMatchObject({ status: 'pass' });
    expect(errors!.interval).toBeUndefined(); // counts have no interval
    expect(run.report.passed).toBe(true);
    expect(run.md).toContain('## ✅ TTFC gate passed, 1 criterion inconclusive');
    expect(run.md).toMatch(/^\| ❓ inconclusive \| `@6: ttfc\.avg < 360ms` \| 6 users \| &lt; 360 ms \| \d+ ms \(inconclusive: the 95% interval/m);
    expect(run.md).toMatch(/^\| ✅ \| `@6: ttfc\.avg < 20s` \| 6 users \| &lt; 20 s \| \d+ ms \(95% CI \d+ ms – \d+ ms\) \|$/m);
    expect(run.md).toContain('Verdict confident');
    expect(run.md).toContain('**Run** verdict confident');
    expect(run.term).toMatch(/^INCONCLUSIVE +@6: ttfc\.avg < 360ms +6 users +actual \d+ ms vs 360 ms \(inconclusive: /m);
    expect(run.term).toMatch(/^PASSED with 1 inconclusive$/m);
  });

  test('per-stage TTFC intervals, the mermaid chart, the ASCII chart and the distribution', () => {
    const s = run.report.stages[1]!;
    expect(s.ttfcInterval!.level).toBe(0.95);
    expect(s.ttfcInterval!.avg!.low).toBeLessThanOrEqual(s.ttfc.avg!);
    expect(s.ttfcInterval!.avg!.high).toBeGreaterThanOrEqual(s.ttfc.avg!);
    expect(s.ttfcInterval!.p95!.high).toBeGreaterThanOrEqual(s.ttfc.p95!);
    expect(run.report.intervalMethod).toContain('bootstrap');
    expect(run.md).toContain('```mermaid\n---\nconfig:');
    expect(run.md).not.toContain('%%{init');
    expect(run.md).toContain('xychart-beta');
    expect(run.md).toContain('x-axis "concurrent users" 1 --> 6');
    expect(run.md).toContain('| Stage | Users | TTFC avg, 95% CI | TTFC p95, 95% CI | TTFC distribution | Range |');
    // One sparkline a stage, in backticks; the staircase spreads the 6 users over the range.
    expect(run.md).toMatch(/^\| 2 \| 6 \| \d+ ms – \d+ ms \| \d+ ms – \d+ ms \| `▕[ ▁▂▃▄▅▆▇█]{16}▏` \| \d+ ms – \d+ ms \|$/m);
    expect(run.term).toContain('TTFC (ms)');
    expect(run.term).toContain('o avg  x p95');
    expect(run.term).toMatch(/^TTFC distribution \(16 bins from \d+ ms to \d+ ms\)$/m);
    expect(run.term).toMatch(/^ +6 users │[ ▁▂▃▄▅▆▇█]{16}│ \d+ ms – \d+ ms {2}\(n=6\)$/m);
    expect(run.term).toMatch(/^stage +users +ttfc avg 95% CI +ttfc p95 95% CI$/m);
  });
});

test('an async handler at the same load: no serialized or saturated diagnosis, good scaling', async () => {
  const run = await gate({ url: url('mode=async&delay=100&events=3&interval=10'), stages: '1x1, 6x1, 12x1', criteria: 'errors == 0' });
  expect(run.report.diagnoses).toEqual([]);
  expect(run.md).not.toContain('### Diagnoses');
  expect(run.term).not.toContain('diagnosis');
  for (const e of run.report.efficiency!.slice(1)) expect(e.efficiency!).toBeGreaterThan(0.4);
});

test('a buffered stream (the demo in buffered mode): the buffered diagnosis in every report', async () => {
  const run = await gate({ url: url('mode=buffered&delay=60&events=4&interval=30'), stages: '1x2, 3x1', criteria: 'errors == 0' });
  expect(kinds(run.report)).toEqual(['buffered@null']);
  const d = run.report.diagnoses[0]!;
  expect(d.message).toMatch(/^buffered stream: in 5 of 5 multi-event responses \(100%\) all events \(median 4\) arrived together at the end/);
  expect(d.evidence).toMatchObject({ multiEventResponses: 5, bunched: 5 });
  expect(run.md).toMatch(/^- \*\*buffered\*\*: every event held until the end of the response: TTFC is the total time \\\(median \d+ ms\\\) — a buffering proxy/m);
  expect(run.md).toMatch(/^- buffered stream: in 5 of 5 multi-event responses .*X-Accel-Buffering: no/m); // the full message, collapsed
  expect(run.md).toMatch(/^\| Held back \| 5 of 5 multi-event responses: 5 all at once, 0 in a few bursts \|$/m);
  expect(run.term).toMatch(/^diagnosis buffered: every event held until the end /m);
  expect(run.term).toMatch(/^ {2}buffered stream: in 5 of 5 /m);
  expect(run.term).toMatch(/^ {4}Held back: 5 of 5 multi-event responses/m);
  // A real stream from the same server is not flagged.
  const streaming = await gate({ url: url('mode=async&delay=60&events=4&interval=30'), stages: '1x2, 3x1', criteria: 'errors == 0' });
  expect(streaming.report.diagnoses).toEqual([]);
});

describe('baseline', () => {
  const STAGES = '1x1, 3x2';
  let fast: string;
  let slow: string;
  beforeAll(async () => {
    fast = join(dir, 'fast.json');
    slow = join(dir, 'slow.json');
    await gate({ url: url('mode=async&delay=20&events=2&interval=30'), stages: STAGES, criteria: 'errors == 0', 'report-path': fast });
    await gate({ url: url('mode=async&delay=200&events=2&interval=30'), stages: STAGES, criteria: 'errors == 0', 'report-path': slow });
  });

  test('a slower run against an earlier report: ▲ deltas, regressions marked, the baseline criterion fails', async () => {
    const run = await gate({
      url: url('mode=async&delay=200&events=2&interval=30'),
      stages: STAGES,
      baseline: 'fast.json', // relative to the working directory
      criteria: 'ttfc.p95 < 1.2 * baseline.ttfc.p95\nerrors == 0',
    });
    const b = run.report.baseline!;
    expect(b).toMatchObject({ source: 'fast.json', loaded: true, threshold: 0.2, regressions: [1, 3] });
    expect(b.stages.map((s) => [s.users, s.regressed, s.ttfcAvg.regressed, s.successRate.text])).toEqual([
      [1, true, true, '±0 pp'],
      [3, true, true, '±0 pp'],
    ]);
    for (const s of b.stages) expect(s.ttfcP95.text).toMatch(/^▲ \d+%$/);
    expect(kinds(run.report)).toEqual(['regression@1', 'regression@3']);
    expect(run.report.diagnoses[1]!.message).toMatch(/^at 3 users: regression against the baseline \(.+\) — TTFC avg \d+ ms vs \d+ ms \(▲ \d+%\), TTFC p95 /);
    const crit = run.report.criteria.filter((c) => c.text.startsWith('ttfc.p95'));
    expect(crit.map((c) => c.status)).toEqual(['fail', 'fail']);
    const base3 = JSON.parse(readFileSync(fast, 'utf8')) as Report;
    expect(crit[1]!.threshold).toBeCloseTo(1.2 * base3.stages[1]!.ttfc.p95!, 6);
    expect(run.report.passed).toBe(false);
    // markdown: ❗ on the regressed stage-table cells, the deltas in the collapsed baseline section
    const row = run.md.split('\n').find((l) => l.startsWith('| 3 × 2 |'))!;
    expect(row).toMatch(/^\| 3 × 2 \| 6\/6 \| \d+ ms ❗ \| ❌ \*\*\d+ ms\*\* ❗ \|/);
    expect(run.md).toMatch(/^\| 2 \| 3 \| ❗ \*\*▲ \d+%\*\* \| ❗ \*\*▲ \d+%\*\* \| ±0 pp \|$/m);
    expect(run.md).toContain('▲ / ▼: change against `fast.json (');
    expect(run.md).toContain('<summary>Baseline: ❗ regressions at 1, 3 users</summary>');
    expect(run.md).toMatch(/^- \*\*regression\*\* at 1 and 3 users: regression against the baseline \\\(.+\\\) \\\(each stage's figures in the details\\\)$/m);
    expect(run.md).toMatch(/^- 3 users: regression against the baseline \\\(.+\\\) — TTFC avg \d+ ms vs \d+ ms/m); // collapsed
    expect(run.md).toMatch(/^\| Baseline \| source fast\.json, /m);
    // terminal: delta columns with "!" for regressions, the baseline line
    expect(run.term).toMatch(/^2 +3 x 2 +6\/6 .* ▲ \d+%! +▲ \d+%! +±0 pp /m);
    expect(run.term).toMatch(/^baseline: fast\.json \(.+\); regression threshold 20% .* — regressions at 1, 3 users$/m);
    expect(run.log.some((l) => l.startsWith('baseline: fast.json ('))).toBe(true);
  });

  test('a faster run against a slower report: ▼ deltas, no regression, the baseline criterion passes', async () => {
    const run = await gate({
      url: url('mode=async&delay=20&events=2&interval=30'),
      stages: STAGES,
      baseline: slow,
      'regression-threshold': '50%',
      criteria: 'ttfc.p95 < 1.2 * baseline.ttfc.p95',
    });
    expect(run.report.baseline).toMatchObject({ loaded: true, threshold: 0.5, regressions: [] });
    for (const s of run.report.baseline!.stages) {
      expect(s.ttfcAvg.text).toMatch(/^▼ \d+%$/);
      expect(s.regressed).toBe(false);
    }
    expect(run.report.diagnoses).toEqual([]);
    expect(run.report.criteria.map((c) => c.status)).toEqual(['pass', 'pass']);
    expect(run.report.passed).toBe(true);
    expect(run.md).toMatch(/^\| 2 \| 3 \| ▼ \d+% \| [▲▼±][^|]* \| ±0 pp \|$/m);
    expect(run.md).toContain('<summary>Baseline: no regression</summary>');
    expect(run.md).toContain('more than 50% slower');
  });

  test('other stages, schemaVersion 2, a missing file, not JSON: clear messages, never a crash, the verdict unchanged', async () => {
    const base = JSON.parse(readFileSync(fast, 'utf8')) as Record<string, unknown> & { stages: Array<Record<string, unknown>> };
    const other = join(dir, 'other-stages.json');
    writeFileSync(other, JSON.stringify({ ...base, stages: [base.stages[0], { ...base.stages[1], users: 5, index: 2 }] }));
    const v2 = join(dir, 'v2.json');
    writeFileSync(v2, JSON.stringify({ ...base, schemaVersion: 2 }));
    const garbage = join(dir, 'garbage.json');
    writeFileSync(garbage, '{"schemaVersion": 1, "stages": [');
    const inputs = { url: url('mode=async&delay=20&events=2&interval=30'), stages: STAGES, criteria: 'errors == 0\nttfc.p95 < 50 * baseline.ttfc.p95' };

    const mismatch = await gate({ ...inputs, baseline: other });
    expect(mismatch.report.baseline!.loaded).toBe(true);
    expect(mismatch.report.baseline!.messages).toEqual([
      'no baseline stage with 3 users: stage 2 (3x2) not compared',
      "the baseline's stage with 5 users (5x2) was not run this time",
    ]);
    expect(mismatch.report.baseline!.stages.map((s) => s.users)).toEqual([1]);
    expect(mismatch.report.criteria.filter((c) => c.status === 'skipped').map((c) => [c.users, c.reason])).toEqual([[3, 'no baseline stage with 3 users']]);
    expect(mismatch.md).toContain("- the baseline's stage with 5 users \\(5x2\\) was not run this time");
    expect(mismatch.term).toContain('  - no baseline stage with 3 users: stage 2 (3x2) not compared');
    expect(mismatch.report.passed).toBe(true);

    for (const [path, text] of [
      [v2, /has schemaVersion 2 \(written by ttfc-gate [\d.]+\); ttfc-gate [\d.]+ reads schemaVersion 1 — not compared/],
      [join(dir, 'missing.json'), /not found: nothing to compare against \(normal on a first run\)/],
      [garbage, /is not valid JSON/],
      [dir, /is a directory, not a JSON report/],
    ] as const) {
      const r = await gate({ ...inputs, baseline: path });
      expect(r.report.baseline).toMatchObject({ loaded: false, stages: [], regressions: [] });
      expect(r.report.baseline!.messages[0]).toMatch(text);
      expect(r.report.passed).toBe(true);
      expect(r.report.criteria.filter((c) => c.text.includes('baseline')).every((c) => c.status === 'skipped' && c.reason!.includes('the baseline could not be read'))).toBe(true);
      expect(r.md).toMatch(/^> \[!WARNING\]\n> \*\*Baseline not compared:\*\* baseline /m);
      const box = r.md.split('\n').find((l) => l.startsWith('> **Baseline not compared:**'))!;
      expect(box.replace(/\\/g, '')).toMatch(text);
      expect(box).not.toContain('..');
      expect(r.term).toMatch(/^baseline NOT compared: baseline /m);
      expect(r.log.some((l) => /^baseline: .* — not compared \(the run goes on\)$/.test(l))).toBe(true);
    }
  });
});

test('repeat 3: a log line per run, the median run per stage, the spread in the reports', async () => {
  const run = await gate({ url: url('mode=async&delay=30&events=2&interval=30'), stages: '1x1, 3x1', repeat: '3', criteria: 'errors == 0' });
  expect(run.log.filter((l) => /^run \d\/3$/.test(l))).toEqual(['run 1/3', 'run 2/3', 'run 3/3']);
  const rep = run.report.repeat!;
  expect(rep).toMatchObject({ requested: 3, runs: 3 });
  expect(rep.chosenRuns).toHaveLength(2);
  rep.spread.forEach((sp, i) => {
    const stage = run.report.stages[i]!;
    const values = sp.ttfcAvg.values as number[];
    expect(values).toHaveLength(3);
    // The reported stage is the median run's (an actual run, not an average), the spread min–max.
    expect(stage.ttfc.avg).toBe([...values].sort((a, b) => a - b)[1]);
    expect(values[sp.chosenRun]).toBe(stage.ttfc.avg);
    expect(sp.ttfcAvg.min).toBe(Math.min(...values));
    expect(sp.ttfcAvg.max).toBe(Math.max(...values));
  });
  // Only the chosen runs' requests: issued = users × requests.
  expect(run.report.stages.map((s) => s.issued)).toEqual([1, 3]);
  expect(run.report.requests).toHaveLength(4);
  expect(run.md).toContain('**Run** 3 runs, the median run per stage \\(by TTFC avg\\)');
  // 1 and 3 requests a stage: too few for intervals (fewer than 5), so no interval columns.
  expect(run.md).toContain('| Stage | Users | TTFC avg over 3 runs | Run shown | TTFC distribution | Range |');
  expect(run.md).toMatch(/^\| 2 \| 3 \| \d+ ms – \d+ ms \| [123] of 3 \|/m);
  expect(run.term).toMatch(/^stage +users +ttfc avg 95% CI +ttfc p95 95% CI +ttfc avg over 3 runs +run shown$/m);
});

describe('warmup', () => {
  let server: Server;
  let hits = 0;
  let base: string;
  beforeAll(async () => {
    // A cold start: the first two requests get a 503, every later one streams two events.
    server = createServer((_req, res) => {
      hits++;
      if (hits <= 2) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('cold start: instance is starting');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      setTimeout(() => res.end('data: two\n\n'), 5);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sse`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  test('warm-up requests are sent before stage 1 and left out of every figure', async () => {
    const before = hits;
    const run = await gate({ url: base, method: 'GET', stages: '1x1, 3x2', warmup: '3', criteria: 'success_rate == 100%\nerrors == 0' });
    expect(hits - before).toBe(3 + 1 + 6); // the server saw them …
    expect(run.report.requests).toHaveLength(7); // … the report did not: issued = users × requests
    expect(run.report.stages.map((s) => [s.issued, s.succeeded, s.failed])).toEqual([
      [1, 1, 0],
      [6, 6, 0],
    ]);
    expect(run.report.stages.every((s) => s.failures.http_5xx === 0)).toBe(true);
    expect(run.report.errorSamples).toEqual([]);
    expect(run.report.requests.every((r) => r.stage >= 1)).toBe(true);
    expect(run.report.warmup).toMatchObject({ requests: 3, succeeded: 1 });
    expect(run.report.passed).toBe(true);
    expect(run.log).toContain('warm-up: 3 requests before stage 1, one after another (not counted)…');
    expect(run.log.find((l) => l.startsWith('warm-up done: 1/3 ok; ttfc no chunk, no chunk, '))).toBeDefined();
    expect(run.md).toContain('**Run** 3 warm-up requests \\(1 ok\\) before stage 1, not counted');
    expect(run.term).toContain('3 warm-up requests (1 ok) before stage 1, not counted');
  });
});

test('a broken preview is not hammered: repeat stops after a failed smoke test, warm-up after an unreachable target', async () => {
  const broken = await gate({ url: url('mode=status&code=503&delay=0'), stages: '1x1, 3x1', repeat: '3', warmup: '2', criteria: 'errors == 0' });
  expect(broken.log).toContain('run 1 failed the smoke test: the remaining 2 run(s) are not started');
  expect(broken.log.filter((l) => /^run \d\/3$/.test(l))).toEqual(['run 1/3']);
  expect(broken.report.repeat).toMatchObject({ requested: 3, runs: 1 });
  expect(broken.report.warmup).toMatchObject({ requests: 2, succeeded: 0 }); // HTTP errors: a cold start may answer 503
  expect(broken.report.smokeFailed).toBe(true);
  expect(broken.report.passed).toBe(false);
  expect(broken.md).toContain('1 run of 3 \\(a run failed its smoke test\\)');

  const unreachable = await gate({ url: 'http://127.0.0.1:1/chat', stages: '1x1', warmup: '5', timeout: '2s', criteria: 'errors == 0' });
  expect(unreachable.report.warmup).toMatchObject({ requests: 1, succeeded: 0 });
  expect(unreachable.log.some((l) => l.startsWith('warm-up done: 0/1 ok (stopped: the target cannot be reached)'))).toBe(true);
  expect(unreachable.report.requests).toHaveLength(1);
  expect(unreachable.report.smokeFailed).toBe(true);
});
