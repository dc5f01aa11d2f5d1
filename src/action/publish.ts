// Where the report goes: the job summary, the step outputs, the sticky PR comment. A failure to
// publish is a warning; it never changes the verdict.
import * as core from '@actions/core';
import { getOctokit } from '@actions/github';
import { explainCommentError, findPullForCommit, upsertComment, withRetry } from './comment.js';
import type { EventContext } from './event.js';
import type { OutputName } from './outputs.js';

/** Pause before the one retry of a GitHub API call that got no response. */
export const RETRY_DELAY_MS = 1000;

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
}

/** Posts or updates the sticky comment on the event's pull request. Returns its URL, or '' when there is none. */
export async function publishComment(req: CommentRequest): Promise<string> {
  const { event } = req;
  if (!event.repo) {
    core.warning('ttfc-gate could not write the PR comment: GITHUB_REPOSITORY is not set. The verdict is unchanged and the report is in the job summary.');
    return '';
  }
  if (!req.token) {
    core.warning('ttfc-gate could not write the PR comment: `github-token` is empty. Leave it at its default (`${{ github.token }}`) or set `comment: false`. The verdict is unchanged and the report is in the job summary.');
    return '';
  }
  const repo = event.repo;
  const octokit = getOctokit(req.token, { baseUrl: event.apiUrl });
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
  try {
    const res = await withRetry(() => upsertComment(octokit, repo, pr, req.tag, req.body), RETRY_DELAY_MS, onRetry);
    core.info(`${res.action} the PR comment on #${pr}: ${res.url}`);
    return res.url;
  } catch (err) {
    core.warning(explainCommentError(err, { ...explain, what: `write the PR comment on #${pr}` }));
    return '';
  }
}
