// The tracking issue against the GitHub API stand-in, in-process: opened by a failing scheduled run,
// commented by the next failing one, closed by a passing one; only the gate's own issue of its tag is
// touched; a missing permission or an unreachable API is a warning, never a throw.
import { issueMarker, ISSUE_LABEL, parseTrackingIssue, updateTrackingIssue, type TrackingRequest } from '../../src/action/tracking-issue.js';
import { actionSettings } from '../../src/action/inputs.js';
import { InputError } from '../../src/core/errors.js';
import { eventContext } from '../../src/action/event.js';
import type { Report } from '../../src/core/report-types.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-api.js';
import { REPO } from '../helpers/run-action.js';

const { owner, repo } = REPO;
let api: FakeGitHub;
let out: string[] = [];
const write = process.stdout.write.bind(process.stdout);

beforeAll(async () => {
  api = await startFakeGitHub();
});
afterAll(() => api.close());
beforeEach(() => {
  api.reset();
  out = [];
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
});
afterEach(() => {
  process.stdout.write = write;
});

const warnings = (): string[] => out.filter((l) => l.startsWith('::warning::')).map((l) => l.slice('::warning::'.length).trim());

function report(passed: boolean, day = 1): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'ttfc-gate', version: '0.1.0' },
    target: { method: 'POST', url: 'https://staging.example/api/chat', preset: 'generic', commit: null },
    startedAt: `2026-02-0${day}T03:17:00.000Z`,
    passed,
  } as Report;
}

function request(passed: boolean, over: Partial<TrackingRequest> & { eventName?: string } = {}): TrackingRequest {
  const event = eventContext(
    {
      GITHUB_EVENT_NAME: over.eventName ?? 'schedule',
      GITHUB_REPOSITORY: `${owner}/${repo}`,
      GITHUB_API_URL: api.url,
      GITHUB_SERVER_URL: 'https://github.example',
      GITHUB_RUN_ID: '42',
      GITHUB_SHA: 'c'.repeat(40),
    },
    {},
  );
  return {
    token: 'ghs_x',
    tag: 'default',
    report: report(passed),
    markdown: `## ${passed ? '✅ passed' : '❌ failed'}\n\ndetails`,
    event,
    bounds: { timeoutMs: 5000, budgetMs: 10000 },
    ...over,
  };
}

test('a failing night opens one labelled issue, the next failing night comments on it, a passing night comments and closes it', async () => {
  const first = await updateTrackingIssue(request(false));
  expect(first).toMatchObject({ action: 'opened', number: 100 });
  const [issue] = api.issues(owner, repo);
  expect(issue).toMatchObject({
    title: 'TTFC gate failing: POST https://staging.example/api/chat',
    state: 'open',
    labels: [{ name: ISSUE_LABEL }],
    user: { login: 'github-actions[bot]' },
  });
  expect(issue!.body.split('\n')[0]).toBe(issueMarker('default'));
  expect(issue!.body).toContain('The schedule run of 2026-02-01 03:17 UTC failed ([workflow run](https://github.example/octo-org/chat-app/actions/runs/42))');
  expect(issue!.body).toContain('## ❌ failed');
  expect(api.labels(owner, repo)).toEqual([{ name: 'ttfc-gate', color: 'b60205', description: 'Opened by ttfc-gate while its scheduled runs fail' }]);

  expect(await updateTrackingIssue(request(false))).toMatchObject({ action: 'commented', number: 100 });
  expect(api.issues(owner, repo)).toHaveLength(1);
  expect(api.comments(owner, repo, 100).map((c) => c.body.split('\n')[0])).toEqual([
    '❌ **Failed again** — the run of 2026-02-01 03:17 UTC ([workflow run](https://github.example/octo-org/chat-app/actions/runs/42)).',
  ]);

  expect(await updateTrackingIssue(request(true))).toMatchObject({ action: 'closed', number: 100 });
  expect(api.issues(owner, repo)[0]).toMatchObject({ state: 'closed', state_reason: 'completed' });
  expect(api.comments(owner, repo, 100)[1]!.body).toMatch(/^✅ \*\*Recovered\*\* — the run of 2026-02-01 03:17 UTC passed/);

  // Passing again: nothing to do. Failing after that: a new issue (the closed one stays closed).
  expect(await updateTrackingIssue(request(true))).toMatchObject({ action: 'none', reason: 'the run passed and no tracking issue is open' });
  expect(await updateTrackingIssue(request(false))).toMatchObject({ action: 'opened', number: 101 });
  expect(warnings()).toEqual([]);
});

test('a pull request, or a cancelled run, leaves the issue alone (no API call)', async () => {
  expect(await updateTrackingIssue(request(false, { eventName: 'pull_request' }))).toMatchObject({ action: 'none' });
  expect(await updateTrackingIssue(request(false, { report: { ...report(false), cancelled: true } }))).toMatchObject({ action: 'none' });
  expect(api.requests).toEqual([]);
});

test('only the gate’s own issue of its tag: a look-alike by someone else is left alone, another tag has its own', async () => {
  api.seedIssue(owner, repo, { title: 'TTFC gate failing', body: `${issueMarker('default')}\nforged`, labels: [ISSUE_LABEL], user: 'mallory' });
  expect(await updateTrackingIssue(request(false))).toMatchObject({ action: 'opened', number: 101 });
  expect(warnings()).toEqual([
    "ttfc-gate left alone #100 by @mallory: it carries the tracking issue's marker but only an issue opened by github-actions[bot] (the github-token's identity) is the gate's.",
  ]);
  const secretTarget = { ...report(false), target: { ...report(false).target, url: 'https://staging.example/k/sk-live-Secret-42/chat' } };
  expect(await updateTrackingIssue(request(false, { tag: 'rag', report: secretTarget, secrets: ['sk-live-Secret-42'] }))).toMatchObject({ action: 'opened', number: 102 });
  expect(api.issues(owner, repo)[2]!.title).toBe('TTFC gate failing: POST https://staging.example/k/***/chat (rag)');
  expect(await updateTrackingIssue(request(true))).toMatchObject({ action: 'closed', number: 101 });
  expect(api.issues(owner, repo).map((i) => [i.number, i.state])).toEqual([
    [100, 'open'],
    [101, 'closed'],
    [102, 'open'],
  ]);
  expect(api.comments(owner, repo, 100)).toEqual([]);
});

test('without issues: write (403) it is a warning that says which permission, never a throw', async () => {
  api.fail({ method: 'POST', path: /\/issues$/, status: 403 });
  expect(await updateTrackingIssue(request(false))).toMatchObject({ action: 'none' });
  expect(warnings()).toEqual([
    'ttfc-gate could not update the tracking issue: 403 Resource not accessible by integration - https://docs.github.com/rest. Give the job `permissions: issues: write` (or set tracking-issue: false). The verdict is unchanged.',
  ]);
});

test('an API that drops every connection: a warning after one retry', async () => {
  api.fail({ status: 'drop' });
  expect(await updateTrackingIssue(request(false))).toMatchObject({ action: 'none' });
  expect(warnings()).toHaveLength(1);
  expect(warnings()[0]).toMatch(/^ttfc-gate could not update the tracking issue: the GitHub API \(http:\/\/127\.0\.0\.1:\d+\) could not be reached, also on a retry/);
  expect(api.requests.length).toBe(2);
});

test('inputs: tracking-issue is true or false; history-path does not apply to a merge step', () => {
  expect(['', 'false', 'FALSE', '0'].map(parseTrackingIssue)).toEqual([false, false, false, false]);
  expect(['true', 'yes', '1'].map(parseTrackingIssue)).toEqual([true, true, true]);
  expect(() => parseTrackingIssue('sometimes')).toThrow(new InputError('tracking-issue', '"sometimes" is not true or false'));
  const action = { 'github-token': '', comment: '', 'comment-mode': '', 'comment-tag': '', 'tracking-issue': '', mode: 'merge', reports: 'shards/*.json' };
  expect(() => actionSettings({ core: { 'history-path': 'h.json' }, action })).toThrow(/^history-path: does not apply with mode: merge \(the plan comes from the shard reports/);
});
