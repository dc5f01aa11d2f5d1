// The capacity in the reports: the line under the verdict for every bound, the chart (parsed by the
// mermaid package), the probes collapsed, the terminal lines; and the `capacity` criteria under both
// verdict modes.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseCriteria } from '../../src/core/analysis/criteria/index.js';
import { evaluateCapacityCriteria } from '../../src/core/capacity/criteria.js';
import type { CapacityOutcome } from '../../src/core/capacity/section.js';
import type { CapacityProbe, CapacitySection, ProbeSide } from '../../src/core/capacity/types.js';
import { capacityChart } from '../../src/core/report/capacity-chart.js';
import { capacityHeadline } from '../../src/core/report/capacity.js';
import { renderMarkdown } from '../../src/core/report/markdown.js';
import { renderTerminal } from '../../src/core/report/terminal.js';
import type { Stats } from '../../src/core/types.js';
import type { Report } from '../../src/core/report-types.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SLO = 'ttfc.p95 < 2s';
const stats = (v: number | null): Stats => ({ n: v === null ? 0 : 9, min: v, avg: v, p50: v, p90: v, p95: v, p99: v, max: v, stddev: v === null ? null : 0 });

function side(passed: boolean, p95: number | null, over: Partial<ProbeSide> = {}): ProbeSide {
  return {
    passed,
    cause: passed ? null : p95 === null ? 'errors' : 'latency',
    figures: {
      issued: 9,
      succeeded: p95 === null ? 0 : 9,
      failed: p95 === null ? 9 : 0,
      successRate: p95 === null ? 0 : 1,
      failures: p95 === null ? { connection: 9 } : {},
      rps: 3,
      durationMs: 900,
      ttfc: stats(p95),
      slo: [
        { text: SLO, status: passed ? 'pass' : 'fail', actual: p95, threshold: 2000 },
        { text: 'success_rate >= 99%', status: p95 === null ? 'fail' : 'pass', actual: p95 === null ? 0 : 100, threshold: 99 },
      ],
    },
    ...over,
  };
}

const probe = (index: number, users: number, head: ProbeSide, base?: ProbeSide): CapacityProbe => ({ index, users, runs: 1, ...head, ...(base ? { base } : {}) });

function section(over: Partial<CapacitySection> = {}): CapacitySection {
  return {
    slo: [SLO],
    implied: ['success_rate >= 99%'],
    users: 4,
    firstMissUsers: 5,
    bound: 'exact',
    stoppedBy: 'resolution',
    interval: { low: 4, high: 4, level: 0.95 },
    probes: [
      probe(1, 1, side(true, 300)),
      probe(2, 2, side(true, 310)),
      probe(3, 4, side(true, 900)),
      probe(4, 8, side(false, 30_000)),
      probe(5, 6, side(false, 2600)),
      probe(6, 5, side(false, null)),
    ],
    settings: { maxUsers: 256, requestsPerUser: 3, resolution: '10%', budgetMs: 300_000, verdict: 'strict' },
    elapsedMs: 12_300,
    cut: null,
    nonMonotone: [],
    method: 'seeded bootstrap',
    notes: [],
    ...over,
  };
}

function report(capacity: CapacitySection | null, over: Partial<Report> = {}): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'ttfc-gate', version: '0.1.0' },
    target: { method: 'POST', url: 'https://preview.example.com/api/chat', preset: 'generic' },
    config: {},
    environment: { node: 'v22', platform: 'linux-x64', cpus: 2 },
    startedAt: '2025-01-01T00:00:00Z',
    finishedAt: '2025-01-01T00:01:00Z',
    passed: true,
    smokeFailed: false,
    percentileMethod: 'R-7',
    stages: [],
    criteria: [],
    diagnoses: [],
    errorSamples: [],
    requests: [],
    ...(capacity ? { capacity } : {}),
    ...over,
  };
}

describe('the line under the verdict', () => {
  test.each<[string, Partial<CapacitySection>, string]>([
    ['exact', {}, '**Capacity at ttfc.p95 &lt; 2 s: 4 users**'],
    [
      'exact, with the base',
      { base: { users: 8, firstMissUsers: 9, bound: 'exact', stoppedBy: 'resolution', interval: null } },
      '**Capacity at ttfc.p95 &lt; 2 s: 4 users** \\(base 8, −50%\\)',
    ],
    ['within the resolution', { users: 128, firstMissUsers: 140 }, '**Capacity at ttfc.p95 &lt; 2 s: 128 users \\(140 missed, within the 10% resolution\\)**'],
    [
      'max-users reached',
      { users: 256, firstMissUsers: null, bound: 'lower', stoppedBy: 'max-users' },
      '**Capacity at ttfc.p95 &lt; 2 s: at least 256 users \\(capacity-max-users reached\\)**',
    ],
    [
      'the budget ran out',
      { users: 8, firstMissUsers: 16, bound: 'between', stoppedBy: 'budget' },
      '**Capacity at ttfc.p95 &lt; 2 s: between 8 and 16 users \\(the capacity-budget of 5m ran out\\)**',
    ],
    ['no pass', { users: 0, firstMissUsers: 1, bound: 'upper', stoppedBy: 'no-pass' }, '**Capacity at ttfc.p95 &lt; 2 s: 0 users: not even 1 user met the SLO**'],
    [
      'not searched',
      { users: 0, firstMissUsers: null, bound: 'lower', stoppedBy: 'smoke', probes: [] },
      '**Capacity at ttfc.p95 &lt; 2 s: not searched \\(the smoke test failed\\)**',
    ],
    [
      'the base only a lower bound',
      { base: { users: 32, firstMissUsers: null, bound: 'lower', stoppedBy: 'max-users', interval: null } },
      '**Capacity at ttfc.p95 &lt; 2 s: 4 users** \\(base at least 32 users \\(capacity-max-users reached\\)\\)',
    ],
  ])('%s', (_, over, line) => {
    const r = report(section(over));
    expect(capacityHeadline(r)).toBe(line);
    expect(renderMarkdown(r).split('\n').slice(0, 3)).toEqual(['## ✅ TTFC gate passed', '', line]);
  });

  test('several SLO lines are joined; without a search there is no line', () => {
    expect(capacityHeadline(report(section({ slo: [SLO, 'ttft.p99 < 4500ms', 'success_rate >= 99.9%'], implied: [] })))).toMatch(
      /^\*\*Capacity at ttfc\.p95 &lt; 2 s and ttft\.p99 &lt; 4\.5 s and success\\_rate &gt;= 99\.9%: 4 users\*\*$/,
    );
    expect(capacityHeadline(report(null))).toBe('');
    expect(renderMarkdown(report(null))).not.toContain('Capacity');
  });
});

describe('the section', () => {
  const md = renderMarkdown(
    report(
      section({
        base: { users: 8, firstMissUsers: 9, bound: 'exact', stoppedBy: 'resolution', interval: { low: 8, high: 9, level: 0.95 } },
        ratio: { value: 0.5, low: 0.44, high: 0.5, level: 0.95 },
        probes: section().probes.map((p) => ({ ...p, base: side(p.users <= 8, 300) })),
        notes: ['the probes at 5 users missed with errors (connection: 9), not latency'],
      }),
      { diagnoses: [{ kind: 'saturated', users: 8, message: 'capacity search, first missed probe (8 users): the server saturates at about 4', evidence: {} }] },
    ),
  );

  test('intervals, notes, the knee, the chart and the collapsed probes', () => {
    expect(md).toContain('### Capacity at ttfc.p95 &lt; 2 s');
    expect(md).toContain('**4 users** · base **8 users \\(95% CI 8–9\\)** · head / base **0.5x \\(95% CI 0.44–0.5x\\)**');
    expect(md).toContain('- the probes at 5 users missed with errors \\(connection: 9\\), not latency');
    expect(md).toContain('- At the knee: **saturated** (8 users), see Diagnoses.');
    expect(md).toMatch(/<details>\n<summary>Capacity probes: 6 probes in 12\.3 s \(3 requests a user, ramp then bisection to 10%, verdict strict\)<\/summary>/);
    expect(md).toContain('| 6 | 5 | ❌ errors | n/a | 0/9 | ✅ | 300 ms | 9/9 | 1.8 s |');
    expect(md).toContain('| 4 | 8 | ❌ latency | 30.00 s | 9/9 | ✅ | 300 ms | 9/9 | 1.8 s |');
  });

  test('the chart: users sorted, the capacity marked, far and missing values at the top; mermaid parses it', () => {
    const chart = capacityChart(
      section({
        base: { users: 8, firstMissUsers: 9, bound: 'exact', stoppedBy: 'resolution', interval: null },
        probes: section().probes.map((p) => ({ ...p, base: side(true, 300) })),
      }),
    );
    expect(chart).toContain('x-axis "concurrent users" ["1 ✓", "2 ✓", "4 ✓ capacity", "5 ✗", "6 ✗", "8 ✗ base capacity"]');
    expect(chart).toContain('y-axis "ttfc.p95 (ms)" 0 --> 8000');
    expect(chart).toContain('line "head" [300, 310, 900, 8000, 2600, 8000]');
    expect(chart).toContain('line "base" [300, 300, 300, 300, 300, 300]');
    expect(chart).toContain('line "SLO 2 s" [2000, 2000, 2000, 2000, 2000, 2000]');
    expect(chart).toContain('values above the chart, and probes without a successful request, are drawn at its top');
    const parsed = JSON.parse(execFileSync(process.execPath, ['scripts/mermaid-parse.mjs'], { cwd: root, input: md + chart, encoding: 'utf8', timeout: 60_000 })) as {
      blocks: number;
      types: string[];
      errors: unknown[];
    };
    expect(parsed).toEqual({ blocks: 2, types: ['xychart', 'xychart'], errors: [] });
    expect(capacityChart(section({ probes: section().probes.slice(0, 1) }))).toBe('');
  });

  test('a comment cut to fit keeps the line under the verdict; the chart and the probes go first', () => {
    const full = renderMarkdown(report(section()));
    const cut = renderMarkdown(report(section()), { limit: full.length - 200 });
    expect(cut.split('\n')[2]).toBe('**Capacity at ttfc.p95 &lt; 2 s: 4 users**');
    expect(cut).not.toContain('<summary>Capacity probes');
  });

  test('the terminal: the line, the intervals, the notes and a table of the probes', () => {
    const text = renderTerminal(report(section({ notes: ['the capacity-budget of 5m ran out'] })));
    expect(text).toContain('capacity at ttfc.p95 < 2 s: 4 users\n  head 4 users\n  the capacity-budget of 5m ran out\nprobe  users  head');
    expect(text).toMatch(/^6 +5 +MISS errors +n\/a +0\/9 +0\.9 s$/m);
    expect(text).toMatch(/^3 +4 +pass +900 ms +9\/9 +0\.9 s$/m);
  });
});

describe('criteria on the capacity', () => {
  const outcome = (s: CapacitySection): CapacityOutcome => ({ section: s, diagnoses: [], brackets: { head: { lastPass: s.users, firstMiss: s.firstMissUsers } }, draws: {} });
  const judge = (text: string, s: CapacitySection, verdict: 'strict' | 'confident' = 'strict') => evaluateCapacityCriteria(parseCriteria(text), outcome(s), verdict)[0]!;

  test('a number: the measured capacity under strict; its interval under confident', () => {
    expect(judge('capacity >= 4', section())).toMatchObject({ status: 'pass', actual: 4, threshold: 4, users: null, unit: 'count' });
    expect(judge('capacity >= 5', section())).toMatchObject({ status: 'fail', actual: 4, threshold: 5 });
    const noisy = section({ interval: { low: 3, high: 6, level: 0.95 } });
    expect(judge('capacity >= 5', noisy)).toMatchObject({ status: 'fail', inconclusive: true, interval: { low: 3, high: 6 } });
    expect(judge('capacity >= 5', noisy, 'confident')).toMatchObject({
      status: 'inconclusive',
      reason: 'inconclusive: the 95% interval 3 – 6 users straddles 5; verdict confident: not failed',
    });
    expect(judge('capacity >= 7', noisy, 'confident')).toMatchObject({ status: 'fail' });
  });

  test('a lower bound: no upper end, so "at most" cannot be confirmed under confident', () => {
    const lower = section({ users: 32, firstMissUsers: null, bound: 'lower', stoppedBy: 'max-users', interval: { low: 32, high: null, level: 0.95 } });
    expect(judge('capacity >= 20', lower, 'confident')).toMatchObject({ status: 'pass', reason: 'capacity at least 32 users (capacity-max-users reached)' });
    const atMost = judge('capacity <= 40', lower, 'confident');
    expect(atMost).toMatchObject({ status: 'inconclusive', reason: expect.stringContaining('32 – ∞ users straddles 40') });
    expect(atMost.interval).toBeUndefined();
  });

  test('no search (smoke test failed): skipped; no compare target: skipped', () => {
    expect(evaluateCapacityCriteria(parseCriteria('capacity >= 1'), null, 'strict')[0]).toMatchObject({ status: 'skipped', reason: 'the capacity search did not run' });
    expect(judge('capacity >= 0.9 * compare.capacity', section())).toMatchObject({ status: 'skipped', reason: 'no capacity of the compare target (set compare-url)' });
  });
});
