// The concurrency a stage's client achieved: how many requests it had on the wire (from the moment
// undici hands a request to its socket, a new one as it starts connecting, to its verdict), at most
// and on average over the stage; how long its users took to get their first requests there, and how
// long starting them kept the client busy. "1000 users" that never had more than 361 requests out at
// once is a different test, and the report must say so.

import { now } from '../time/clock.js';
import type { StageConcurrency } from '../types.js';

/** Told when a request goes on the wire (handed to its socket; once, a retry included) and when it leaves it (its verdict). */
export interface WireWatch {
  onWire(): void;
  onOff(): void;
}

/** Counts one stage's requests on the wire; one meter per stage and side, one watch per user. */
export class InFlightMeter {
  private n = 0;
  private peak = 0;
  /** Requests on the wire × ms, over the runs so far. */
  private area = 0;
  private elapsed = 0;
  private last = 0;
  private t0 = 0;
  /** The widest start spread of the runs (an A/B stage runs once per round). */
  private spread = 0;
  private lastFirst = 0;
  /** The longest a run's client was busy starting its users (started). */
  private busy = 0;

  /** A run of the stage starts now; returns its start (monotonic ms). */
  begin(): number {
    this.t0 = this.last = this.lastFirst = now();
    return this.t0;
  }

  /**
   * The run's users are all started. The connects their sockets asked for are made once the ticks
   * the start queued have run (Node connects to an IP address on the next tick), and a completed
   * connection is taken in a later poll: a timer, which fires before that poll, marks when the
   * client was back. A user's `connect` counts from its own handover, so until then it holds the
   * client's start however early its handshake ended (diagnose/connect.ts takes that off).
   */
  started(): void {
    const t0 = this.t0;
    setTimeout(() => {
      this.busy = Math.max(this.busy, now() - t0);
    }, 0).unref();
  }

  /** The run is over; returns its end (monotonic ms). */
  end(): number {
    const t = this.tick();
    this.elapsed += t - this.t0;
    this.spread = Math.max(this.spread, this.lastFirst - this.t0);
    return t;
  }

  /** One user's watch over its requests in this run: the first of them to reach the wire marks the start spread. */
  user(): WireWatch {
    let first = true;
    return {
      onWire: () => {
        const t = this.tick();
        if (++this.n > this.peak) this.peak = this.n;
        if (first) {
          first = false;
          this.lastFirst = t;
        }
      },
      onOff: () => {
        this.tick();
        this.n--;
      },
    };
  }

  figures(): StageConcurrency {
    return { peak: this.peak, mean: round2(this.elapsed > 0 ? this.area / this.elapsed : 0), startSpreadMs: round2(this.spread), startBusyMs: round2(this.busy) };
  }

  private tick(): number {
    const t = now();
    this.area += this.n * (t - this.last);
    this.last = t;
    return t;
  }
}

const round2 = (v: number): number => Math.round(v * 100) / 100;
