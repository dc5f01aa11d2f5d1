// Open-model load: a rate stage (`R/s:D`) sends requests at seeded arrival times, whatever the server
// does, so a server slower than the offered rate builds the queue real users would wait in (a closed
// stage slows down with the server and never sees it: coordinated omission). Each arrival is a new
// request on an idle connection of the stage's pool (a new connection when none is idle); its TTFC and
// total count from its *scheduled* arrival. At most `maxInFlight` requests are open: an arrival beyond
// that is dropped and counted, never delayed.

import { UserConnection } from './connection.js';
import { now } from '../time/clock.js';
import { sendRequest, type InFlight } from './request.js';
import type { LoadTarget } from './target.js';
import { mulberry32 } from '../random.js';
import type { ArrivalProcess, RateStage, RequestRecord } from '../types.js';

export interface ArrivalOptions {
  process: ArrivalProcess;
  seed: number;
  maxInFlight: number;
}

export const DEFAULT_ARRIVAL_SEED = 1;
export const DEFAULT_MAX_IN_FLIGHT = 1000;
/** A first stage (the smoke test) stops sending once this many requests ended and none succeeded. */
const SMOKE_PROBE = 5;
/** The scheduler sleeps on a timer until this close to the next arrival, then checks every turn (timers fire up to ~1 ms late). */
const SPIN_MS = 2;

/** This shard's share of a rate stage: arrivals at rate / count, numbered index, index + count, … (unique across shards). */
export interface ArrivalShare {
  index: number;
  count: number;
}

/** What a rate stage sent, beside its records. */
export interface ArrivalCounts {
  arrival: ArrivalProcess;
  seed: number;
  maxInFlight: number;
  /** Arrivals that came due (all of the schedule, unless the stage was stopped). */
  scheduled: number;
  dropped: number;
  peakInFlight: number;
  /** The arrival window that was run (the stage's duration, or up to a stop). */
  windowMs: number;
}

/**
 * Sockets a rate stage may hold at once, for the open-file limit: every request open for up to the
 * timeout, twice the mean for Poisson bursts, never more than max-in-flight.
 */
export function connectionsNeeded(stage: RateStage, maxInFlight: number, timeoutMs: number): number {
  return Math.min(maxInFlight, Math.ceil(2 * stage.rate * (timeoutMs / 1000)) + 16);
}

/** The seed of one stage (and shard): the run's seed mixed with both, so stages and shards never share a sequence. */
export function stageSeed(seed: number, stage: number, shard = 1): number {
  let h = (seed ^ Math.imul(stage, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = (h ^ Math.imul(shard, 0xc2b2ae35)) >>> 0;
  return Math.imul(h ^ (h >>> 13), 0x27d4eb2f) >>> 0;
}

/**
 * Arrival offsets (ms from the stage start, ascending, all before its end) at `rate` per second:
 * Poisson (exponential gaps, seeded: the same seed gives the same schedule) or uniform (equal gaps
 * from 0).
 */
export function arrivalTimes(rate: number, durationMs: number, process: ArrivalProcess, seed: number): Float64Array {
  const mean = 1000 / rate;
  if (process === 'uniform') {
    const n = Math.ceil(durationMs / mean - 1e-9);
    return Float64Array.from({ length: n }, (_, k) => k * mean);
  }
  const rand = mulberry32(seed);
  const out: number[] = [];
  for (let t = -Math.log(1 - rand()) * mean; t < durationMs; t += -Math.log(1 - rand()) * mean) out.push(t);
  return Float64Array.from(out);
}

/** One side's pool, open requests and records (the head; in A/B also the base, on the same schedule). */
class Side {
  readonly records: RequestRecord[] = [];
  private readonly idle: UserConnection[] = [];
  private readonly all: UserConnection[] = [];
  inFlight = 0;
  peak = 0;
  dropped = 0;
  ok = 0;
  lastEnd = 0;
  readonly target: LoadTarget;
  /** Requests open now: a cancel reaches them through one listener for the side, not one per request. */
  private readonly open = new Set<InFlight>();
  private readonly signal: AbortSignal | undefined;
  private readonly onCancel = (): void => {
    for (const r of [...this.open]) r.cancel();
  };

  constructor(
    target: LoadTarget,
    private readonly maxInFlight: number,
    private readonly ended: () => void,
  ) {
    const { signal, ...spec } = target.spec;
    this.target = { ...target, spec };
    this.signal = signal;
    signal?.addEventListener('abort', this.onCancel);
  }

  /** Sends arrival `user` scheduled at `t0` (monotonic ms), or drops it when the cap is reached. */
  fire(stage: number, user: number, t0: number): void {
    if (this.inFlight >= this.maxInFlight) {
      this.dropped++;
      return;
    }
    const conn = this.idle.pop() ?? this.connect();
    this.inFlight++;
    if (this.inFlight > this.peak) this.peak = this.inFlight;
    const ids = { stage, user, iteration: 1 };
    let sent: InFlight | null = null;
    let settled = false;
    sent = sendRequest(
      conn,
      this.target.spec,
      this.target.render(ids),
      ids,
      (r) => {
        settled = true;
        if (sent) this.open.delete(sent);
        this.done(conn, r);
      },
      t0,
    );
    if (!settled) this.open.add(sent);
    if (this.signal?.aborted) sent.cancel();
  }

  private connect(): UserConnection {
    const c = new UserConnection(this.target.spec.origin, this.target.spec.timeoutMs);
    this.all.push(c);
    return c;
  }

  private done(conn: UserConnection, r: RequestRecord): void {
    this.records.push(r);
    if (r.ok) this.ok++;
    this.inFlight--;
    this.lastEnd = now();
    this.idle.push(conn);
    this.ended();
  }

  get opened(): number {
    return this.all.reduce((n, c) => n + c.opened, 0);
  }

  close(): Promise<unknown> {
    this.signal?.removeEventListener('abort', this.onCancel);
    return Promise.all(this.all.map((c) => c.close()));
  }
}

export interface RateRun {
  records: RequestRecord[];
  durationMs: number;
  connections: number;
  counts: ArrivalCounts;
}

export interface RateStageOptions extends ArrivalOptions {
  /** Stop sending once SMOKE_PROBE requests of a side ended without a success (the first stage). */
  smoke?: boolean;
  shard?: ArrivalShare;
  log?: (line: string) => void;
  /** The arrival window (the stage's duration). */
  windowMs: number;
}

const SMOKE = `the first ${SMOKE_PROBE} requests of the smoke test all failed: the stage stops sending`;

/** The schedule of one rate stage: sends each arrival when it is due, ends when all are sent or dropped and answered. */
class Schedule {
  next = 0;
  windowMs: number;
  private sending = true;
  private readonly t0 = now();
  private readonly sides: Side[];
  private settle: { done(): void; failed(err: Error): void } = { done: () => undefined, failed: () => undefined };

  constructor(
    targets: readonly LoadTarget[],
    private readonly index: number,
    private readonly times: Float64Array,
    private readonly opts: RateStageOptions,
    private readonly shard: ArrivalShare,
  ) {
    this.windowMs = opts.windowMs;
    this.sides = targets.map((t) => new Side(t, opts.maxInFlight, () => this.ended()));
  }

  /** Runs the schedule; rejects when sending an arrival throws (a template that cannot be filled). */
  run(): Promise<Side[]> {
    return new Promise<void>((done, failed) => {
      this.settle = { done, failed };
      this.tick();
    }).then(() => this.sides);
  }

  close(): Promise<unknown> {
    return Promise.all(this.sides.map((s) => s.close()));
  }

  get start(): number {
    return this.t0;
  }

  private readonly tick = (): void => {
    if (!this.sending) return;
    try {
      const wait = this.due();
      if (wait === null) return this.ended();
      if (wait > SPIN_MS) setTimeout(this.tick, wait - SPIN_MS);
      else setImmediate(this.tick);
    } catch (err) {
      this.sending = false;
      this.settle.failed(err as Error);
    }
  };

  /** Sends every arrival now due; the ms to the next one, or null once sending is over. */
  private due(): number | null {
    const { times, sides, shard } = this;
    if (sides[0]?.target.stop?.aborted) return this.halt(null);
    const t = now();
    while (this.next < times.length && this.t0 + times[this.next]! <= t) {
      const k = this.next++;
      // Alternating order: neither side always gets the first write of an arrival.
      for (const s of k % 2 === 0 ? sides : [...sides].reverse()) s.fire(this.index, k * shard.count + shard.index, this.t0 + times[k]!);
      if (this.smokeFailed()) return this.halt(SMOKE);
    }
    if (this.next >= times.length) {
      this.sending = false; // the whole window was sent
      return null;
    }
    return this.t0 + times[this.next]! - now();
  }

  private smokeFailed(): boolean {
    return this.opts.smoke === true && this.sides.some((s) => s.ok === 0 && s.records.length >= SMOKE_PROBE);
  }

  /** Stops sending before the schedule's end (a lost smoke test, a cancel). */
  private halt(why: string | null): null {
    this.sending = false;
    this.windowMs = Math.min(this.windowMs, now() - this.t0);
    const left = this.times.length - this.next;
    if (why) this.opts.log?.(`stage ${this.index}: ${why}; ${left} arrival${left === 1 ? '' : 's'} not sent`);
    return null;
  }

  /** A request ended (or sending did): the smoke test may be lost already, and the stage may be over. */
  private ended(): void {
    if (this.sending && this.smokeFailed()) this.halt(SMOKE);
    if (!this.sending && this.sides.every((s) => s.inFlight === 0)) this.settle.done();
  }
}

/**
 * Runs one rate stage against one or two targets (A/B: both get every arrival at the same scheduled
 * time, in alternating order). Resolves when every arrival was sent or dropped and every request ended.
 */
export async function runArrivals(targets: readonly LoadTarget[], index: number, stage: RateStage, opts: ArrivalOptions & Omit<RateStageOptions, 'windowMs'>): Promise<RateRun[]> {
  const shard = opts.shard ?? { index: 1, count: 1 };
  const times = arrivalTimes(stage.rate / shard.count, stage.durationMs, opts.process, stageSeed(opts.seed, index, shard.index));
  const schedule = new Schedule(targets, index, times, { ...opts, windowMs: stage.durationMs }, shard);
  let sides: Side[];
  try {
    sides = await schedule.run();
  } finally {
    await schedule.close();
  }
  const t0 = schedule.start;
  return sides.map((s) => {
    s.records.sort((a, b) => a.startedAt - b.startedAt);
    return {
      records: s.records,
      durationMs: Math.max(schedule.windowMs, (s.lastEnd || t0) - t0),
      connections: s.opened,
      counts: {
        arrival: opts.process,
        seed: opts.seed,
        maxInFlight: opts.maxInFlight,
        scheduled: schedule.next,
        dropped: s.dropped,
        peakInFlight: s.peak,
        windowMs: schedule.windowMs,
      },
    };
  });
}
