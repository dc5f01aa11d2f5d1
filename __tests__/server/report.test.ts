// The Server section of the reports, from a section as the session builds it: the table, the
// monitor figures, log samples escaped, charts with the stage boundaries.
import { serverMarkdown, serverTable } from '../../src/core/report/server.js';
import { diagnoseServer } from '../../src/core/server/diagnose.js';
import { summarizeServer } from '../../src/core/server/summarize.js';
import type { ServerSection, ServerSpec } from '../../src/core/server/types.js';
import type { MonitorState } from '../../src/core/server/monitors.js';

const MiB = 1024 ** 2;
const spec: ServerSpec = {
  health: { url: 'http://127.0.0.1:9/healthz', displayUrl: 'http://127.0.0.1:9/healthz', intervalMs: 250, timeoutMs: 5000, headers: () => ({}) },
  monitors: [{ name: 'mem', source: { kind: 'command', command: 'ps -o rss= -p 42 --token s3cr3t-value' } }],
  monitorIntervalMs: 1000,
  sampleTimeoutMs: 5000,
  metrics: null,
  logs: { command: 'tail -n0 -F app.log', errorPattern: /error/i, patternText: 'error' },
  secrets: ['s3cr3t-value'],
};

function section(mem: number[][], healthMs: number[][]): ServerSection {
  // mem: [before], [stage 1…], [stage 2…], [after] in MiB; healthMs per stage.
  const samples: MonitorState['samples'] = [];
  let t = 0;
  mem.forEach((vals, i) => {
    const phase = i === 0 ? 'before' : i === mem.length - 1 ? 'after' : i;
    for (const v of vals) samples.push({ t: (t += 500), phase, value: v * MiB });
  });
  const probes = healthMs.flatMap((list, i) => list.map((ms) => ({ phase: i + 1, t: 0, ms, ok: true, error: null })));
  return summarizeServer({
    spec,
    boundaries: [
      { index: 1, users: 1, start: 1000, end: 2000 },
      { index: 2, users: 20, start: 2500, end: 4000 },
    ],
    users: new Map([
      [1, 1],
      [2, 20],
    ]),
    finishedAt: 6000,
    idleHealth: 0.8,
    probes,
    monitors: [{ spec: spec.monitors[0]!, unit: 'bytes', samples, failures: 1, warnings: ['exited with 1: no such process'] }],
    logs: {
      counts: new Map<number | 'before' | 'after', { lines: number; errors: number; samples: string[]; keys: Set<string> }>([
        [2, { lines: 40, errors: 2, samples: ['ERROR <img src=x> @admin | s3cr3t-value', '::error::not a command'], keys: new Set() }],
      ]),
      warning: null,
    },
    warnings: ['monitor mem: exited with 1: no such process'],
  });
}

test('figures per stage and for the run', () => {
  const s = section(
    [[100], [110, 120], [200, 260], [250]],
    [
      [1, 2, 3],
      [5, 2400, 30],
    ],
  );
  const mem = s.monitors[0]!;
  expect(mem).toMatchObject({ idleBefore: 100 * MiB, idleAfter: 250 * MiB, peak: 260 * MiB, growth: 1.5, failures: 1 });
  expect(mem.stages).toEqual([
    { index: 1, users: 1, n: 2, min: 110 * MiB, avg: 115 * MiB, max: 120 * MiB },
    { index: 2, users: 20, n: 2, min: 200 * MiB, avg: 230 * MiB, max: 260 * MiB },
  ]);
  expect(mem.source).toBe('ps -o rss= -p 42 --token ***');
  expect(s.health!.stages[1]).toMatchObject({ n: 3, failures: 0, latency: { max: 2400 } });
  expect(s.logs!.stages.map((x) => [x.lines, x.errors])).toEqual([
    [0, 0],
    [40, 2],
  ]);
});

test('diagnoses: unresponsive and memory_growth, and neither on a calm run', () => {
  const bad = diagnoseServer(
    section(
      [[100], [110, 120], [200, 260], [250]],
      [
        [1, 2, 3],
        [5, 2400, 30],
      ],
    ),
  );
  expect(bad.map((d) => d.kind)).toEqual(['unresponsive', 'memory_growth']);
  expect(bad[0]!.message).toBe('the health check took up to 2.4 s at 20 users (0.8 ms idle): the server stops answering under load');
  expect(bad[1]!.message).toMatch(/^mem rose stage over stage \(115 MiB → 230 MiB\) and stayed up after the cool-down: 100 MiB idle before, 250 MiB idle after \(\+150%\)/);
  // Memory that comes back after the cool-down is not a leak; a slow probe of 30 ms is not a freeze.
  expect(
    diagnoseServer(
      section(
        [[100], [110, 120], [200, 260], [104]],
        [
          [1, 2, 3],
          [5, 20, 30],
        ],
      ),
    ),
  ).toEqual([]);
});

test('memory_growth: a one-off step as the load begins is not a leak, a steady climb is', () => {
  // A fresh node process (the demo server, measured): 60.8 MiB idle, 66.3 at the first sample under
  // load, then 1 MiB more over the run: +10.6% kept, but the stages climbed by 0.7 of the 6.5 MiB.
  const step = diagnoseServer(section([[60.8], [66.3, 66.4], [66.5, 67.1], [67.3]], [[1], [2]]));
  expect(step).toEqual([]);
  // The same gain spread over the requests: the stages climb by 3 of the 6.5 MiB kept.
  const leak = diagnoseServer(section([[60.8], [62, 63], [65, 66.5], [67.3]], [[1], [2]]));
  expect(leak.map((d) => d.kind)).toEqual(['memory_growth']);
});

test('the markdown section: table, escaped samples, redacted command, a chart per monitor', () => {
  const md = serverMarkdown(
    section(
      [[100], [110, 120], [200, 260], [250]],
      [
        [1, 2, 3],
        [5, 2400, 30],
      ],
    ),
  );
  expect(md).toMatch(/^### Server\n\n\| Stage \| Health probes \| Health p50 \| Health p95 \| Health max \| mem avg \| mem max \| Log lines \| Log errors \|/);
  expect(md).toContain('| 2 (20 users) | 3 | 30 ms |');
  expect(md).toContain('| idle after | – | – | – | – | 250 MiB | – | – | – |');
  expect(md).toContain('mem: 100 MiB idle before → 250 MiB after \\(+150%\\), peak 260 MiB, 1 sample missing');
  expect(md).not.toContain('s3cr3t-value');
  expect(md).not.toContain('<img');
  expect(md).toContain('&lt;img src=x&gt; @\u200Badmin \\| \\*\\*\\*');
  expect(md).not.toMatch(/^::/m);
  expect(md).toContain('x-axis ["idle 0.5s", "S1 1.0s", "1.5s", "S2 2.0s", "2.5s", "idle 3.0s"]');
  expect(md).toContain('line [100, 110, 120, 200, 260, 250]');
  expect(md).toContain('S1 = 1 user, S2 = 20 users');
});

test('the terminal table has the same rows', () => {
  const t = serverTable(section([[100], [110], [200], [250]], [[1], [5]]))!;
  expect(t.rows.map((r) => r[0])).toEqual(['idle before', '1 (1 user)', '2 (20 users)', 'idle after']);
  expect(t.rows[0]).toEqual(['idle before', 'idle', '0.8 ms', '–', '–', '100 MiB', '–', '0', '–']);
});
