// What the workflow event means for the gate: which commit is tested, which pull request gets the
// comment, the deployment's URL and state. Reads the runner's environment; knows no HTTP client.
import { readFileSync } from 'node:fs';
import { num, obj, str, type JsonObject as Json } from '../core/json-guards.js';

export interface Repo {
  owner: string;
  repo: string;
}

export interface DeploymentInfo {
  state: string;
  /** environment_url of the status, else the deployment payload's web_url. */
  url: string | null;
  environment: string | null;
}

export interface EventContext {
  eventName: string;
  repo: Repo | null;
  serverUrl: string;
  apiUrl: string;
  /** Link to this workflow run, when the runner says which. */
  runUrl: string | null;
  /** The commit under test (the PR head, the deployment's commit, or GITHUB_SHA). */
  sha: string | null;
  /** The pull request to comment on, when the event names it. */
  pullNumber: number | null;
  /** Find the PR from this commit (`GET /repos/{o}/{r}/commits/{sha}/pulls`): deployment_status, workflow_run. */
  pullFromCommit: string | null;
  /** The PR's head is in another repository (its token is read-only). */
  fork: boolean;
  deployment: DeploymentInfo | null;
  /** Problems reading the event (the run goes on without a comment). */
  warnings: string[];
}

/** A string with something in it, trimmed. */
const text = (v: unknown): string | null => str(v)?.trim() || null;
/** A positive integer id (a PR number). */
const id = (v: unknown): number | null => {
  const n = num(v);
  return n !== null && Number.isSafeInteger(n) && n > 0 ? n : null;
};

const PR_EVENTS = new Set(['pull_request', 'pull_request_target']);

/** Reads the event from the runner's environment (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REPOSITORY, …). */
export function readEventContext(env: Record<string, string | undefined>): EventContext {
  const warnings: string[] = [];
  let payload: Json = {};
  const path = env.GITHUB_EVENT_PATH;
  if (path) {
    try {
      payload = obj(JSON.parse(readFileSync(path, 'utf8'))) ?? {};
    } catch (err) {
      warnings.push(`cannot read the event payload (GITHUB_EVENT_PATH): ${(err as Error).message}`);
    }
  }
  return eventContext(env, payload, warnings);
}

/** The event context from the environment and an already parsed payload. */
export function eventContext(env: Record<string, string | undefined>, payload: Json, warnings: string[] = []): EventContext {
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const serverUrl = (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, '');
  const apiUrl = (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, '');
  const repo = parseRepo(env.GITHUB_REPOSITORY) ?? repoFromPayload(payload);
  const runId = env.GITHUB_RUN_ID && /^\d+$/.test(env.GITHUB_RUN_ID) ? env.GITHUB_RUN_ID : null;
  const attempt = Number(env.GITHUB_RUN_ATTEMPT ?? '1');
  const runUrl = repo && runId ? `${serverUrl}/${repo.owner}/${repo.repo}/actions/runs/${runId}${attempt > 1 ? `/attempts/${attempt}` : ''}` : null;

  const ctx: EventContext = {
    eventName,
    repo,
    serverUrl,
    apiUrl,
    runUrl,
    sha: text(env.GITHUB_SHA),
    pullNumber: null,
    pullFromCommit: null,
    fork: false,
    deployment: null,
    warnings,
  };

  if (PR_EVENTS.has(eventName)) {
    const pr = obj(payload.pull_request);
    ctx.pullNumber = id(pr?.number) ?? id(payload.number);
    const head = obj(pr?.head);
    const base = obj(pr?.base);
    ctx.sha = text(head?.sha) ?? ctx.sha;
    const headRepo = text(obj(head?.repo)?.full_name);
    const baseRepo = text(obj(base?.repo)?.full_name);
    // A deleted fork has no head repo; it is still a fork.
    ctx.fork = obj(head?.repo)?.fork === true || (baseRepo !== null && headRepo !== baseRepo);
    if (ctx.pullNumber === null) warnings.push(`the ${eventName} event carries no pull request number`);
  } else if (eventName === 'deployment_status') {
    const status = obj(payload.deployment_status);
    const deployment = obj(payload.deployment);
    ctx.deployment = {
      state: text(status?.state) ?? 'unknown',
      url: text(status?.environment_url) ?? text(obj(deployment?.payload)?.web_url),
      environment: text(status?.environment) ?? text(deployment?.environment),
    };
    ctx.sha = text(deployment?.sha) ?? ctx.sha;
    ctx.pullFromCommit = ctx.sha;
  } else if (eventName === 'workflow_run') {
    const run = obj(payload.workflow_run);
    ctx.sha = text(run?.head_sha) ?? ctx.sha;
    const prs = Array.isArray(run?.pull_requests) ? run.pull_requests : [];
    ctx.pullNumber = id(obj(prs[0])?.number);
    const triggeredByPr = PR_EVENTS.has(text(run?.event) ?? '');
    if (ctx.pullNumber === null && triggeredByPr) ctx.pullFromCommit = ctx.sha;
    const headRepo = text(obj(run?.head_repository)?.full_name);
    ctx.fork = headRepo !== null && repo !== null && headRepo !== `${repo.owner}/${repo.repo}`;
  }
  return ctx;
}

/** Events on which the gate comments on a pull request (when it finds one). */
export function commentsOn(ctx: EventContext): boolean {
  return ctx.pullNumber !== null || ctx.pullFromCommit !== null;
}

function parseRepo(text: string | undefined): Repo | null {
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(text?.trim() ?? '');
  return m ? { owner: m[1]!, repo: m[2]! } : null;
}

function repoFromPayload(payload: Json): Repo | null {
  const r = obj(payload.repository);
  const owner = text(obj(r?.owner)?.login);
  const name = text(r?.name);
  return owner && name ? { owner, repo: name } : null;
}
