import { connectionsNeeded, runArrivals, type ArrivalCounts, type ArrivalOptions } from './arrivals.js';
import { UserConnection } from './connection.js';
import { abortAfter } from '../cancel.js';
import { runRounds } from './interleave.js';
import { ensureDescriptors } from './limits.js';
import { performRequest, sendRequest, type InFlight } from './request.js';
import { warmEngine } from './warm.js';
import { skippedStage, summarizeStage } from '../analysis/stats.js';
import type { LoadTarget } from './target.js';
import { LATE_TOLERANCE_MS, shardUsers, type ShardSpec } from '../shards/share.js';
import {
  isRate,
  type ClosedStage,
  type CompareSide,
  type ErrorSample,
  type RateStage,
  type RequestRecord,
  type RunResult,
  type Stage,
  type StageSummary,
  type StageTiming,
  type WarmupSummary,
} from '../types.js';

export type { LoadTarget } from './target.js';

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

/** How long requests in flight may still finish after a cancel before they are aborted. */
const CANCEL_GRACE_MS = 1000;

/** The outcome of one stage: its records (by start time), wall time, the sockets its users opened. */
export interface StageRun {
  records: RequestRecord[];
  durationMs: number;
  /** Connections opened: one per user, plus one per reconnect (server closed a socket, a retry). */
  connections: number;
  /** How long the client took to issue every user's first request (see StageUsers.run). */
  rampMs?: number;
  /** A rate stage: what it scheduled, sent and dropped. */
  counts?: ArrivalCounts;
}

const SAMPLES_PER_CATEGORY = 5;

/**
 * Users whose first request is issued in one event-loop turn. Small enough that a batch's own
 * dispatch (~0.1 ms a user, socket included) delays none of its requests by more than a few ms;
 * the turns in between cost nothing measurable at low counts (a stage of 32 starts in one turn).
 */
const START_BATCH = 32;
/** A stage whose users took longer than this to start says so in the log (the client's own limit). */
const RAMP_LOG_MS = 500;

/**
 * Closed-model load: per stage, all users start together and each sends its requests one after
 * another. The first stage is the smoke test: with no success at all the rest is skipped.
 */
export async function runLoad(target: LoadTarget, opts: RunOptions): Promise<RunResult> {
  const arrivals = opts.arrivals ?? { process: 'poisson', seed: 1, maxInFlight: 1000 };
  // In A/B mode both sides hold their users' connections through the stage.
  const sockets = opts.stages.map((s) => (isRate(s) ? connectionsNeeded(s, arrivals.maxInFlight, target.spec.timeoutMs) : s.users) * (opts.compare ? 2 : 1));
  await ensureDescriptors(sockets, opts.hooks?.log);
  await warmEngine(target.spec);
  const startedAt = new Date().toISOString();
  const stages: StageSummary[] = [];
  const requests: RequestRecord[] = [];
  const errorSamples: ErrorSample[] = [];
  const sample = sampler(errorSamples);
  const side: CompareSide | undefined = opts.compare ? { stages: [], requests: [], errorSamples: [], smokeFailed: false, order: [] } : undefined;
  const sampleBase = side ? sampler(side.errorSamples) : null;
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
      warmup = await runWarmup(target, opts.warmup, opts.hooks);
      if (compare && side) side.warmup = await runWarmup(compare, opts.warmup, opts.hooks, 'compare target: ');
      if (opts.cooldownMs > 0) await sleep(opts.cooldownMs, signal);
    }
    for (let i = 0; i < opts.stages.length; i++) {
      const index = i + 1;
      const planned = opts.stages[i]!;
      // A shard runs its share of the users (numbered as in the whole plan), or of the rate.
      const mine = isRate(planned) ? { first: opts.shard?.index ?? 1, count: 0 } : opts.shard ? shardUsers(planned.users, opts.shard) : { first: 1, count: planned.users };
      const stage: Stage = isRate(planned) ? { ...planned, rate: planned.rate / (opts.shard?.count ?? 1) } : { users: mine.count, requestsPerUser: planned.requestsPerUser };
      const numbers = Array.from({ length: mine.count }, (_, u) => mine.first + u);
      const rated = isRate(planned)
        ? (targets: LoadTarget[]): Promise<StageRun[]> =>
            rateStage(targets, index, planned, { ...arrivals, smoke: i === 0, ...(opts.shard ? { shard: opts.shard } : {}), log: opts.hooks?.log })
        : null;
      const scheduledAt = opts.schedule?.[i] ?? null;
      if (!smokeFailed) {
        // A timer may fire a millisecond early by the wall clock: never start a stage before its slot.
        if (scheduledAt !== null) while (Date.now() < scheduledAt && !signal?.aborted) await sleep(scheduledAt - Date.now(), signal);
        else if (i > 0 && opts.cooldownMs > 0) await sleep(opts.cooldownMs, signal);
      }
      if (smokeFailed || signal?.aborted) {
        stages.push(skippedStage(index, stage));
        side?.stages.push(skippedStage(index, stage));
        continue;
      }
      const startedAtMs = Date.now();
      const lateMs = scheduledAt === null ? 0 : Math.max(0, startedAtMs - scheduledAt);
      if (lateMs > LATE_TOLERANCE_MS) opts.hooks?.log?.(`stage ${index} started ${Math.round(lateMs)} ms late against start-at`);
      opts.hooks?.stageStart?.(index, stage);
      let run: StageRun;
      let baseLine: string | null = null;
      if (compare && side && sampleBase) {
        const ab = rated
          ? await rated([target, compare]).then(([head, base]) => ({ head: head!, base: base!, order: 'together' }))
          : await runComparedStage(target, compare, index, stage as ClosedStage, i + (opts.firstRound ?? 0), numbers);
        run = ab.head;
        const base = summarizeStage(index, stage, ab.base.records, ab.base.durationMs, ab.base.counts);
        base.connections = ab.base.connections;
        side.stages.push(base);
        side.requests.push(...ab.base.records);
        side.order.push({ stage: index, rounds: ab.order });
        for (const r of ab.base.records) sampleBase(r);
        const ms = (v: number | null): string => (v === null ? 'n/a' : `${Math.round(v)} ms`);
        baseLine = `  base: ${base.succeeded}/${base.issued} ok, ttfc avg ${ms(base.ttfc.avg)} p95 ${ms(base.ttfc.p95)} (rounds ${ab.order})`;
        if (i === 0 && base.issued > 0 && base.succeeded === 0) side.smokeFailed = true;
      } else {
        run = rated ? (await rated([target]))[0]! : await runStage(target, index, stage as ClosedStage, numbers);
      }
      // A rate stage's "users" here are the arrivals this machine scheduled.
      stageTimings.push({ index, firstUser: mine.first, users: run.counts?.scheduled ?? mine.count, scheduledAt, startedAt: startedAtMs, durationMs: run.durationMs, lateMs });
      const summary = summarizeStage(index, stage, run.records, run.durationMs, run.counts);
      summary.connections = run.connections;
      if (run.rampMs !== undefined && run.rampMs > RAMP_LOG_MS && !isRate(stage))
        opts.hooks?.log?.(
          `stage ${index}: this client took ${(run.rampMs / 1000).toFixed(1)} s to start its ${stage.users} users (${START_BATCH} a turn; each TTFC is timed from its own request's start)`,
        );
      if (summary.retries)
        opts.hooks?.log?.(
          `stage ${index}: ${summary.retries} request${summary.retries === 1 ? '' : 's'} sent again on a new connection (the server closed the reused one before answering)`,
        );
      stages.push(summary);
      for (const r of run.records) {
        requests.push(r);
        sample(r);
      }
      opts.hooks?.stageEnd?.(summary);
      if (baseLine !== null) opts.hooks?.log?.(baseLine);
      // A first stage cut short by a cancel is no failed smoke test.
      // A shard with no user in the smoke stage has nothing to judge it by: it goes on.
      if (i === 0 && ((summary.issued > 0 && summary.succeeded === 0) || side?.smokeFailed) && !signal?.aborted) smokeFailed = true;
    }
  } finally {
    cancel.dispose();
  }
  const result: RunResult = { startedAt, finishedAt: new Date().toISOString(), stages, requests, smokeFailed, errorSamples, stageTimings };
  if (warmup !== undefined) result.warmup = warmup;
  if (side) result.compare = side;
  if (signal?.aborted) result.cancelled = true;
  return result;
}

/** A rate stage against one target, or two at once (A/B): see arrivals.ts. */
async function rateStage(targets: LoadTarget[], index: number, stage: RateStage, opts: Parameters<typeof runArrivals>[3]): Promise<StageRun[]> {
  return (await runArrivals(targets, index, stage, opts)).map((r) => ({ records: r.records, durationMs: r.durationMs, connections: r.connections, counts: r.counts }));
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

/**
 * The users of one stage against one target: a connection each, opened at the stage's start. A
 * cancel reaches their requests in flight through one listener for the whole stage, not one per
 * request (a thousand users would be a thousand listeners on the run's signal).
 */
class StageUsers {
  private readonly connections: UserConnection[];
  private readonly target: LoadTarget;
  private readonly inFlight = new Set<InFlight>();
  private readonly signal: AbortSignal | undefined;
  private readonly onCancel = (): void => {
    for (const r of [...this.inFlight]) r.cancel();
  };
  constructor(
    target: LoadTarget,
    private readonly index: number,
    private readonly numbers: readonly number[],
  ) {
    const { signal, ...spec } = target.spec;
    this.target = { ...target, spec };
    this.signal = signal;
    signal?.addEventListener('abort', this.onCancel);
    this.connections = numbers.map(() => new UserConnection(target.spec.origin, target.spec.timeoutMs));
  }

  /**
   * Every user sends iterations `from`…`to` one after another; all users at once, started
   * START_BATCH per event-loop turn. `rampMs` is how long the client took to start them all.
   */
  async run(from: number, to: number): Promise<{ records: RequestRecord[]; durationMs: number; rampMs: number }> {
    const records: RequestRecord[] = [];
    const t0 = performance.now();
    const loops: Promise<void>[] = [];
    for (let i = 0; i < this.numbers.length; i++) {
      // A batch per turn: the turn between batches writes the requests already issued, so a first
      // request goes out as it is issued instead of after every other user's dispatch (that wait,
      // a second at 5000 users, would be counted in its TTFC though the server had no part in it).
      if (i > 0 && i % START_BATCH === 0) await new Promise(setImmediate);
      const user = userLoop(this.target, this.index, this.numbers[i]!, this.connections[i]!, { from, to, records, inFlight: this.inFlight, cancelled: this.signal });
      user.catch(() => undefined); // awaited below: not unhandled while later batches start
      loops.push(user);
    }
    const rampMs = performance.now() - t0;
    await Promise.all(loops);
    const durationMs = performance.now() - t0;
    records.sort((a, b) => a.startedAt - b.startedAt);
    return { records, durationMs, rampMs };
  }

  get opened(): number {
    return this.connections.reduce((n, c) => n + c.opened, 0);
  }

  close(): Promise<unknown> {
    this.signal?.removeEventListener('abort', this.onCancel);
    return Promise.all(this.connections.map((c) => c.close()));
  }
}

/** What a user loop shares with its stage. */
interface LoopShared {
  from: number;
  to: number;
  records: RequestRecord[];
  /** The stage's requests in flight, for its cancel listener. */
  inFlight: Set<InFlight>;
  /** Aborted: a request dispatched now is cancelled at once (the stage's listener has fired already). */
  cancelled: AbortSignal | undefined;
}

/**
 * One user: iterations `from`…`to`, one request after another on its connection. Callbacks, not an
 * await per request: a completed response hands over inside undici's completion callback, while
 * undici still holds the socket, so the next request is written at once (connection.ts); failures
 * hand over a microtask later (request.ts says why). A trampoline keeps a chain of handovers from
 * growing the stack.
 */
function userLoop(target: LoadTarget, stage: number, user: number, conn: UserConnection, shared: LoopShared): Promise<void> {
  const { to, records, inFlight } = shared;
  return new Promise((resolve, reject) => {
    let iteration = shared.from;
    let issuing = false;
    let again = false;
    const issue = (): void => {
      if (iteration > to || target.stop?.aborted) return resolve();
      const ids = { stage, user, iteration: iteration++ };
      const { headers, body } = target.render(ids);
      // The verdict may come before sendRequest returns (it never does today): then it is not in flight.
      const slot: { sent?: InFlight; over?: true } = {};
      slot.sent = sendRequest(conn, { ...target.spec, headers, body }, ids, (r) => {
        slot.over = true;
        if (slot.sent) inFlight.delete(slot.sent);
        done(r);
      });
      if (slot.over) return;
      const sent = slot.sent;
      inFlight.add(sent);
      if (shared.cancelled?.aborted) sent.cancel();
    };
    const next = (): void => {
      if (issuing) {
        again = true;
        return;
      }
      issuing = true;
      try {
        do {
          again = false;
          issue();
        } while (again);
      } catch (err) {
        reject(err as Error);
      } finally {
        issuing = false;
      }
    };
    const done = (r: RequestRecord): void => {
      records.push(r);
      next();
    };
    next();
  });
}

const userNumbers = (stage: ClosedStage, users?: readonly number[]): readonly number[] => users ?? Array.from({ length: stage.users }, (_, i) => i + 1);

/**
 * One stage: `stage.users` users (numbered `users`, default 1…N; global numbers when a stage is
 * shared out) start together, each on a connection of its own opened at the stage's start, and
 * send `stage.requestsPerUser` requests one after another. The connections are closed at the end,
 * so no later stage rides on a socket that sat idle through a cool-down.
 */
async function runStage(target: LoadTarget, index: number, stage: ClosedStage, users?: readonly number[]): Promise<StageRun> {
  const group = new StageUsers(target, index, userNumbers(stage, users));
  try {
    const run = await group.run(1, stage.requestsPerUser);
    return { ...run, connections: group.opened };
  } finally {
    await group.close();
  }
}

/**
 * One stage of a same-run A/B: both sides' users keep their own connections for the whole stage,
 * and the stage runs in rounds (every user's k-th request), head and base back to back in
 * alternating order (interleave.ts).
 */
async function runComparedStage(
  head: LoadTarget,
  base: LoadTarget,
  index: number,
  stage: ClosedStage,
  firstRound: number,
  users?: readonly number[],
): Promise<{ head: StageRun; base: StageRun; order: string }> {
  const numbers = userNumbers(stage, users);
  const groups = { head: new StageUsers(head, index, numbers), base: new StageUsers(base, index, numbers) };
  try {
    const ab = await runRounds(stage, firstRound, (which, k) => groups[which].run(k, k));
    return {
      head: { ...ab.head, connections: groups.head.opened },
      base: { ...ab.base, connections: groups.base.opened },
      order: ab.order,
    };
  } finally {
    await Promise.all([groups.head.close(), groups.base.close()]);
  }
}

/**
 * The warm-up: `count` requests one after another (one user, as a cold start is woken), on a
 * connection of their own that is closed before stage 1, so no figure — not even the connection
 * setup of stage 1 — is touched by it. Stops early when the target cannot be reached at all (the
 * smoke test then says so).
 */
async function runWarmup(target: LoadTarget, count: number, hooks: RunHooks | undefined, what = ''): Promise<WarmupSummary> {
  const conn = new UserConnection(target.spec.origin, target.spec.timeoutMs);
  const out: WarmupSummary = { requests: 0, succeeded: 0, ttfc: [] };
  hooks?.log?.(`warm-up: ${what}${count} request${count === 1 ? '' : 's'} before stage 1, one after another (not counted)…`);
  try {
    for (let it = 1; it <= count && !target.stop?.aborted; it++) {
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
  hooks?.log?.(`warm-up done: ${what}${out.succeeded}/${out.requests} ok${stopped}; ttfc ${times}`);
  return out;
}

/** A pause that a cancel ends early. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((r) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      r();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The signal requests in flight listen to: aborted CANCEL_GRACE_MS after the run's signal. */
function cancellation(signal: AbortSignal | undefined): { inFlight: AbortSignal | undefined; dispose(): void } {
  if (!signal) return { inFlight: undefined, dispose: () => undefined };
  const grace = abortAfter(signal, CANCEL_GRACE_MS);
  return { inFlight: grace.signal, dispose: grace.dispose };
}
