// The history in the markdown report: the headline against the latest runs, the mermaid trend chart
// with this run marked (it parses with the mermaid package), and history text that cannot become a
// link, a mention or markup.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { finishHistory, openHistory, referenceOf } from '../../src/core/history/run.js';
import type { HistoryEntry } from '../../src/core/history/schema.js';
import { writeHistory } from '../../src/core/history/store.js';
import { renderMarkdown } from '../../src/core/report/markdown.js';
import { historyMarkdown, trendChart, trendHeadline } from '../../src/core/report/trend.js';
import type { StageSummary } from '../../src/core/types.js';
import type { Report } from '../../src/core/report-types.js';
import { entry, stageWith } from '../helpers/history.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let dir: string;
let files = 0;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ttfc-trend-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function baseReport(stages: StageSummary[], passed = true): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'ttfc-gate', version: '0.1.0' },
    target: { method: 'POST', url: 'https://staging.example/api/chat', preset: 'generic', commit: null },
    config: {},
    environment: { node: 'v22', platform: 'linux-x64', cpus: 2 },
    startedAt: '2026-02-01T03:17:00.000Z',
    finishedAt: '2026-02-01T03:18:00.000Z',
    passed,
    smokeFailed: false,
    percentileMethod: 'linear',
    stages,
    criteria: [],
    diagnoses: [],
    errorSamples: [],
    requests: [],
  };
}

/** A report with its history section, as the gate makes it, from these earlier entries. */
function withHistory(entries: HistoryEntry[], stages: StageSummary[], event: string): Report {
  const path = join(dir, `h${++files}.json`);
  if (entries.length) writeHistory(path, entries);
  const spec = { path: `h${files}.json`, absPath: path, limit: 200, window: 7, write: 'auto' as const };
  const h = openHistory(spec, { event }, () => {});
  const report = baseReport(stages);
  finishHistory(h, report, referenceOf(h, stages), { event }, () => {});
  return report;
}

const thirty = (): HistoryEntry[] =>
  Array.from({ length: 34 }, (_, i) => entry({ 1: 100, 10: 280 + (i % 7) * 10 }, { passed: i !== 30 }, i + 1)).map((e, i) => ({
    ...e,
    time: new Date(Date.UTC(2026, 0, 1 + i, 3, 17)).toISOString(),
  }));
const stages = (): StageSummary[] => [stageWith(1, 1, [100]), stageWith(2, 10, [600, 610, 610, 610])];

function mermaid(text: string): { blocks: number; types: string[]; errors: Array<{ message: string }> } {
  return JSON.parse(execFileSync(process.execPath, ['scripts/mermaid-parse.mjs'], { cwd: root, input: text, encoding: 'utf8', timeout: 60_000 }));
}

test("on a pull request: main's last 30 nights against this PR, in one line", () => {
  const r = withHistory(thirty(), stages(), 'pull_request');
  expect(trendHeadline(r)).toBe("main's last 30 nights: p95 280–340 ms at 10 users; this PR **610 ms**");
  expect(r.history).toMatchObject({ recorded: false, runs: 34, event: 'pull_request', trend: { points: { length: 30 } } });
});

test('the chart: TTFC p95 per stage over the last 30 runs, this run a bar at the end, failed runs marked; it parses', () => {
  const r = withHistory(thirty(), stages(), 'schedule');
  const chart = trendChart(r);
  expect(chart).toContain('title "TTFC p95 over the last 30 runs and this run"');
  expect(chart).toMatch(/x-axis "run" \["01-05", .*"01-31 ✗", .*"02-03", "this run"\]/);
  const bar = /bar "this run" \[([^\]]*)\]/.exec(chart)![1]!.split(', ');
  expect(bar).toHaveLength(31);
  expect(bar.slice(0, 30).every((v) => v === '0')).toBe(true);
  expect(Number(bar[30])).toBeCloseTo(610, -1);
  expect(chart).toMatch(/line "1 user" \[100, 100, .*\]/);
  expect(chart).toMatch(/line "10 users" \[3\d0, .*, 6[01]\d\]/);
  expect(chart).toContain('✗ 1 run that failed');
  expect(mermaid(chart)).toEqual({ blocks: 1, types: ['xychart'], errors: [] });
  // The whole document too: the concurrency chart and the trend.
  const md = renderMarkdown(r);
  expect(md).toContain('### TTFC over the latest runs');
  expect(mermaid(md)).toEqual({ blocks: 2, types: ['xychart', 'xychart'], errors: [] });
});

test('more than three stages: only the key stage (the most users) is drawn; gaps are drawn flat', () => {
  const many = [stageWith(1, 1, [50]), stageWith(2, 5, [60]), stageWith(3, 10, [70]), stageWith(4, 20, [80])];
  const entries = [entry({ 1: 40, 20: 70 }, {}, 1), entry({ 1: 40, 20: null }, {}, 2), entry({ 1: 41 }, {}, 3)];
  const chart = trendChart(withHistory(entries, many, 'schedule'));
  expect(chart.match(/^ {4}line /gm)).toHaveLength(1);
  expect(chart).toContain('line "20 users" [70, 70, 70, 80]');
  expect(chart).toContain('a run without a figure is drawn flat');
  expect(mermaid(chart).errors).toEqual([]);
});

test('several runs a day get their time; no earlier run: no chart, a note', () => {
  const twice = [entry({ 10: 300 }, { time: '2026-01-01T03:17:00.000Z' }), entry({ 10: 300 }, { time: '2026-01-01T15:00:00.000Z' })];
  expect(trendChart(withHistory(twice, stages(), 'push'))).toContain('"01-01 03:17", "01-01 15:00", "this run"');
  const first = withHistory([], stages(), 'schedule');
  expect(trendChart(first)).toBe('');
  expect(historyMarkdown(first, { chart: true })).toContain('_No earlier run in the history yet._');
});

test('a forged ref is not shown: no link, no mention, no markup', () => {
  const ref = 'refs/heads/@octocat [click](https://evil.example) <img src=x> #12 *b*';
  const entries = [1, 2, 3].map((d) => entry({ 10: 300 }, { ref }, d));
  const line = trendHeadline(withHistory(entries, stages(), 'pull_request'));
  expect(line).toBe("the history's last 3 nights: p95 300 ms at 10 users; this PR **610 ms**");
  // A branch name shows only when it is a plain one, and escaped all the same.
  const plain = [1, 2, 3].map((d) => entry({ 10: 300 }, { ref: 'refs/heads/release_1.2' }, d));
  expect(trendHeadline(withHistory(plain, stages(), 'pull_request'))).toMatch(/^release\\_1\.2's last 3 nights/);
});
