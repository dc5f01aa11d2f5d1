// The tracking issue (tracking-issue: true): on schedule, push and workflow_dispatch runs, a failing
// run opens one issue labelled ttfc-gate, a further failing run comments on it, a passing run
// comments that it recovered and closes it. Found again by a hidden marker per comment-tag AND its
// author (the gate's own identity), like the sticky comment: nobody else's issue is ever touched.
// Every failure is a warning; the verdict never depends on the issue.
import * as core from '@actions/core';
import { getOctokit } from '@actions/github';
import { InputError } from '../core/errors.js';
import { redactText } from '../core/redact.js';
import { truncate } from '../core/report/escape.js';
import type { Report } from '../core/report-types.js';
import { gateLogin, isNetworkError, statusOf, withRetry, type Octokit } from './comment.js';
import type { EventContext, Repo } from './event.js';
import { boundedFetch, RETRY_DELAY_MS } from './publish.js';

export const ISSUE_LABEL = 'ttfc-gate';
/** Runs that may open, comment on and close the issue: the ones that test the branch, not a pull request. */
const TRACKING_EVENTS: readonly string[] = ['schedule', 'push', 'workflow_dispatch'];
/** GitHub's limits: an issue title, and the body of an issue or a comment. */
const TITLE_MAX = 256;
export const ISSUE_BODY_MAX = 65_536;

/** `tracking-issue`: true | false (default false). */
export function parseTrackingIssue(text: string | undefined): boolean {
  const t = (text ?? '').trim().toLowerCase();
  if (t === '' || t === 'false' || t === 'no' || t === '0') return false;
  if (t === 'true' || t === 'yes' || t === '1') return true;
  throw new InputError('tracking-issue', `"${t.slice(0, 40)}" is not true or false`);
}

/** The hidden first line that tells this gate's issue (per comment-tag) from every other issue. */
export function issueMarker(tag: string): string {
  return `<!-- ttfc-gate-issue:${tag.replace(/[^A-Za-z0-9._/-]/g, '_').replace(/-{2,}/g, '-')} -->`;
}

export interface TrackingRequest {
  token: string | undefined;
  tag: string;
  report: Report;
  /** The report as markdown (without the sticky comment's marker), at most about 60,000 characters. */
  markdown: string;
  event: EventContext;
  bounds: { timeoutMs: number; budgetMs: number };
  stop?: AbortSignal;
  /** Kept out of the title (the body comes redacted). */
  secrets?: readonly string[];
}

export type TrackingResult = { action: 'opened' | 'commented' | 'closed'; number: number; url: string } | { action: 'none'; reason: string };

interface Found {
  number: number;
  html_url: string;
}

/** Opens, comments on or closes the tracking issue as the verdict says. Never throws: problems are warnings. */
export async function updateTrackingIssue(req: TrackingRequest): Promise<TrackingResult> {
  const { event, report } = req;
  const none = (reason: string): TrackingResult => {
    core.info(`tracking-issue: ${reason}`);
    return { action: 'none', reason };
  };
  if (!TRACKING_EVENTS.includes(event.eventName))
    return none(`a ${event.eventName || 'unknown'} run leaves the tracking issue alone (only schedule, push and workflow_dispatch runs update it)`);
  if (report.cancelled) return none('the run was cancelled: the tracking issue is left as it is');
  if (!event.repo) return warn('GITHUB_REPOSITORY is not set.');
  if (!req.token) return warn('`github-token` is empty.');
  const repo = event.repo;
  const budget = AbortSignal.any([AbortSignal.timeout(req.bounds.budgetMs), ...(req.stop ? [req.stop] : [])]);
  const octokit = getOctokit(req.token, { baseUrl: event.apiUrl, request: { fetch: boundedFetch(req.bounds.timeoutMs, budget) } });
  const retry = <T>(fn: () => Promise<T>): Promise<T> =>
    withRetry(fn, RETRY_DELAY_MS, (err) => core.info(`GitHub API call failed (${(err as Error).message}); retrying once in ${RETRY_DELAY_MS} ms`));
  const token = req.token;
  try {
    const login = await gateLogin(octokit, token);
    const open = await retry(() => findIssue(octokit, repo, req.tag, login));
    const when = `${report.startedAt.slice(0, 16).replace('T', ' ')} UTC`;
    const run = event.runUrl ? ` ([workflow run](${event.runUrl}))` : '';
    if (!report.passed) {
      if (open) {
        await retry(() =>
          octokit.rest.issues.createComment({ ...repo, issue_number: open.number, body: bounded(`❌ **Failed again** — the run of ${when}${run}.`, req.markdown) }),
        );
        core.info(`tracking-issue: commented on #${open.number} (still failing): ${open.html_url}`);
        return { action: 'commented', number: open.number, url: open.html_url };
      }
      await ensureLabel(octokit, repo);
      const intro = `The ${event.eventName} run of ${when} failed${run}. This issue stays open while the runs fail: each failing run comments here, the first passing run closes it.`;
      const { data } = await octokit.rest.issues.create({
        ...repo,
        title: redactText(titleOf(report, req.tag), req.secrets ?? []),
        body: bounded(`${issueMarker(req.tag)}\n${intro}`, req.markdown),
        labels: [ISSUE_LABEL],
      });
      core.info(`tracking-issue: opened #${data.number}: ${data.html_url}`);
      return { action: 'opened', number: data.number, url: data.html_url };
    }
    if (!open) return none('the run passed and no tracking issue is open');
    await retry(() =>
      octokit.rest.issues.createComment({ ...repo, issue_number: open.number, body: bounded(`✅ **Recovered** — the run of ${when} passed${run}. Closing.`, req.markdown) }),
    );
    await retry(() => octokit.rest.issues.update({ ...repo, issue_number: open.number, state: 'closed', state_reason: 'completed' }));
    core.info(`tracking-issue: the run passed: closed #${open.number}: ${open.html_url}`);
    return { action: 'closed', number: open.number, url: open.html_url };
  } catch (err) {
    return warn(explain(err, event.apiUrl));
  }
}

function warn(why: string): TrackingResult {
  core.warning(`ttfc-gate could not update the tracking issue: ${why} The verdict is unchanged.`);
  return { action: 'none', reason: why };
}

/** The open issue of this gate: labelled, carrying the tag's marker first, and written by `login`. Others' are named in a warning. */
async function findIssue(octokit: Octokit, repo: Repo, tag: string, login: string): Promise<Found | null> {
  const issues = await octokit.paginate(octokit.rest.issues.listForRepo, { ...repo, state: 'open', labels: ISSUE_LABEL, per_page: 100 });
  const marked = issues.filter((i) => !i.pull_request && (i.body ?? '').trimStart().startsWith(issueMarker(tag)));
  const foreign = [...new Set(marked.filter((i) => i.user?.login !== login).map((i) => `#${i.number} by @${i.user?.login ?? 'unknown'}`))];
  if (foreign.length)
    core.warning(
      `ttfc-gate left alone ${foreign.join(', ')}: it carries the tracking issue's marker but only an issue opened by ${login} (the github-token's identity) is the gate's.`,
    );
  const ours = marked.filter((i) => i.user?.login === login).sort((a, b) => a.number - b.number);
  return ours[0] ?? null;
}

/** The label, made on first use (a colour and a description say what opens these issues). */
async function ensureLabel(octokit: Octokit, repo: Repo): Promise<void> {
  try {
    await octokit.rest.issues.getLabel({ ...repo, name: ISSUE_LABEL });
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
    try {
      await octokit.rest.issues.createLabel({ ...repo, name: ISSUE_LABEL, color: 'b60205', description: 'Opened by ttfc-gate while its scheduled runs fail' });
    } catch (e) {
      // Made by another gate in the meantime.
      if (statusOf(e) !== 422) throw e;
    }
  }
}

function titleOf(report: Report, tag: string): string {
  const t = `TTFC gate failing: ${report.target.method} ${report.target.url}${tag !== 'default' ? ` (${tag})` : ''}`;
  return truncate(t.replace(/[\r\n\t]/g, ' '), TITLE_MAX);
}

/** A head line and the report, within GitHub's body limit. */
function bounded(head: string, markdown: string): string {
  const body = `${head}\n\n${markdown}`;
  return body.length <= ISSUE_BODY_MAX ? body : `${body.slice(0, ISSUE_BODY_MAX - 40)}\n\n_… cut to fit GitHub's limit._\n`;
}

function explain(err: unknown, apiUrl: string): string {
  const status = statusOf(err);
  const msg = ((err as Error).message ?? String(err)).replace(/\s+/g, ' ').slice(0, 300);
  if (isNetworkError(err)) return `the GitHub API (${apiUrl}) could not be reached, also on a retry (${msg}).`;
  if (status === 403 && !/rate limit/i.test(msg)) return `403 ${msg}. Give the job \`permissions: issues: write\` (or set tracking-issue: false).`;
  if (status === 404 || status === 410) return `${status} ${msg}. The token cannot see the repository's issues, or issues are turned off for it.`;
  return `${status ?? 'error'} ${msg}.`;
}
