// What the bench server saw of one client run (bench/server.ts's timeline), counted from the
// client's stage start: pure, so a test can check it on a made-up timeline.
import type { ServerTimeline } from './server.js';

export const ms = (ns: bigint): number => Number(ns) / 1e6;

/** What the server saw of one run, counted from the client's stage start (hrtime ns). */
export interface Seen {
  connections: number;
  /** requests whose response ended */
  completed: number;
  /** stage start → the last connection's first request arriving */
  spreadMs: number;
  peak: number;
  mean: number;
  /** id → the server's arrival-to-first-write ms */
  serverMs: Map<string, number>;
  /** id → [arrival, first write] at the server, ms from the stage start (answered requests only, as serverMs) */
  atServer: Map<string, [number, number]>;
  /** the first request of each connection */
  firsts: string[];
  /**
   * id → the turnaround before it: ms from the end of the previous response on its connection to
   * its arrival, both at the server (the client's reading of that end, its next request, the
   * kernel). Not for a connection's first request.
   */
  turnaround: Map<string, number>;
  lastEndNs: bigint;
  /**
   * How bunched the users' requests reach the server: the k-th request of every connection forms
   * wave k, and this is the median over waves (of at least 10 requests) of the p10–p90 span of a
   * wave's arrivals, in ms. The tighter the waves, the more requests the server (and the client)
   * handle at once, and the longer each waits its turn: a client that keeps its users together
   * pays for it in per-request lag that a client whose users drift apart does not. 0 without waves.
   */
  waveSpreadMs: number;
}

export function see(t: ServerTimeline, startNs: bigint): Seen {
  const serverMs = new Map<string, number>();
  const atServer = new Map<string, [number, number]>();
  const first = new Map<number, [string, bigint]>();
  const byConn = new Map<number, bigint[]>();
  const chains = new Map<number, Array<[arrival: bigint, end: bigint, id: string]>>();
  const edges: Array<[bigint, number]> = [];
  let completed = 0;
  let busy = 0n;
  let lastEndNs = 0n;
  let firstArrival: bigint | null = null;
  for (const [id, conn, a, w, e] of t.requests) {
    const arrival = BigInt(a);
    const write = BigInt(w);
    const end = BigInt(e);
    if (write > 0n) {
      serverMs.set(id, ms(write - arrival));
      atServer.set(id, [ms(arrival - startNs), ms(write - startNs)]);
    }
    const own = byConn.get(conn);
    if (own === undefined) byConn.set(conn, [arrival]);
    else own.push(arrival);
    const chain = chains.get(conn);
    if (chain === undefined) chains.set(conn, [[arrival, end, id]]);
    else chain.push([arrival, end, id]);
    const f = first.get(conn);
    if (f === undefined || arrival < f[1]) first.set(conn, [id, arrival]);
    if (firstArrival === null || arrival < firstArrival) firstArrival = arrival;
    if (end > 0n) {
      completed++;
      busy += end - arrival;
      if (end > lastEndNs) lastEndNs = end;
      edges.push([arrival, 1], [end, -1]);
    }
  }
  edges.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] - y[1]));
  let now = 0;
  let peak = 0;
  for (const [, d] of edges) peak = Math.max(peak, (now += d));
  const lastFirst = [...first.values()].reduce((m, [, a]) => (a > m ? a : m), startNs);
  const span = firstArrival !== null && lastEndNs > firstArrival ? lastEndNs - firstArrival : 0n;
  return {
    connections: t.connections,
    completed,
    spreadMs: ms(lastFirst - startNs),
    peak,
    mean: span > 0n ? Number(busy) / Number(span) : 0,
    serverMs,
    atServer,
    firsts: [...first.values()].map(([id]) => id),
    lastEndNs,
    waveSpreadMs: waveSpread([...byConn.values()]),
    turnaround: turnarounds(chains.values()),
  };
}

/** Per connection, in arrival order: each request's arrival less the end of the response before it (see Seen.turnaround). */
function turnarounds(chains: Iterable<Array<[bigint, bigint, string]>>): Map<string, number> {
  const out = new Map<string, number>();
  for (const chain of chains) {
    chain.sort((x, y) => byTime(x[0], y[0]));
    for (let k = 1; k < chain.length; k++) {
      const end = chain[k - 1]![1];
      const [arrival, , id] = chain[k]!;
      if (end > 0n && end <= arrival) out.set(id, ms(arrival - end));
    }
  }
  return out;
}

const WAVE_MIN = 10;
const byTime = (x: bigint, y: bigint): number => (x < y ? -1 : x > y ? 1 : 0);

/** The median over waves of their p10–p90 arrival span (see Seen.waveSpreadMs). */
function waveSpread(conns: bigint[][]): number {
  const waves: bigint[][] = [];
  for (const arrivals of conns) {
    arrivals.sort(byTime);
    arrivals.forEach((a, k) => (waves[k] ??= []).push(a));
  }
  const spans = waves
    .filter((w) => w.length >= WAVE_MIN)
    .map((w) => {
      w.sort(byTime);
      const at = (p: number): bigint => w[Math.round(p * (w.length - 1))]!;
      return ms(at(0.9) - at(0.1));
    })
    .sort((x, y) => x - y);
  return spans.length === 0 ? 0 : spans[(spans.length - 1) >> 1]!;
}

/**
 * A request's lag in its two legs, on the one clock both processes read (CLOCK_MONOTONIC): out =
 * the client's issue → the server's arrival (the client's write, the kernel, and the wait for the
 * server's turn to read it), back = the server's first write → the client's stamp (the kernel and
 * the wait for the client's turn to read it). out + back = the lag to the server's read. `ttfc`
 * counts from each request's issue, `fromStart` from the stage start (client.ts), so issue =
 * fromStart − ttfc.
 *
 * With `onWire` (when each request's head went to the kernel, from the stage start), out splits in
 * two at that moment: toWire, the client's issue → its write, and queue, its write → the server's
 * arrival (the server's wait to read what was already on its socket: its time, not the client's).
 * The client's lag against the wire is then toWire + back: its time to first event less the
 * server's time from the request being on the wire to its first write.
 */
export function legs(
  seen: Pick<Seen, 'atServer'>,
  ttfc: Record<string, number>,
  fromStart: Record<string, number>,
  onWire: Record<string, number> = {},
): { out: number[]; back: number[]; toWire: number[]; queue: number[]; wire: Map<string, number> } {
  const out: number[] = [];
  const back: number[] = [];
  const toWire: number[] = [];
  const queue: number[] = [];
  const wire = new Map<string, number>();
  for (const [id, stamped] of Object.entries(fromStart)) {
    const at = seen.atServer.get(id);
    const t = ttfc[id];
    if (at === undefined || t === undefined) continue;
    const issued = stamped - t;
    out.push(at[0] - issued);
    back.push(stamped - at[1]);
    const w = onWire[id];
    // A head stamped before its issue or after the server read it is not the one the server read: no split.
    if (w === undefined || w < issued || w > at[0]) continue;
    toWire.push(w - issued);
    queue.push(at[0] - w);
    wire.set(id, w);
  }
  return { out, back, toWire, queue, wire };
}
