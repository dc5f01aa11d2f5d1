import { UserConnection } from './connection.js';
import { ensureDescriptors } from './limits.js';
import { performRequest, type RequestSpec } from './request.js';
import { warmEngine } from './warm.js';
import { skippedStage, summarizeStage } from '../analysis/stats.js';
import type { TemplateContext } from '../config/template.js';
import type { ErrorSample, RequestRecord, RunResult, Stage, StageSummary, WarmupSummary } from '../types.js';

/** Everything the runner needs per request; `render` fills per-request templates (headers, body). */
export interface LoadTarget {
  spec: Omit<RequestSpec, 'headers' | 'body'>;
  render(ctx: TemplateContext): { headers: Record<string, string>; body: string | null };
}

export interface RunHooks {
  stageStart?(index: number, stage: Stage): void;
  stageEnd?(summary: StageSummary): void;
  log?(line: string): void;
}

export interface RunOptions {
  stages: Stage[];
  cooldownMs: number;
  hooks?: RunHooks;
  /** Requests sent before stage 1, one after another from one user, on their own connection; in no figure. */
  warmup?: number;
}

/** The outcome of one stage: its records (by start time), wall time, the sockets its users opened. */
export interface StageRun {
  records: RequestRecord[];
  durationMs: number;
  /** Connections opened: one per user, plus one per reconnect (server closed a socket, a retry). */
  connections: number;
}

const SAMPLES_PER_CATEGORY = 5;

/**
 * Closed-model load: per stage, all users start together and each sends its requests one after
 * another. The first stage is the smoke test: with no success at all the rest is skipped.
 */
export async function runLoad(target: LoadTarget, opts: RunOptions): Promise<RunResult> {
  await ensureDescriptors(opts.stages, opts.hooks?.log);
  await warmEngine(target.spec);
  const startedAt = new Date().toISOString();
  const stages: StageSummary[] = [];
  const requests: RequestRecord[] = [];
  const errorSamples: ErrorSample[] = [];
  const sampled = new Map<string, number>();
  let smokeFailed = false;
  let warmup: WarmupSummary | undefined;
  if (opts.warmup !== undefined && opts.warmup > 0) {
    warmup = await runWarmup(target, opts.warmup, opts.hooks);
    if (opts.cooldownMs > 0) await sleep(opts.cooldownMs);
  }
  for (let i = 0; i < opts.stages.length; i++) {
    const stage = opts.stages[i]!;
    const index = i + 1;
    if (smokeFailed) {
      stages.push(skippedStage(index, stage));
      continue;
    }
    if (i > 0 && opts.cooldownMs > 0) await sleep(opts.cooldownMs);
    opts.hooks?.stageStart?.(index, stage);
    const run = await runStage(target, index, stage);
    const summary = summarizeStage(index, stage, run.records, run.durationMs);
    summary.connections = run.connections;
    if (summary.retries) opts.hooks?.log?.(`stage ${index}: ${summary.retries} request${summary.retries === 1 ? '' : 's'} sent again on a new connection (the server closed the reused one before answering)`);
    stages.push(summary);
    for (const r of run.records) {
      requests.push(r);
      if (!r.ok && r.category) {
        const n = sampled.get(r.category) ?? 0;
        if (n < SAMPLES_PER_CATEGORY) {
          sampled.set(r.category, n + 1);
          errorSamples.push({ stage: index, category: r.category, status: r.status, message: r.error ?? '' });
        }
      }
    }
    opts.hooks?.stageEnd?.(summary);
    if (i === 0 && summary.succeeded === 0) smokeFailed = true;
  }
  const result: RunResult = { startedAt, finishedAt: new Date().toISOString(), stages, requests, smokeFailed, errorSamples };
  if (warmup !== undefined) result.warmup = warmup;
  return result;
}

/**
 * One stage: `stage.users` users (numbered `users`, default 1…N; global numbers when a stage is
 * shared out) start together, each on a connection of its own opened at the stage's start, and
 * send `stage.requestsPerUser` requests one after another. The connections are closed at the end,
 * so no later stage rides on a socket that sat idle through a cool-down.
 */
export async function runStage(target: LoadTarget, index: number, stage: Stage, users?: readonly number[]): Promise<StageRun> {
  const numbers = users ?? Array.from({ length: stage.users }, (_, i) => i + 1);
  const records: RequestRecord[] = [];
  const connections = numbers.map(() => new UserConnection(target.spec.origin, target.spec.timeoutMs));
  const loop = async (user: number, conn: UserConnection): Promise<void> => {
    for (let iteration = 1; iteration <= stage.requestsPerUser; iteration++) {
      const ids = { stage: index, user, iteration };
      const { headers, body } = target.render(ids);
      records.push(await performRequest(conn, { ...target.spec, headers, body }, ids));
    }
  };
  const t0 = performance.now();
  let durationMs = 0;
  try {
    await Promise.all(numbers.map((u, i) => loop(u, connections[i]!)));
  } finally {
    durationMs = performance.now() - t0;
    await Promise.all(connections.map((c) => c.close()));
  }
  records.sort((a, b) => a.startedAt - b.startedAt);
  return { records, durationMs, connections: connections.reduce((n, c) => n + c.opened, 0) };
}

/**
 * The warm-up: `count` requests one after another (one user, as a cold start is woken), on a
 * connection of their own that is closed before stage 1, so no figure — not even the connection
 * setup of stage 1 — is touched by it. Stops early when the target cannot be reached at all (the
 * smoke test then says so).
 */
async function runWarmup(target: LoadTarget, count: number, hooks: RunHooks | undefined): Promise<WarmupSummary> {
  const conn = new UserConnection(target.spec.origin, target.spec.timeoutMs);
  const out: WarmupSummary = { requests: 0, succeeded: 0, ttfc: [] };
  hooks?.log?.(`warm-up: ${count} request${count === 1 ? '' : 's'} before stage 1, one after another (not counted)…`);
  try {
    for (let it = 1; it <= count; it++) {
      const ids = { stage: 0, user: 1, iteration: it };
      const { headers, body } = target.render(ids);
      const r = await performRequest(conn, { ...target.spec, headers, body }, ids);
      out.requests++;
      if (r.ok) out.succeeded++;
      out.ttfc.push(r.ttfc);
      if (r.category === 'connection') break;
    }
  } finally {
    await conn.close();
  }
  const times = out.ttfc.map((t) => (t === null ? 'no chunk' : `${Math.round(t)} ms`)).join(', ');
  const stopped = out.requests < count ? ` (stopped: the target cannot be reached)` : '';
  hooks?.log?.(`warm-up done: ${out.succeeded}/${out.requests} ok${stopped}; ttfc ${times}`);
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
