// The markdown report and its escaping: hostile server text stays inert text, the document stays
// under GitHub's comment limit, least important parts first.
import { codeSpan, commentMarker, escapeInline, mdTable, truncate, ZWSP } from '../src/core/markdown.js';
import { COMMENT_LIMIT, MESSAGE_MAX, renderMarkdown, verdictOf } from '../src/core/report-markdown.js';
import type { CriterionResult, ErrorSample, Report, StageSummary, Stats } from '../src/core/types.js';
import { FAILURE_CATEGORIES } from '../src/core/types.js';

const HOSTILE =
  '<script>alert(1)</script> <img src=x onerror=alert(1)> <!-- ttfc-gate:default --> | cell | @octocat @org/team ' +
  'see #123 and GH-45 and owner/repo#9 **bold** _it_ [link](https://evil.example) ![img](https://t.example/p.png) ' +
  '`code` ```fence``` ~~strike~~ &amp; \\| back\nnew line\r\n> quote\u202Eevil\u0000';

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
    expect(out).toContain('\\[link\\]\\(https://evil.example\\)');
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
    index, users, requestsPerUser: 3, skipped: false, issued: users * 3, succeeded: users * 3, failed: 0, successRate: 1, failures,
    connect: stats(1), ttfb: stats(5), ttfc: s, ttft: s, total: stats(ttfcAvg + 100), itl: stats(10), stall: stats(20), durationMs: 1000, rps: 4.2, eventsPerSec: 20,
    ...over,
  };
}

function crit(text: string, users: number | null, status: CriterionResult['status'], actual: number | null, threshold: number | null, severity: CriterionResult['severity'] = 'fail', unit: CriterionResult['unit'] = 'ms'): CriterionResult {
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
    const md = renderMarkdown(report(), ctx);
    const lines = md.split('\n');
    expect(lines[0]).toBe('<!-- ttfc-gate:default -->');
    expect(md).toContain('## ✅ TTFC gate passed');
    expect(md).toContain('`POST https://preview.example.com/api/chat?key=***`');
    expect(md).toContain('commit [`abcdef0`](https://github.example/o/r/commit/abc)');
    expect(md).toContain('[workflow run](https://github.example/o/r/actions/runs/1)');
    expect(lines).toContain('| 1 | 1 × 3 | 3/3 (100%) | 200 ms | 200 ms | 300 ms | 400 ms | 300 ms | 4.20 req/s |');
    expect(lines).toContain('| 2 | 10 × 3 | 30/30 (100%) | 410 ms | 410 ms | 615 ms | 820 ms | 510 ms | 4.20 req/s |');
    expect(lines).toContain('| ✅ | `@10: ttfc.avg < 1s` | 10 users | &lt; 1 s | 410 ms |');
    expect(lines).toContain('| ✅ | `success_rate > 95%` | 1 user | &gt; 95% | 100% |');
    expect(md).toContain('### TTFC vs concurrency');
    expect(md).not.toContain('Error samples');
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
    const md = renderMarkdown(smoke, ctx);
    expect(md).toContain('## ❌ TTFC gate failed: smoke test failed');
    expect(md).toContain('| 1 | 1 × 3 | 0/3 (0%) | n/a |');
    expect(md).toContain('| 2 | 10 × 3 | skipped | — |');
    expect(md).toContain('- **smoke** (1 user): smoke test failed');
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
    const lines = renderMarkdown(r, ctx).split('\n');
    const row = (i: number): string[] => cells(lines.find((l) => l.startsWith(`| ${i} |`))!);
    expect(row(2)[3]).toBe('410 ms');
    expect(row(3)[3]).toBe('❌ **1.50 s**');
    expect(row(3)[5]).toBe('⚠️ **2.25 s**');
    expect(row(1)[2]).toBe('❌ **3/3 (100%)**');
    expect(row(1)[3]).toBe('200 ms');
  });

  test('TTFT columns only when TTFT differs from TTFC', () => {
    expect(renderMarkdown(report(), ctx)).not.toContain('TTFT avg');
    const r = report({ stages: [stage(1, 1, 200, { ttft: stats(900) }), stage(2, 10, 410)] });
    expect(renderMarkdown(r, ctx)).toContain('| TTFT avg | TTFT p95 |');
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
    const md = renderMarkdown(r, ctx);
    expect(md).not.toMatch(/<(script|img)/i);
    expect(md.match(/<!--/g)).toHaveLength(1); // only our marker
    expect(md).not.toMatch(/@octocat/);
    expect(md).not.toMatch(/#123/);
    const sample = md.split('\n').find((l) => l.startsWith('| 2 | `http_5xx` | 503 |'))!;
    expect(cells(sample)).toHaveLength(4);
    expect(sample.length).toBeLessThan(MESSAGE_MAX * 2);
    expect(sample.endsWith('… |')).toBe(true);
    expect(md).toContain('| 2 | `stream_error` | 200 | _(no message)_ |');
    const diag = md.split('\n').find((l) => l.startsWith('- **serialized**'))!;
    expect(diag).toContain('(10 users): requests were served one after another &lt;script&gt;');
    expect(diag).not.toContain('\n');
  });

  test('error samples go first when the body is too long, and the report says so', () => {
    const samples: ErrorSample[] = Array.from({ length: 35 }, (_, i) => ({ stage: 2, category: FAILURE_CATEGORIES[i % 7]!, status: 500, message: 'x'.repeat(300) }));
    const r = report({ errorSamples: samples });
    const full = renderMarkdown(r, ctx);
    expect(full).toContain('### Error samples');
    const limit = full.length - 100;
    const md = renderMarkdown(r, { ...ctx, limit });
    expect(md.length).toBeLessThanOrEqual(limit);
    expect(md).not.toContain('### Error samples');
    expect(md).toContain('This report was shortened');
    expect(md).toContain('35 error samples left out');
    expect(md).toContain('| ✅ | `@10: ttfc.avg < 1s` |'); // criteria untouched
    expect(md.startsWith('<!-- ttfc-gate:default -->')).toBe(true);
  });

  test('then passing criteria are counted instead of listed, then missed ones beyond what fits', () => {
    const passing = Array.from({ length: 3000 }, (_, i) => crit(`ttfc.max < ${i + 10}s`, 10, 'pass', 820, (i + 10) * 1000));
    const missed = Array.from({ length: 20 }, (_, i) => crit(`ttfc.avg < ${i + 1}ms`, 10, 'fail', 410, i + 1));
    const r = report({ passed: false, criteria: [...passing, ...missed] });
    const md = renderMarkdown(r, ctx);
    expect(md.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(md).toContain('3000 passed not listed');
    expect(md).toContain('| ❌ | `ttfc.avg < 20ms` |');
    expect(md).not.toContain('| ✅ |');

    const many = Array.from({ length: 3000 }, (_, i) => crit(`ttfc.avg < ${i + 1}ms`, 10, 'fail', 410, i + 1));
    const md2 = renderMarkdown(report({ passed: false, criteria: many }), ctx);
    expect(md2.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(md2).toMatch(/\d+ missed criteria not listed/);
    expect(md2).toContain('| ❌ | `ttfc.avg < 1ms` |');
    expect(md2).toContain('| 2 | 10 × 3 |'); // stage rows outrank criteria rows
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
