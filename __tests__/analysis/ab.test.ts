// Same-run A/B: the paired-round bootstrap, the ratios and diagnosis, the compare. criteria (grammar
// and evaluation), the round schedule. Pure: synthetic records, no servers.
import { compareOfChosen, compareSection, diagnoseCompare } from '../../src/core/analysis/ab.js';
import { differenceInterval, insufficient, pairedBootstrap, pairedSampler, ratioInterval, roundSamples } from '../../src/core/analysis/paired-bootstrap.js';
import { formatRatio } from '../../src/core/format.js';
import { evaluateCriteria, parseCriteria, CriteriaError } from '../../src/core/analysis/criteria/index.js';
import { summarizeStage } from '../../src/core/analysis/stats.js';
import { runRounds } from '../../src/core/load/interleave.js';
import type { ClosedStage as Stage, RequestRecord, RunResult } from '../../src/core/types.js';

/** A successful request with the given TTFC (other times derived from it). */
function rec(stage: number, user: number, iteration: number, ttfc: number, ok = true): RequestRecord {
  return {
    stage,
    user,
    iteration,
    startedAt: 1e12 + stage * 1e6 + iteration * 1e3 + user,
    status: ok ? 200 : 503,
    ok,
    category: ok ? null : 'http_5xx',
    error: ok ? null : 'busy',
    connect: 0.2,
    ttfb: ttfc - 1,
    ttfc: ok ? ttfc : null,
    ttft: ok ? ttfc : null,
    total: ok ? ttfc + 80 : null,
    stall: 20,
    events: 5,
    bytes: 200,
    gaps: [20, 20, 20, 20],
  };
}

/** Deterministic noise in [-1, 1). */
function noise(i: number): number {
  const x = Math.sin(i * 12.9898) * 43758.5453;
  return 2 * (x - Math.floor(x)) - 1;
}

/** A run of `plan` against head and base: TTFC = mean(users) + noise × spread. */
function abRun(plan: Stage[], head: (users: number) => number, base: (users: number) => number, spread = 20): RunResult {
  const requests: RequestRecord[] = [];
  const baseRequests: RequestRecord[] = [];
  let i = 0;
  plan.forEach((st, s) => {
    for (let k = 1; k <= st.requestsPerUser; k++) {
      for (let u = 1; u <= st.users; u++) {
        requests.push(rec(s + 1, u, k, head(st.users) + spread * noise(i++)));
        baseRequests.push(rec(s + 1, u, k, base(st.users) + spread * noise(i++)));
      }
    }
  });
  const summarize = (all: RequestRecord[]) =>
    plan.map((st, s) =>
      summarizeStage(
        s + 1,
        st,
        all.filter((r) => r.stage === s + 1),
        1000,
      ),
    );
  return {
    startedAt: '',
    finishedAt: '',
    smokeFailed: false,
    errorSamples: [],
    stages: summarize(requests),
    requests,
    compare: { stages: summarize(baseRequests), requests: baseRequests, errorSamples: [], smokeFailed: false, order: plan.map((_, s) => ({ stage: s + 1, rounds: 'HB' })) },
  };
}

describe('paired bootstrap', () => {
  const head = [
    [300, 310, 305],
    [320, 300, 290],
    [310, 315, 300],
  ];
  const base = [
    [200, 210, 205],
    [220, 200, 190],
    [210, 215, 200],
  ];

  test('is seeded: the same rounds give the same interval; the interval holds the point', () => {
    const a = ratioInterval(pairedBootstrap(head, base, 'avg')!);
    const b = ratioInterval(pairedBootstrap(head, base, 'avg')!);
    expect(a).toEqual(b);
    expect(a.low!).toBeLessThanOrEqual(a.ratio!);
    expect(a.high!).toBeGreaterThanOrEqual(a.ratio!);
    expect(a.ratio!).toBeCloseTo(305.56 / 205.56, 3);
    // A 100 ms slower head: the whole interval is far above 1.
    expect(a.low!).toBeGreaterThan(1.3);
  });

  test('the same values on both sides: a ratio of exactly 1 inside the interval', () => {
    const r = ratioInterval(pairedBootstrap(head, head, 'p95')!);
    expect(r.ratio).toBe(1);
    expect(r.low!).toBeLessThanOrEqual(1);
    expect(r.high!).toBeGreaterThanOrEqual(1);
  });

  test('difference intervals are of head − factor × base', () => {
    const d = pairedBootstrap(head, base, 'avg')!;
    const diff = differenceInterval(d, 1);
    expect(diff.low).toBeLessThanOrEqual(100);
    expect(diff.high).toBeGreaterThanOrEqual(100);
    expect(diff.low).toBeGreaterThan(50);
    const scaled = differenceInterval(d, 2);
    expect(scaled.high).toBeLessThan(0); // 305 < 2 × 205 with room to spare
  });

  test('one sample a side is too few for an interval; no sample is no comparison', () => {
    const d = pairedBootstrap([[300]], [[200]], 'avg')!;
    expect(insufficient(d)).toMatch(/too few/);
    expect(ratioInterval(d)).toEqual({ ratio: 1.5, low: null, high: null });
    expect(pairedBootstrap([[]], [[200]], 'avg')).toBeNull();
  });

  test('roundSamples pairs by iteration; success_rate counts every issued request', () => {
    const rs = [rec(1, 1, 1, 100), rec(1, 2, 1, 110), rec(1, 1, 2, 120, false), rec(2, 1, 1, 999)];
    expect(roundSamples(rs, 1, 'ttfc', 2)).toEqual([[100, 110], []]);
    expect(roundSamples(rs, 1, 'success_rate', 2)).toEqual([[100, 100], [0]]);
  });

  test('formatRatio', () => {
    expect(formatRatio(1.9)).toBe('1.9x');
    expect(formatRatio(1.034)).toBe('1.03x');
    expect(formatRatio(1)).toBe('1.0x');
    expect(formatRatio(4.26)).toBe('4.3x');
    expect(formatRatio(15.3)).toBe('15x');
    expect(formatRatio(null)).toBe('n/a');
  });
});

describe('compare section and diagnosis', () => {
  const plan: Stage[] = [
    { users: 1, requestsPerUser: 4 },
    { users: 10, requestsPerUser: 3 },
    { users: 20, requestsPerUser: 2 },
  ];

  test('slow only under concurrency: flagged at 10 and 20 users, ~1 at 1 user, said so', () => {
    const run = abRun(
      plan,
      (u) => (u === 1 ? 200 : 200 * u * 0.5),
      () => 200,
    );
    const section = compareSection(run, pairedSampler(run), { url: 'http://base', threshold: 0.2, method: 'm' })!;
    expect(section.regressions).toEqual([10, 20]);
    const one = section.stages[0]!;
    expect(one.regressed).toBe(false);
    expect(one.ratios['ttfc.avg']!.low!).toBeLessThanOrEqual(1.05);
    expect(one.ratios['ttfc.avg']!.high!).toBeGreaterThanOrEqual(0.95);
    expect(section.stages[2]!.ratios['ttfc.avg']!.low!).toBeGreaterThan(1.2);
    expect(Object.keys(one.ratios)).toEqual(expect.arrayContaining(['ttfc.avg', 'ttfc.p95', 'ttft.p50', 'ttfb.p99', 'total.avg']));
    const [d] = diagnoseCompare(section);
    expect(d).toMatchObject({ kind: 'regression', users: 20 });
    expect(d!.message).toMatch(/at 20 users TTFC avg is (9\.9|10)x the base's \(95% CI [\d.]+–[\d.]+x\), at 10 users 5\.0x/);
    expect(d!.message).toMatch(/at 1 user [01]\.\d+x: the slowdown appears only under concurrency$/);
  });

  test('a faster head is an improvement; equal sides are neither', () => {
    const faster = abRun(
      plan,
      () => 100,
      () => 200,
    );
    const s1 = compareSection(faster, pairedSampler(faster), { url: 'b', threshold: 0.2, method: 'm' })!;
    expect(s1.improvements).toEqual([1, 10, 20]);
    expect(diagnoseCompare(s1)[0]).toMatchObject({ kind: 'improvement' });
    expect(diagnoseCompare(s1)[0]!.message).toMatch(/faster at every stage$/);
    const same = abRun(
      plan,
      () => 200,
      () => 200,
    );
    const s2 = compareSection(same, pairedSampler(same), { url: 'b', threshold: 0.2, method: 'm' })!;
    expect(s2.regressions).toEqual([]);
    expect(s2.improvements).toEqual([]);
    expect(diagnoseCompare(s2)).toEqual([]);
  });
});

describe('compare. criteria', () => {
  test('parse: factor, offset, compare prefix; errors name line and column', () => {
    const [a, b, c, d] = parseCriteria(
      'ttfc.avg < 1.2 * compare.ttfc.avg\n@20: ttfc.p95 < compare.ttfc.p95 + 200ms\nsuccess_rate >= compare.success_rate - 2%\nttfc.p95 < compare.ttfc.p95+0.1s warn',
    );
    expect(a!.value).toEqual({ kind: 'factor', factor: 1.2, metric: { name: 'ttfc.avg', baseline: false, compare: true } });
    expect(b!.value).toEqual({ kind: 'factor', factor: 1, metric: { name: 'ttfc.p95', baseline: false, compare: true }, offset: 200 });
    expect(c!.value).toMatchObject({ offset: -2 });
    expect(d!.value).toMatchObject({ offset: 100 });
    expect(d!.severity).toBe('warn');
    expect(parseCriteria('ttfc.avg < baseline.ttfc.avg * 1.1 + 5ms')[0]!.value).toMatchObject({ factor: 1.1, offset: 5, metric: { baseline: true } });
    const err = (t: string): CriteriaError => {
      try {
        parseCriteria(t);
      } catch (e) {
        return e as CriteriaError;
      }
      throw new Error('no error');
    };
    expect(err('compare.ttfc.avg < 1s').message).toMatch(/^line 1, column 1: "compare.ttfc.avg": a compare metric can only be used in the value/);
    expect(err('ttfc.avg < compare.ttfc.avg + 200').message).toMatch(/needs a unit/);
    expect(err('ttfc.avg < compare.ttfc.avg + 5%').message).toMatch(/unexpected unit "%"/);
    expect(err('ttfc.avg < compare.ttfc.avg +').message).toMatch(/expected a number after "\+"/);
  });

  test('evaluate: threshold from the compare stage of the same index; confident fails only when the paired interval misses', () => {
    const plan: Stage[] = [
      { users: 1, requestsPerUser: 1 },
      { users: 10, requestsPerUser: 3 },
    ];
    const slow = abRun(
      plan,
      () => 350,
      () => 200,
    );
    const sample = pairedSampler(slow);
    const opts = (verdict: 'strict' | 'confident') => ({
      verdict,
      compare: slow.compare!.stages,
      compareIntervalOf: (st: (typeof slow.stages)[number], metric: string, factor: number) => {
        const [m, s] = metric === 'success_rate' ? ['success_rate', 'avg'] : metric.split('.');
        const d = sample(st, m as 'ttfc', s as 'avg');
        if (!d) return null;
        const why = insufficient(d);
        return why ? { insufficient: why } : differenceInterval(d, factor);
      },
    });
    const crit = parseCriteria('ttfc.avg < 1.2 * compare.ttfc.avg\nttfc.p95 < compare.ttfc.p95 + 200ms\nsuccess_rate >= compare.success_rate');
    const strict = evaluateCriteria(crit, slow.stages, opts('strict'));
    expect(strict.map((r) => `${r.users}:${r.status}`)).toEqual(['1:fail', '10:fail', '1:pass', '10:pass', '1:pass', '10:pass']);
    const r10 = strict[1]!;
    expect(r10.threshold).toBeCloseTo(1.2 * slow.compare!.stages[1]!.ttfc.avg!, 6);
    expect(r10.interval!.low).toBeLessThanOrEqual(r10.actual!);
    expect(r10.interval!.high).toBeGreaterThanOrEqual(r10.actual!);
    expect(r10.interval!.low).toBeGreaterThan(r10.threshold!);
    // One request a side (1x1): no interval; confident cannot fail it.
    const confident = evaluateCriteria(crit, slow.stages, opts('confident'));
    expect(confident[0]).toMatchObject({ status: 'inconclusive', inconclusive: true });
    expect(confident[0]!.reason).toMatch(/too few for an interval; verdict confident: not failed/);
    expect(confident[1]!.status).toBe('fail');
    // The same server twice: no comparison fails under confident.
    const same = abRun(
      plan,
      () => 200,
      () => 200,
      30,
    );
    const s2 = pairedSampler(same);
    const eq = evaluateCriteria(parseCriteria('ttfc.avg <= compare.ttfc.avg\nttfc.avg >= compare.ttfc.avg'), same.stages, {
      verdict: 'confident',
      compare: same.compare!.stages,
      compareIntervalOf: (st, metric, factor) => {
        const [m, s] = metric.split('.');
        const d = s2(st, m as 'ttfc', s as 'avg')!;
        return insufficient(d) ? { insufficient: 'few' } : differenceInterval(d, factor);
      },
    });
    expect(eq.filter((r) => r.status === 'fail')).toEqual([]);
  });

  test('without compare stages the criterion is skipped with the reason', () => {
    const run = abRun(
      [{ users: 1, requestsPerUser: 2 }],
      () => 200,
      () => 200,
    );
    const [r] = evaluateCriteria(parseCriteria('ttfc.avg < compare.ttfc.avg'), run.stages);
    expect(r).toMatchObject({ status: 'skipped', reason: 'no compare target (set compare-url)' });
  });
});

describe('round schedule', () => {
  test('ABBA across rounds and stages; each side gets its rounds and durations', async () => {
    const calls: string[] = [];
    const run = async (side: 'head' | 'base', k: number) => {
      calls.push(`${side[0]}${k}`);
      return { records: [rec(1, 1, k, side === 'head' ? 300 : 200)], durationMs: 10 };
    };
    const a = await runRounds({ users: 1, requestsPerUser: 3 }, 0, run);
    expect(a.order).toBe('HB BH HB');
    expect(calls).toEqual(['h1', 'b1', 'b2', 'h2', 'h3', 'b3']);
    expect(a.head.records.map((r) => r.ttfc)).toEqual([300, 300, 300]);
    expect(a.base.durationMs).toBe(30);
    // The next stage starts base-first.
    const b = await runRounds({ users: 1, requestsPerUser: 2 }, 1, run);
    expect(b.order).toBe('BH HB');
  });
});

test('compareOfChosen takes a compare stage of 200,000 requests from the chosen run (no stack overflow)', () => {
  const stage = { users: 2000, requestsPerUser: 100 };
  const side = (ttfc: number): RunResult => {
    const requests = Array.from({ length: 200_000 }, (_, k) => rec(1, (k % 2000) + 1, Math.floor(k / 2000) + 1, ttfc));
    const stages = [summarizeStage(1, stage, requests, 1000)];
    return {
      startedAt: '',
      finishedAt: '',
      stages,
      requests: [],
      smokeFailed: false,
      errorSamples: [],
      compare: { stages, requests, errorSamples: [], smokeFailed: false, order: [{ stage: 1, rounds: 'HB' }] },
    };
  };
  const runs = [side(100), side(300)];
  const chosen = compareOfChosen(runs, [1], runs[1]!.compare!.stages)!;
  expect(chosen.requests).toHaveLength(200_000);
  expect(chosen.requests[0]!.ttfc).toBe(300);
  expect(chosen.order).toEqual([{ stage: 1, rounds: 'HB' }]);
});
