// Connection storms: at a stage, opening the new connections takes most of the time to first chunk
// (TLS handshakes at the edge, a small accept backlog, a connection limit at the load balancer,
// an instance per connection). `RequestRecord.connect` is the time until the request's new socket has
// connected (the TLS handshake included); each user's first request of a stage normally opens a new connection.
// It counts from the user's handover, and a client starting thousands of users takes no completed
// connection before it is done starting them all (on loopback the handshakes even run inside its
// own connect calls): that wait, the stage's `startBusyMs`, is the client's and is taken off. Pure.

import type { Diagnosis, RequestRecord, StageSummary } from '../../types.js';
import { groupByStage, median, ms, pct, referenceStage, round, users, type RunData } from './common.js';

/** Connection setup is at least this share of TTFC for the median new connection … */
const MIN_SHARE = 0.5;
/** … takes at least this long (localhost and same-region connections never qualify) … */
const MIN_CONNECT_MS = 100;
/** … and at least this many times as long as at the reference (fewest users) stage: a storm, not a far server. */
const MIN_GROWTH = 2;
const MIN_USERS = 2;
const MIN_SAMPLES = 2;

interface ColdStats {
  n: number;
  /** Connection setup beyond the client's own start (the measured connect when there is none to take off). */
  connectP50: number;
  ttfcP50: number;
  shareP50: number;
  /** The measured connect, and the client's start taken off it (medians; 0 when none was). */
  measuredP50: number;
  clientWaitP50: number;
}

const opensConnection = (r: RequestRecord): boolean => r.ok && r.iteration === 1 && r.connect !== null && r.ttfc !== null && r.ttfc > 0;

/**
 * Each user's first request at a stage: the ones that open a connection. A user handed over at `h`
 * cannot see its connection up before the client is back from starting the stage's users, at the
 * first handover + `startBusyMs` (or its first completed connect, if that came sooner): up to then
 * its wait is the client's.
 */
function coldStats(records: readonly RequestRecord[], stage: StageSummary | undefined): ColdStats | null {
  const firsts = records.filter(opensConnection);
  if (firsts.length === 0) return null;
  const busy = stage?.concurrency?.startBusyMs;
  let back = -Infinity;
  if (busy !== undefined && busy > 0) {
    let start = Infinity;
    let firstUp = Infinity;
    for (const r of firsts) {
      start = Math.min(start, r.startedAt);
      firstUp = Math.min(firstUp, r.startedAt + r.connect!);
    }
    back = Math.min(start + busy, firstUp);
  }
  const connect: number[] = [];
  const measured: number[] = [];
  const wait: number[] = [];
  const ttfc: number[] = [];
  const share: number[] = [];
  for (const r of firsts) {
    const w = Math.min(r.connect!, Math.max(0, back - r.startedAt));
    const setup = r.connect! - w;
    connect.push(setup);
    measured.push(r.connect!);
    wait.push(w);
    ttfc.push(r.ttfc!);
    share.push(Math.min(1, setup / r.ttfc!));
  }
  return {
    n: connect.length,
    connectP50: median(connect)!,
    ttfcP50: median(ttfc)!,
    shareP50: median(share)!,
    measuredP50: median(measured)!,
    clientWaitP50: median(wait)!,
  };
}

export function detectConnectStorm(run: RunData, byStage = groupByStage(run.requests)): Diagnosis[] {
  const ref = referenceStage(run.stages);
  const refCold = ref === null ? null : coldStats(byStage.get(ref.index) ?? [], ref);
  const out: Diagnosis[] = [];
  for (const s of run.stages) {
    if (s.skipped || s.users < MIN_USERS) continue;
    const cold = coldStats(byStage.get(s.index) ?? [], s);
    if (cold === null || cold.n < MIN_SAMPLES) continue;
    if (cold.shareP50 < MIN_SHARE || cold.connectP50 < MIN_CONNECT_MS) continue;
    const compare = refCold !== null && ref !== null && ref.index !== s.index && ref.users < s.users;
    if (compare && cold.connectP50 < MIN_GROWTH * refCold.connectP50) continue;
    const vsRef = compare ? ` vs ${ms(refCold.connectP50)} with ${users(ref.users)}` : '';
    // The report's table shows the connect as measured: when the client's start was taken off, both are named.
    const own = cold.clientWaitP50 >= 1 ? ` beyond this client's own start of its users (${ms(cold.measuredP50)} as measured)` : '';
    out.push({
      kind: 'connect_storm',
      users: s.users,
      message:
        `at ${s.users} users connection setup takes ${pct(cold.shareP50)} of TTFC for new connections ` +
        `(connect p50 ${ms(cold.connectP50)}${own}${vsRef}; TTFC p50 ${ms(cold.ttfcP50)}): the server or the proxy in front ` +
        `of it is slow to accept new connections — look for TLS handshakes or connection limits at the load balancer ` +
        `or edge, a small accept backlog (listen backlog, somaxconn), or a platform that starts an instance per ` +
        `connection (serverless cold starts); clients that reuse connections (keep-alive, HTTP/2) avoid it`,
      evidence: {
        newConnections: cold.n,
        connectP50Ms: round(cold.connectP50),
        ttfcP50Ms: round(cold.ttfcP50),
        connectShareP50: round(cold.shareP50, 3),
        measuredConnectP50Ms: round(cold.measuredP50),
        clientWaitP50Ms: round(cold.clientWaitP50),
        referenceUsers: compare ? ref.users : null,
        referenceConnectP50Ms: compare ? round(refCold.connectP50) : null,
      },
    });
  }
  // One line for every stage it holds for.
  const shares = out.map((d) => d.evidence.connectShareP50 as number);
  const lo = pct(Math.min(...shares));
  const hi = pct(Math.max(...shares));
  const summary =
    `opening a new connection takes ${lo === hi ? lo : `${lo.replace('%', '')}–${hi}`} of the TTFC — TLS handshakes or connection ` +
    'limits at the edge, a small accept backlog, or an instance per connection?';
  for (const d of out) d.summary = summary;
  return out;
}
