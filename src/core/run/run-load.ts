// Runs a plan: its stages in order (cool-downs or a start-at schedule between them, the warm-up
// before), each stage summarized as it ends, the first one a smoke test. The stages themselves are
// the load layer's (load/runner.ts, load/arrivals.ts); their summaries are analysis' (stats.ts).

import { detectClientLimit } from '../analysis/diagnose/client-limit.js';
import { skippedStage, summarizeStage } from '../analysis/stats.js';
import { connectionsNeeded, type ArrivalOptions } from '../load/arrivals.js';
import { ensureDescriptors } from '../load/limits.js';
import { cancellation, rateStage, runComparedStage, runStage, runWarmup, sleep, type StageRun } from '../load/runner.js';
import type { LoadTarget } from '../load/target.js';
import { warmEngine } from '../load/warm.js';
import { LATE_TOLERANCE_MS, shardUsers, type ShardSpec } from '../shards/share.js';
import {
  isRate,
  type ClosedStage,
  type CompareSide,
  type ErrorSample,
  type RequestRecord,
  type RunResult,
  type Stage,
  type StageSummary,
  type StageTiming,
  type WarmupSummary,
} from '../types.js';

export type { LoadTarget } from '../load/target.js';

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
  /** Cancels the run: no request is started after it; those in flight are aborted after CANCEL_GRACE_MS. */
  signal?: AbortSignal;
  /** Run only this shard's users of every stage (global user numbers). */
  shard?: ShardSpec;
  /** Epoch ms each stage starts at (start-at): replaces the cool-down, so shards start stages together. */
  schedule?: number[];
  /** A/B: added to each stage's position to pick which side goes first (a caller running one stage at a time alternates it). */
  firstRound?: number;
  /** How rate stages (`R/s:D`) schedule their arrivals (default: Poisson, seed 1, 1000 in flight). */
  arrivals?: ArrivalOptions;
}

/**
 * Runs the plan: per stage, all users start together and each sends its requests one after
 * another, or arrivals come at the stage's rate. The first stage is the smoke test: with no
 * success at all the rest is skipped.
 */
export async function runLoad(target: LoadTarget, opts: RunOptions): Promise<RunResult> {
  const arrivals = opts.arrivals ?? { process: 'poisson', seed: 1, maxInFlight: 1000 };
  // In A/B mode both sides hold their users' connections through the stage.
  const sockets = opts.stages.map((s) => (isRate(s) ? connectionsNeeded(s, arrivals.maxInFlight, target.spec.timeoutMs) : s.users) * (opts.compare ? 2 : 1));
  await ensureDescriptors(sockets, opts.hooks?.log);
  await warmEngine(target.spec);
  const log = (line: string): void => opts.hooks?.log?.(line);
  const startedAt = new Date().toISOString();
  const head = new Side();
  const base = opts.compare ? new Side() : null;
  const side: CompareSide | undefined = base ? { stages: base.stages, requests: base.requests, errorSamples: base.errorSamples, smokeFailed: false, order: [] } : undefined;
  const stageTimings: StageTiming[] = [];
  let smokeFailed = false;
  let warmup: WarmupSummary | undefined;
  const signal = opts.signal;
  const cancel = cancellation(signal);
  const cancellable = (t: LoadTarget): LoadTarget => (signal ? { ...t, spec: { ...t.spec, signal: cancel.inFlight }, stop: signal } : t);
  target = cancellable(target);
  const compare = opts.compare ? cancellable(opts.compare) : undefined;
  try {
    if (opts.warmup !== undefined && opts.warmup > 0) {
      warmup = await runWarmup(target, opts.warmup, log);
      if (compare && side) side.warmup = await runWarmup(compare, opts.warmup, log, 'compare target: ');
      if (opts.cooldownMs > 0) await sleep(opts.cooldownMs, signal);
    }
    for (let i = 0; i < opts.stages.length; i++) {
      const index = i + 1;
      const planned = opts.stages[i]!;
      // A shard runs its share of the users (numbered as in the whole plan), or of the rate.
      const mine = isRate(planned) ? { first: opts.shard?.index ?? 1, count: 0 } : opts.shard ? shardUsers(planned.users, opts.shard) : { first: 1, count: planned.users };
      const stage: Stage = isRate(planned) ? { ...planned, rate: planned.rate / (opts.shard?.count ?? 1) } : { users: mine.count, requestsPerUser: planned.requestsPerUser };
      const scheduledAt = opts.schedule?.[i] ?? null;
      if (!smokeFailed) await waitForSlot(scheduledAt, i > 0 ? opts.cooldownMs : 0, signal);
      if (smokeFailed || signal?.aborted) {
        head.stages.push(skippedStage(index, stage));
        base?.stages.push(skippedStage(index, stage));
        continue;
      }
      const startedAtMs = Date.now();
      const lateMs = scheduledAt === null ? 0 : Math.max(0, startedAtMs - scheduledAt);
      if (lateMs > LATE_TOLERANCE_MS) log(`stage ${index} started ${Math.round(lateMs)} ms late against start-at`);
      opts.hooks?.stageStart?.(index, stage);
      const numbers = Array.from({ length: mine.count }, (_, u) => mine.first + u);
      const runs = await runOneStage(compare ? [target, compare] : [target], index, planned, stage, numbers, {
        arrivals: { ...arrivals, smoke: i === 0, ...(opts.shard ? { shard: opts.shard } : {}), log: opts.hooks?.log },
        firstRound: i + (opts.firstRound ?? 0),
      });
      const run = runs.head;
      // A rate stage's "users" here are the arrivals this machine scheduled.
      stageTimings.push({ index, firstUser: mine.first, users: run.counts?.scheduled ?? mine.count, scheduledAt, startedAt: startedAtMs, durationMs: run.durationMs, lateMs });
      const summary = head.add(index, stage, run);
      for (const line of stageNotes(summary)) log(line);
      opts.hooks?.stageEnd?.(summary);
      if (base && side && runs.base) log(addBase(base, side, index, stage, runs.base, runs.order));
      // A first stage cut short by a cancel is no failed smoke test.
      // A shard with no user in the smoke stage has nothing to judge it by: it goes on.
      if (i === 0 && ((summary.issued > 0 && summary.succeeded === 0) || side?.smokeFailed) && !signal?.aborted) smokeFailed = true;
    }
  } finally {
    cancel.dispose();
  }
  const result: RunResult = {
    startedAt,
    finishedAt: new Date().toISOString(),
    stages: head.stages,
    requests: head.requests,
    smokeFailed,
    errorSamples: head.errorSamples,
    stageTimings,
  };
  if (warmup !== undefined) result.warmup = warmup;
  if (side) result.compare = side;
  if (signal?.aborted) result.cancelled = true;
  return result;
}

/** The base's side of an A/B stage: its summary, its rounds' order, its smoke test; the log line. */
function addBase(base: Side, side: CompareSide, index: number, stage: Stage, run: StageRun, order: string): string {
  const b = base.add(index, stage, run);
  side.order.push({ stage: index, rounds: order });
  if (index === 1 && b.issued > 0 && b.succeeded === 0) side.smokeFailed = true;
  const ms = (v: number | null): string => (v === null ? 'n/a' : `${Math.round(v)} ms`);
  return `  base: ${b.succeeded}/${b.issued} ok, ttfc avg ${ms(b.ttfc.avg)} p95 ${ms(b.ttfc.p95)} (rounds ${order})`;
}

/** Waits for a stage's start-at slot, or its cool-down; a cancel ends the wait. */
async function waitForSlot(scheduledAt: number | null, cooldownMs: number, signal: AbortSignal | undefined): Promise<void> {
  // A timer may fire a millisecond early by the wall clock: never start a stage before its slot.
  if (scheduledAt !== null) while (Date.now() < scheduledAt && !signal?.aborted) await sleep(scheduledAt - Date.now(), signal);
  else if (cooldownMs > 0) await sleep(cooldownMs, signal);
}

/** One stage against the head (and in A/B the base): closed users, A/B rounds, or arrivals at a rate. */
async function runOneStage(
  targets: LoadTarget[],
  index: number,
  planned: Stage,
  stage: Stage,
  numbers: number[],
  how: { arrivals: Parameters<typeof rateStage>[3]; firstRound: number },
): Promise<{ head: StageRun; base?: StageRun; order: string }> {
  const [head, base] = targets as [LoadTarget, LoadTarget | undefined];
  if (isRate(planned)) {
    const [h, b] = await rateStage(targets, index, planned, how.arrivals);
    return { head: h!, ...(b ? { base: b } : {}), order: 'together' };
  }
  if (base) return runComparedStage(head, base, index, stage as ClosedStage, how.firstRound, numbers);
  return { head: await runStage(head, index, stage as ClosedStage, numbers), order: '' };
}

/** One side's stages, records and sampled failures, as its stages end. */
class Side {
  readonly stages: StageSummary[] = [];
  readonly requests: RequestRecord[] = [];
  readonly errorSamples: ErrorSample[] = [];
  private readonly sample = sampler(this.errorSamples);

  add(index: number, stage: Stage, run: StageRun): StageSummary {
    const summary = summarizeStage(index, stage, run.records, run.durationMs, run.counts);
    summary.connections = run.connections;
    if (run.concurrency) summary.concurrency = run.concurrency;
    this.stages.push(summary);
    for (const r of run.records) {
      this.requests.push(r);
      this.sample(r);
    }
    return summary;
  }
}

/** What the log says of a stage beside its figures: the client as its own limit, requests sent twice. */
function stageNotes(s: StageSummary): string[] {
  const out: string[] = [];
  // The client as the limit: the diagnosis's own rule and words, said as the stage ends.
  for (const d of detectClientLimit({ stages: [s], requests: [] })) out.push(`stage ${s.index}: ${d.message}`);
  if (s.retries) out.push(`stage ${s.index}: ${s.retries} request${s.retries === 1 ? '' : 's'} sent again on a new connection (the server closed the reused one before answering)`);
  return out;
}

const SAMPLES_PER_CATEGORY = 5;

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
