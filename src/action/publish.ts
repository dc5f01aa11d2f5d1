// Where the report goes: the job summary, the step outputs, the sticky PR comment. A failure to
// publish is a warning; it never changes the verdict.
import * as core from '@actions/core';
import { getOctokit } from '@actions/github';
import { explainCommentError, findPullForCommit, gateLogin, upsertComment, withRetry } from './comment.js';
import type { EventContext } from './event.js';
import type { OutputName } from './outputs.js';

/** Pause before the one retry of a GitHub API call that got no response. */
export const RETRY_DELAY_MS = 1000;

/** Each GitHub API call: no answer within this long is a failure (retried once). */
const API_TIMEOUT_MS = 10_000;
/** All GitHub API calls of one publish together: the step ends in bounded time even if GitHub hangs. */
const API_BUDGET_MS = 30_000;

/** Overrides of the two bounds (tests; a runner with a slow proxy): TTFC_GITHUB_API_TIMEOUT_MS, TTFC_GITHUB_API_BUDGET_MS. */
export function apiBounds(env: Record<string, string | undefined>): { timeoutMs: number; budgetMs: number } {
  const num = (v: string | undefined, d: number): number => (v !== undefined && /^\d+$/.test(v) && Number(v) > 0 ? Number(v) : d);
  return { timeoutMs: num(env.TTFC_GITHUB_API_TIMEOUT_MS, API_TIMEOUT_MS), budgetMs: num(env.TTFC_GITHUB_API_BUDGET_MS, API_BUDGET_MS) };
}

/** fetch with a deadline per call and one for the whole publish; a miss is a plain error (retried as "no response"). */
export function boundedFetch(timeoutMs: number, budget: AbortSignal): typeof fetch {
  return async (input, init) => {
    const call = AbortSignal.timeout(timeoutMs);
    const signals = [call, budget, ...(init?.signal ? [init.signal] : [])];
    try {
      return await fetch(input, { ...init, signal: AbortSignal.any(signals) });
    } catch (err) {
      if (budget.aborted) throw new Error('the GitHub API did not answer in time (time budget of the comment spent)', { cause: err });
      if (call.aborted) throw new Error(`the GitHub API gave no answer within ${timeoutMs} ms`, { cause: err });
      throw err;
    }
  };
}

/** Appends the markdown report to the job summary (GITHUB_STEP_SUMMARY); a warning if it cannot. */
export async function writeSummary(markdown: string): Promise<boolean> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    core.info('no job summary file (GITHUB_STEP_SUMMARY is not set): the markdown report is not written');
    return false;
  }
  try {
    await core.summary.addRaw(markdown, true).write();
    return true;
  } catch (err) {
    core.warning(`ttfc-gate could not write the job summary: ${(err as Error).message}`);
    return false;
  } finally {
    core.summary.emptyBuffer();
  }
}

export function setOutputs(outputs: Partial<Record<OutputName, string>>): void {
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
}

export interface CommentRequest {
  token: string | undefined;
  tag: string;
  body: string;
  event: EventContext;
  /** Per-call timeout and total budget of the GitHub API calls. */
  bounds: { timeoutMs: number; budgetMs: number };
  /** Ends the calls early (a cancel that came while the comment was being written). */
  stop?: AbortSignal;
  /** update (default) | recreate, see upsertComment. */
  mode?: 'update' | 'recreate';
  /** Only edit an existing comment (comment: on-failure on a passing run). */
  onlyUpdate?: boolean;
}

/** Posts or updates the sticky comment on the event's pull request. Returns its URL, or '' when there is none. */
export async function publishComment(req: CommentRequest): Promise<string> {
  const { event } = req;
  if (!event.repo) {
    core.warning('ttfc-gate could not write the PR comment: GITHUB_REPOSITORY is not set. The verdict is unchanged and the report is in the job summary.');
    return '';
  }
  if (!req.token) {
    core.warning(
      'ttfc-gate could not write the PR comment: `github-token` is empty. Leave it at its default (`${{ github.token }}`) or set `comment: false`. The verdict is unchanged and the report is in the job summary.',
    );
    return '';
  }
  const repo = event.repo;
  const budget = AbortSignal.any([AbortSignal.timeout(req.bounds.budgetMs), ...(req.stop ? [req.stop] : [])]);
  const octokit = getOctokit(req.token, { baseUrl: event.apiUrl, request: { fetch: boundedFetch(req.bounds.timeoutMs, budget) } });
  const onRetry = (err: unknown): void => core.info(`GitHub API call failed (${(err as Error).message}); retrying once in ${RETRY_DELAY_MS} ms`);
  const explain = { fork: event.fork, repo, apiUrl: event.apiUrl };

  let number = event.pullNumber;
  if (number === null && event.pullFromCommit !== null) {
    const sha = event.pullFromCommit;
    try {
      number = await withRetry(() => findPullForCommit(octokit, repo, sha), RETRY_DELAY_MS, onRetry);
    } catch (err) {
      core.warning(explainCommentError(err, { ...explain, what: `find the pull request of commit ${sha.slice(0, 7)}` }));
      return '';
    }
    if (number === null) {
      core.info(`no open pull request has commit ${sha.slice(0, 7)}: no PR comment`);
      return '';
    }
  }
  if (number === null) return '';

  const pr = number;
  const token = req.token;
  try {
    const login = await gateLogin(octokit, token);
    const res = await withRetry(
      () => upsertComment(octokit, repo, pr, req.tag, req.body, login, { mode: req.mode ?? 'update', onlyUpdate: req.onlyUpdate ?? false }),
      RETRY_DELAY_MS,
      onRetry,
    );
    if (!res) {
      core.info(`comment: on-failure: the gate passed and #${pr} has no earlier comment: none posted`);
      return '';
    }
    if (res.foreign.length) {
      core.warning(
        `ttfc-gate left alone ${res.foreign.length === 1 ? 'a comment' : 'comments'} by ${res.foreign.map((l) => `@${l}`).join(', ')} on #${pr} that carries its marker: ` +
          `only a comment written by ${login} (the github-token's identity) is the gate's. Its report is in its own comment.`,
      );
    }
    if (res.author !== null && res.author !== login) {
      // e.g. a GitHub App's installation token: its comments are by the app's bot, which the gate cannot look up.
      core.warning(
        `ttfc-gate wrote its comment as ${res.author} but recognises only comments by ${login}: the next run will write a new comment. Use the workflow's GITHUB_TOKEN or a personal token as github-token.`,
      );
    }
    core.info(`${res.action} the PR comment on #${pr}: ${res.url}`);
    return res.url;
  } catch (err) {
    core.warning(explainCommentError(err, { ...explain, what: `write the PR comment on #${pr}` }));
    return '';
  }
}
