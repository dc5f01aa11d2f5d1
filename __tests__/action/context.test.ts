// The adapter's pure parts: the event context, the comment helpers (retry, error explanations),
// the outputs and the check's failure message.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explainCommentError, isNetworkError, isOurComment, withRetry } from '../../src/action/comment.js';
import { commentsOn, eventContext, readEventContext } from '../../src/action/event.js';
import { failureMessage, formatMsOutput, formatRate, largestStage, outputsOf } from '../../src/action/outputs.js';
import type { StageSummary, Stats } from '../../src/core/types.js';
import type { Report } from '../../src/core/report-types.js';
import { FAILURE_CATEGORIES } from '../../src/core/types.js';
import { deploymentStatusEvent, pullRequestEvent, REPO } from '../helpers/run-action.js';

const ENV = {
  GITHUB_REPOSITORY: `${REPO.owner}/${REPO.repo}`,
  GITHUB_SERVER_URL: 'https://github.example',
  GITHUB_API_URL: 'https://api.github.example/',
  GITHUB_RUN_ID: '55',
  GITHUB_SHA: 'f'.repeat(40),
};
const SHA = '1'.repeat(40);

describe('event context', () => {
  test('pull_request: the PR number, its head commit (not the merge commit), same repository', () => {
    const ctx = eventContext({ ...ENV, GITHUB_EVENT_NAME: 'pull_request' }, pullRequestEvent({ number: 7, headSha: SHA }));
    expect(ctx).toMatchObject({ pullNumber: 7, sha: SHA, fork: false, pullFromCommit: null, deployment: null, apiUrl: 'https://api.github.example' });
    expect(ctx.runUrl).toBe('https://github.example/octo-org/chat-app/actions/runs/55');
    expect(commentsOn(ctx)).toBe(true);
  });

  test('pull_request_target from a fork is a fork', () => {
    const ctx = eventContext({ ...ENV, GITHUB_EVENT_NAME: 'pull_request_target' }, pullRequestEvent({ number: 8, headSha: SHA, fork: true }));
    expect(ctx).toMatchObject({ pullNumber: 8, fork: true });
  });

  test('deployment_status: state, environment_url (or payload.web_url), the deployed commit', () => {
    const ok = eventContext({ ...ENV, GITHUB_EVENT_NAME: 'deployment_status' }, deploymentStatusEvent({ state: 'success', environmentUrl: 'https://pr-1.example.app', sha: SHA }));
    expect(ok.deployment).toEqual({ state: 'success', url: 'https://pr-1.example.app', environment: 'Preview' });
    expect(ok).toMatchObject({ sha: SHA, pullFromCommit: SHA, pullNumber: null });
    expect(commentsOn(ok)).toBe(true);

    const payload = deploymentStatusEvent({ state: 'success', sha: SHA }) as { deployment: { payload: Record<string, unknown> } };
    payload.deployment.payload = { web_url: 'https://netlify-preview.example' };
    expect(eventContext({ ...ENV, GITHUB_EVENT_NAME: 'deployment_status' }, payload as unknown as Record<string, unknown>).deployment?.url).toBe('https://netlify-preview.example');

    const pending = eventContext({ ...ENV, GITHUB_EVENT_NAME: 'deployment_status' }, deploymentStatusEvent({ state: 'in_progress', sha: SHA }));
    expect(pending.deployment).toEqual({ state: 'in_progress', url: null, environment: 'Preview' });
  });

  test('workflow_run: the PR of the triggering run, else found from its head commit', () => {
    const withPr = eventContext(
      { ...ENV, GITHUB_EVENT_NAME: 'workflow_run' },
      { workflow_run: { event: 'pull_request', head_sha: SHA, pull_requests: [{ number: 4 }], head_repository: { full_name: 'octo-org/chat-app' } } },
    );
    expect(withPr).toMatchObject({ pullNumber: 4, sha: SHA, pullFromCommit: null, fork: false });
    const fromFork = eventContext(
      { ...ENV, GITHUB_EVENT_NAME: 'workflow_run' },
      { workflow_run: { event: 'pull_request', head_sha: SHA, pull_requests: [], head_repository: { full_name: 'forker/chat-app' } } },
    );
    expect(fromFork).toMatchObject({ pullNumber: null, pullFromCommit: SHA, fork: true });
    const fromPush = eventContext({ ...ENV, GITHUB_EVENT_NAME: 'workflow_run' }, { workflow_run: { event: 'push', head_sha: SHA, pull_requests: [] } });
    expect(commentsOn(fromPush)).toBe(false);
  });

  test('schedule, push, workflow_dispatch: no pull request', () => {
    for (const name of ['schedule', 'push', 'workflow_dispatch']) {
      const ctx = eventContext({ ...ENV, GITHUB_EVENT_NAME: name }, {});
      expect(commentsOn(ctx)).toBe(false);
      expect(ctx.sha).toBe('f'.repeat(40));
    }
  });

  test('a re-run links its attempt; an unreadable payload is a warning, not a crash', () => {
    expect(eventContext({ ...ENV, GITHUB_RUN_ATTEMPT: '3' }, {}).runUrl).toBe('https://github.example/octo-org/chat-app/actions/runs/55/attempts/3');
    const dir = mkdtempSync(join(tmpdir(), 'ttfc-event-'));
    writeFileSync(join(dir, 'event.json'), '{not json');
    const ctx = readEventContext({ ...ENV, GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: join(dir, 'event.json') });
    expect(ctx.warnings).toHaveLength(2);
    expect(ctx.warnings[0]).toContain('cannot read the event payload');
    expect(ctx.pullNumber).toBeNull();
  });
});

describe('comment helpers', () => {
  test('the marker must open the comment; a quote of it is not ours', () => {
    expect(isOurComment('<!-- ttfc-gate:default -->\n## x', 'default')).toBe(true);
    expect(isOurComment('  \n<!-- ttfc-gate:api -->', 'api')).toBe(true);
    expect(isOurComment('<!-- ttfc-gate:api -->', 'default')).toBe(false);
    expect(isOurComment('<!-- ttfc-gate:ap -->', 'api')).toBe(false);
    expect(isOurComment('<!-- ttfc-gate:api -->', 'ap')).toBe(false);
    expect(isOurComment('> <!-- ttfc-gate:default -->', 'default')).toBe(false);
    expect(isOurComment(null, 'default')).toBe(false);
  });

  const netErr = Object.assign(new Error('fetch failed'), { status: 500, name: 'HttpError' });
  const httpErr = (status: number, message: string): Error => Object.assign(new Error(message), { status, name: 'HttpError', response: { status, data: { message } } });

  test('a network error is retried once; an HTTP error is not', async () => {
    expect(isNetworkError(netErr)).toBe(true);
    expect(isNetworkError(httpErr(500, 'Server Error'))).toBe(false);
    let calls = 0;
    await expect(withRetry(async () => (++calls === 1 ? Promise.reject(netErr) : 'ok'), 1)).resolves.toBe('ok');
    expect(calls).toBe(2);
    calls = 0;
    await expect(withRetry(async () => Promise.reject((calls++, netErr)), 1)).rejects.toBe(netErr);
    expect(calls).toBe(2);
    calls = 0;
    const forbidden = httpErr(403, 'Resource not accessible by integration');
    await expect(withRetry(async () => Promise.reject((calls++, forbidden)), 1)).rejects.toBe(forbidden);
    expect(calls).toBe(1);
  });

  const ctx = { what: 'write the PR comment on #3', fork: false, repo: REPO, apiUrl: 'https://api.github.example' };
  test('explanations say why and what to do', () => {
    const fork = explainCommentError(httpErr(403, 'Resource not accessible by integration'), { ...ctx, fork: true });
    expect(fork).toContain('403 Resource not accessible by integration');
    expect(fork).toContain('fork');
    expect(fork).toContain('workflow_run');
    expect(fork).toContain('The verdict is unchanged');
    expect(explainCommentError(httpErr(403, 'Resource not accessible by integration'), ctx)).toContain('permissions: pull-requests: write');
    expect(explainCommentError(httpErr(404, 'Not Found'), ctx)).toContain('cannot see octo-org/chat-app');
    const unprocessable = Object.assign(new Error('Validation Failed'), {
      status: 422,
      response: { status: 422, data: { message: 'Validation Failed', errors: [{ message: 'Body is too long' }] } },
    });
    expect(explainCommentError(unprocessable, ctx)).toContain('422 Validation Failed: Body is too long');
    expect(explainCommentError(netErr, ctx)).toContain('could not be reached, also on a retry (fetch failed)');
    expect(explainCommentError(httpErr(401, 'Bad credentials'), ctx)).toContain('`github-token` is not valid');
  });
});

// ---------------------------------------------------------------------------------------------

function stats(avg: number | null, p95: number | null = avg, max: number | null = avg): Stats {
  const n = avg === null ? 0 : 10;
  return { n, min: avg, avg, p50: avg, p90: p95, p95, p99: max, max, stddev: avg === null ? null : 1 };
}

function stage(index: number, users: number, over: Partial<StageSummary> = {}): StageSummary {
  const failures = Object.fromEntries(FAILURE_CATEGORIES.map((c) => [c, 0])) as StageSummary['failures'];
  const s = stats(100 * users, 150 * users, 200 * users);
  return {
    index,
    users,
    requestsPerUser: 2,
    skipped: false,
    issued: users * 2,
    succeeded: users * 2,
    failed: 0,
    successRate: 1,
    failures,
    connect: stats(1),
    ttfb: s,
    ttfc: s,
    ttft: s,
    total: stats(500),
    itl: stats(10),
    stall: stats(20),
    durationMs: 1000,
    rps: 4,
    eventsPerSec: 20,
    ...over,
  };
}

function report(stages: StageSummary[], over: Partial<Report> = {}): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'ttfc-gate', version: '0.1.0' },
    target: { method: 'POST', url: 'https://x/api', preset: 'generic' },
    config: {},
    environment: { node: 'v24', platform: 'linux-x64', cpus: 2 },
    startedAt: '',
    finishedAt: '',
    passed: true,
    smokeFailed: false,
    percentileMethod: 'R-7',
    stages,
    criteria: [],
    diagnoses: [],
    errorSamples: [],
    requests: [],
    ...over,
  };
}

describe('outputs', () => {
  test('figures of the largest stage that ran (the later one on a tie), formatted', () => {
    const r = report([stage(1, 1), stage(2, 10, { successRate: 29 / 30, ttfc: stats(412.46, 900.04, 1200) }), stage(3, 20, { skipped: true, ttfc: stats(null) })]);
    expect(largestStage(r)?.index).toBe(2);
    expect(outputsOf(r, '/w/ttfc-report.json', '')).toEqual({
      passed: 'true',
      'report-path': '/w/ttfc-report.json',
      'comment-url': '',
      'success-rate': '96.7',
      'ttfc-avg-ms': '412.5',
      'ttfc-p95-ms': '900.0',
      'ttfc-max-ms': '1200.0',
      capacity: '',
      'base-capacity': '',
    });
    expect(largestStage(report([stage(1, 5), stage(2, 5, { rps: 9 })]))?.index).toBe(2);
    expect(formatRate(0.9996)).toBe('99.9');
    expect(formatRate(1)).toBe('100.0');
    expect(formatRate(0)).toBe('0.0');
    expect(formatMsOutput(null)).toBe('');
  });

  test('nothing ran: empty figures', () => {
    const r = report([stage(1, 1, { succeeded: 0, failed: 2, successRate: 0, ttfc: stats(null) }), stage(2, 10, { skipped: true })], { passed: false, smokeFailed: true });
    const o = outputsOf(r, 'p', '');
    expect(o).toMatchObject({ passed: 'false', 'success-rate': '0.0', 'ttfc-avg-ms': '', 'ttfc-p95-ms': '', 'ttfc-max-ms': '' });
  });

  test('the failure message lists the missed criteria with actual values, not the warnings or passes', () => {
    const r = report([stage(1, 10)], {
      passed: false,
      criteria: [
        { text: '@10: ttfc.avg < 1s', users: 10, severity: 'fail', status: 'fail', actual: 2050, threshold: 1000, unit: 'ms' },
        { text: 'success_rate > 95%', users: 10, severity: 'fail', status: 'pass', actual: 100, threshold: 95, unit: '%' },
        { text: 'ttfc.max < 2 * ttfc.avg warn', users: 10, severity: 'warn', status: 'fail', actual: 3000, threshold: 1000, unit: 'ms' },
        { text: 'errors_5xx == 0', users: 10, severity: 'fail', status: 'fail', actual: 3, threshold: 0, unit: 'count' },
      ],
    });
    expect(failureMessage(r)).toBe(
      [
        'TTFC gate failed: 2 criteria missed, 1 warning',
        '- @10: ttfc.avg < 1s — 10 users: actual 2.05 s, threshold 1 s',
        '- errors_5xx == 0 — 10 users: actual 3, threshold 0',
      ].join('\n'),
    );
  });
});
