// `npm run bench:history`: what history-path adds to a run with a full history — reading and checking
// the file, the `history.` criteria, the drift test, appending the entry (an atomic, synced write) and
// the trend section of the markdown. 200 entries (history-limit's default) of 4 stages, and 1000 (its
// maximum) as the worst case. The first iteration is cold (the code not yet optimised); then the median
// and the slowest of the warm ones. Prints a table; not part of the tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { evaluateCriteria, parseCriteria } from '../src/core/analysis/criteria/index.js';
import { summarizeStage } from '../src/core/analysis/stats.js';
import { finishHistory, openHistory, referenceOf } from '../src/core/history/run.js';
import type { HistoryEntry } from '../src/core/history/schema.js';
import { writeHistory } from '../src/core/history/store.js';
import { historyMarkdown } from '../src/core/report/trend.js';
import type { RequestRecord, StageSummary } from '../src/core/types.js';
import type { Report } from '../src/core/report-types.js';

const ITERATIONS = 30;
const USERS = [1, 10, 20, 50];
const CRITERIA = parseCriteria('ttfc.p95 < 1.3 * history.ttfc.p95\nttfc.avg < 1.3 * history.ttfc.avg\nsuccess_rate >= history.success_rate - 2%');

function stage(index: number, users: number): StageSummary {
  const records: RequestRecord[] = Array.from({ length: users * 3 }, (_, i) => {
    const ttfc = 200 + users * 5 + ((i * 37) % 50);
    return {
      stage: index,
      user: (i % users) + 1,
      iteration: 1,
      startedAt: 0,
      status: 200,
      ok: true,
      category: null,
      error: null,
      connect: 1,
      ttfb: 5,
      ttfc,
      ttft: ttfc,
      total: ttfc + 900,
      stall: 40,
      events: 20,
      bytes: 900,
    };
  });
  return summarizeStage(index, { users, requestsPerUser: 3 }, records, 2000);
}

function entries(n: number): HistoryEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    time: new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString(),
    commit: (i * 7919).toString(16).padStart(40, '0'),
    ref: 'refs/heads/main',
    event: 'schedule',
    target: 'POST https://staging.example.com/api/chat',
    passed: i % 9 !== 0,
    capacity: null,
    stages: USERS.map((u) => {
      const p95 = 250 + u * 5 + ((i * 13) % 40);
      return {
        key: String(u),
        users: u,
        metrics: {
          'ttfc.avg': p95 * 0.8,
          'ttfc.p50': p95 * 0.75,
          'ttfc.p90': p95 * 0.95,
          'ttfc.p95': p95,
          'ttfc.p99': p95 * 1.1,
          'ttft.avg': p95 * 0.8,
          'ttft.p50': p95 * 0.75,
          'ttft.p95': p95,
          'total.avg': p95 + 900,
          'total.p95': p95 + 1000,
          success_rate: 100,
          rps: u * 1.5,
        },
      };
    }),
  }));
}

function report(stages: StageSummary[]): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'ttfc-gate', version: 'bench' },
    target: { method: 'POST', url: 'https://staging.example.com/api/chat', preset: 'generic', commit: null },
    config: {},
    environment: { node: process.version, platform: process.platform, cpus: 1 },
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    passed: true,
    smokeFailed: false,
    percentileMethod: 'linear',
    stages,
    criteria: [],
    diagnoses: [],
    errorSamples: [],
    requests: [],
  };
}

interface Times {
  read: number;
  judge: number;
  record: number;
  chart: number;
}

/** One run's history work, each part timed; the file is reset to `n` entries first (not timed). */
function once(dir: string, n: number, stages: StageSummary[]): Times {
  const path = join(dir, 'h.json');
  writeHistory(path, entries(n));
  const spec = { path: 'h.json', absPath: path, limit: n, window: 7, write: 'auto' as const };
  const t0 = performance.now();
  const h = openHistory(spec, { event: 'schedule' }, () => {});
  const t1 = performance.now();
  const ref = referenceOf(h, stages);
  evaluateCriteria(CRITERIA, stages, { history: ref.lookup });
  const t2 = performance.now();
  const r = report(stages);
  finishHistory(h, r, ref, { event: 'schedule' }, () => {});
  const t3 = performance.now();
  historyMarkdown(r, { chart: true });
  const t4 = performance.now();
  if (!r.history?.recorded) throw new Error('the run was not recorded');
  return { read: t1 - t0, judge: t2 - t1, record: t3 - t2, chart: t4 - t3 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const f = (x: number): string => x.toFixed(2).padStart(8);

const dir = mkdtempSync(join(tmpdir(), 'ttfc-bench-history-'));
try {
  const stages = USERS.map((u, i) => stage(i + 1, u));
  console.log(
    `history bench: ${USERS.length} stages, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; ms`,
  );
  console.log(
    `${'entries'.padEnd(8)} ${'iteration'.padEnd(12)} ${'read'.padStart(8)} ${'judge'.padStart(8)} ${'record'.padStart(8)} ${'chart'.padStart(8)} ${'total'.padStart(8)}`,
  );
  for (const n of [200, 1000]) {
    const runs = Array.from({ length: ITERATIONS + 1 }, () => once(dir, n, stages));
    const total = (t: Times): number => t.read + t.judge + t.record + t.chart;
    const [cold, ...warm] = runs;
    const row = (label: string, t: Times): void => console.log(`${String(n).padEnd(8)} ${label.padEnd(12)} ${f(t.read)} ${f(t.judge)} ${f(t.record)} ${f(t.chart)} ${f(total(t))}`);
    row('cold', cold!);
    const pick = (k: keyof Times): number => median(warm.map((t) => t[k]));
    row('warm median', { read: pick('read'), judge: pick('judge'), record: pick('record'), chart: pick('chart') });
    const slowest = warm.reduce((a, b) => (total(b) > total(a) ? b : a));
    row('warm max', slowest);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
