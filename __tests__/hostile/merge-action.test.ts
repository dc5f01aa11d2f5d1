// mode: merge as the runner runs it, with shard reports from artifacts a fork's author controls:
// a forged report fails the step naming the file and field before anything is posted; the merge
// step's own settings judge; inputs a merge would ignore are refused (all named); markdown-path works.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACTION_DEFAULTS } from '../../src/action/inputs.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-api.js';
import { cleanupRuns, ensureActionBundle, pullRequestEvent, readActionYml, REPO, runAction, type ActionRun } from '../helpers/run-action.js';
import { validShardReport, writeJson } from '../helpers/shard-report.js';

const GITHUB_TOKEN = 'ghs_mergeToken_0123456789';
let api: FakeGitHub;
let dir: string;

beforeAll(async () => {
  ensureActionBundle();
  api = await startFakeGitHub({ token: GITHUB_TOKEN });
  dir = mkdtempSync(join(tmpdir(), 'ttfc-merge-action-'));
}, 240_000);
afterAll(async () => {
  await api?.close();
  cleanupRuns();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => api.reset());

const merge = (inputs: Record<string, string>): Promise<ActionRun> =>
  runAction({
    event: { name: 'pull_request', payload: pullRequestEvent({ number: 5, headSha: 'e'.repeat(40) }) },
    apiUrl: api.url,
    githubToken: GITHUB_TOKEN,
    inputs: { mode: 'merge', ...inputs },
  });
const errors = (r: ActionRun): string[] => r.annotations.filter((a) => a.level === 'error').map((a) => a.message);

/** Two shards whose second stage fails, given lenient settings of their own. */
function lenientShards(name: string): string {
  const sub = join(dir, name);
  mkdirSync(sub);
  const lenient = { criteria: 'success_rate > 0%', failOnCriteria: false, verdict: 'confident' };
  const fail = (stage: number) => (stage === 2 ? 'HTTP 503: overloaded' : null);
  writeJson(sub, '1.json', validShardReport({ index: 1, count: 2, fail, config: lenient }));
  writeJson(sub, '2.json', validShardReport({ index: 2, count: 2, fail, config: lenient }));
  return join(sub, '*.json');
}

test("ACTION_DEFAULTS are action.yml's non-empty defaults (what the runner passes when a workflow sets nothing)", () => {
  const yml = readActionYml();
  const fromYml = Object.fromEntries([...yml.inputs].filter(([, i]) => (i.default ?? '').trim() !== '' && !i.default!.includes('${{')).map(([n, i]) => [n, i.default!.trim()]));
  const action = ['mode', 'comment', 'comment-mode', 'comment-tag', 'tracking-issue'];
  for (const n of action) delete fromYml[n];
  expect(Object.fromEntries(Object.entries(ACTION_DEFAULTS).map(([k, v]) => [k, v.trim()]))).toEqual(fromYml);
});

test("the merge step's fail-on-criteria (its default: true) decides, not the shards' false; markdown-path is written", async () => {
  const r = await merge({ reports: lenientShards('lenient'), 'markdown-path': 'merged.md' });
  expect(r.code).toBe(1);
  expect(r.outputs.passed).toBe('false');
  expect(errors(r)).toEqual([expect.stringMatching(/^TTFC gate failed/)]);
  const report = JSON.parse(r.reportText!) as { config: Record<string, unknown> };
  expect(report.config).toMatchObject({ failOnCriteria: true, verdict: 'strict' });
  expect(readFileSync(join(r.workspace, 'merged.md'), 'utf8')).toContain('TTFC gate failed');
  expect(api.comments(REPO.owner, REPO.repo, 5)).toHaveLength(1);
}, 60_000);

test('inputs a merge would ignore fail the step, all named, before anything is read or posted', async () => {
  const r = await merge({
    reports: lenientShards('ignored'),
    monitor: 'mem: echo 1',
    'health-url': 'http://127.0.0.1:9/healthz',
    'logs-command': 'tail -F app.log',
    'compare-url': 'http://127.0.0.1:9/base',
    repeat: '3',
    token: 'sk-merge-secret-0123456789',
    stages: '1x1', // not the default: a plan the merge would not run
  });
  expect(r.code).toBe(1);
  expect(errors(r)).toEqual([
    expect.stringMatching(
      /^Input 'token': token, stages, repeat, health-url, monitor, logs-command and compare-url do not apply with mode: merge \(the plan comes from the shard reports/,
    ),
  ]);
  expect(r.log).not.toContain('sk-merge-secret'); // masked (add-mask), never printed
  expect(r.reportText).toBeNull();
  expect(api.writes()).toHaveLength(0);
}, 60_000);

test('a forged report fails the step naming the file and field: nothing written, nothing posted', async () => {
  const sub = join(dir, 'forged');
  mkdirSync(sub);
  const r1 = validShardReport({ index: 1, count: 2 });
  (r1.requests[0] as Record<string, unknown>).ttfc = -1;
  writeJson(sub, '1.json', r1);
  writeJson(sub, '2.json', validShardReport({ index: 2, count: 2 }));
  const forged = await merge({ reports: join(sub, '*.json') });
  expect(forged.code).toBe(1);
  expect(errors(forged)).toEqual([expect.stringMatching(/^Input 'reports': .*forged\/1\.json: requests\[0\]\.ttfc: -1 is negative$/)]);
  expect(forged.reportText).toBeNull();
  expect(api.writes()).toHaveLength(0);

  // A symlink to /dev/zero among the artifacts: refused at once, never read.
  rmSync(join(sub, '1.json'));
  symlinkSync('/dev/zero', join(sub, '1.json'));
  const zero = await merge({ reports: join(sub, '*.json') });
  expect(zero.code).toBe(1);
  expect(errors(zero)).toEqual([expect.stringMatching(/^Input 'reports': .*forged\/1\.json: is a symbolic link: give the report file itself$/)]);
  expect(existsSync(join(zero.workspace, 'ttfc-report.json'))).toBe(false);
  expect(api.writes()).toHaveLength(0);
}, 60_000);
