// A shard and a merge as steps of a workflow: the bundled action, as the runner runs it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-api.js';
import { cleanupRuns, ensureActionBundle, pullRequestEvent, runAction, type RunActionOptions } from '../helpers/run-action.js';
import { startCountingServer, type CountingServer } from '../helpers/servers/counting.js';
import type { Report } from '../../src/core/report-types.js';

let server: CountingServer;
let api: FakeGitHub;
let dir: string;
beforeAll(async () => {
  ensureActionBundle();
  server = await startCountingServer({ delayMs: 5, events: 2, intervalMs: 1 });
  api = await startFakeGitHub({ token: 'ghs_shardToken' });
  dir = mkdtempSync(join(tmpdir(), 'ttfc-action-shards-'));
}, 240_000);
afterAll(async () => {
  await server?.close();
  await api?.close();
  cleanupRuns();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => api.reset());

const onPull = (inputs: Record<string, string>): Promise<Awaited<ReturnType<typeof runAction>>> =>
  runAction({
    inputs,
    event: { name: 'pull_request', payload: pullRequestEvent({ number: 3, headSha: 'b'.repeat(40) }) },
    apiUrl: api.url,
    githubToken: 'ghs_shardToken',
  } satisfies RunActionOptions);

test('a shard runs its users, writes its report with its identity, and posts no comment', async () => {
  const run = await onPull({ url: `${server.url}/chat`, stages: '1x1, 5x1', cooldown: '0', shard: '2/2', body: '{"stage":{{stage}},"user":{{user}}}' });
  expect({ code: run.code, errors: run.annotations.filter((a) => a.level === 'error') }).toEqual({ code: 0, errors: [] });
  const report = JSON.parse(run.reportText!) as Report;
  expect(report.shard).toMatchObject({ index: 2, count: 2 });
  expect(report.shard!.stages.map((s) => [s.users, s.firstUser, s.requests])).toEqual([
    [0, 2, 0],
    [2, 4, 2],
  ]);
  expect(report.requests.map((r) => r.user).sort()).toEqual([4, 5]);
  expect(report.criteria).toEqual([]);
  expect(api.writes()).toHaveLength(0);
  expect(run.summary).toBe('');
  expect(run.outputs['report-path']).toMatch(/ttfc-report\.json$/);
  expect(run.outputs['comment-url']).toBe('');
  expect(run.outputs.passed).toBeUndefined();
  writeFileSync(join(dir, 'shard-2.json'), run.reportText!);
}, 60_000);

test('a merge missing a shard fails, naming the files it has, and posts nothing', async () => {
  const run = await onPull({ mode: 'merge', reports: join(dir, '*.json') });
  expect(run.code).toBe(1);
  const errors = run.annotations.filter((a) => a.level === 'error').map((a) => a.message);
  expect(errors).toEqual([expect.stringMatching(/^Input 'reports': shard 1\/2 missing \(given: .*shard-2\.json = 2\/2\)$/)]);
  expect(api.writes()).toHaveLength(0);
}, 60_000);

test('mode and reports are checked like every input', async () => {
  const none = await onPull({ mode: 'merge', reports: join(dir, 'nothing-*.json') });
  expect(none.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([expect.stringMatching(/^Input 'reports': ".*nothing-\*\.json" matches no file/)]);
  const withUrl = await onPull({ mode: 'merge', reports: join(dir, '*.json'), url: `${server.url}/chat` });
  expect(withUrl.annotations.map((a) => a.message)).toContainEqual(expect.stringMatching(/^Input 'url': does not apply with mode: merge/));
  const bad = await onPull({ mode: 'combine' });
  expect(bad.annotations.map((a) => a.message)).toContainEqual(expect.stringMatching(/^Input 'mode': "combine" is not run or merge/));
  expect(api.writes()).toHaveLength(0);
}, 60_000);
