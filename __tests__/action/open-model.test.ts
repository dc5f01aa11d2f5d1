// Rate stages and goodput in the bundled action, run as a runner runs it: the comment, the summary and
// the outputs of a rate sweep; a broken preview under a rate stage is stopped after a few requests;
// a bad rate stage fails the step before any request.
import { spawnDemo, type SpawnedDemo } from '../helpers/demo.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-api.js';
import { cleanupRuns, ensureActionBundle, pullRequestEvent, REPO, runAction, type ActionRun } from '../helpers/run-action.js';
import type { Report } from '../../src/core/report-types.js';

const GITHUB_TOKEN = 'ghs_openModelToken_1a2b3c4d5e';
let demo: SpawnedDemo;
let api: FakeGitHub;

beforeAll(async () => {
  ensureActionBundle();
  demo = await spawnDemo();
  api = await startFakeGitHub({ token: GITHUB_TOKEN });
}, 240_000);
afterAll(async () => {
  await api?.close();
  await demo?.close();
  cleanupRuns();
});
beforeEach(() => api.reset());

function run(inputs: Record<string, string>): Promise<ActionRun> {
  return runAction({
    event: { name: 'pull_request', payload: pullRequestEvent({ number: 22, headSha: 'a'.repeat(40) }) },
    apiUrl: api.url,
    githubToken: GITHUB_TOKEN,
    sha: 'b'.repeat(40),
    inputs: { url: `${demo.url}/v1/chat?mode=async&delay=20&events=3&interval=5`, cooldown: '0', ...inputs },
  });
}

const errors = (r: ActionRun): string[] => r.annotations.filter((a) => a.level === 'error').map((a) => a.message);

test('a rate sweep with goodput: one comment with the arrivals, the sweep charts and the @RATE/s criteria; outputs set', async () => {
  const r = await run({ stages: '1x1, 5/s:1s, 10/s:1s', goodput: 'ttfc < 10s', criteria: 'success_rate > 95%\n@10/s: goodput_rate > 90%\ndropped == 0' });
  expect(r.code).toBe(0);
  const comments = api.comments(REPO.owner, REPO.repo, 22);
  expect(comments).toHaveLength(1);
  const body = comments[0]!.body.replace(/\u00a0/g, ' ');
  expect(body).toContain('10/s for 1s');
  expect(body).toContain('<summary>Arrivals: 5/s, 10/s</summary>');
  expect(body).toContain('### TTFC and goodput vs offered rate');
  expect(body).toMatch(/`@10\/s: goodput_rate > 90%` \| 10\/s \|/);
  expect(body).not.toMatch(/\b0 users?\b/);
  expect(r.summary.replace(/\u00a0/g, ' ')).toContain('10/s for 1s');
  const rep = JSON.parse(r.reportText!) as Report;
  expect(rep.stages.map((s) => s.rate?.offered ?? null)).toEqual([null, 5, 10]);
  expect(rep.stages[2]!.goodput!.rate).toBe(1);
  // The figure outputs describe the closed stage with the most users.
  expect(r.outputs['ttfc-avg-ms']).toBe(rep.stages[0]!.ttfc.avg!.toFixed(1));
});

test('a broken preview under a first rate stage: the smoke test stops it after a few requests, the check fails', async () => {
  const r = await run({ url: `${demo.url}/v1/chat?mode=status&code=503&delay=5`, stages: '50/s:10s, 10/s:5s' });
  expect(r.code).toBe(1);
  expect(errors(r)[0]).toContain('smoke test failed');
  const rep = JSON.parse(r.reportText!) as Report;
  expect(rep.stages[0]!.issued).toBeLessThan(100);
  expect(rep.stages[1]!.skipped).toBe(true);
  expect(r.log).toContain('the first 5 requests of the smoke test all failed: the stage stops sending');
});

test('a rate of 0 fails the step with one line naming stages, before any request', async () => {
  const r = await run({ stages: '1x1, 0/s:30s' });
  expect(r.code).toBe(1);
  expect(errors(r)).toEqual(['Input \'stages\': stage 2 "0/s:30s": the rate must be more than 0 arrivals per second']);
  expect(r.stdout + r.stderr).not.toMatch(/^\s+at /m);
  expect(api.requests).toHaveLength(0);
  expect(r.reportText).toBeNull();
});
