// The PR comment as a reviewer sees it: rendered with a GitHub-flavoured markdown renderer (marked,
// GFM on), the first screen is the verdict, the missed criteria, the diagnoses and the chart; the
// stage table fits a comment (at most 7 columns, numbers never wrap from their units); details are
// collapsed; the mermaid block parses with the `mermaid` package (in a child process with jsdom:
// mermaid needs a DOM even to parse).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { marked } from 'marked';
import { INCONCLUSIVE_MARK, renderMarkdown } from '../../src/core/report/markdown.js';
import type { CriterionResult, StageSummary, Stats } from '../../src/core/types.js';
import type { Report } from '../../src/core/report-types.js';
import { FAILURE_CATEGORIES } from '../../src/core/types.js';
import { record } from '../helpers/records.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function stats(avg: number | null, p95 = avg === null ? null : avg * 1.5, max = avg === null ? null : avg * 2): Stats {
  return { n: avg === null ? 0 : 30, min: avg, avg, p50: avg, p90: p95, p95, p99: max, max, stddev: avg === null ? null : 10 };
}

function stage(index: number, users: number, ttfcAvg: number, over: Partial<StageSummary> = {}): StageSummary {
  const failures = Object.fromEntries(FAILURE_CATEGORIES.map((c) => [c, 0])) as StageSummary['failures'];
  return {
    index,
    users,
    requestsPerUser: 3,
    skipped: false,
    issued: users * 3,
    succeeded: users * 3,
    failed: 0,
    successRate: 1,
    failures,
    connect: stats(1),
    ttfb: stats(5),
    ttfc: stats(ttfcAvg),
    ttft: stats(ttfcAvg + 300),
    total: stats(ttfcAvg + 900),
    itl: stats(10),
    stall: stats(20),
    durationMs: 1000,
    rps: 4.2,
    eventsPerSec: 20,
    tokens: { total: 300, perSec: 42.5, perRequest: stats(20) },
    ttfr: stats(150),
    ttfcInterval: { level: 0.95, avg: { low: ttfcAvg * 0.9, high: ttfcAvg * 1.1 }, p95: { low: ttfcAvg * 1.4, high: ttfcAvg * 1.6 } },
    ...over,
  };
}

const crit = (
  text: string,
  users: number | null,
  status: CriterionResult['status'],
  actual: number,
  threshold: number,
  severity: CriterionResult['severity'] = 'fail',
): CriterionResult => ({ text, users, severity, status, actual, threshold, unit: text.startsWith('success') ? '%' : 'ms' });

/** Everything a comment can hold at once: the widest stage table there is. */
function failingReport(): Report {
  const delta = (text: string, regressed = false) => ({ current: 1, baseline: 1, change: 0, text, regressed });
  return {
    schemaVersion: 1,
    tool: { name: 'ttfc-gate', version: '0.1.0' },
    target: { method: 'POST', url: 'https://preview.example.com/api/chat', preset: 'openai', commit: 'abcdef0123456789abcdef0123456789abcdef01' },
    config: { failOnCriteria: true, verdict: 'confident' },
    startedAt: '2025-01-01T00:00:00Z',
    finishedAt: '2025-01-01T00:01:00Z',
    passed: false,
    smokeFailed: false,
    percentileMethod: 'linear interpolation (R-7)',
    stages: [stage(1, 1, 300), stage(2, 10, 1420, { succeeded: 28, failed: 2, successRate: 28 / 30 }), stage(3, 20, 2660)],
    efficiency: [
      { index: 1, users: 1, throughputRatio: 1, usersRatio: 1, efficiency: 1 },
      { index: 2, users: 10, throughputRatio: 1.5, usersRatio: 10, efficiency: 0.15 },
      { index: 3, users: 20, throughputRatio: 1.6, usersRatio: 20, efficiency: 0.08 },
    ],
    baseline: {
      source: 'main/ttfc-report.json',
      loaded: true,
      threshold: 0.2,
      toolVersion: '0.1.0',
      startedAt: null,
      commit: null,
      messages: [],
      stages: [{ index: 3, baselineIndex: 3, users: 20, ttfcAvg: delta('▲ 80%', true), ttfcP95: delta('▲ 60%', true), successRate: delta('±0 pp'), regressed: true }],
      regressions: [20],
    },
    criteria: [
      crit('success_rate > 95%', 1, 'pass', 100, 95),
      crit('success_rate > 95%', 10, 'fail', 93.3, 95),
      crit('success_rate > 95%', 20, 'pass', 100, 95),
      crit('ttfc.p95 < 3s', 1, 'pass', 450, 3000),
      {
        ...crit('ttfc.p95 < 3s', 10, 'inconclusive', 2130, 3000),
        inconclusive: true,
        reason: 'inconclusive: 2 samples are too few for an interval; verdict confident: not failed',
      },
      crit('ttfc.p95 < 3s', 20, 'fail', 3990, 3000),
      crit('@10: ttfc.avg < 1s', 10, 'fail', 1420, 1000),
      crit('@20: ttfc.avg < 1.5s', 20, 'fail', 2660, 1500),
      crit('ttfc.max < 2 * ttfc.avg warn', 20, 'pass', 5320, 5320, 'warn'),
    ],
    diagnoses: [{ kind: 'serialized', users: 20, message: 'requests look served one at a time', evidence: { ttfcGrowth: 8.7 } }],
    errorSamples: [],
    requests: [
      ...[1, 2].map((user) =>
        record({ stage: 2, user, status: 503, ok: false, category: 'http_5xx', error: 'HTTP 503: upstream busy', ttfb: 5, ttfc: null, ttft: null, total: 6, events: 0, bytes: 20 }),
      ),
    ],
  } as unknown as Report;
}

const html = (md: string): string => marked.parse(md, { gfm: true, async: false });

/** The HTML with the collapsed <details> sections cut out: what shows before anyone clicks. */
const visible = (h: string): string => h.replace(/<details>[\s\S]*?<\/details>/g, '');

describe('the comment, rendered', () => {
  const md = renderMarkdown(failingReport(), { tag: 'default', reportPath: 'ttfc-report.json' });
  const page = html(md);

  test('first screen: the verdict, each missed criterion on one line, the diagnoses, the chart — then the stage table', () => {
    const at = (needle: string | RegExp): number => {
      const i = typeof needle === 'string' ? page.indexOf(needle) : page.search(needle);
      expect({ needle: String(needle), found: i >= 0 }).toEqual({ needle: String(needle), found: true });
      return i;
    };
    const order = [
      at(/<h2>❌ TTFC gate failed: 4 criteria missed/),
      at('<li>❌ <code>success_rate &gt; 95%</code>'),
      at('<li>❌ <code>@20: ttfc.avg &lt; 1.5s</code>'),
      at(`<li>${INCONCLUSIVE_MARK} <code>ttfc.p95 &lt; 3s</code>`),
      at('<h3>Diagnoses</h3>'),
      at('<code class="language-mermaid">'),
      at('<h3>Stages</h3>'),
    ];
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // One list item a missed criterion (the 4 failures first, then the inconclusive one), each on one line.
    const items = [...page.slice(0, order[4]).matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => m[1]!);
    expect(items).toHaveLength(5);
    expect(items.slice(0, 4).every((i) => i.startsWith('❌'))).toBe(true);
    expect(items.every((i) => !i.includes('\n') && !i.includes('<br>'))).toBe(true);
    expect(items[0]).toBe('❌ <code>success_rate &gt; 95%</code> <strong>93.3%</strong> vs &gt;\u00A095% · 10 users');
    expect(items[2]).toBe('❌ <code>@10: ttfc.avg &lt; 1s</code> <strong>1.42\u00A0s</strong> vs &lt;\u00A01\u00A0s · 10 users');
  });

  test('every visible table fits a comment: at most 7 columns, numbers and units joined by no-break spaces', () => {
    const tables = [...visible(page).matchAll(/<table>[\s\S]*?<\/table>/g)].map((m) => m[0]);
    expect(tables.length).toBeGreaterThanOrEqual(2); // stages, errors
    for (const t of tables) {
      const head = t.match(/<thead>[\s\S]*?<\/thead>/)![0];
      expect((head.match(/<th[ >]/g) ?? []).length).toBeLessThanOrEqual(7);
      const cells = [...t.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => m[1]!);
      for (const c of cells) expect({ cell: c, wraps: /\d (ms|s|req\/s|%|tok\/s)\b/.test(c) }).toEqual({ cell: c, wraps: false });
      expect(t).not.toContain('<br>');
    }
    const stagesTable = tables[0]!;
    expect((stagesTable.match(/<tr>/g) ?? []).length).toBe(4); // head + 3 stages
    expect(stagesTable).toContain('<th>Users × requests</th>');
    expect(stagesTable).toContain('<td align="right">❌\u00A0<strong>1.42\u00A0s</strong></td>');
  });

  test('the details are collapsed: all criteria (passes included), per-stage figures, the baseline, the evidence', () => {
    const summaries = [...page.matchAll(/<details>\s*<summary>([\s\S]*?)<\/summary>/g)].map((m) => m[1]);
    expect(summaries).toEqual([
      'All criteria: 4 missed, 1 inconclusive, 4 passed',
      'Per stage: percentiles, scaling, intervals, distributions',
      'Baseline: ❗ regressions at 20 users',
      'Diagnosis details',
    ]);
    expect(page).not.toMatch(/<details open/);
    expect(visible(page)).not.toContain('✅'); // no pass is on the first screen
    expect(page).toMatch(/<details>[\s\S]*<td align="center">✅<\/td>[\s\S]*<\/details>/);
  });

  test('errors are grouped by category and message, with counts', () => {
    expect(page).toMatch(/<td align="right">2<\/td>\s*<td><code>http_5xx<\/code><\/td>\s*<td align="right">503<\/td>\s*<td>2<\/td>\s*<td>HTTP 503: upstream busy<\/td>/);
  });

  test('the inconclusive mark is the red ❓ (the white ❔ vanishes on a light theme)', () => {
    expect(md).toContain(INCONCLUSIVE_MARK);
    expect(md).not.toContain('❔');
  });

  test('the mermaid block parses with the mermaid package: numeric x-axis, the limits, no %%{init}%%', () => {
    const block = /```mermaid\n([\s\S]*?)```/.exec(md)![1]!;
    expect(block).toContain('x-axis "concurrent users" 1 --> 20');
    expect(block).toContain('line "avg limit 1.00 s (@10)"');
    expect(block).toContain('line "avg limit 1.50 s (@20)"');
    expect(block).toContain('line "p95 limit 3.00 s (all)"');
    expect(block).not.toContain('%%{init');
    const parse = (text: string): { blocks: number; types: string[]; errors: Array<{ message: string }> } =>
      JSON.parse(execFileSync(process.execPath, ['scripts/mermaid-parse.mjs'], { cwd: root, input: text, encoding: 'utf8', timeout: 60_000 }));
    expect(parse(md)).toEqual({ blocks: 1, types: ['xychart'], errors: [] });
    // The check can fail: a broken block is reported.
    const broken = parse(md.replace('line "avg" [', 'line "avg" [,'));
    expect(broken.errors).toHaveLength(1);
    expect(broken.errors[0]!.message).toMatch(/Parse error/);
  });
});
