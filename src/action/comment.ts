// The sticky PR comment: found again by its hidden marker over all pages of the PR's comments and
// updated in place; created only when there is none. Errors become explanations, never failures.
import type { getOctokit } from '@actions/github';
import { commentMarker } from '../core/report/escape.js';
import type { Repo } from './event.js';

export type Octokit = ReturnType<typeof getOctokit>;

export interface CommentResult {
  id: number;
  url: string;
  action: 'created' | 'updated' | 'recreated';
  /** Authors of comments that carry the marker but were not written by the gate: left alone. */
  foreign: string[];
  /** Who the written comment is by, as GitHub says. */
  author: string | null;
}

export interface UpsertOptions {
  /** update (default): edit the comment in place; recreate: delete it and post a new one at the bottom. */
  mode?: 'update' | 'recreate';
  /** Only edit an existing comment, never create one (comment: on-failure on a passing run). */
  onlyUpdate?: boolean;
}

/** The login GITHUB_TOKEN (and installation tokens of GitHub Actions) comments as. */
const ACTIONS_BOT = 'github-actions[bot]';

/**
 * The login the token comments as: installation tokens (`ghs_`, GITHUB_TOKEN among them) cannot
 * read /user and write as github-actions[bot]; other tokens are asked who they are.
 */
export async function gateLogin(octokit: Octokit, token: string): Promise<string> {
  if (token.startsWith('ghs_')) return ACTIONS_BOT;
  try {
    const { data } = await octokit.rest.users.getAuthenticated();
    return data.login;
  } catch {
    return ACTIONS_BOT;
  }
}

/** True when a comment body is the sticky comment of `tag` (the marker is its first line). */
export function isOurComment(body: string | null | undefined, tag: string): boolean {
  return (body ?? '').trimStart().startsWith(commentMarker(tag));
}

/**
 * Creates or updates the one comment of `tag` on issue/PR `issueNumber`. Only a comment written by
 * `login` (the gate's own identity) counts: anyone can post the marker, and a comment they own
 * could be edited back to "passed". recreate deletes the gate's comment and posts a new one at the
 * bottom; onlyUpdate never creates one (null when there is none).
 */
export async function upsertComment(
  octokit: Octokit,
  repo: Repo,
  issueNumber: number,
  tag: string,
  body: string,
  login: string,
  opts: UpsertOptions = {},
): Promise<CommentResult | null> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { ...repo, issue_number: issueNumber, per_page: 100 });
  const marked = comments.filter((c) => isOurComment(c.body, tag));
  const existing = marked.find((c) => c.user?.login === login);
  const foreign = [...new Set(marked.filter((c) => c.user?.login !== login).map((c) => c.user?.login ?? 'unknown'))];
  if (!existing && opts.onlyUpdate) return null;
  if (existing && opts.mode === 'recreate') {
    try {
      // Only the gate's own comment (matched by marker and author) is ever deleted.
      await octokit.rest.issues.deleteComment({ ...repo, comment_id: existing.id });
    } catch (err) {
      // Already gone: post the new one all the same.
      if (statusOf(err) !== 404) throw err;
    }
    const { data } = await octokit.rest.issues.createComment({ ...repo, issue_number: issueNumber, body });
    return { id: data.id, url: data.html_url, action: 'recreated', foreign, author: data.user?.login ?? null };
  }
  if (existing) {
    try {
      const { data } = await octokit.rest.issues.updateComment({ ...repo, comment_id: existing.id, body });
      return { id: data.id, url: data.html_url, action: 'updated', foreign, author: data.user?.login ?? null };
    } catch (err) {
      // Deleted between the listing and the update: write a new one.
      if (statusOf(err) !== 404) throw err;
    }
  }
  const { data } = await octokit.rest.issues.createComment({ ...repo, issue_number: issueNumber, body });
  return { id: data.id, url: data.html_url, action: 'created', foreign, author: data.user?.login ?? null };
}

/** The open pull request whose head is `sha` (deployment_status, workflow_run from a fork), or null. */
export async function findPullForCommit(octokit: Octokit, repo: Repo, sha: string): Promise<number | null> {
  const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ ...repo, commit_sha: sha, per_page: 100 });
  const open = data.filter((p) => p.state === 'open');
  const pr = open.find((p) => p.head?.sha === sha) ?? open[0];
  return pr?.number ?? null;
}

export function statusOf(err: unknown): number | undefined {
  const s = (err as { status?: unknown }).status;
  return typeof s === 'number' ? s : undefined;
}

/** A request that never got an HTTP response (connection refused/reset, DNS, TLS). */
export function isNetworkError(err: unknown): boolean {
  const e = err as { status?: unknown; response?: unknown; name?: string };
  if (e === null || typeof e !== 'object') return false;
  // @octokit/request reports fetch failures as a RequestError with status 500 and no response.
  return e.response === undefined && (e.status === undefined || e.status === 500) && e.name !== 'AbortError';
}

/** A failure worth one more try: no response at all, or a 502/503/504 from GitHub. */
function isTransient(err: unknown): boolean {
  const s = statusOf(err);
  return isNetworkError(err) || s === 502 || s === 503 || s === 504;
}

/** Runs `fn`; on a transient failure waits `delayMs` and runs it once more. */
export async function withRetry<T>(fn: () => Promise<T>, delayMs: number, onRetry?: (err: unknown) => void): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!isTransient(err)) throw err;
    onRetry?.(err);
    await new Promise((r) => setTimeout(r, delayMs));
    return await fn();
  }
}

function apiMessage(err: unknown): string {
  const e = err as { message?: unknown; response?: { data?: unknown } };
  const data = e.response?.data as { message?: unknown; errors?: Array<{ message?: unknown }> } | undefined;
  const detail = data?.errors?.map((x) => x.message).filter((m): m is string => typeof m === 'string') ?? [];
  const main = typeof data?.message === 'string' ? data.message : typeof e.message === 'string' ? e.message : String(err);
  const text = detail.length ? `${main}: ${detail.join('; ')}` : main;
  return text.replace(/\s+/g, ' ').slice(0, 300);
}

export interface ExplainContext {
  what: string; // "write the PR comment on #12" / "find the pull request of commit abc1234"
  fork: boolean;
  repo: Repo;
  apiUrl: string;
}

const UNCHANGED = 'The verdict is unchanged and the report is in the job summary.';
const FORK_HELP =
  'GitHub gives workflows triggered by a pull request from a fork a read-only token, so they cannot comment. ' +
  'To comment on fork PRs, run ttfc-gate from a separate `workflow_run` workflow (docs/recipes.md, "Pull requests from forks": recipes/fork-pr.yml and fork-pr-comment.yml), or set `comment: false` to silence this warning.';
const PERMISSIONS_HELP = 'Give the job `permissions: pull-requests: write` (and `contents: read`), or pass a `github-token` that may comment.';

/** A one-paragraph warning: what failed, why, and what to do. */
export function explainCommentError(err: unknown, ctx: ExplainContext): string {
  const status = statusOf(err);
  const msg = apiMessage(err);
  const head = `ttfc-gate could not ${ctx.what}`;
  if (isNetworkError(err)) {
    return `${head}: the GitHub API (${ctx.apiUrl}) could not be reached, also on a retry (${msg}). ${UNCHANGED}`;
  }
  switch (status) {
    case 401:
      return `${head}: 401 ${msg}. The \`github-token\` is not valid. ${UNCHANGED}`;
    case 403:
      if (/rate limit/i.test(msg)) return `${head}: 403 ${msg} (API rate limit). ${UNCHANGED}`;
      return ctx.fork
        ? `${head}: 403 ${msg}. This pull request comes from a fork. ${FORK_HELP} ${UNCHANGED}`
        : `${head}: 403 ${msg}. The token may not write pull-request comments. ${PERMISSIONS_HELP} ${UNCHANGED}`;
    case 404:
      return `${head}: 404 ${msg}. The token cannot see ${ctx.repo.owner}/${ctx.repo.repo} or the pull request. ${PERMISSIONS_HELP} ${UNCHANGED}`;
    case 422:
      return `${head}: 422 ${msg} (GitHub rejected the request). ${UNCHANGED}`;
    default:
      return `${head}: ${status ?? 'error'} ${msg}. ${UNCHANGED}`;
  }
}
