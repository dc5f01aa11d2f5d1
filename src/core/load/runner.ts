import { Agent } from 'undici';
import { performRequest, type RequestSpec } from './request.js';
import { skippedStage, summarizeStage } from '../analysis/stats.js';
import type { TemplateContext } from '../config/template.js';
import { runRounds } from './interleave.js';
import type { CompareSide, ErrorSample, RequestRecord, RunResult, Stage, StageSummary, WarmupSummary } from '../types.js';

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
  /** Same-run A/B: the base target; every stage then runs in rounds alternating with it (interleave.ts). */
  compare?: LoadTarget;
}

const SAMPLES_PER_CATEGORY = 5;

/**
 * Closed-model load: per stage, all users start together and each sends its requests one after
 * another. The first stage is the smoke test: with no success at all the rest is skipped.
 */
export async function runLoad(target: LoadTarget, opts: RunOptions): Promise<RunResult> {
  const startedAt = new Date().toISOString();
  const agent = newAgent(target);
  // The compare target gets its own connections, as a second client would.
  const compareAgent = opts.compare ? newAgent(opts.compare) : null;
  const stages: StageSummary[] = [];
  const requests: RequestRecord[] = [];
  const errorSamples: ErrorSample[] = [];
  const sample = sampler(errorSamples);
  const side: CompareSide | undefined = opts.compare ? { stages: [], requests: [], errorSamples: [], smokeFailed: false, order: [] } : undefined;
  const sampleBase = side ? sampler(side.errorSamples) : null;
  let smokeFailed = false;
  let warmup: WarmupSummary | undefined;
  try {
    if (opts.warmup !== undefined && opts.warmup > 0) {
      warmup = await runWarmup(target, opts.warmup, opts.hooks);
      if (opts.compare && side) side.warmup = await runWarmup(opts.compare, opts.warmup, opts.hooks, 'compare target: ');
      if (opts.cooldownMs > 0) await sleep(opts.cooldownMs);
    }
    for (let i = 0; i < opts.stages.length; i++) {
      const stage = opts.stages[i]!;
      const index = i + 1;
      if (smokeFailed) {
        stages.push(skippedStage(index, stage));
        side?.stages.push(skippedStage(index, stage));
        continue;
      }
      if (i > 0 && opts.cooldownMs > 0) await sleep(opts.cooldownMs);
      opts.hooks?.stageStart?.(index, stage);
      let records: { records: RequestRecord[]; durationMs: number };
      let baseLine: string | null = null;
      if (opts.compare && compareAgent && side && sampleBase) {
        const compare = opts.compare;
        // Stages start head-first and base-first in turn: the first slot after a cool-down is not always the head's.
        const ab = await runRounds(stage, i, (which, k) =>
          which === 'head' ? runRound(agent, target, index, stage.users, k) : runRound(compareAgent, compare, index, stage.users, k),
        );
        records = ab.head;
        const base = summarizeStage(index, stage, ab.base.records, ab.base.durationMs);
        side.stages.push(base);
        side.requests.push(...ab.base.records);
        side.order.push({ stage: index, rounds: ab.order });
        for (const r of ab.base.records) sampleBase(r);
        const ms = (v: number | null): string => (v === null ? 'n/a' : `${Math.round(v)} ms`);
        baseLine = `  base: ${base.succeeded}/${base.issued} ok, ttfc avg ${ms(base.ttfc.avg)} p95 ${ms(base.ttfc.p95)} (rounds ${ab.order})`;
        if (i === 0 && base.succeeded === 0) side.smokeFailed = true;
      } else {
        records = await runStage(agent, target, index, stage);
      }
      const summary = summarizeStage(index, stage, records.records, records.durationMs);
      stages.push(summary);
      for (const r of records.records) {
        requests.push(r);
        sample(r);
      }
      opts.hooks?.stageEnd?.(summary);
      if (baseLine !== null) opts.hooks?.log?.(baseLine);
      if (i === 0 && (summary.succeeded === 0 || side?.smokeFailed)) smokeFailed = true;
    }
  } finally {
    await agent.destroy();
    await compareAgent?.destroy();
  }
  const result: RunResult = { startedAt, finishedAt: new Date().toISOString(), stages, requests, smokeFailed, errorSamples };
  if (warmup !== undefined) result.warmup = warmup;
  if (side) result.compare = side;
  return result;
}

function newAgent(target: LoadTarget): Agent {
  // No connection limit: a request waiting for a free socket would be measured as server latency.
  return new Agent({
    connections: null,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 600_000,
    connect: { timeout: target.spec.timeoutMs },
  });
}

/** Keeps the first few failures of each category. */
function sampler(into: ErrorSample[]): (r: RequestRecord) => void {
  const sampled = new Map<string, number>();
  return (r) => {
    if (r.ok || !r.category) return;
    const n = sampled.get(r.category) ?? 0;
    if (n >= SAMPLES_PER_CATEGORY) return;
    sampled.set(r.category, n + 1);
    into.push({ stage: r.stage, category: r.category, status: r.status, message: r.error ?? '' });
  };
}

/** Round `k` of a stage in A/B mode: every user sends its k-th request, as a 1-request stage. */
async function runRound(agent: Agent, target: LoadTarget, index: number, users: number, k: number): Promise<{ records: RequestRecord[]; durationMs: number }> {
  const round: LoadTarget = { spec: target.spec, render: (ctx) => target.render({ ...ctx, iteration: k }) };
  const r = await runStage(agent, round, index, { users, requestsPerUser: 1 });
  for (const rec of r.records) rec.iteration = k;
  return r;
}

/**
 * The warm-up: `count` requests one after another (one user, as a cold start is woken), on a
 * connection pool of their own that is closed before stage 1, so no figure — not even the connection
 * setup of stage 1 — is touched by it. Stops early when the target cannot be reached at all (the
 * smoke test then says so).
 */
async function runWarmup(target: LoadTarget, count: number, hooks: RunHooks | undefined, what = ''): Promise<WarmupSummary> {
  const agent = new Agent({ connections: null, pipelining: 1, keepAliveTimeout: 60_000, connect: { timeout: target.spec.timeoutMs } });
  const out: WarmupSummary = { requests: 0, succeeded: 0, ttfc: [] };
  hooks?.log?.(`warm-up: ${what}${count} request${count === 1 ? '' : 's'} before stage 1, one after another (not counted)…`);
  try {
    for (let it = 1; it <= count; it++) {
      const { headers, body } = target.render({ stage: 0, user: 1, iteration: it });
      const r = await performRequest(agent, { ...target.spec, headers, body }, { stage: 0, user: 1, iteration: it });
      out.requests++;
      if (r.ok) out.succeeded++;
      out.ttfc.push(r.ttfc);
      if (r.category === 'connection') break;
    }
  } finally {
    await agent.destroy();
  }
  const times = out.ttfc.map((t) => (t === null ? 'no chunk' : `${Math.round(t)} ms`)).join(', ');
  const stopped = out.requests < count ? ` (stopped: the target cannot be reached)` : '';
  hooks?.log?.(`warm-up done: ${what}${out.succeeded}/${out.requests} ok${stopped}; ttfc ${times}`);
  return out;
}

async function runStage(
  agent: Agent,
  target: LoadTarget,
  index: number,
  stage: Stage,
): Promise<{ records: RequestRecord[]; durationMs: number }> {
  const records: RequestRecord[] = [];
  const user = async (u: number): Promise<void> => {
    for (let it = 1; it <= stage.requestsPerUser; it++) {
      const { headers, body } = target.render({ stage: index, user: u, iteration: it });
      records.push(await performRequest(agent, { ...target.spec, headers, body }, { stage: index, user: u, iteration: it }));
    }
  };
  const t0 = performance.now();
  const users: Promise<void>[] = [];
  for (let u = 1; u <= stage.users; u++) users.push(user(u));
  await Promise.all(users);
  const durationMs = performance.now() - t0;
  records.sort((a, b) => a.startedAt - b.startedAt);
  return { records, durationMs };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
