// The capacity search through the bundled action, as a runner runs it: the outputs, the sticky
// comment's first lines, the chart and the probes in the summary, the check's message; bad capacity
// inputs fail the step before any load. The target has a hard concurrency limit (timing-free).
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-api.js';
import { cleanupRuns, ensureActionBundle, pullRequestEvent, REPO, runAction, type ActionRun } from '../helpers/run-action.js';
import { startLimitedServer, type LimitedServer } from '../helpers/servers/limited.js';
import type { Report } from '../../src/core/report-types.js';

const GITHUB_TOKEN = 'ghs_capacityGithubToken_0123456789';
let server: LimitedServer;
let api: FakeGitHub;

beforeAll(async () => {
  ensureActionBundle();
  server = await startLimitedServer();
  api = await startFakeGitHub({ token: GITHUB_TOKEN });
}, 240_000);
afterAll(async () => {
  await api?.close();
  await server?.close();
  cleanupRuns();
});

function run(inputs: Record<string, string>): Promise<ActionRun> {
  return runAction({
    event: { name: 'pull_request', payload: pullRequestEvent({ number: 21, headSha: 'a'.repeat(40) }) },
    apiUrl: api.url,
    githubToken: GITHUB_TOKEN,
    timeoutMs: 60_000,
    inputs: {
      url: `${server.url}/chat?limit=2`,
      method: 'GET',
      cooldown: '0',
      capacity: 'ttfc.p95 < 10s',
      'capacity-requests': '2',
      'capacity-max-users': '8',
      ...inputs,
    },
  });
}

test('head 2 against base 4: outputs capacity and base-capacity, the comment opens with the capacity, the check fails on capacity >= 0.9 * compare.capacity', async () => {
  const r = await run({ 'compare-url': `${server.url}/chat?limit=4`, criteria: 'capacity >= 0.9 * compare.capacity' });
  expect(r.code).toBe(1);
  expect(r.outputs).toMatchObject({ capacity: '2', 'base-capacity': '4', passed: 'false' });
  const [comment] = api.comments(REPO.owner, REPO.repo, 21);
  expect(comment!.body.split('\n').slice(0, 5)).toEqual([
    '<!-- ttfc-gate:default -->',
    '',
    '## ❌ TTFC gate failed: 1 criterion missed',
    '',
    '**Capacity at ttfc.p95 &lt; 10 s: 2 users** \\(base 4, −50%\\)',
  ]);
  expect(comment!.body).toMatch(/^- ❌ `capacity >= 0\.9 \* compare\.capacity` \*\*2\*\* vs &gt;=\s3\.6$/mu);
  expect(comment!.body).toContain('xychart-beta');
  expect(comment!.body).toContain('x-axis "concurrent users" ["1 ✓", "2 ✓ capacity", "3 ✗", "4 ✗ base capacity", "5 ✗", "6 ✗", "8 ✗"]');
  expect(comment!.body).toMatch(/<summary>Capacity probes: 7 probes in [\d.]+ s/);
  expect(r.summary).toContain('### Capacity at ttfc.p95 &lt; 10 s');
  const error = r.annotations.find((a) => a.level === 'error')!;
  expect(error.message).toMatch(/capacity >= 0\.9 \* compare\.capacity: actual 2, threshold 3\.6/);
  const report = JSON.parse(r.reportText!) as Report;
  expect(report.capacity).toMatchObject({ users: 2, base: { users: 4 }, ratio: { value: 0.5 } });
  expect(r.log).toContain('capacity: 2 users; base 4 users — 7 probes in');
});

test('without compare-url base-capacity is empty; a passing capacity criterion passes the check', async () => {
  const r = await run({ url: `${server.url}/chat?limit=3`, criteria: 'capacity >= 3' });
  expect(r.code).toBe(0);
  expect(r.outputs).toMatchObject({ capacity: '3', 'base-capacity': '', passed: 'true' });
});

test('bad capacity inputs fail the step naming the input, before any request', async () => {
  const before = server.requests.length;
  const zero = await run({ 'capacity-max-users': '0' });
  expect(zero.code).toBe(1);
  expect(zero.annotations.find((a) => a.level === 'error')?.message).toBe("Input 'capacity-max-users': 0 is out of range: 1 to 10000");
  const scoped = await run({ capacity: '@4: ttfc.p95 < 1s' });
  expect(scoped.annotations.find((a) => a.level === 'error')?.message).toMatch(/^Input 'capacity': line 1: "@4: ttfc.p95 < 1s" has a stage selector/);
  const shard = await run({ shard: '1/2' });
  expect(shard.annotations.find((a) => a.level === 'error')?.message).toMatch(/^Input 'capacity': cannot be combined with shard/);
  expect(server.requests.length).toBe(before);
  expect(zero.outputs.capacity).toBeUndefined();
});
