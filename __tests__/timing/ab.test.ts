// Same-run A/B against real demo servers (child processes, so a blocking handler cannot stall the
// client): a head 150 ms slower to its first event is flagged with an interval that excludes 1 on
// every run; the same server twice fails no comparison over several runs and its median ratio is
// within 5% of 1; a head that is slow only under concurrency is ~1x at 1 user and flagged at 10 and
// 20. The bounds are ratios of two sides measured in the same minutes, far from what the servers
// are built to show (1.75x, 1x, ≥ 5x).
import { buildConfig, type Inputs } from '../../src/core/config/config.js';
import { runGate } from '../../src/core/gate.js';
import { renderMarkdown } from '../../src/core/report/markdown.js';
import type { Report } from '../../src/core/report-types.js';
import { spawnDemo, type SpawnedDemo } from '../helpers/demo.js';

let base: SpawnedDemo;
let slow: SpawnedDemo;
beforeAll(async () => {
  [base, slow] = await Promise.all([spawnDemo(), spawnDemo({ extraDelayMs: 150 })]);
});
afterAll(async () => {
  await Promise.all([base?.close(), slow?.close()]);
});

async function gate(inputs: Inputs): Promise<Report> {
  const cfg = buildConfig({ cooldown: '20ms', verdict: 'confident', ...inputs }, { env: {} });
  return JSON.parse(JSON.stringify(await runGate(cfg, { noWrite: true }))) as Report;
}

const ratio = (r: Report, users: number, key = 'ttfc.avg') => r.compare!.stages.find((s) => s.users === users)!.ratios[key]!;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

// The issue's comparisons, and two-sided ones at ±5%: the whole interval never lies outside 0.95–1.05x.
// (Exact `<=` / `>=` against the same server fail now and then: a 95% interval misses 1 in about one
// stage in twenty; `node lib/bench/ab.js 10` measures how often.)
const COMPARISONS = [
  'ttfc.avg < 1.2 * compare.ttfc.avg',
  'ttfc.p95 < compare.ttfc.p95 + 200ms',
  'success_rate >= compare.success_rate',
  'ttfc.avg <= 1.05 * compare.ttfc.avg',
  'ttfc.avg >= 0.95 * compare.ttfc.avg',
].join('\n');

test('a head 150 ms slower to its first event is flagged at every stage, on every run, with intervals that exclude 1', async () => {
  for (let run = 0; run < 3; run++) {
    const r = await gate({
      url: `${slow.url}/chat?delay=200&events=3&interval=10`,
      'compare-url': `${base.url}/chat?delay=200&events=3&interval=10`,
      stages: '1x4, 10x4, 20x3',
      // strict: the point ratio decides these lines (the intervals are asserted below, and judged
      // under confident by the other tests).
      verdict: 'strict',
      criteria: 'ttfc.avg < 1.2 * compare.ttfc.avg\n@20: ttfc.p95 < compare.ttfc.p95 + 500ms\nsuccess_rate >= compare.success_rate',
    });
    expect(r.smokeFailed).toBe(false);
    for (const users of [1, 10, 20]) {
      const avg = ratio(r, users);
      expect(avg.low).not.toBeNull();
      expect(avg.low!).toBeGreaterThan(1);
      expect(avg.ratio!).toBeGreaterThan(1.3);
    }
    expect(r.compare!.regressions).toEqual([1, 10, 20]);
    const fails = r.criteria.filter((c) => c.status === 'fail').map((c) => `${c.text}@${c.users}`);
    expect(fails).toEqual(['ttfc.avg < 1.2 * compare.ttfc.avg@1', 'ttfc.avg < 1.2 * compare.ttfc.avg@10', 'ttfc.avg < 1.2 * compare.ttfc.avg@20']);
    // 150 ms slower is within "+ 500ms": the offset moves the threshold.
    expect(r.criteria.filter((c) => c.text.startsWith('@20') || c.text.startsWith('success_rate')).every((c) => c.status === 'pass')).toBe(true);
    expect(r.passed).toBe(false);
    expect(r.diagnoses.find((d) => d.kind === 'regression')!.message).toMatch(
      /^same-run comparison with the compare target: at \d+ users? TTFC (avg|p95) is [\d.]+x the base's \(95% CI/,
    );
    // The rounds alternated: HB BH … continuing across stages.
    expect(r.compare!.stages.map((s) => s.order)).toEqual(['HB BH HB BH', 'BH HB BH HB', 'HB BH HB']);
    expect(r.compare!.requests).toHaveLength(4 + 40 + 60);
    expect(r.compare!.warmup).toMatchObject({ requests: 1, succeeded: 1 });
    if (run === 0) {
      const md = renderMarkdown(r);
      expect(md).toContain('### Head vs base (same run)');
      expect(md).toMatch(/❗ \*\*[\d.]+x \([\d.]+–[\d.]+\)\*\*/);
      expect(md).toContain('line "base avg"');
    }
  }
});

test('the same server twice: no comparison fails over 6 runs and the median ratio is within 5% of 1', async () => {
  const ratios: number[] = [];
  for (let run = 0; run < 6; run++) {
    const target = `${base.url}/chat?delay=150&events=3&interval=10`;
    // An A/A: the same server; the query parameter it ignores makes compare-url another URL (the same one is an input error).
    const r = await gate({ url: target, 'compare-url': `${target}&side=base`, stages: '1x4, 10x3, 20x3', criteria: COMPARISONS });
    const failed = r.criteria.filter((c) => c.status === 'fail');
    expect(failed.map((c) => `${c.text}@${c.users}: ${JSON.stringify(c.interval)}`)).toEqual([]);
    expect(r.compare!.regressions).toEqual([]);
    expect(r.compare!.improvements).toEqual([]);
    expect(r.diagnoses.filter((d) => d.kind === 'regression' || d.kind === 'improvement')).toEqual([]);
    for (const s of r.compare!.stages) ratios.push(s.ratios['ttfc.avg']!.ratio!);
  }
  // The median TTFC avg ratio over every stage of every run.
  expect(Math.abs(median(ratios) - 1)).toBeLessThan(0.05);
});

test('slow only under concurrency (blocking head, async base): ~1x at 1 user, flagged at 10 and 20 users', async () => {
  const r = await gate({
    url: `${base.url}/chat?mode=blocking&delay=100&events=3&interval=10`,
    'compare-url': `${base.url}/chat?mode=async&delay=100&events=3&interval=10`,
    stages: '1x3, 10x3, 20x3',
    criteria: 'ttfc.avg < 1.5 * compare.ttfc.avg',
  });
  const one = ratio(r, 1);
  expect(one.ratio!).toBeGreaterThan(0.75);
  expect(one.ratio!).toBeLessThan(1.3);
  expect(r.compare!.stages[0]!.regressed).toBe(false);
  for (const users of [10, 20]) expect(ratio(r, users).low!).toBeGreaterThan(2);
  expect(r.compare!.regressions).toEqual([10, 20]);
  expect(r.criteria.map((c) => `${c.users}:${c.status}`)).toEqual(['1:pass', '10:fail', '20:fail']);
  const d = r.diagnoses.find((x) => x.kind === 'regression')!;
  expect(d.users).toBe(20);
  expect(d.message).toMatch(/; at 1 user [\d.]+x: the slowdown appears only under concurrency$/);
});
