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
  /** the first request of each connection */
  firsts: string[];
  lastEndNs: bigint;
}

export function see(t: ServerTimeline, startNs: bigint): Seen {
  const serverMs = new Map<string, number>();
  const first = new Map<number, [string, bigint]>();
  const edges: Array<[bigint, number]> = [];
  let completed = 0;
  let busy = 0n;
  let lastEndNs = 0n;
  let firstArrival: bigint | null = null;
  for (const [id, conn, a, w, e] of t.requests) {
    const arrival = BigInt(a);
    const write = BigInt(w);
    const end = BigInt(e);
    if (write > 0n) serverMs.set(id, ms(write - arrival));
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
    firsts: [...first.values()].map(([id]) => id),
    lastEndNs,
  };
}
