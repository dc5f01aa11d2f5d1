// The fault matrix through the CLI as a process: each fault once, the crash repros of issue 19 and a
// Ctrl-C in the middle of a fault. Whatever the server does: exit 0 or 1 (130 for the Ctrl-C), the
// report written with every issued request counted once, no Node warning, no stack trace, and the
// process gone by itself.
import { chaosServer } from '../helpers/chaos-server.js';
import { cellName, processViolations, reportViolations, startCell } from '../helpers/chaos-cell.js';
import { PROCESS_CELLS, runCliProcess, type ProcessRun } from '../helpers/chaos-process.js';
import { parseStages } from '../../src/core/config/stages.js';
import type { Report } from '../../src/core/report-types.js';

function violations(run: ProcessRun, stages: string, exits?: number[]): string[] {
  const report = run.reportText === null ? null : (JSON.parse(run.reportText) as Report);
  return [...(run.hung ? ['did not exit by itself'] : []), ...processViolations(run, exits), ...reportViolations(report, parseStages(stages))];
}

test('each fault once: exit 0 or 1, the report counts every request, nothing printed by Node', async () => {
  const found = await Promise.all(
    PROCESS_CELLS.map(async (c) => {
      const cell = await startCell(c);
      try {
        const run = await runCliProcess(cell.inputs);
        return violations(run, cell.inputs.stages!).map((v) => `${cellName(c)}: ${v}`);
      } finally {
        await cell.close();
      }
    }),
  );
  expect(found.flat()).toEqual([]);
});

test('issue 19 repro: a second request to a refused port (1x2) is a counted connection failure, not a crash', async () => {
  const server = await chaosServer([{ fault: 'refuse', after: 0 }]);
  try {
    const run = await runCliProcess({ url: `${server.url}/x`, stages: '1x2' });
    expect(violations(run, '1x2')).toEqual([]);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.reportText!) as Report;
    expect(report.stages[0]!.failures.connection).toBe(2);
    expect(report.stages[0]!.rps).toBeNull();
  } finally {
    await server.close();
  }
});

test('issue 19 repro: the server gone in the middle of the default plan', async () => {
  // the default plan is 1x1, 10x3, 20x2: the server exits once stage 2 is under way
  const server = await chaosServer([{ fault: 'exit', after: 16 }]);
  try {
    const run = await runCliProcess({ url: `${server.url}/chat`, timeout: '2s', cooldown: '50ms' });
    expect(violations(run, '1x1, 10x3, 20x2')).toEqual([]);
    const report = JSON.parse(run.reportText!) as Report;
    expect(report.stages[0]!.succeeded).toBe(1);
    expect(report.stages[2]!.failures.connection).toBe(40);
  } finally {
    await server.close();
  }
});

test('a Ctrl-C while the server is silent at 20 users: exit 130 and a partial report, every request counted', async () => {
  const server = await chaosServer([{ fault: 'silence', after: 0 }]);
  try {
    let sent = false;
    const run = await runCliProcess({ url: `${server.url}/chat`, stages: '20x3', timeout: '30s' }, (out, kill) => {
      if (sent || !out.includes('stage 1/1')) return;
      sent = true;
      const wait = setInterval(() => {
        if (server.stats.requests < 20) return;
        clearInterval(wait);
        kill('SIGINT');
      }, 20);
    });
    expect(violations(run, '20x3', [130])).toEqual([]);
    const report = JSON.parse(run.reportText!) as Report;
    expect(report.cancelled).toBe(true);
    expect(report.stages[0]).toMatchObject({ issued: 20, succeeded: 0 });
    expect(report.stages[0]!.failures.cancelled).toBe(20);
  } finally {
    await server.close();
  }
});
