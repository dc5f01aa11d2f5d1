// End-to-end: the bundled action (dist/index.js) in a child process, as a runner runs it, against
// the demo streaming server and a local stand-in of the GitHub REST API.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDemo, type SpawnedDemo } from '../helpers/demo.js';
import { startFakeGitHub, type ApiComment, type FakeGitHub } from '../helpers/github-api.js';
import {
  cleanupRuns,
  deploymentStatusEvent,
  ensureActionBundle,
  pullRequestEvent,
  REPO,
  runAction,
  scheduleEvent,
  type ActionRun,
  type RunActionOptions,
} from '../helpers/run-action.js';
import type { Report } from '../../src/core/report-types.js';

const GITHUB_TOKEN = 'ghs_e2eGithubToken_9f8e7d6c5b4a';
const TARGET_TOKEN = 'sk-live-TopSecret-4242-abcdef';
const HEADER_SECRET = 'hdr-Secret-777-xyz';
const HEAD_SHA = '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d';
const PASSING = 'success_rate >= 100%\nerrors == 0\nttfc.p95 < 30s';
const MARKER = '<!-- ttfc-gate:default -->';
const { owner, repo } = REPO;

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

const target = (query = 'mode=async&delay=20&events=3&interval=5'): string => `${demo.url}/v1/chat?${query}`;

function run(o: Partial<RunActionOptions> & { inputs?: Record<string, string> }): Promise<ActionRun> {
  return runAction({
    event: o.event ?? { name: 'pull_request', payload: pullRequestEvent({ number: 12, headSha: HEAD_SHA }) },
    apiUrl: api.url,
    githubToken: GITHUB_TOKEN,
    sha: o.sha ?? 'f'.repeat(40),
    ...o,
    inputs: { url: target(), stages: '1x1, 3x2', cooldown: '0', criteria: PASSING, ...o.inputs },
  });
}

const posts = (): number => api.requests.filter((r) => r.method === 'POST').length;
const patches = (): number => api.requests.filter((r) => r.method === 'PATCH').length;
const ours = (tag = 'default'): ApiComment[] => api.comments(owner, repo, 12).filter((c) => c.body.startsWith(`<!-- ttfc-gate:${tag} -->`));
const report = (r: ActionRun): Report => JSON.parse(r.reportText ?? 'null') as Report;
const warnings = (r: ActionRun): string[] => r.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
const errors = (r: ActionRun): string[] => r.annotations.filter((a) => a.level === 'error').map((a) => a.message);

describe('pull_request', () => {
  test('a first run creates one sticky comment, a second run updates it in place', async () => {
    const first = await run({ inputs: { token: TARGET_TOKEN, headers: `X-Api-Key: ${HEADER_SECRET}` } });
    expect({ code: first.code, errors: errors(first) }).toEqual({ code: 0, errors: [] });
    expect(posts()).toBe(1);
    expect(patches()).toBe(0);
    const comments = api.comments(owner, repo, 12);
    expect(comments).toHaveLength(1);
    const comment = comments[0]!;
    expect(comment.body.split('\n')[0]).toBe(MARKER);
    expect(comment.body).toContain('TTFC gate passed');
    expect(comment.body).toContain(`\`${HEAD_SHA.slice(0, 7)}\``); // the PR head, not the merge commit
    expect(first.outputs['comment-url']).toBe(comment.html_url);
    expect(first.outputs.passed).toBe('true');
    // The API got the GitHub token; the stages table reached the comment and the summary.
    expect(api.requests.every((r) => r.headers.authorization === `token ${GITHUB_TOKEN}`)).toBe(true);
    expect(comment.body).toContain('| 3\u00A0×\u00A02 | 6/6 |');
    expect(first.summary).toContain('| 3\u00A0×\u00A02 | 6/6 |');

    // Secrets: masked before anything else is printed, and never written anywhere.
    expect(first.masks).toEqual(expect.arrayContaining([TARGET_TOKEN, GITHUB_TOKEN, HEADER_SECRET]));
    const lines = first.stdout.split('\n').filter((l) => l !== '');
    const lastMask = lines.map((l) => l.startsWith('::add-mask::')).lastIndexOf(true);
    expect(lines.slice(0, lastMask + 1).every((l) => l.startsWith('::add-mask::'))).toBe(true);
    for (const secret of [TARGET_TOKEN, GITHUB_TOKEN, HEADER_SECRET]) {
      expect(first.log).not.toContain(secret);
      expect(first.stderr).not.toContain(secret);
      expect(first.summary).not.toContain(secret);
      expect(comment.body).not.toContain(secret);
      expect(first.reportText).not.toContain(secret);
      expect(JSON.stringify(first.outputs)).not.toContain(secret);
    }
    expect(report(first).config.token).toBe('***');

    const second = await run({ inputs: { token: TARGET_TOKEN } });
    expect(second.code).toBe(0);
    expect(posts()).toBe(1);
    expect(patches()).toBe(1);
    const patch = api.requests.find((r) => r.method === 'PATCH')!;
    expect(patch.path).toBe(`/repos/${owner}/${repo}/issues/comments/${comment.id}`);
    expect(api.comments(owner, repo, 12)).toHaveLength(1);
    expect(second.outputs['comment-url']).toBe(comment.html_url);
    expect(second.log).toContain('updated the PR comment on #12');
  });

  test('finds its comment among 150 earlier comments (all pages) and never matches a quoted marker', async () => {
    const others = Array.from({ length: 150 }, (_, i) => `comment ${i + 1}`);
    others[5] = `> quoting the bot:\n> ${MARKER}`;
    api.seed(owner, repo, 12, others);
    const [old] = api.seed(owner, repo, 12, [`${MARKER}\n## old report`], 'github-actions[bot]');
    const r = await run({});
    expect(r.code).toBe(0);
    expect(posts()).toBe(0);
    const patch = api.requests.filter((q) => q.method === 'PATCH');
    expect(patch.map((q) => q.path)).toEqual([`/repos/${owner}/${repo}/issues/comments/${old!.id}`]);
    const lists = api.requests.filter((q) => q.method === 'GET' && q.path.endsWith('/comments'));
    expect(lists.length).toBe(2); // page 1 and page 2 (per_page=100), the second via the Link header
    expect(lists[0]!.query.per_page).toBe('100');
    expect(lists[1]!.query.page).toBe('2');
    const after = api.comments(owner, repo, 12);
    expect(after).toHaveLength(151);
    expect(after[5]!.body).toBe(others[5]);
    expect(after[150]!.body).toContain('TTFC gate passed');
  });

  test('two comment-tags give two comments, each updated in place', async () => {
    await run({ inputs: { 'comment-tag': 'api' } });
    await run({ inputs: { 'comment-tag': 'web' } });
    expect(posts()).toBe(2);
    expect(ours('api')).toHaveLength(1);
    expect(ours('web')).toHaveLength(1);
    expect(ours('api')[0]!.body).toContain('TTFC gate (api) passed');
    const again = await run({ inputs: { 'comment-tag': 'api' } });
    expect(again.code).toBe(0);
    expect(posts()).toBe(2);
    expect(patches()).toBe(1);
    expect(api.comments(owner, repo, 12)).toHaveLength(2);
  });

  test('comment-mode recreate: the old comment is deleted and a new one posted at the bottom', async () => {
    const [old] = api.seed(owner, repo, 12, [`${MARKER}\n## old report`], 'github-actions[bot]');
    api.seed(owner, repo, 12, ['a review comment after it']);
    const r = await run({ inputs: { 'comment-mode': 'recreate' } });
    expect(r.code).toBe(0);
    expect(api.requests.filter((q) => q.method === 'DELETE').map((q) => q.path)).toEqual([`/repos/${owner}/${repo}/issues/comments/${old!.id}`]);
    expect(patches()).toBe(0);
    const after = api.comments(owner, repo, 12);
    expect(after.map((c) => c.body.split('\n')[0])).toEqual(['a review comment after it', MARKER]);
    expect(r.outputs['comment-url']).toBe(after[1]!.html_url);
    expect(r.log).toContain('recreated the PR comment on #12');
  });

  test('comment on-failure: a passing run posts nothing new but updates an earlier comment; a failing run posts; never posts nothing', async () => {
    const quiet = await run({ inputs: { comment: 'on-failure' } });
    expect(quiet.code).toBe(0);
    expect(posts()).toBe(0);
    expect(quiet.outputs['comment-url']).toBe('');
    expect(quiet.log).toContain('comment: on-failure: the gate passed and #12 has no earlier comment: none posted');

    const failing = await run({ inputs: { comment: 'on-failure', criteria: 'ttfc.avg < 1ms' } });
    expect(failing.code).toBe(1);
    expect(posts()).toBe(1);
    expect(ours()[0]!.body).toContain('TTFC gate failed');

    const fixed = await run({ inputs: { comment: 'on-failure' } });
    expect(fixed.code).toBe(0);
    expect(posts()).toBe(1);
    expect(patches()).toBe(1);
    expect(ours()[0]!.body).toContain('TTFC gate passed'); // no stale ❌ left behind

    const never = await run({ inputs: { comment: 'never', criteria: 'ttfc.avg < 1ms' } });
    expect(never.code).toBe(1);
    expect(posts() + patches()).toBe(2);
    expect(never.log).toContain('comment: never: no PR comment');
  });

  test('a fork PR whose token may not comment (403): a warning that says why, the same verdict, the summary', async () => {
    api.fail({ method: 'POST', status: 403 });
    const fork = { name: 'pull_request', payload: pullRequestEvent({ number: 12, headSha: HEAD_SHA, fork: true }) };
    const r = await run({ event: fork });
    expect(r.code).toBe(0);
    expect(r.outputs.passed).toBe('true');
    expect(r.outputs['comment-url']).toBe('');
    expect(api.comments(owner, repo, 12)).toHaveLength(0);
    const w = warnings(r).find((m) => m.includes('could not write the PR comment'));
    expect(w).toBeDefined();
    expect(w).toContain('403 Resource not accessible by integration');
    expect(w).toContain('fork');
    expect(w).toContain('workflow_run');
    expect(r.summary).toContain('TTFC gate passed');
    expect(r.summary).toContain('| 3\u00A0×\u00A02 | 6/6 |');

    const failing = await run({ event: fork, inputs: { criteria: '@3: ttfc.avg < 1ms' } });
    expect(failing.code).toBe(1);
    expect(failing.outputs.passed).toBe('false');
    expect(warnings(failing).some((m) => m.includes('403'))).toBe(true);
    expect(errors(failing).join('\n')).toContain('@3: ttfc.avg < 1ms');
    expect(failing.summary).toContain('TTFC gate failed');
  });

  test('a same-repo 403 points at the permissions; a 404 says what the token cannot see', async () => {
    api.fail({ method: 'POST', status: 403 });
    const r403 = await run({});
    expect(r403.code).toBe(0);
    expect(warnings(r403).join('\n')).toContain('permissions: pull-requests: write');
    api.reset();
    api.fail({ method: 'GET', path: /\/comments$/, status: 404 });
    const r404 = await run({});
    expect(r404.code).toBe(0);
    const w = warnings(r404).join('\n');
    expect(w).toContain('404 Not Found');
    expect(w).toContain(`${owner}/${repo}`);
    expect(posts()).toBe(0);
  });

  test('a dropped connection is retried once; dropped twice it is a warning', async () => {
    api.fail({ method: 'GET', path: /\/comments$/, status: 'drop', times: 1 });
    const once = await run({});
    expect(once.code).toBe(0);
    expect(once.log).toContain('retrying once');
    expect(api.requests.filter((q) => q.answer === 'dropped')).toHaveLength(1);
    expect(api.comments(owner, repo, 12)).toHaveLength(1);
    expect(once.outputs['comment-url']).toBe(api.comments(owner, repo, 12)[0]!.html_url);

    api.reset();
    api.fail({ status: 'drop' });
    const always = await run({});
    expect(always.code).toBe(0);
    expect(always.outputs.passed).toBe('true');
    expect(always.outputs['comment-url']).toBe('');
    expect(api.requests.filter((q) => q.answer === 'dropped')).toHaveLength(2);
    expect(warnings(always).join('\n')).toContain('could not be reached, also on a retry');
    expect(always.summary).toContain('TTFC gate passed');
  });

  test('a comment body that would exceed 65,536 characters is shortened (and says so)', async () => {
    // 1,500 criteria a stage, two stages: 3,000 rows, far beyond the limit.
    const criteria = Array.from({ length: 1500 }, (_, i) => `ttfc.max < ${i + 30}s`).join('\n');
    const r = await run({ inputs: { criteria } });
    expect(r.code).toBe(0);
    expect(posts()).toBe(1);
    const body = api.comments(owner, repo, 12)[0]!.body;
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body.startsWith(MARKER)).toBe(true);
    expect(body).toContain('This report was shortened');
    expect(body).toContain('the table of all criteria left out');
    expect(body).toContain('| 3\u00A0×\u00A02 | 6/6 |');
    expect(r.summary.length).toBeLessThanOrEqual(65_536 + 1);
    expect(report(r).criteria).toHaveLength(3000); // the JSON report keeps everything
  });
});

describe('verdict', () => {
  test('a missed criterion fails the check (exit 1) and names the criterion with its actual value', async () => {
    const r = await run({ inputs: { criteria: `${PASSING}\n@3: ttfc.avg < 1ms\nttfc.max < 1ms warn` } });
    expect(r.code).toBe(1);
    expect(r.outputs.passed).toBe('false');
    const stage3 = report(r).stages.find((s) => s.users === 3)!;
    const err = errors(r);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^TTFC gate failed: 1 criterion missed, 2 warnings/);
    expect(err[0]).toContain(`@3: ttfc.avg < 1ms — 3 users: actual `);
    expect(err[0]).toContain('threshold 1 ms');
    expect(err[0]).not.toContain('success_rate');
    expect(stage3.ttfc.avg).toBeGreaterThan(1);
    expect(warnings(r).filter((w) => w.includes('ttfc.max < 1ms'))).toHaveLength(2);
    const body = api.comments(owner, repo, 12)[0]!.body;
    expect(body).toContain('❌ TTFC gate failed: 1 criterion missed');
    expect(r.summary).toContain('❌ TTFC gate failed');
  });

  test('fail-on-criteria: false reports a miss but passes the check', async () => {
    const r = await run({ event: { name: 'schedule', payload: scheduleEvent() }, inputs: { criteria: '@3: ttfc.avg < 1ms', 'fail-on-criteria': 'false' } });
    expect(r.code).toBe(0);
    expect(r.outputs.passed).toBe('false');
    expect(errors(r)).toEqual([]);
    expect(warnings(r).join('\n')).toContain('fail-on-criteria is false');
    expect(r.summary).toContain('report only');
  });

  test('a broken preview fails the smoke test: exit 1, the rest skipped, error samples escaped in the summary', async () => {
    const r = await run({ inputs: { url: target('mode=status&code=503&delay=5') } });
    expect(r.code).toBe(1);
    expect(errors(r)[0]).toContain('smoke test failed');
    const rep = report(r);
    expect(rep.stages.map((s) => s.skipped)).toEqual([false, true]);
    expect(r.outputs['success-rate']).toBe('0.0');
    expect(r.outputs['ttfc-avg-ms']).toBe('');
    expect(r.summary).toContain('### Errors');
    expect(r.summary).toContain('`http_5xx`');
    expect(api.comments(owner, repo, 12)[0]!.body).toContain('smoke test failed');
  });

  test('a bad input fails the step with one line naming the input, no stack trace, no request', async () => {
    const r = await run({ inputs: { stages: '1x1, 3x0' } });
    expect(r.code).toBe(1);
    expect(errors(r)).toEqual([`Input 'stages': stage 2 "3x0": requests per user must be at least 1`]);
    expect(r.stdout + r.stderr).not.toMatch(/^\s+at /m);
    expect(api.requests).toHaveLength(0);
    expect(r.reportText).toBeNull();

    const tag = await run({ inputs: { 'comment-tag': 'bad tag -->' } });
    expect(tag.code).toBe(1);
    expect(errors(tag)[0]).toMatch(/^Input 'comment-tag': /);
  });
});

describe('other events', () => {
  test('schedule: no API call at all; summary, outputs and report hold the figures', async () => {
    const r = await run({ event: { name: 'schedule', payload: scheduleEvent() } });
    expect(r.code).toBe(0);
    expect(api.requests).toHaveLength(0);
    const rep = report(r);
    const big = rep.stages.find((s) => s.users === 3)!;
    expect(r.outputs).toEqual({
      passed: 'true',
      'report-path': join(r.workspace, 'ttfc-report.json'),
      'comment-url': '',
      'success-rate': '100.0',
      'ttfc-avg-ms': big.ttfc.avg!.toFixed(1),
      'ttfc-p95-ms': big.ttfc.p95!.toFixed(1),
      'ttfc-max-ms': big.ttfc.max!.toFixed(1),
      capacity: '',
      'base-capacity': '',
    });
    expect(JSON.parse(readFileSync(r.outputs['report-path']!, 'utf8'))).toEqual(rep);
    expect(r.summary).toContain('✅ TTFC gate passed');
    expect(r.summary).toContain('| 1\u00A0×\u00A01 | 1/1 |');
    expect(r.summary).toContain('| 3\u00A0×\u00A02 | 6/6 |');
    expect(r.summary).toContain('[workflow run](https://github.example/octo-org/chat-app/actions/runs/987654321)');
    expect(r.log).toContain('no PR comment');
  });

  test('deployment_status: the url is resolved against environment_url and the PR is found from the commit', async () => {
    const sha = 'd'.repeat(40);
    api.setPullsForCommit(owner, repo, sha, [
      { number: 3, state: 'closed', headSha: sha },
      { number: 31, state: 'open', headSha: sha },
    ]);
    const event = { name: 'deployment_status', payload: deploymentStatusEvent({ state: 'success', environmentUrl: `${demo.url}/preview`, sha }) };
    const r = await run({ event, sha, inputs: { url: '/v1/chat?mode=async&delay=20&events=3&interval=5' } });
    expect(r.code).toBe(0);
    expect(report(r).target.url).toBe(`${demo.url}/preview/v1/chat?mode=async&delay=20&events=3&interval=5`);
    expect(report(r).target.commit).toBe(sha);
    expect(api.requests[0]!.path).toBe(`/repos/${owner}/${repo}/commits/${sha}/pulls`);
    const comments = api.comments(owner, repo, 31);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body.startsWith(MARKER)).toBe(true);
    expect(r.outputs['comment-url']).toBe(comments[0]!.html_url);
  });

  test('deployment_status that is not a success: a notice, exit 0, no load and no API call', async () => {
    const event = { name: 'deployment_status', payload: deploymentStatusEvent({ state: 'pending', sha: 'e'.repeat(40) }) };
    const r = await run({ event, inputs: { url: '/v1/chat' } });
    expect(r.code).toBe(0);
    expect(r.annotations).toEqual([{ level: 'notice', message: expect.stringContaining('"pending"') }]);
    expect(api.requests).toHaveLength(0);
    expect(r.reportText).toBeNull();
    expect(r.summary).toBe('');
  });
});

describe('diagnoses, baseline, repeat, warm-up, verdict (issue 5)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ttfc-action-base-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** An earlier report as a baseline: a fast target (10 ms) at 1 and 6 users, and a stage this run does not have. */
  function baselineFile(): string {
    const stats = (v: number) => ({ n: 6, min: v, avg: v, p50: v, p90: v, p95: v, p99: v, max: v, stddev: 0 });
    const st = (index: number, users: number) => ({
      index,
      users,
      requestsPerUser: 1,
      skipped: false,
      issued: users,
      succeeded: users,
      failed: 0,
      successRate: 1,
      failures: {},
      connect: stats(1),
      ttfb: stats(5),
      ttfc: stats(10),
      ttft: stats(10),
      total: stats(30),
      itl: stats(10),
      stall: stats(10),
      durationMs: 100,
      rps: 10,
      eventsPerSec: 30,
    });
    const path = join(dir, 'nightly-baseline.json');
    writeFileSync(
      path,
      JSON.stringify({
        schemaVersion: 1,
        tool: { name: 'ttfc-gate', version: '0.1.0' },
        target: { method: 'POST', url: 'https://staging.example.com/api/chat', preset: 'generic', commit: 'abcdef0123456789' },
        startedAt: '2026-01-01T03:17:00.000Z',
        passed: true,
        stages: [st(1, 1), st(2, 6), st(3, 12)],
        criteria: [],
        diagnoses: [],
        requests: [],
      }),
    );
    return path;
  }

  test('a blocking preview on a schedule: serialized diagnosis, regressions, the median of 2 runs, warm-up left out', async () => {
    const r = await run({
      event: { name: 'schedule', payload: scheduleEvent() },
      timeoutMs: 60_000,
      inputs: {
        url: target('mode=blocking&delay=80&events=2&interval=10'),
        stages: '1x1, 6x1',
        repeat: '2',
        warmup: '1',
        verdict: 'confident',
        baseline: baselineFile(),
        'regression-threshold': '10%',
        criteria: 'errors == 0\n@6: ttfc.p95 < 1.2 * baseline.ttfc.p95',
      },
    });
    expect(r.code).toBe(1); // the baseline criterion fails the check — the regression marks alone would not
    const rep = report(r);
    // JSON
    expect(rep.diagnoses.map((d) => `${d.kind}@${d.users}`)).toEqual(['serialized@6', 'regression@1', 'regression@6']);
    expect(rep.baseline).toMatchObject({ loaded: true, threshold: 0.1, regressions: [1, 6], commit: 'abcdef0123456789' });
    expect(rep.baseline!.messages).toContain("the baseline's stage with 12 users (12x1) was not run this time");
    expect(rep.repeat).toMatchObject({ requested: 2, runs: 2 });
    expect(rep.warmup).toMatchObject({ requests: 1, succeeded: 1 });
    expect(rep.stages.map((s) => s.issued)).toEqual([1, 6]);
    expect(rep.requests).toHaveLength(7);
    expect(rep.criteria.find((c) => c.text.startsWith('@6'))).toMatchObject({ status: 'fail', threshold: 12 });
    // the job summary (the PR comment's document)
    expect(r.summary).toMatch(/^- \*\*serialized\*\* at 6 users: one request at a time up to the first chunk /m);
    expect(r.summary).toMatch(/^- 6 users: throughput is .* requests look served one at a time /m); // the full message, collapsed
    expect(r.summary).toMatch(/^\| TTFC avg vs 1 user \| [\d.]+\u00A0?m?s vs /m); // the evidence in words
    // A regression is one ❗ in the stage table; the deltas are in the collapsed baseline section.
    expect(r.summary).toMatch(/^\| 6\u00A0×\u00A01 \| 6\/6 \| \d+\u00A0ms\u00A0❗ \|/m);
    expect(r.summary).toMatch(/^\| 2 \| 6 \| ❗\u00A0\*\*▲\u00A0\d+%\*\* \|/m);
    expect(r.summary).toContain('**Run** 2 runs, the median run per stage');
    expect(r.summary).toContain('1 warm-up request \\(1 ok\\) before stage 1, not counted');
    expect(r.summary).toContain('| TTFC avg over 2 runs | Run shown |');
    expect(r.summary).toContain('```mermaid');
    // the log and the annotations
    expect(r.log).toContain('run 1/2');
    expect(r.log).toContain('run 2/2');
    expect(r.log).toMatch(/warm-up done: 1\/1 ok/);
    expect(r.log).toMatch(/diagnosis serialized at 6 users: one request at a time/);
    expect(r.log).toMatch(/ {4}TTFC avg vs 1 user: /);
    expect(r.log).toContain('TTFC (ms)');
    expect(warnings(r).some((w) => w.startsWith('ttfc-gate: regression against the baseline at 1, 6 users'))).toBe(true);
    expect(errors(r)[0]).toContain('@6: ttfc.p95 < 1.2 * baseline.ttfc.p95 — 6 users: actual');
  });

  test('a baseline that does not exist: a warning, the check passes', async () => {
    const r = await run({ event: { name: 'schedule', payload: scheduleEvent() }, inputs: { baseline: 'previous/ttfc-report.json' } });
    expect({ code: r.code, errors: errors(r) }).toEqual({ code: 0, errors: [] });
    expect(warnings(r)).toContain('ttfc-gate baseline not compared: baseline previous/ttfc-report.json not found: nothing to compare against (normal on a first run)');
    expect(r.summary).toContain('> **Baseline not compared:**');
  });

  test.each([
    ['repeat', '0', "Input 'repeat': 0 is out of range: 1 to 10"],
    ['warmup', 'lots', `Input 'warmup': "lots" is not a whole number (0 to 50)`],
    ['verdict', 'maybe', `Input 'verdict': "maybe" is not one of strict, confident`],
    ['regression-threshold', '-5%', `Input 'regression-threshold': "-5%" is not a percentage (e.g. 20%)`],
  ])('a bad %s fails the step with one line naming it, before any request', async (name, value, message) => {
    const r = await run({ inputs: { [name]: value } });
    expect(r.code).toBe(1);
    expect(errors(r)).toEqual([message]);
    expect(r.stdout + r.stderr).not.toMatch(/^\s+at /m);
    expect(r.reportText).toBeNull();
    expect(api.requests).toHaveLength(0);
  });
});
