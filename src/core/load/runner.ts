// The closed-model engine: a stage's users, each on a connection of its own, sending their requests
// one after another; the A/B rounds of a stage; the warm-up. It runs what it is given (a target that
// renders its requests, user numbers) and returns records: the plan's order and the stages' summaries
// are the caller's (run/run-load.ts), so this layer imports nothing of config/, analysis/ or report/.

import { runArrivals, type ArrivalCounts } from './arrivals.js';
import { InFlightMeter, type WireWatch } from './concurrency.js';
import { UserConnection } from './connection.js';
import { abortAfter } from '../cancel.js';
import { runRounds } from './interleave.js';
import { performRequest, sendRequest, type InFlight } from './request.js';
import type { LoadTarget } from './target.js';
import type { ClosedStage, RateStage, RequestRecord, StageConcurrency, WarmupSummary } from '../types.js';

export type { LoadTarget } from './target.js';

/** How long requests in flight may still finish after a cancel before they are aborted. */
export const CANCEL_GRACE_MS = 1000;

/** The outcome of one stage: its records (by start time), wall time, the sockets its users opened. */
export interface StageRun {
  records: RequestRecord[];
  durationMs: number;
  /** Connections opened: one per user, plus one per reconnect (server closed a socket, a retry). */
  connections: number;
  /** A closed stage: the requests the client had on the wire (peak, mean) and how long its users took to get there. */
  concurrency?: StageConcurrency;
  /** A rate stage: what it scheduled, sent and dropped. */
  counts?: ArrivalCounts;
}

/** A rate stage against one target, or two at once (A/B): see arrivals.ts. */
export async function rateStage(targets: LoadTarget[], index: number, stage: RateStage, opts: Parameters<typeof runArrivals>[3]): Promise<StageRun[]> {
  return (await runArrivals(targets, index, stage, opts)).map((r) => ({ records: r.records, durationMs: r.durationMs, connections: r.connections, counts: r.counts }));
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
  /** What the client had on the wire, over every run of this group (an A/B stage runs it once per round). */
  readonly meter = new InFlightMeter();
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
   * Every user sends iterations `from`…`to` one after another; all users started in one loop, as a
   * bare node:http client starts them: every socket is opening before any response is read, so the
   * server meets the stage's users together. Each TTFC counts from its own request's issue, the
   * loop's own time included (the wire shows it too: a request is written once the loop is done);
   * the meter says how long the users took to reach the wire and how many were there at once.
   */
  async run(from: number, to: number): Promise<{ records: RequestRecord[]; durationMs: number }> {
    const records: RequestRecord[] = [];
    const t0 = this.meter.begin();
    const loops: Promise<void>[] = [];
    for (let i = 0; i < this.numbers.length; i++) {
      const shared = { from, to, records, inFlight: this.inFlight, cancelled: this.signal, watch: this.meter.user() };
      loops.push(userLoop(this.target, this.index, this.numbers[i]!, this.connections[i]!, shared));
    }
    this.meter.started();
    await Promise.all(loops);
    const durationMs = this.meter.end() - t0;
    // In the order they were issued, which is the order of their start times: no sort of 100,000 records.
    return { records, durationMs };
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
  /** This user's requests on the wire, for the stage's meter. */
  watch: WireWatch;
}

/**
 * One user: iterations `from`…`to`, one request after another on its connection. Callbacks, not an
 * await per request: a completed response hands over inside undici's completion callback, while
 * undici still holds the socket, so the next request is written at once (connection.ts); failures
 * hand over a microtask later (request.ts says why). A trampoline keeps a chain of handovers from
 * growing the stack.
 */
function userLoop(target: LoadTarget, stage: number, user: number, conn: UserConnection, shared: LoopShared): Promise<void> {
  const { to, records, inFlight, watch } = shared;
  return new Promise((resolve, reject) => {
    let iteration = shared.from;
    let issuing = false;
    let again = false;
    // One request out at a time: one verdict callback per user, not one closure per request.
    let current: InFlight | null = null;
    let settled = false;
    const over = (): void => {
      settled = true;
      if (current !== null) inFlight.delete(current);
      current = null;
      next();
    };
    const issue = (): void => {
      if (iteration > to || target.stop?.aborted) return resolve();
      const ids = { stage, user, iteration: iteration++ };
      settled = false;
      const sent = sendRequest(conn, target.spec, target.render(ids), ids, over, undefined, watch);
      records.push(sent.record);
      // The verdict may come before sendRequest returns (it never does today): then it is not in flight.
      if (settled) return;
      current = sent;
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
export async function runStage(target: LoadTarget, index: number, stage: ClosedStage, users?: readonly number[]): Promise<StageRun> {
  const group = new StageUsers(target, index, userNumbers(stage, users));
  try {
    const run = await group.run(1, stage.requestsPerUser);
    return { ...run, connections: group.opened, concurrency: group.meter.figures() };
  } finally {
    await group.close();
  }
}

/**
 * One stage of a same-run A/B: both sides' users keep their own connections for the whole stage,
 * and the stage runs in rounds (every user's k-th request), head and base back to back in
 * alternating order (interleave.ts).
 */
export async function runComparedStage(
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
      head: { ...ab.head, connections: groups.head.opened, concurrency: groups.head.meter.figures() },
      base: { ...ab.base, connections: groups.base.opened, concurrency: groups.base.meter.figures() },
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
export async function runWarmup(target: LoadTarget, count: number, log: ((line: string) => void) | undefined, what = ''): Promise<WarmupSummary> {
  const conn = new UserConnection(target.spec.origin, target.spec.timeoutMs);
  const out: WarmupSummary = { requests: 0, succeeded: 0, ttfc: [] };
  log?.(`warm-up: ${what}${count} request${count === 1 ? '' : 's'} before stage 1, one after another (not counted)…`);
  try {
    for (let it = 1; it <= count && !target.stop?.aborted; it++) {
      const ids = { stage: 0, user: 1, iteration: it };
      const r = await performRequest(conn, target.spec, target.render(ids), ids);
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
  log?.(`warm-up done: ${what}${out.succeeded}/${out.requests} ok${stopped}; ttfc ${times}`);
  return out;
}

/** A pause that a cancel ends early. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
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
export function cancellation(signal: AbortSignal | undefined): { inFlight: AbortSignal | undefined; dispose(): void } {
  if (!signal) return { inFlight: undefined, dispose: () => undefined };
  const grace = abortAfter(signal, CANCEL_GRACE_MS);
  return { inFlight: grace.signal, dispose: grace.dispose };
}
