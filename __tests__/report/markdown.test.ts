// The markdown report and its escaping: hostile server text stays inert text, the document stays
// under GitHub's comment limit, least important parts first.
import { codeSpan, commentMarker, escapeInline, mdTable, truncate, ZWSP } from '../../src/core/report/escape.js';
import { verdictOf } from '../../src/core/analysis/verdict.js';
import { COMMENT_LIMIT, MESSAGE_MAX, renderMarkdown } from '../../src/core/report/markdown.js';
import type { CriterionResult, ErrorSample, StageSummary, Stats } from '../../src/core/types.js';
import type { Report } from '../../src/core/report-types.js';
import { FAILURE_CATEGORIES } from '../../src/core/types.js';
import { record } from '../helpers/records.js';

const HOSTILE =
  '<script>alert(1)</script> <img src=x onerror=alert(1)> <!-- ttfc-gate:default --> | cell | @octocat @org/team ' +
  'see #123 and GH-45 and owner/repo#9 **bold** _it_ [link](https://evil.example) ![img](https://t.example/p.png) ' +
  '`code` ```fence``` ~~strike~~ &amp; \\| back\nnew line\r\n> quote\u202Eevil\u0000';

/** The document with U+00A0 (between numbers and units) as plain spaces, for readable expectations. */
const plain = (md: string): string => md.replace(/\u00A0/g, ' ');
const render = (r: Report, c: Parameters<typeof renderMarkdown>[1] = {}): string => plain(renderMarkdown(r, c));

/** Cells of a markdown table row, split on unescaped pipes. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

describe('escaping', () => {
  const out = escapeInline(HOSTILE);

  test('no HTML survives: tags, comments and entities become text', () => {
    expect(out).not.toMatch(/<[a-z!/]/i);
    expect(out).toContain('&lt;script&gt;');
    expect(out).toContain('&lt;\\!-- ttfc-gate:default --&gt;');
    expect(out).toContain('&amp;amp;');
  });

  test('mentions and issue references are neutralised', () => {
    expect(out).toContain(`@${ZWSP}octocat`);
    expect(out).toContain(`@${ZWSP}org/team`);
    expect(out).toContain(`#${ZWSP}123`);
    expect(out).toContain(`GH-${ZWSP}45`);
    expect(out).toContain(`repo#${ZWSP}9`);
    expect(out).not.toMatch(/@[A-Za-z]/);
    expect(out).not.toMatch(/#\d/);
  });

  test('markdown syntax is escaped: no emphasis, link, image, code or table cell can start', () => {
    expect(out).toContain('\\*\\*bold\\*\\*');
    // The brackets escaped, and the URL broken so GitHub does not autolink it (see hostile/links.test.ts).
    expect(out).toContain(`\\[link\\]\\(https:${ZWSP}//evil.example\\)`);
    expect(out).toContain('\\!\\[img\\]');
    expect(out).toContain('\\`code\\`');
    expect(out).toContain('\\~\\~strike');
    expect(out).not.toMatch(/(?<!\\)[|`*[\]]/);
    expect(out).toContain('\\\\\\|'); // a backslash-pipe in the text stays a backslash and a pipe
  });

  test('one line: newlines, control and bidi characters are gone', () => {
    expect(out).not.toMatch(/[\r\n\u0000\u202E]/);
    expect(out).toContain('back new line &gt; quote');
  });

  test('truncation counts characters, never splits a surrogate pair, and marks the cut', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
    expect(truncate('😀😀😀😀😀', 3)).toBe('😀😀…');
    expect(escapeInline('x'.repeat(1000), 50)).toBe(`${'x'.repeat(49)}…`);
    // Truncation happens before escaping: no entity is cut in half.
    expect(escapeInline('<'.repeat(10), 4)).toBe('&lt;&lt;&lt;…');
  });

  test('code spans hold any text literally, pipes escaped in tables', () => {
    expect(codeSpan('a`b')).toBe('``a`b``');
    expect(codeSpan('`x`')).toBe('`` `x` ``');
    expect(codeSpan('a|b', { inTable: true })).toBe('`a\\|b`');
    expect(codeSpan('a\nb')).toBe('`a b`');
  });

  test('tables keep their shape whatever the cells hold', () => {
    const t = mdTable(['a', 'b'], ['l', 'r'], [[escapeInline(HOSTILE), codeSpan('x|y', { inTable: true })]]);
    const rows = t.split('\n');
    expect(rows).toHaveLength(3);
    expect(cells(rows[2]!)).toHaveLength(2);
    expect(rows[1]).toBe('|---|---:|');
  });

  test('the marker cannot be broken by a tag', () => {
    expect(commentMarker('default')).toBe('<!-- ttfc-gate:default -->');
    expect(commentMarker('a --> b')).toBe('<!-- ttfc-gate:a_-__b -->');
  });
});

// ---------------------------------------------------------------------------------------------
// fixtures

function stats(avg: number | null, p95: number | null = avg, max: number | null = avg): Stats {
  const n = avg === null ? 0 : 10;
  return { n, min: avg, avg, p50: avg, p90: p95, p95, p99: max, max, stddev: avg === null ? null : 1 };
}

function stage(index: number, users: number, ttfcAvg: number, over: Partial<StageSummary> = {}): StageSummary {
  const failures = Object.fromEntries(FAILURE_CATEGORIES.map((c) => [c, 0])) as StageSummary['failures'];
  const s = stats(ttfcAvg, ttfcAvg * 1.5, ttfcAvg * 2);
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
    ttfc: s,
    ttft: s,
    total: stats(ttfcAvg + 100),
    itl: stats(10),
    stall: stats(20),
    durationMs: 1000,
    rps: 4.2,
    eventsPerSec: 20,
    ...over,
  };
}

function crit(
  text: string,
  users: number | null,
  status: CriterionResult['status'],
  actual: number | null,
  threshold: number | null,
  severity: CriterionResult['severity'] = 'fail',
  unit: CriterionResult['unit'] = 'ms',
): CriterionResult {
  return { text, users, severity, status, actual, threshold, unit };
}

function report(over: Partial<Report> = {}): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'ttfc-gate', version: '0.1.0' },
    target: { method: 'POST', url: 'https://preview.example.com/api/chat?key=***', preset: 'generic', commit: 'abcdef0123456789abcdef0123456789abcdef01' },
    config: { failOnCriteria: true },
    environment: { node: 'v24', platform: 'linux-x64', cpus: 2 },
    startedAt: '2025-01-01T00:00:00Z',
    finishedAt: '2025-01-01T00:01:00Z',
    passed: true,
    smokeFailed: false,
    percentileMethod: 'linear interpolation (R-7)',
    stages: [stage(1, 1, 200), stage(2, 10, 410)],
    criteria: [crit('success_rate > 95%', 1, 'pass', 100, 95, 'fail', '%'), crit('@10: ttfc.avg < 1s', 10, 'pass', 410, 1000)],
    diagnoses: [],
    errorSamples: [],
    requests: [],
    ...over,
  };
}

const ctx = { tag: 'default', runUrl: 'https://github.example/o/r/actions/runs/1', commitUrl: 'https://github.example/o/r/commit/abc', reportPath: 'ttfc-report.json' };

describe('the report', () => {
  test('marker first, verdict, target, commit and run link, stage rows, criteria', () => {
    const md = render(report(), ctx);
    const lines = md.split('\n');
    expect(lines[0]).toBe('<!-- ttfc-gate:default -->');
    expect(md).toContain('## ✅ TTFC gate passed');
    expect(md).toContain('`POST https://preview.example.com/api/chat?key=***`');
    expect(md).toContain('commit [`abcdef0`](https://github.example/o/r/commit/abc)');
    expect(md).toContain('[workflow run](https://github.example/o/r/actions/runs/1)');
    expect(lines).toContain('| 1 × 3 | 3/3 | 200 ms | 300 ms | 400 ms | 300 ms | 4.20 req/s |');
    expect(lines).toContain('| 10 × 3 | 30/30 | 410 ms | 615 ms | 820 ms | 510 ms | 4.20 req/s |');
    expect(lines).toContain('| ✅ | `@10: ttfc.avg < 1s` | 10 users | &lt; 1 s | 410 ms |');
    expect(lines).toContain('| ✅ | `success_rate > 95%` | 1 user | &gt; 95% | 100% |');
    expect(md).toContain('### TTFC vs concurrency');
    expect(md).not.toContain('### Errors');
    expect(md.length).toBeLessThan(COMMENT_LIMIT);
    expect(renderMarkdown(report(), { ...ctx, tag: null }).startsWith('## ')).toBe(true);
    expect(renderMarkdown(report(), { ...ctx, tag: 'search-api' })).toContain('## ✅ TTFC gate (search-api) passed');
  });

  test('verdicts: failed, warnings, smoke test, report only', () => {
    const failed = report({
      passed: false,
      criteria: [crit('@10: ttfc.avg < 100ms', 10, 'fail', 410, 100), crit('ttfc.max < 2 * ttfc.avg warn', 10, 'fail', 820, 800, 'warn')],
    });
    expect(renderMarkdown(failed, ctx)).toContain('## ❌ TTFC gate failed: 1 criterion missed, 1 warning');
    expect(renderMarkdown(failed, { ...ctx, failOnCriteria: false })).toContain('## ❌ TTFC gate 1 criterion missed, 1 warning — report only (`fail-on-criteria: false`)');
    const warned = report({ criteria: [crit('ttfc.max < 2 * ttfc.avg warn', 10, 'fail', 820, 800, 'warn')] });
    expect(renderMarkdown(warned, ctx)).toContain('## ⚠️ TTFC gate passed with 1 warning');
    expect(verdictOf(warned).warned).toHaveLength(1);
    const smoke = report({
      passed: false,
      smokeFailed: true,
      stages: [stage(1, 1, 0, { succeeded: 0, failed: 3, successRate: 0, ttfc: stats(null), ttft: stats(null), total: stats(null) }), stage(2, 10, 0, { skipped: true })],
      diagnoses: [{ kind: 'smoke', users: 1, message: 'smoke test failed: no request of the first stage succeeded', evidence: {} }],
    });
    const md = render(smoke, ctx);
    expect(md).toContain('## ❌ TTFC gate failed: smoke test failed');
    expect(md).toContain('| 1 × 3 | 0/3 (0%) | n/a |');
    expect(md).toContain('| 10 × 3 | skipped | — |');
    expect(md).toContain('- **smoke** at 1 user: smoke test failed');
  });

  test('values that miss a criterion are marked in the stage table, on the right stage', () => {
    const r = report({
      passed: false,
      stages: [stage(1, 1, 200), stage(2, 10, 410), stage(3, 10, 1500)],
      criteria: [
        crit('@10: ttfc.avg < 1s', 10, 'pass', 410, 1000),
        crit('@10: ttfc.avg < 1s', 10, 'fail', 1500, 1000),
        crit('ttfc.p95 < 2s', 10, 'fail', 2250, 2000, 'warn'),
        crit('success_rate > 99%', 1, 'fail', 90, 99, 'fail', '%'),
      ],
    });
    const lines = render(r, ctx).split('\n');
    // Two stages with 10 users: the row names its stage.
    const row = (load: string): string[] => cells(lines.find((l) => l.startsWith(`| ${load} |`))!);
    expect(row('10 × 3 (#2)')[2]).toBe('410 ms');
    expect(row('10 × 3 (#3)')[2]).toBe('❌ **1.50 s**');
    expect(row('10 × 3 (#3)')[3]).toBe('⚠️ **2.25 s**');
    expect(row('1 × 3')[1]).toBe('❌ **3/3**');
    expect(row('1 × 3')[2]).toBe('200 ms');
  });

  test('TTFT columns only when TTFT differs from TTFC', () => {
    expect(renderMarkdown(report(), ctx)).not.toContain('TTFT avg');
    const r = report({ stages: [stage(1, 1, 200, { ttft: stats(900) }), stage(2, 10, 410)] });
    expect(renderMarkdown(r, ctx)).toContain('| TTFC max | TTFT avg | Throughput |');
    expect(renderMarkdown(r, ctx)).toContain('| TTFT avg | TTFT p95 |'); // the details
  });

  test('hostile server text in error samples and diagnoses stays inert, truncated, one row', () => {
    const long = `${HOSTILE} ${'y'.repeat(2000)}`;
    const r = report({
      passed: false,
      errorSamples: [
        { stage: 2, category: 'http_5xx', status: 503, message: long },
        { stage: 2, category: 'stream_error', status: 200, message: '' },
      ],
      diagnoses: [{ kind: 'serialized', users: 10, message: `requests were served one after another ${HOSTILE}`, evidence: {} }],
    });
    const md = render(r, ctx);
    expect(md).not.toMatch(/<(script|img)/i);
    expect(md.match(/<!--/g)).toHaveLength(1); // only our marker
    expect(md).not.toMatch(/@octocat/);
    expect(md).not.toMatch(/#123/);
    const sample = md.split('\n').find((l) => l.startsWith('| 1 | `http_5xx` | 503 | 2 |'))!;
    expect(cells(sample)).toHaveLength(5);
    expect(sample.length).toBeLessThan(MESSAGE_MAX * 2);
    expect(sample.endsWith('… |')).toBe(true);
    expect(md).toContain('| 1 | `stream_error` | 200 | 2 | _(no message)_ |');
    const diag = md.split('\n').find((l) => l.startsWith('- **serialized**'))!;
    expect(diag).toContain(' at 10 users: requests were served one after another &lt;script&gt;');
    expect(diag).not.toContain('\n');
  });

  test('error samples go first when the body is too long, and the report says so', () => {
    const samples: ErrorSample[] = Array.from({ length: 35 }, (_, i) => ({ stage: 2, category: FAILURE_CATEGORIES[i % 7]!, status: 500, message: 'x'.repeat(300) }));
    const r = report({ errorSamples: samples });
    const full = renderMarkdown(r, ctx);
    expect(full).toContain('### Errors');
    expect(full).toContain('| 5 | `http_4xx` | 500 | 2 |'); // 35 samples, 7 kinds: grouped with counts
    const limit = full.length - 100;
    const md = renderMarkdown(r, { ...ctx, limit });
    expect(md.length).toBeLessThanOrEqual(limit);
    expect(md).not.toContain('### Errors');
    expect(md).toContain('This report was shortened');
    expect(md).toContain('the errors table left out');
    expect(md).toContain('| ✅ | `@10: ttfc.avg < 1s` |'); // criteria untouched
    expect(md.startsWith('<!-- ttfc-gate:default -->')).toBe(true);
  });

  test('then passing criteria are counted instead of listed, then missed ones beyond what fits', () => {
    const passing = Array.from({ length: 3000 }, (_, i) => crit(`ttfc.max < ${i + 10}s`, 10, 'pass', 820, (i + 10) * 1000));
    const missed = Array.from({ length: 20 }, (_, i) => crit(`ttfc.avg < ${i + 1}ms`, 10, 'fail', 410, i + 1));
    const r = report({ passed: false, criteria: [...passing, ...missed] });
    const md = renderMarkdown(r, ctx);
    expect(md.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(md).toContain('the table of all criteria left out');
    expect(plain(md)).toContain('- ❌ `ttfc.avg < 20ms` **410 ms** vs &lt; 20 ms · 10 users');
    expect(md).not.toContain('| ✅ |');

    const many = Array.from({ length: 3000 }, (_, i) => crit(`ttfc.avg < ${i + 1}ms`, 10, 'fail', 410, i + 1));
    const md2 = renderMarkdown(report({ passed: false, criteria: many }), ctx);
    expect(md2.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(md2).toMatch(/\d+ missed criteria not listed/);
    expect(md2).toContain('- ❌ `ttfc.avg < 1ms`');
    expect(plain(md2)).toContain('| 10 × 3 |'); // stage rows outrank criteria lines
  });

  test('whatever the input, the limit holds', () => {
    const stages = Array.from({ length: 400 }, (_, i) => stage(i + 1, i + 1, 100 + i));
    const criteria = stages.map((s) => crit('ttfc.avg < 1ms', s.users, 'fail', s.ttfc.avg, 1));
    const diagnoses = stages.map((s) => ({ kind: 'serialized' as const, users: s.users, message: 'z'.repeat(900), evidence: {} }));
    const r = report({ passed: false, stages, criteria, diagnoses });
    for (const limit of [COMMENT_LIMIT, 20_000, 3_000]) {
      const md = renderMarkdown(r, { ...ctx, limit });
      expect(md.length).toBeLessThanOrEqual(limit);
      expect(md.startsWith('<!-- ttfc-gate:default -->\n\n## ❌ TTFC gate failed')).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// issue 5: baseline deltas, intervals, runs, tokens, the chart, evidence

describe('diagnoses, baseline, intervals and pictures', () => {
  const delta = (text: string, regressed = false) => ({ current: 1, baseline: 1, change: 0, text, regressed });
  const compared = (): Report =>
    report({
      stages: [stage(1, 1, 200), stage(2, 10, 410)],
      baseline: {
        source: 'prev/ttfc-report.json',
        loaded: true,
        threshold: 0.2,
        toolVersion: '0.1.0',
        startedAt: '2025-01-01T03:17:00Z',
        commit: '0123456789abcdef',
        messages: ['no baseline stage with 20 users: stage 3 (20x2) not compared'],
        stages: [
          { index: 1, baselineIndex: 1, users: 1, ttfcAvg: delta('▼ 4.5%'), ttfcP95: delta('±0%'), successRate: delta('±0 pp'), regressed: false },
          { index: 2, baselineIndex: 2, users: 10, ttfcAvg: delta('▲ 30%', true), ttfcP95: delta('▲ 12%'), successRate: delta('▼ 3.3 pp'), regressed: true },
        ],
        regressions: [10],
      },
    });

  test('each compared stage row shows ▲ / ▼ for TTFC avg, p95 and the success rate, regressions marked ❗', () => {
    const md = render(compared(), ctx);
    const lines = md.split('\n');
    // The stage table stays one line a row: a regression is one ❗, the deltas are in the details.
    expect(lines).toContain('| 1 × 3 | 3/3 | 200 ms | 300 ms | 400 ms | 300 ms | 4.20 req/s |');
    expect(lines).toContain('| 10 × 3 | 30/30 | 410 ms ❗ | 615 ms | 820 ms | 510 ms | 4.20 req/s |');
    expect(md).not.toContain('<br>');
    expect(md).toContain('<summary>Baseline: ❗ regressions at 10 users</summary>');
    expect(lines).toContain('| 1 | 1 | ▼ 4.5% | ±0% | ±0 pp |');
    expect(lines).toContain('| 2 | 10 | ❗ **▲ 30%** | ▲ 12% | ▼ 3.3 pp |');
    expect(md).toContain(
      '▲ / ▼: change against `prev/ttfc-report.json (commit 0123456, 2025-01-01T03:17:00Z)`; ❗ a regression (TTFC avg or p95 more than 20% slower, or the success rate 5 pp lower).',
    );
    expect(md).toContain('- no baseline stage with 20 users: stage 3 \\(20x2\\) not compared');
    expect(md).not.toContain('[!WARNING]');
  });

  test('a baseline that could not be read: a warning box under the headline, nothing compared', () => {
    const r = report({
      baseline: {
        source: 'b.json',
        loaded: false,
        threshold: 0.2,
        toolVersion: null,
        startedAt: null,
        commit: null,
        messages: ['baseline b.json has schemaVersion 2; not compared.'],
        stages: [],
        regressions: [],
      },
    });
    const md = renderMarkdown(r, ctx);
    expect(md).toContain('<sub>`POST https://preview.example.com/api/chat?key=***`');
    expect(md).toContain(
      '> [!WARNING]\n> **Baseline not compared:** baseline b.json has schemaVersion 2; not compared. The verdict does not depend on it; criteria that use `baseline.` are skipped.',
    );
    expect(md.indexOf('[!WARNING]')).toBeLessThan(md.indexOf('### Stages'));
    expect(md).not.toContain('<br>▲');
  });

  test('inconclusive criteria: ❓ (confident: does not fail, counted in the headline; strict: next to the verdict)', () => {
    const unsure: CriterionResult = {
      ...crit('@10: ttfc.avg < 400ms', 10, 'inconclusive', 410, 400),
      stage: 2,
      inconclusive: true,
      interval: { low: 380, high: 440, level: 0.95 },
      reason: 'inconclusive: the 95% interval 380 ms – 440 ms straddles 400 ms; verdict confident: not failed',
    };
    const strict: CriterionResult = {
      ...crit('@10: ttfc.p95 < 600ms', 10, 'fail', 615, 600),
      stage: 2,
      inconclusive: true,
      interval: { low: 580, high: 650, level: 0.95 },
      reason: 'inconclusive: …; verdict strict: the measured value fails',
    };
    const passed: CriterionResult = { ...crit('@10: ttfc.avg < 1s', 10, 'pass', 410, 1000), stage: 2, interval: { low: 380, high: 440, level: 0.95 } };
    const md = render(report({ config: { failOnCriteria: true, verdict: 'confident' }, criteria: [unsure, passed] }), ctx);
    expect(md).toContain('## ✅ TTFC gate passed, 1 criterion inconclusive');
    expect(md).toContain('**Run** verdict confident: a criterion fails only when its whole 95% interval misses');
    // Listed on top with the missed ones (the mark is red: visible on light and dark themes).
    expect(md).toContain('- ❓ `@10: ttfc.avg < 400ms` **410 ms** vs &lt; 400 ms · 10 users (inconclusive)');
    expect(md).not.toContain('❔');
    expect(md).toContain(
      '| ❓ inconclusive | `@10: ttfc.avg < 400ms` | 10 users | &lt; 400 ms | 410 ms (inconclusive: the 95% interval 380 ms – 440 ms straddles 400 ms; verdict confident: not failed) |',
    );
    expect(md).toContain('| ✅ | `@10: ttfc.avg < 1s` | 10 users | &lt; 1 s | 410 ms (95% CI 380 ms – 440 ms) |');
    const md2 = render(report({ passed: false, criteria: [strict] }), ctx);
    expect(md2).toContain('## ❌ TTFC gate failed: 1 criterion missed');
    expect(md2).toContain('| ❌ ❓ | `@10: ttfc.p95 < 600ms` | 10 users |');
    expect(md2).toContain('Verdict strict: the measured value decides');
    // The result's stage index puts the mark on the right row.
    expect(md2.split('\n').find((l) => l.startsWith('| 10 × 3 |'))).toContain('❌ **615 ms**');
  });

  test('the per-stage table: intervals, the spread over repeated runs, the distribution in backticks', () => {
    const s1 = stage(1, 1, 200, { ttfcInterval: { level: 0.95, avg: { low: 200, high: 200 }, p95: { low: 200, high: 200 } } });
    const s2 = stage(2, 10, 410, { ttfcInterval: { level: 0.95, avg: { low: 380, high: 440 }, p95: { low: 600, high: 700 } } });
    const req = (st: number, ttfc: number) => record({ stage: st, ttfc, ttft: ttfc, total: ttfc + 10, stall: 1, events: 2, bytes: 10 });
    const spread = (min: number, max: number) => ({ min, max, values: [min, max, (min + max) / 2] });
    const r = report({
      stages: [s1, s2],
      requests: [req(1, 200), req(2, 380), req(2, 410), req(2, 440)],
      repeat: {
        requested: 3,
        runs: 3,
        chosenRuns: [0, 2],
        spread: [
          { index: 1, users: 1, chosenRun: 0, ttfcAvg: spread(190, 230), ttfcP95: spread(190, 230), successRate: spread(1, 1) },
          { index: 2, users: 10, chosenRun: 2, ttfcAvg: spread(380, 520), ttfcP95: spread(600, 800), successRate: spread(1, 1) },
        ],
      },
    });
    const md = render(r, ctx);
    expect(md).toContain('<summary>Per stage: percentiles, scaling, intervals, distributions</summary>');
    expect(md).toContain('| Stage | Users | TTFC avg, 95% CI | TTFC p95, 95% CI | TTFC avg over 3 runs | Run shown | TTFC distribution | Range |');
    expect(md).toMatch(/^\| 1 \| 1 \| 200 ms – 200 ms \| 200 ms – 200 ms \| 190 ms – 230 ms \| 1 of 3 \| `▕█ {15}▏` \| 200 ms – 200 ms \|$/m);
    // One shared range, 200–440 ms in 16 bins: 380, 410 and 440 ms fall in bins 12, 14 and 15.
    expect(md).toContain('| 2 | 10 | 380 ms – 440 ms | 600 ms – 700 ms | 380 ms – 520 ms | 3 of 3 | `▕            █ ██▏` | 380 ms – 440 ms |');
    expect(md).toContain('Distribution: 16 bins from 200 ms to 440 ms, the same for every stage');
  });

  test('tokens/s, TPOT and TTFT reasoning columns when present; a mermaid xychart instead of a text chart', () => {
    const tokens = { total: 300, perSec: 42.5, perRequest: stats(20) };
    const r = report({ stages: [stage(1, 1, 200, { tokens, ttfr: stats(150) }), stage(2, 10, 410, { tokens })] });
    const md = render(r, ctx);
    expect(md).toContain('| Stage | Users × requests | TTFC p50 | TTFB avg | TTFT reasoning avg | Total avg | Events/s | Tokens/s | TPOT avg | TPOT p95 | Output tokens avg |');
    expect(md).toContain('| 1 | 1 × 3 | 200 ms | 5.0 ms | 150 ms | 300 ms | 20.0 | 42.5 tok/s | n/a | n/a | — |');
    expect(md).toContain('| 2 | 10 × 3 | 410 ms | 5.0 ms | — | 510 ms | 20.0 | 42.5 tok/s | n/a | n/a | — |');
    expect(md).toContain('TTFT reasoning: time to the first reasoning token (TTFT is then the first content token).');
    expect(md).toContain('### TTFC vs concurrency\n\n```mermaid\n');
    expect(md).toContain('    x-axis "concurrent users" 1 --> 10');
    expect(md).toContain('    line "avg" [200, 410]'); // users 1 and 10: one step of 9, each stage at its x
    expect(md).not.toContain('```text');
  });

  test('no token usage from an LLM preset: a Stream rate column in events/s, named as such; none for generic streams', () => {
    const streamRate = { unit: 'events/s' as const, perRequest: stats(31.9) };
    const stages = [stage(1, 1, 200, { streamRate }), stage(2, 10, 410, { streamRate: { unit: 'events/s', perRequest: stats(28.25) } })];
    const base = report({ stages });
    // In the collapsed per-stage figures (the stage table keeps its 7 columns).
    const md = render({ ...base, target: { ...base.target, preset: 'openai' } }, ctx);
    expect(md).toContain('| Total avg | Events/s | Stream rate |');
    expect(md).toContain('| 300 ms | 20.0 | 31.9 events/s |');
    expect(md).toContain('| 510 ms | 20.0 | 28.3 events/s |');
    expect(md).toContain('Stream rate: the server sent no token usage, so this is events per second after the first chunk (median per request), not tokens/s.');
    expect(renderMarkdown({ ...base, target: { ...base.target, preset: 'generic' } }, ctx)).not.toContain('Stream rate');
  });

  test('diagnoses carry their evidence in words in the collapsed details; hostile evidence stays inert', () => {
    const r = report({
      diagnoses: [
        {
          kind: 'regression',
          users: 10,
          message: 'at 10 users: regression',
          evidence: { threshold: 0.2, baseline: { source: 'x`<script>@octocat.json', stage: 2 }, metrics: { 'ttfc.avg': { current: 412.3456, regressed: true } } },
        },
      ],
    });
    const md = renderMarkdown(r, ctx);
    expect(md.split('\n').filter((l) => l.startsWith('- **regression**'))).toEqual(['- **regression** at 10 users: regression']);
    const details = md.slice(md.indexOf('<summary>Diagnosis details</summary>'));
    expect(details).toContain('- 10 users: regression');
    // Keys spelled out, values in words; the hostile file name escaped: no tag, no code span, no mention.
    expect(details).toContain('| Threshold | 0.2 |');
    expect(details).toContain('| Baseline | source x\\`&lt;script&gt;@\u200Boctocat.json, stage 2 |');
    expect(details).toContain('| Metrics | ttfc.avg current 412.35, regressed yes |');
    expect(details).not.toMatch(/<script|@octocat|threshold: 0\.2/);
  });

  test('the per-stage details go right after the error samples when the limit is tight', () => {
    const s = (i: number, users: number) => stage(i, users, 100 + i, { ttfcInterval: { level: 0.95, avg: { low: 90, high: 110 }, p95: { low: 100, high: 120 } } });
    const r = report({ stages: Array.from({ length: 40 }, (_, i) => s(i + 1, i + 1)) });
    const full = renderMarkdown(r, ctx);
    expect(full).toContain('<summary>Per stage');
    const md = renderMarkdown(r, { ...ctx, limit: full.length - 50 });
    expect(md.length).toBeLessThanOrEqual(full.length - 50);
    expect(md).not.toContain('<summary>Per stage');
    expect(md).toContain('the per-stage intervals and distributions left out');
    expect(md).toContain('| ✅ | `@10: ttfc.avg < 1s` |'); // criteria untouched
    expect(md).toContain('### TTFC vs concurrency');
  });
});

test('requests sent again after a keep-alive race are counted under the stages table, only when there are some', () => {
  expect(renderMarkdown(report(), ctx)).not.toContain('Sent again');
  const md = renderMarkdown(report({ stages: [stage(1, 1, 200, { retries: 0 }), stage(2, 10, 410, { retries: 3 })] }), ctx);
  expect(md).toContain('Sent again on a new connection');
  expect(md).toContain('3 at stage 2;');
  expect(md).not.toContain('at stage 1');
});
