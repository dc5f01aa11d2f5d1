// Two shards on a "matrix" (two processes started at once) against one server, merged through the
// bundled action as the runner runs it: the server sees exactly what one machine running the whole
// plan makes it see, and the merged report is judged and published once.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import type { Report } from '../../src/core/report-types.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-api.js';
import { cleanupRuns, ensureActionBundle, pullRequestEvent, REPO, ROOT, runAction } from '../helpers/run-action.js';
import { startCountingServer, type CountingServer, type StageCount } from '../helpers/servers/counting.js';

const CLI = join(ROOT, 'lib', 'src', 'cli', 'index.js');
const PLAN = ['--stages', '1x1, 20x2', '--cooldown', '100ms', '--timeout', '5s', '--body', '{"stage":{{stage}},"user":{{user}}}', '--criteria', 'errors == 0'];
const CRITERIA = 'errors == 0\n@20: ttfc.p95 < 5s\n@20: ttfc.avg < 5s';

let server: CountingServer;
let api: FakeGitHub;
let dir: string;
beforeAll(async () => {
  ensureActionBundle();
  // 300 ms to the first event: a user's first request is still open when the last user's starts.
  server = await startCountingServer({ delayMs: 300, events: 3, intervalMs: 10 });
  api = await startFakeGitHub({ token: 'ghs_shardsToken' });
  dir = mkdtempSync(join(tmpdir(), 'ttfc-shards-'));
  mkdirSync(join(dir, 'shards'));
}, 240_000);
afterAll(async () => {
  await server?.close();
  await api?.close();
  cleanupRuns();
  rmSync(dir, { recursive: true, force: true });
});

/** The CLI as a user runs it: its own process, like one matrix job. */
function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, '--url', `${server.url}/chat`, ...PLAN, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out }));
  });
}

const snapshot = (): Array<{ stage: number; requests: number; peak: number; users: Array<[number, number]> }> =>
  [...server.stages.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([stage, c]: [number, StageCount]) => ({ stage, requests: c.requests, peak: c.peak, users: [...c.users.entries()].sort((a, b) => a[0] - b[0]) }));

const r7 = (values: number[], p: number): number => {
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  return lo + 1 < s.length ? s[lo]! + (h - lo) * (s[lo + 1]! - s[lo]!) : s[lo]!;
};

test('two shards of 1x1, 20x2 at once + the merge = one 20x2 run: 40 requests, 20 at once, one comment', async () => {
  // One machine, the whole plan: the reference.
  const single = await cli(['--report-path', 'single.json']);
  expect(single.code).toBe(0);
  const alone = snapshot();
  expect(alone.map((s) => [s.stage, s.requests, s.peak])).toEqual([
    [1, 1, 1],
    [2, 40, 20],
  ]);

  // Two shards started at once, aligned by start-at (enough lead for two node processes to start on a busy machine).
  server.reset();
  const startAt = new Date(Date.now() + 4000).toISOString();
  const sharded = ['--start-at', startAt, '--stage-window', '2s'];
  const [a, b] = await Promise.all([cli([...sharded, '--shard', '1/2', '--report-path', 'shards/a.json']), cli([...sharded, '--shard', '2/2', '--report-path', 'shards/b.json'])]);
  expect([a.code, b.code]).toEqual([0, 0]);
  // The target saw the same load: every user (global numbers) of every stage, each as often, 20 at once.
  expect(snapshot()).toEqual(alone);
  const users2 = snapshot()[1]!.users;
  expect(users2).toEqual(Array.from({ length: 20 }, (_, i) => [i + 1, 2]));

  const shardA = JSON.parse(readFileSync(join(dir, 'shards/a.json'), 'utf8')) as Report;
  const shardB = JSON.parse(readFileSync(join(dir, 'shards/b.json'), 'utf8')) as Report;
  expect(shardA.shard!.stages.map((s) => [s.users, s.firstUser, s.requests])).toEqual([
    [1, 1, 1],
    [10, 1, 20],
  ]);
  // The smoke stage's one user goes to the first shard; the second waits for the aligned boundary.
  expect(shardB.shard!.stages.map((s) => [s.users, s.firstUser, s.requests])).toEqual([
    [0, 2, 0],
    [10, 11, 20],
  ]);
  expect(shardA.criteria).toEqual([]);
  // A shard writes each request's inter-event gaps (3 events: 2 gaps), so the merge can pool them.
  expect(shardA.requests.every((r) => r.gaps?.length === 2)).toBe(true);
  expect(shardA.shard!.stages[1]!.scheduledAt).toBe(shardB.shard!.stages[1]!.scheduledAt);

  // The merge, through the bundled action as the runner runs it, on a pull request.
  const merged = await runAction({
    inputs: { mode: 'merge', reports: join(dir, 'shards', '*.json'), criteria: CRITERIA },
    event: { name: 'pull_request', payload: pullRequestEvent({ number: 7, headSha: 'a'.repeat(40) }) },
    apiUrl: api.url,
    githubToken: 'ghs_shardsToken',
  });
  expect({ code: merged.code, log: merged.code === 0 ? '' : merged.log + merged.stderr }).toEqual({ code: 0, log: '' });
  const report = JSON.parse(merged.reportText!) as Report;
  expect(report.stages.map((s) => [s.users, s.requestsPerUser, s.issued, s.succeeded])).toEqual([
    [1, 1, 1, 1],
    [20, 2, 40, 40],
  ]);
  // Criteria judged on the merged samples.
  const ttfc2 = report.requests.filter((r) => r.stage === 2).map((r) => r.ttfc!);
  expect(ttfc2).toHaveLength(40);
  const p95 = report.criteria.find((c) => c.text === '@20: ttfc.p95 < 5s')!;
  expect(p95.status).toBe('pass');
  expect(p95.actual).toBeCloseTo(r7(ttfc2, 0.95), 6);
  expect(report.merge!.shards.map((s) => s.stages.map((t) => t.users))).toEqual([
    [1, 10],
    [0, 10],
  ]);
  expect(report.stages[1]!.itl.n).toBe(80);
  expect(report.requests.some((r) => 'gaps' in r)).toBe(false);
  expect(report.merge!.startSpread[1]!.flagged).toBe(false);
  // Published exactly once, like a single run: one comment, the summary, the outputs.
  expect(api.comments(REPO.owner, REPO.repo, 7)).toHaveLength(1);
  expect(api.writes()).toHaveLength(1);
  expect(merged.summary).toMatch(/merged from 2 shards/);
  expect(merged.outputs.passed).toBe('true');
  expect(merged.outputs['comment-url']).toMatch(/^https:\/\//);

  // The CLI merges the same files to the same figures.
  const lines: string[] = [];
  const code = await main(['merge', 'shards/a.json', 'shards/b.json', '--report-path', 'merged.json', '--criteria', CRITERIA], {
    out: (l) => lines.push(l),
    err: (l) => lines.push(l),
    env: {},
    cwd: dir,
  });
  expect({ code, out: lines.join('\n') }).toEqual({ code: 0, out: expect.stringContaining('merging 2 shard reports') });
}, 120_000);
