// A stage in which nothing succeeded has no throughput: null in the JSON report, "n/a" wherever a
// table or a line shows it, and a criterion on it judged as on any missing value (it fails, saying
// why) — on the head and on the compare side alike.
import { record } from '../helpers/records.js';
import { chaosServer } from '../helpers/chaos-server.js';
import { gate } from '../helpers/gate.js';
import { summarizeStage } from '../../src/core/analysis/stats.js';
import { scalingEfficiency } from '../../src/core/analysis/diagnose/serialized.js';
import { renderMarkdown } from '../../src/core/report/markdown.js';
import { renderTerminal, stageLine } from '../../src/core/report/terminal.js';

const failed = record({ ok: false, category: 'connection', status: null, ttfb: null, ttfc: null, ttft: null, total: 0.4, events: 0, error: 'connection failed' });

test('a stage with no success: rps and eventsPerSec are null, not failures per second', () => {
  const s = summarizeStage(1, { users: 1, requestsPerUser: 1 }, [failed], 7.82);
  expect(s.rps).toBeNull();
  expect(s.eventsPerSec).toBeNull();
  expect(stageLine(s)).toContain('n/a req/s');
  expect(stageLine(s)).not.toMatch(/\d req\/s/);
  // one success is a throughput again (of every completed request, as before)
  const some = summarizeStage(1, { users: 1, requestsPerUser: 2 }, [failed, record()], 1000);
  expect(some.rps).toBe(2);
  expect(some.eventsPerSec).toBe(1);
});

test('scaling efficiency leaves a stage with no success out, and never takes it as the reference', () => {
  const zero = summarizeStage(1, { users: 1, requestsPerUser: 1 }, [failed], 5);
  const ten = summarizeStage(
    2,
    { users: 10, requestsPerUser: 1 },
    Array.from({ length: 10 }, () => record()),
    1000,
  );
  const rows = scalingEfficiency([zero, ten]);
  expect(rows[0]).toMatchObject({ rps: null, throughputRatio: null, efficiency: null });
  expect(rows[1]).toMatchObject({ throughputRatio: 1 });
});

test('through the whole gate, head and compare side refused: JSON null, "n/a" in terminal and markdown, rps criteria fail as missing', async () => {
  const head = await chaosServer([{ fault: 'refuse', after: 0 }]);
  const base = await chaosServer([{ fault: 'refuse', after: 0 }]);
  try {
    const report = await gate({
      url: `${head.url}/chat`,
      'compare-url': `${base.url}/chat`,
      stages: '1x1',
      timeout: '2s',
      criteria: 'rps > 1\nrps > 0.5 * compare.rps',
    });
    const json = JSON.parse(JSON.stringify(report)) as { stages: Array<{ rps: unknown; eventsPerSec: unknown }>; compare: { stages: Array<{ base: { rps: unknown } }> } };
    expect(json.stages[0]).toMatchObject({ rps: null, eventsPerSec: null });
    expect(json.compare.stages[0]!.base).toMatchObject({ rps: null, eventsPerSec: null });
    expect(report.criteria.map((c) => [c.status, c.actual])).toEqual([
      ['fail', null],
      ['fail', null],
    ]);
    expect(report.criteria[0]!.reason).toMatch(/no successful requests/);
    const terminal = renderTerminal(report);
    expect(terminal).not.toMatch(/\d+\.\d\d(?: req\/s)?\s*$/m);
    const row = terminal.split('\n').find((l) => /^1\s+1 x 1\s+0\/1/.test(l))!;
    expect(row.trim().endsWith('n/a')).toBe(true);
    const md = renderMarkdown(report);
    expect(md).not.toMatch(/\d req\/s/);
    // the stage row's Throughput cell (non-breaking spaces read as spaces)
    const mdRow = md
      .replace(/\u00a0/g, ' ')
      .split('\n')
      .find((l) => l.startsWith('| 1 × 1 | 0/1 (0%) |'))!;
    expect(mdRow.split('|').at(-2)!.trim()).toBe('❌ **n/a**');
  } finally {
    await Promise.all([head.close(), base.close()]);
  }
});
