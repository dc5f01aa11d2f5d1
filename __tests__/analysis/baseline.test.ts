// Baseline reports (issue 5 §3): loading and validation, stage matching by users, deltas, regressions.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareBaseline, parseBaseline, parseRegressionThreshold, readBaseline, validateBaseline, type BaselineReport } from '../../src/core/analysis/baseline.js';
import { evaluateCriteria, parseCriteria } from '../../src/core/analysis/criteria/index.js';
import { InputError } from '../../src/core/errors.js';
import { summarizeStage } from '../../src/core/analysis/stats.js';
import { computeStats } from '../../src/core/sample-stats.js';
import type { RequestRecord, StageSummary } from '../../src/core/types.js';
import { record } from '../helpers/records.js';
import { VERSION } from '../../src/core/version.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ttfc-baseline-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A stage whose successful requests have these TTFCs, plus `failed` failed ones. */
function stage(index: number, users: number, ttfcs: number[], failed = 0, requestsPerUser = 1): StageSummary {
  const recs: RequestRecord[] = ttfcs.map((t, i) => record({ stage: index, user: i + 1, ttfb: 2, ttfc: t, ttft: t, total: t + 50, stall: 10, events: 3, bytes: 10 }));
  for (let i = 0; i < failed; i++) {
    recs.push({ ...recs[0]!, ok: false, status: 503, category: 'http_5xx', ttfc: null, ttft: null });
  }
  return summarizeStage(index, { users, requestsPerUser }, recs, 1000);
}

/** A report as the gate writes it (only the fields a baseline needs, plus a few it ignores). */
function report(stages: StageSummary[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemaVersion: 1,
    tool: { name: 'ttfc-gate', version: '0.1.0' },
    target: { method: 'POST', url: 'https://preview.example/chat', preset: 'generic', commit: '0123456789abcdef' },
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
    passed: true,
    stages,
    criteria: [],
    diagnoses: [],
    requests: [],
    ...extra,
  };
}

function write(name: string, content: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

function load(json: unknown): BaselineReport {
  const r = validateBaseline(json, 'base.json');
  if (!r.ok) throw new Error(r.message);
  return r.baseline;
}

// ---------------------------------------------------------------------------------------------

test('regression-threshold: 20%, 20 %, 0.2 and the default; bad values are input errors', () => {
  expect(parseRegressionThreshold(undefined)).toBe(0.2);
  expect(parseRegressionThreshold('  ')).toBe(0.2);
  expect(parseRegressionThreshold('20%')).toBeCloseTo(0.2);
  expect(parseRegressionThreshold('12.5 %')).toBeCloseTo(0.125);
  expect(parseRegressionThreshold('0.3')).toBeCloseTo(0.3);
  const bad = (t: string, fragment: string): void => {
    try {
      parseRegressionThreshold(t);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).message).toBe(`regression-threshold: ${fragment}`);
      return;
    }
    throw new Error(`no error for ${t}`);
  };
  bad('fast', '"fast" is not a percentage (e.g. 20%)');
  bad('-5%', '"-5%" is not a percentage (e.g. 20%)');
  bad('20', '"20" is ambiguous: write a percentage, e.g. 20%');
  bad('0%', '"0%" must be more than 0%');
});

test('a report written by the gate round-trips, and baseline criteria use its stages', () => {
  const base = [stage(1, 1, [200]), stage(2, 10, [300, 320, 340])];
  const path = write('ok.json', report(base));
  const r = readBaseline(path);
  expect(r.ok).toBe(true);
  if (!r.ok) return;
  expect(r.warnings).toEqual([]);
  expect(r.baseline).toMatchObject({
    source: path,
    schemaVersion: 1,
    toolVersion: '0.1.0',
    startedAt: '2026-01-01T00:00:00.000Z',
    commit: '0123456789abcdef',
    target: { method: 'POST', url: 'https://preview.example/chat', preset: 'generic' },
  });
  expect(r.baseline.stages).toEqual(JSON.parse(JSON.stringify(base)));

  const now = [stage(1, 1, [210]), stage(2, 10, [400, 420, 440])];
  const results = evaluateCriteria(parseCriteria('ttfc.p95 < 1.2 * baseline.ttfc.p95'), now, { baseline: r.baseline.stages });
  expect(results.map((x) => [x.users, x.status, x.threshold])).toEqual([
    [1, 'pass', 240],
    [10, 'fail', 405.6],
  ]);
});

test('missing, unreadable, non-JSON and foreign files: a clear message, never a throw', () => {
  const missing = join(dir, 'nope.json');
  expect(readBaseline(missing)).toEqual({ ok: false, message: `baseline ${missing} not found: nothing to compare against (normal on a first run)` });
  const sub = join(dir, 'a-dir');
  mkdirSync(sub);
  expect(readBaseline(sub)).toEqual({ ok: false, message: `baseline ${sub} is a directory, not a JSON report` });
  const bad = readBaseline(write('bad.json', '{"schemaVersion": 1,'));
  expect(bad.ok).toBe(false);
  expect(!bad.ok && bad.message).toMatch(/^baseline .*bad\.json is not valid JSON \(.+\)$/);
  expect(parseBaseline('[1,2]', 'x.json')).toEqual({ ok: false, message: 'baseline x.json is not a ttfc-gate JSON report (expected an object)' });
  expect(parseBaseline('{"tool":{"name":"k6"},"schemaVersion":1,"stages":[]}', 'x.json')).toEqual({
    ok: false,
    message: 'baseline x.json is not a ttfc-gate report (tool "k6")',
  });
  expect(parseBaseline('{"stages":[]}', 'x.json')).toEqual({ ok: false, message: 'baseline x.json has no schemaVersion: not a ttfc-gate JSON report' });
  expect(parseBaseline('{"schemaVersion":1,"tool":{"name":"ttfc-gate"}}', 'x.json')).toEqual({ ok: false, message: 'baseline x.json has no stages array' });
});

test('another schema version is not compared, and says which', () => {
  const r = validateBaseline(report([stage(1, 1, [200])], { schemaVersion: 2, tool: { name: 'ttfc-gate', version: '2.0.0' } }), 'old.json');
  expect(r).toEqual({
    ok: false,
    message:
      `baseline old.json has schemaVersion 2 (written by ttfc-gate 2.0.0); ttfc-gate ${VERSION} reads schemaVersion 1 — not compared. ` +
      'Refresh the baseline with a report from this version.',
  });
});

test('unusable stages are dropped with a warning; missing fields are completed', () => {
  const r = validateBaseline(
    {
      schemaVersion: 1,
      stages: [
        null,
        { users: 'ten' },
        { users: 5, ttfc: { n: 2, avg: 300, p95: 'x' } }, // no successRate, nothing to derive it from
        { users: 10, issued: 4, succeeded: 3, ttfc: { n: 3, avg: 310, p95: 400 } },
      ],
    },
    'b.json',
  );
  expect(r.ok).toBe(true);
  if (!r.ok) return;
  expect(r.warnings).toEqual([
    'baseline b.json does not name its tool; read as a ttfc-gate report',
    'baseline b.json: stage 1 is not an object — ignored',
    'baseline b.json: stage 2 has no valid "users" — ignored',
    'baseline b.json: stage 3 has no valid "successRate" — ignored',
  ]);
  const [s] = r.baseline.stages;
  expect(s).toMatchObject({ index: 4, users: 10, requestsPerUser: 1, successRate: 0.75, failed: 1, skipped: false });
  expect(s!.ttfc).toEqual({ ...computeStats([]), n: 3, avg: 310, p95: 400 });
  expect(s!.failures.http_5xx).toBe(0);
  // Still usable by the criteria (no crash on the completed fields).
  const res = evaluateCriteria(parseCriteria('ttfc.p95 < 1.2 * baseline.ttfc.p95\nttfc.p99 < baseline.ttfc.p99'), [stage(1, 10, [300])], { baseline: r.baseline.stages });
  expect(res.map((x) => x.status)).toEqual(['pass', 'fail']);
  expect(res[1]!.reason).toBe('no ttfc samples to measure in the baseline stage with 10 users');

  expect(validateBaseline({ schemaVersion: 1, stages: [{ users: 0 }] }, 'e.json')).toEqual({
    ok: false,
    message: 'baseline e.json has no usable stages (baseline e.json does not name its tool; read as a ttfc-gate report; baseline e.json: stage 1 has no valid "users" — ignored)',
  });
});

test('strange JSON never crashes the loader', () => {
  const odd: unknown[] = [
    null,
    0,
    'x',
    [],
    {},
    { schemaVersion: 1, stages: {} },
    { schemaVersion: '1', stages: [] },
    { schemaVersion: 1, tool: null, stages: [{ users: 1, ttfc: null, successRate: 2, issued: 'a' }] },
  ];
  for (const o of odd) {
    const r = validateBaseline(o, 'odd.json');
    if (!r.ok) expect(r.message).toMatch(/^baseline odd\.json /);
  }
});

// ---------------------------------------------------------------------------------------------

test('deltas per stage: ▲ / ▼ with %, success rate in points; the threshold marks regressions', () => {
  const base = load(report([stage(1, 1, [200]), stage(2, 10, [100, 100, 100, 100, 100, 100, 100, 100, 100, 100])]));
  const now = [
    stage(1, 1, [190]),
    // avg 130 (+30%), p95 ≈ 100 + …; one of ten failed: success 90% (−10 pp)
    stage(2, 10, [130, 130, 130, 130, 130, 130, 130, 130, 130], 1),
  ];
  const cmp = compareBaseline(now, base);
  expect(cmp.threshold).toBe(0.2);
  expect(cmp.messages).toEqual([]);
  expect(cmp.stages.map((s) => [s.users, s.ttfcAvg.text, s.ttfcP95.text, s.successRate.text, s.regressed])).toEqual([
    [1, '▼ 5%', '▼ 5%', '±0 pp', false],
    [10, '▲ 30%', '▲ 30%', '▼ 10 pp', true],
  ]);
  const s10 = cmp.stages[1]!;
  expect(s10.ttfcAvg).toEqual({ current: 130, baseline: 100, diff: 30, change: 0.3, text: '▲ 30%', regressed: true });
  expect(s10.successRate).toMatchObject({ current: 0.9, baseline: 1, text: '▼ 10 pp', regressed: true });
  expect(cmp.diagnoses).toHaveLength(1);
  const d = cmp.diagnoses[0]!;
  expect(d.kind).toBe('regression');
  expect(d.users).toBe(10);
  expect(d.message).toBe(
    'at 10 users: regression against the baseline (commit 0123456, 2026-01-01T00:00:00.000Z) — TTFC avg 130 ms vs 100 ms (▲ 30%), ' +
      'TTFC p95 130 ms vs 100 ms (▲ 30%), success rate 90% vs 100% (▼ 10 pp); threshold 20% slower for TTFC, 5 pp for the success rate',
  );
  expect(d.evidence).toMatchObject({
    threshold: 0.2,
    baseline: { source: 'base.json', stage: 2, commit: '0123456789abcdef' },
    metrics: { 'ttfc.avg': { current: 130, baseline: 100, change: 0.3, regressed: true } },
  });

  // A higher threshold: the 30% is tolerated, the success-rate drop is not.
  const lenient = compareBaseline(now, base, { threshold: 0.5 });
  expect(lenient.stages[1]!.ttfcAvg.regressed).toBe(false);
  expect(lenient.diagnoses[0]!.message).toContain('— success rate 90% vs 100% (▼ 10 pp); threshold 50% slower');
});

test('exactly at the threshold is not a regression; tiny absolute changes never are', () => {
  const base = load(report([stage(1, 10, [100]), stage(2, 20, [2])]));
  const cmp = compareBaseline([stage(1, 10, [120]), stage(2, 20, [4])], base);
  expect(cmp.stages.map((s) => [s.ttfcAvg.text, s.ttfcAvg.regressed])).toEqual([
    ['▲ 20%', false],
    ['▲ 100%', false], // +2 ms
  ]);
  expect(compareBaseline([stage(1, 10, [121])], base).stages[0]!.ttfcAvg).toMatchObject({ text: '▲ 21%', regressed: true });
  expect(compareBaseline([stage(1, 10, [104.5])], base).stages[0]!.ttfcAvg.text).toBe('▲ 4.5%');
  expect(compareBaseline([stage(1, 10, [100])], base).stages[0]!.ttfcAvg.text).toBe('±0%');
});

test('other stages: matched by users, mismatches reported, never a crash', () => {
  const base = load(report([stage(1, 1, [200]), stage(2, 10, [300], 0, 5), stage(3, 50, [900])]));
  const now = [stage(1, 1, [200]), stage(2, 10, [300], 0, 3), stage(3, 20, [500]), { ...stage(4, 50, []), skipped: true, issued: 0 }];
  const cmp = compareBaseline(now, base, { target: { url: 'https://pr-7.example/chat', preset: 'generic', method: 'POST' } });
  expect(cmp.stages.map((s) => [s.index, s.baselineIndex, s.users])).toEqual([
    [1, 1, 1],
    [2, 2, 10],
  ]);
  expect(cmp.unmatchedCurrent).toEqual([20]);
  expect(cmp.unmatchedBaseline).toEqual([]);
  expect(cmp.messages).toEqual([
    'the baseline was measured against https://preview.example/chat, this run against https://pr-7.example/chat',
    'stage with 10 users: the baseline ran 10x5, this run 10x3 — compared anyway',
    'no baseline stage with 20 users: stage 3 (20x1) not compared',
    'stage 4 (50x1) was skipped in this run: not compared',
  ]);

  const fewer = compareBaseline([stage(1, 1, [200])], base);
  expect(fewer.unmatchedBaseline).toEqual([10, 50]);
  expect(fewer.messages).toEqual(["the baseline's stage with 10 users (10x5) was not run this time", "the baseline's stage with 50 users (50x1) was not run this time"]);

  // Two stages with the same users pair up in order.
  const twice = load(report([stage(1, 10, [100]), stage(2, 10, [200])]));
  const pairs = compareBaseline([stage(1, 10, [100]), stage(2, 10, [200]), stage(3, 10, [300])], twice);
  expect(pairs.stages.map((s) => [s.index, s.baselineIndex, s.ttfcAvg.text])).toEqual([
    [1, 1, '±0%'],
    [2, 2, '±0%'],
  ]);
  expect(pairs.messages).toEqual(['no baseline stage with 10 users: stage 3 (10x1) not compared']);

  // A baseline stage without successes: TTFC not comparable, the success rate is.
  const broken = load(report([stage(1, 10, [], 10)]));
  const b = compareBaseline([stage(1, 10, [100])], broken).stages[0]!;
  expect(b.ttfcAvg).toMatchObject({ current: 100, baseline: null, text: '', regressed: false });
  expect(b.successRate.text).toBe('▲ 100 pp');
});
