// `history.<metric>` criteria: parsed like `baseline.`, checked against what the history keeps, and
// judged against the median of the latest passing runs at the stage's key; skipped with a reason
// when the history has fewer than three of them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateCriteria, parseCriteria } from '../../src/core/analysis/criteria/index.js';
import { buildConfig } from '../../src/core/config/config.js';
import { InputError } from '../../src/core/errors.js';
import { recordingOf } from '../../src/core/history/config.js';
import { historyReference } from '../../src/core/history/reference.js';
import { entry, nights, stageWith } from '../helpers/history.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ttfc-history-cfg-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = (inputs: Record<string, string>) => buildConfig({ url: 'http://127.0.0.1:9/chat', ...inputs }, { env: {}, cwd: dir });
const inputError = (inputs: Record<string, string>): { input: string; detail: string } => {
  try {
    config(inputs);
  } catch (err) {
    if (err instanceof InputError) return { input: err.input, detail: err.detail };
    throw err;
  }
  throw new Error('no InputError');
};

describe('parse and config', () => {
  test('history. on the right-hand side only, like baseline.', () => {
    const [c] = parseCriteria('@10: ttfc.p95 < 1.3 * history.ttfc.p95 + 50ms');
    expect(c!.value).toEqual({ kind: 'factor', factor: 1.3, metric: { name: 'ttfc.p95', baseline: false, history: true }, offset: 50 });
    expect(() => parseCriteria('history.ttfc.p95 < 1s')).toThrow(/a history metric can only be used in the value/);
  });

  test('the settings, resolved against the working directory', () => {
    expect(config({ 'history-path': 'h/ttfc-history.json', criteria: 'ttfc.p95 < 1.3 * history.ttfc.p95' }).history).toEqual({
      path: 'h/ttfc-history.json',
      absPath: join(dir, 'h', 'ttfc-history.json'),
      limit: 200,
      window: 7,
      write: 'auto',
    });
    expect(config({}).history).toBeNull();
  });

  test.each([
    [{ criteria: 'ttfc.p95 < 1.3 * history.ttfc.p95' }, 'criteria', 'line 1: "ttfc.p95 < 1.3 * history.ttfc.p95" references history.ttfc.p95 but history-path is not set'],
    [
      { 'history-path': 'h.json', criteria: 'success_rate > 95%\nttfc.max < 2 * history.ttfc.max' },
      'criteria',
      /^line 2: the history keeps ttfc.avg, .*success_rate, rps, not ttfc.max$/,
    ],
    [{ 'history-limit': '50' }, 'history-limit', 'is set but history-path is not'],
    [{ 'history-path': 'h.json', 'history-limit': '5' }, 'history-limit', '5 is out of range: 10 to 1000'],
    [{ 'history-path': 'h.json', 'history-limit': '2e2' }, 'history-limit', '"2e2" is not a whole number (10 to 1000)'],
    [{ 'history-path': 'h.json', 'history-window': '2' }, 'history-window', '2 is out of range: 3 to 100'],
    [{ 'history-path': 'h.json', 'history-limit': '10', 'history-window': '20' }, 'history-window', /is more than history-limit \(10\)/],
    [{ 'history-path': 'h.json', 'history-write': 'always' }, 'history-write', '"always" is not auto, true or false'],
    [{ 'history-path': 'dir/' }, 'history-path', '"dir/" is a directory, not a file name'],
    [{ 'history-path': 'h.json', shard: '1/2' }, 'history-path', /cannot be combined with shard/],
    [{ 'history-path': 'ttfc-report.json' }, 'history-path', '"ttfc-report.json" is also report-path: the history needs a file of its own'],
    [{ 'history-path': './out/r.md', 'markdown-path': 'out/r.md' }, 'history-path', '"./out/r.md" is also markdown-path: the history needs a file of its own'],
  ])('%j → %s', (inputs, input, detail) => {
    const e = inputError(inputs as Record<string, string>);
    expect(e.input).toBe(input);
    expect(e.detail).toEqual(typeof detail === 'string' ? detail : expect.stringMatching(detail));
  });

  test('which runs record: schedule, push, dispatch (and the CLI outside a workflow); a pull request never', () => {
    const auto = { write: 'auto' as const };
    expect(['schedule', 'push', 'workflow_dispatch', null].map((e) => recordingOf(auto, e).record)).toEqual([true, true, true, true]);
    expect(['pull_request', 'pull_request_target', 'deployment_status', 'workflow_run', 'merge_request'].map((e) => recordingOf(auto, e).record)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(recordingOf({ write: 'true' }, 'deployment_status').record).toBe(true);
    expect(recordingOf({ write: 'false' }, 'schedule')).toEqual({ record: false, why: 'history-write is false' });
    expect(() => recordingOf({ write: 'true' }, 'pull_request')).toThrow(InputError);
  });
});

describe('reference and evaluation', () => {
  const stages = [stageWith(1, 1, [100]), stageWith(2, 10, [300, 310, 320, 330, 900])];
  const criteria = parseCriteria('ttfc.p95 < 1.3 * history.ttfc.p95');

  test('the median over the latest history-window passing runs of the same stage key; failing runs do not count', () => {
    const entries = [
      ...nights('10', [100, 100, 100, 100]), // older than the window
      entry({ 10: 5000 }, { passed: false }, 5),
      ...nights('10', [500, 400, 600]).map((e, i) => ({ ...e, time: `2026-01-1${i}T03:17:00.000Z` })),
      entry({ 1: 50 }, {}, 20),
    ];
    const ref = historyReference(entries, stages, 3);
    expect(ref.rows.find((r) => r.key === '10')).toMatchObject({ runs: 3, values: { 'ttfc.p95': 500 } });
    expect(ref.rows.find((r) => r.key === '1')).toMatchObject({ runs: 1, values: {} });
    const results = evaluateCriteria(criteria, stages, { history: ref.lookup });
    expect(results.map((r) => [r.users, r.status, r.threshold, r.reason])).toEqual([
      [1, 'skipped', null, 'the history has 1 passing run with a stage with 1 user: 3 needed'],
      [10, 'fail', 650, undefined],
    ]);
    // The 10-user stage's p95 is 780 ms: 1.3 × 600 would pass it.
    expect(results[1]!.actual).toBeGreaterThan(650);
  });

  test('twin stages meet their twins: the second stage with 10 users is key 10#2', () => {
    const twins = [stageWith(1, 10, [100, 100]), stageWith(2, 10, [400, 400])];
    const entries = [1, 2, 3].map((d) => ({
      ...entry({ 10: 100 }, {}, d),
      stages: [...entry({ 10: 100 }).stages, { key: '10#2', users: 10, metrics: { 'ttfc.p95': 390 } }],
    }));
    const results = evaluateCriteria(criteria, twins, { history: historyReference(entries, twins, 7).lookup });
    expect(results.map((r) => [r.stage, r.status, r.threshold])).toEqual([
      [1, 'pass', 130],
      [2, 'pass', 507],
    ]);
  });

  test('without a reference the criterion is skipped, never failed', () => {
    const [r] = evaluateCriteria(parseCriteria('@10: ttfc.p95 < history.ttfc.p95'), stages);
    expect(r).toMatchObject({ status: 'skipped', reason: 'no history (set history-path)' });
  });
});
