// Pictures (issue 5 §5): the mermaid xychart block, the ASCII chart and the distribution sparklines.
import { asciiChart, chartPoints, formatDistribution, histogram, mermaidChart, niceCeil, sparkline, ttfcDistribution } from '../../src/core/report/chart.js';
import { skippedStage, summarizeStage } from '../../src/core/analysis/stats.js';
import type { RequestRecord, StageSummary } from '../../src/core/types.js';
import { record } from '../helpers/records.js';

function recs(stage: number, ttfcs: number[]): RequestRecord[] {
  return ttfcs.map((t, k) => record({ stage, user: k + 1, ttfc: t, ttft: t, total: t + 5, stall: 1, events: 2 }));
}

/** A serialized-looking run: 1 user at 150 ms, 10 and 20 users in a staircase of 150 ms steps. */
function serializedRun(): { stages: StageSummary[]; requests: RequestRecord[] } {
  const data: [number, number, number[]][] = [
    [1, 1, [150]],
    [2, 10, Array.from({ length: 10 }, (_, k) => 150 * (k + 1))],
    [3, 20, Array.from({ length: 20 }, (_, k) => 150 * (k + 1))],
  ];
  return {
    stages: data.map(([i, users, t]) => summarizeStage(i, { users, requestsPerUser: 1 }, recs(i, t), 1000)),
    requests: data.flatMap(([i, , t]) => recs(i, t)),
  };
}

test('mermaid: avg and p95 against users on a numeric axis, the limits as lines, colours in the front matter, a legend line', () => {
  const chart = mermaidChart(serializedRun().stages, {
    thresholds: [
      { metric: 'avg', value: 1000, users: 10 },
      { metric: 'avg', value: 1500, users: 20 },
      { metric: 'p95', value: 3000, users: null },
      { metric: 'p95', value: 3000, users: 10 }, // the same limit again: one line
    ],
  });
  const lines = chart.split('\n');
  // Users 1, 10, 20: one point a user (gcd of the gaps), interpolated between the stages, each stage at its x.
  const avg = lines.find((l) => l.startsWith('    line "avg" '))!;
  const values = JSON.parse(avg.slice('    line "avg" '.length)) as number[];
  expect(values).toHaveLength(20);
  expect([values[0], values[9], values[19]]).toEqual([150, 825, 1575]);
  expect(lines.slice(0, 14)).toEqual([
    '```mermaid',
    '---',
    'config:',
    '  themeVariables:',
    '    xyChart:',
    '      plotColorPalette: "#2563eb, #dc2626, #f59e0b, #f59e0b, #a855f7"',
    '---',
    'xychart-beta',
    '    title "TTFC against concurrent users"',
    '    x-axis "concurrent users" 1 --> 20',
    '    y-axis "TTFC (ms)" 0 --> 4000',
    avg,
    expect.stringMatching(/^ {4}line "p95" \[150, /),
    `    line "avg limit 1.00 s (@10)" [${new Array(20).fill(1000).join(', ')}]`,
  ]);
  expect(chart).toContain(`    line "p95 limit 3.00 s (all)" [${new Array(20).fill(3000).join(', ')}]`);
  expect(chart).not.toContain('%%{init');
  expect(lines.at(-1)).toBe(
    '<sub>TTFC avg (blue) and p95 (red), ms, against concurrent users · avg limits (amber): 1.00 s (@10), 1.50 s (@20) · p95 limits (purple): 3.00 s (all)</sub>',
  );
});

test('mermaid: users too far apart for a numeric axis get one category a stage', () => {
  const run = serializedRun();
  // 1, 500, 997 users: a step of 1 would need 997 points.
  const far = [run.stages[0]!, { ...run.stages[1]!, users: 500 }, { ...run.stages[2]!, users: 997 }];
  expect(mermaidChart(far)).toContain('    x-axis "concurrent users" ["1", "500", "997"]');
  expect(mermaidChart(far)).toContain('    line "avg" [150, 825, 1575]');
  // 1 and 997 alone: one step of 996, numeric.
  expect(mermaidChart([far[0]!, far[2]!])).toContain('    x-axis "concurrent users" 1 --> 997');
});

test('mermaid: skipped and sample-less stages are left out; repeated users are told apart; < 2 points → nothing', () => {
  const run = serializedRun();
  const stages = [
    run.stages[0]!,
    summarizeStage(2, { users: 10, requestsPerUser: 1 }, recs(2, [5.25, 7.5]), 100),
    summarizeStage(3, { users: 10, requestsPerUser: 1 }, recs(3, [400]), 100),
    summarizeStage(4, { users: 30, requestsPerUser: 1 }, [], 100), // ran, no success
    skippedStage(5, { users: 50, requestsPerUser: 1 }),
  ];
  expect(chartPoints(stages).map((p) => p.label)).toEqual(['1', '10 (stage 2)', '10 (stage 3)']);
  const m = mermaidChart(stages, { title: 'PR #7 "preview"' });
  expect(m).toContain('    title "PR #7 \'preview\'"');
  expect(m).toContain('    x-axis "concurrent users" ["1", "10 (stage 2)", "10 (stage 3)"]');
  expect(m).toContain('    line "avg" [150, 6.4, 400]');
  expect(m).toContain('    y-axis "TTFC (ms)" 0 --> 500');
  expect(mermaidChart([run.stages[0]!])).toBe('');
  expect(mermaidChart([])).toBe('');
});

test('ASCII chart: o avg, x p95, * both; y labelled at quarters of a nice top', () => {
  expect(asciiChart(serializedRun().stages)).toBe(
    [
      'TTFC (ms)      o avg  x p95',
      '4000 |',
      '     |',
      '3000 |              x',
      '     |',
      '2000 |',
      '     |        x     o',
      '1000 |        o',
      '     |',
      '   0 |  *',
      '     +--+-----+-----+--',
      '        1    10    20   users',
    ].join('\n'),
  );
  const small = asciiChart(serializedRun().stages, { height: 5 }).split('\n');
  expect(small).toHaveLength(8);
  expect(small[1]).toBe('4000 |');
  expect(small[3]).toBe('2000 |              o');
  expect(asciiChart([])).toBe('');
});

test('niceCeil picks 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k', () => {
  expect([0, 0.7, 1, 1.2, 2.6, 3.2, 7, 9, 10, 101, 3001, 42_000].map(niceCeil)).toEqual([1, 0.8, 1, 1.5, 3, 4, 8, 10, 10, 150, 4000, 50_000]);
});

test('sparkline and histogram', () => {
  expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7, 8])).toBe(' ▁▂▃▄▅▆▇█');
  expect(sparkline([1, 100])).toBe('▁█'); // a lone outlier still shows
  expect(sparkline([0, 0])).toBe('  ');
  // bins of 2: [0,2) 0 1 -5 · [2,4) 2 3 · … · [8,10] 9.99 10 11
  expect(histogram([0, 1, 2, 3, 9.99, 10, 11, -5], 5, 0, 10)).toEqual([3, 2, 0, 0, 3]);
  expect(histogram([4, 4, 4], 3, 4, 4)).toEqual([3, 0, 0]);
});

test('distribution rows share one range, so a slower stage sits further right', () => {
  const run = serializedRun();
  const d = ttfcDistribution(run, { bins: 8 })!;
  expect({ lo: d.lo, hi: d.hi, bins: d.bins }).toEqual({ lo: 150, hi: 3000, bins: 8 });
  expect(d.rows.map((r) => [r.users, r.n, r.spark, r.min, r.max])).toEqual([
    [1, 1, '█       ', 150, 150],
    [10, 10, '█▆█▆    ', 150, 1500],
    [20, 20, '█▆█▆▆█▆█', 150, 3000],
  ]);
  // Bins of 356.25 ms from 150 ms: 150 300 450 | 600 750 | 900 1050 1200 | 1350 1500 | …
  expect(d.rows[1]!.counts).toEqual([3, 2, 3, 2, 0, 0, 0, 0]);
  expect(d.rows[2]!.counts).toEqual([3, 2, 3, 2, 2, 3, 2, 3]);
  expect(formatDistribution(d)).toEqual([
    'TTFC distribution (8 bins from 150 ms to 3.00 s)',
    '    1 user │█       │ 150 ms – 150 ms  (n=1)',
    '  10 users │█▆█▆    │ 150 ms – 1.50 s  (n=10)',
    '  20 users │█▆█▆▆█▆█│ 150 ms – 3.00 s  (n=20)',
  ]);
  // A stage without success keeps its row, blank.
  const failed = summarizeStage(4, { users: 5, requestsPerUser: 1 }, [], 100);
  const d2 = ttfcDistribution({ stages: [...run.stages, failed], requests: run.requests }, { bins: 4 })!;
  expect(d2.rows[3]).toEqual({ index: 4, users: 5, label: '5 users', n: 0, counts: [0, 0, 0, 0], spark: '    ', min: null, max: null });
  expect(ttfcDistribution({ stages: [failed], requests: [] })).toBeNull();
});

test('a stage of 200,000 successful requests gets its distribution row (its min and max read without spreading 200,000 arguments)', () => {
  const ttfcs = Array.from({ length: 200_000 }, (_, k) => 100 + (k % 1000));
  ttfcs[123_456] = 7;
  ttfcs[7] = 5_000;
  const requests = recs(1, ttfcs);
  const d = ttfcDistribution({ stages: [summarizeStage(1, { users: 2000, requestsPerUser: 100 }, requests, 1000)], requests })!;
  expect(d.rows[0]).toMatchObject({ n: 200_000, min: 7, max: 5_000 });
  expect(formatDistribution(d)[1]).toContain('(n=200000)');
});
