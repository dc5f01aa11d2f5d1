// Connection storms: at a stage, opening the new connections takes most of the time to first chunk
// (TLS handshakes at the edge, a small accept backlog, a connection limit at the load balancer,
// an instance per connection). `RequestRecord.connect` is the time until the request's new socket has
// connected (the TLS handshake included); each user's first request of a stage normally opens a new connection.
// It counts from the user's handover, and a client starting thousands of users takes no completed
// connection before it is done starting them all (on loopback the handshakes even run inside its
// own connect calls): that wait, the stage's `startBusyMs`, is the client's and is taken off.
// Two readings: most of the TTFC is connection setup (the median new connection), or a good share of
// the connections came up only after TCP's SYN retransmission timeout — attempts the server's full
// accept queue (or a limit at the edge) dropped, which leaves the median untouched. Pure.

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
/** TCP's first retransmission timeout (RFC 6298; Linux's TCP_TIMEOUT_INIT): a dropped SYN is sent again 1 s later, and again at whole seconds (1 s apart on Linux since 6.5, doubling before). */
const SYN_RTO_MS = 1000;
/** Retransmitted connects: at least this share of a stage's new connections (and MIN_RETRANSMITTED of them) came up that late … */
const MIN_RETRANSMITTED_SHARE = 0.2;
const MIN_RETRANSMITTED = 3;
/** … against less than this share at the reference stage (else every connect is that slow: a far or lossy network) … */
const MAX_REFERENCE_RETRANSMITTED_SHARE = 0.05;
/**
 * … and most of them (this share) came up whole seconds after their SYN window, within its width, the
 * reference stage's connect (the handshake a resent SYN starts: TCP's, and TLS's on https) and the slack
 * (a busier server's accept, the client taking a burst of them), with few connects in between: a slow
 * edge or an instance started per connection spreads its connects evenly instead.
 */
const MIN_ON_SCHEDULE = 0.75;
const SCHEDULE_SLACK_MS = 250;

interface ColdStats {
  n: number;
  /** Connection setup beyond the client's own start (the measured connect when there is none to take off). */
  connectP50: number;
  ttfcP50: number;
  shareP50: number;
  /** The measured connect, and the client's start taken off it (medians; 0 when none was). */
  measuredP50: number;
  clientWaitP50: number;
  /** The setups long enough to be a retransmitted SYN (at least `floor`), sorted. */
  late: number[];
  floor: number;
  /** Of the late ones: how long after the earliest possible SYN each came up (ms), and how wide that SYN window was. */
  lateSince: number[];
  synWindow: number;
  /** Every new connection's setup. */
  setups: number[];
}

const opensConnection = (r: RequestRecord): boolean => r.ok && r.iteration === 1 && r.connect !== null && r.ttfc !== null && r.ttfc > 0;

/** When a client was back from starting its users, and the window its SYNs went out in (monotonic ms of the records' clock). */
interface ClientStart {
  back: number;
  synFrom: number;
  synWindow: number;
}

/**
 * Each user's first request at a stage: the ones that open a connection. A user handed over at `h`
 * cannot see its connection up before its client is back from starting the stage's users, at the
 * first handover + `startBusyMs` (or its first completed connect, if that came sooner): up to then
 * its wait is the client's. A merged stage has a client per shard, each with its own users and clock.
 *
 * Late ones: a SYN goes out after the start loop (the last handover: connects to an address are made
 * on a later tick) and before the client is back; one sent again comes a whole number of seconds
 * after it (1, 2, 3, 4 s on Linux since 6.5; 1, 3, 7 s before), so at least SYN_RTO_MS − (busy −
 * spread) beyond the client's return. Without the figures, from each handover: at least 1 s.
 */
function coldStats(records: readonly RequestRecord[], stage: StageSummary | undefined): ColdStats | null {
  const firsts = records.filter(opensConnection);
  if (firsts.length === 0) return null;
  // The new connections by the client that opened them, with that client's start (none without its figures).
  const c = stage?.concurrency;
  const byClient =
    c === undefined
      ? [{ own: firsts, client: null }]
      : (c.shards ?? [{ ...c, firstUser: 1, users: Infinity }]).map((k) => {
          const own = firsts.filter((r) => r.user >= k.firstUser && r.user < k.firstUser + k.users);
          return { own, client: clientStart(own, k.startBusyMs, k.startSpreadMs) };
        });
  const synWindow = Math.max(0, ...byClient.map((g) => g.client?.synWindow ?? 0));
  const floor = Math.max(SYN_RTO_MS / 2, SYN_RTO_MS - synWindow);
  const connect: number[] = [];
  const measured: number[] = [];
  const wait: number[] = [];
  const ttfc: number[] = [];
  const share: number[] = [];
  const late: number[] = [];
  const lateSince: number[] = [];
  for (const { own, client } of byClient) {
    for (const r of own) {
      const w = client === null ? 0 : Math.min(r.connect!, Math.max(0, client.back - r.startedAt));
      const setup = r.connect! - w;
      connect.push(setup);
      measured.push(r.connect!);
      wait.push(w);
      ttfc.push(r.ttfc!);
      share.push(Math.min(1, setup / r.ttfc!));
      if (setup < floor) continue;
      late.push(setup);
      lateSince.push(r.startedAt + r.connect! - (client?.synFrom ?? r.startedAt));
    }
  }
  late.sort((a, b) => a - b);
  return {
    late,
    lateSince,
    setups: connect,
    floor,
    synWindow,
    n: connect.length,
    connectP50: median(connect)!,
    ttfcP50: median(ttfc)!,
    shareP50: median(share)!,
    measuredP50: median(measured)!,
    clientWaitP50: median(wait)!,
  };
}

/** A client's start from its users' first requests and its figures; null without them (older reports). */
function clientStart(firsts: readonly RequestRecord[], busy: number | undefined, spreadMs: number): ClientStart | null {
  if (busy === undefined || busy <= 0 || firsts.length === 0) return null;
  let start = Infinity;
  let firstUp = Infinity;
  for (const r of firsts) {
    start = Math.min(start, r.startedAt);
    firstUp = Math.min(firstUp, r.startedAt + r.connect!);
  }
  const spread = Math.min(busy, spreadMs);
  return { back: Math.min(start + busy, firstUp), synFrom: start + spread, synWindow: busy - spread };
}

export function detectConnectStorm(run: RunData, byStage = groupByStage(run.requests)): Diagnosis[] {
  const ref = referenceStage(run.stages);
  const refCold = ref === null ? null : coldStats(byStage.get(ref.index) ?? [], ref);
  const out: Diagnosis[] = [];
  for (const s of run.stages) {
    if (s.skipped || s.users < MIN_USERS) continue;
    const cold = coldStats(byStage.get(s.index) ?? [], s);
    if (cold === null || cold.n < MIN_SAMPLES) continue;
    const against = refCold !== null && ref !== null && ref.index !== s.index && ref.users < s.users ? { users: ref.users, cold: refCold } : null;
    // Resent SYNs, when the connects show them, are the more precise reading of a slow setup too.
    const d = retransmitted(s.users, cold, against) ?? slowSetup(s.users, cold, against);
    if (d !== null) out.push(d);
  }
  // One line for every stage the slow-setup reading holds for (the resent-SYN one has its own).
  const slow = out.filter((d) => d.evidence.reading === 'setup');
  const shares = slow.map((d) => d.evidence.connectShareP50 as number);
  const lo = pct(Math.min(...shares));
  const hi = pct(Math.max(...shares));
  for (const d of slow)
    d.summary =
      `opening a new connection takes ${lo === hi ? lo : `${lo.replace('%', '')}–${hi}`} of the TTFC — TLS handshakes or connection ` +
      'limits at the edge, a small accept backlog, or an instance per connection?';
  return out;
}

type Reference = { users: number; cold: ColdStats } | null;

function evidence(cold: ColdStats, reading: 'setup' | 'retransmitted', against: Reference): Record<string, unknown> {
  return {
    reading,
    newConnections: cold.n,
    connectP50Ms: round(cold.connectP50),
    ttfcP50Ms: round(cold.ttfcP50),
    connectShareP50: round(cold.shareP50, 3),
    measuredConnectP50Ms: round(cold.measuredP50),
    clientWaitP50Ms: round(cold.clientWaitP50),
    retransmitted: cold.late.length,
    retransmittedShare: round(cold.late.length / cold.n, 3),
    retransmitFloorMs: round(cold.floor),
    referenceUsers: against?.users ?? null,
    referenceConnectP50Ms: against === null ? null : round(against.cold.connectP50),
  };
}

/** The median new connection spends most of its TTFC connecting, far longer than at the reference stage. */
function slowSetup(stageUsers: number, cold: ColdStats, against: Reference): Diagnosis | null {
  if (cold.shareP50 < MIN_SHARE || cold.connectP50 < MIN_CONNECT_MS) return null;
  if (against !== null && cold.connectP50 < MIN_GROWTH * against.cold.connectP50) return null;
  const vsRef = against !== null ? ` vs ${ms(against.cold.connectP50)} with ${users(against.users)}` : '';
  // The report's table shows the connect as measured: when the client's start was taken off, both are named.
  const own = cold.clientWaitP50 >= 1 ? ` beyond this client's own start of its users (${ms(cold.measuredP50)} as measured)` : '';
  return {
    kind: 'connect_storm',
    users: stageUsers,
    message:
      `at ${stageUsers} users connection setup takes ${pct(cold.shareP50)} of TTFC for new connections ` +
      `(connect p50 ${ms(cold.connectP50)}${own}${vsRef}; TTFC p50 ${ms(cold.ttfcP50)}): the server or the proxy in front ` +
      `of it is slow to accept new connections — look for TLS handshakes or connection limits at the load balancer ` +
      `or edge, a small accept backlog (listen backlog, somaxconn), or a platform that starts an instance per ` +
      `connection (serverless cold starts); clients that reuse connections (keep-alive, HTTP/2) avoid it`,
    evidence: evidence(cold, 'setup', against),
  };
}

/**
 * A share of the new connections came up only after TCP's SYN retransmission timeout: their first
 * attempts were dropped. A listen backlog that overflows under a burst of connects does that to
 * the ones past it, and the rest connect at once, so the median does not show it.
 */
function retransmitted(stageUsers: number, cold: ColdStats, against: Reference): Diagnosis | null {
  const late = cold.late;
  const share = late.length / cold.n;
  if (late.length < MIN_RETRANSMITTED || share < MIN_RETRANSMITTED_SHARE) return null;
  if (against !== null && against.cold.late.length / against.cold.n >= MAX_REFERENCE_RETRANSMITTED_SHARE) return null;
  const width = cold.synWindow + SCHEDULE_SLACK_MS + (against?.cold.measuredP50 ?? 0);
  // Wider than most of a second, any spread of connects would fit: no telling a resent SYN from a slow handshake.
  if (width >= 0.6 * SYN_RTO_MS) return null;
  // Where in its second after the earliest possible SYN each late connection came up.
  const onSchedule = cold.lateSince.filter((t) => ((t % SYN_RTO_MS) + SYN_RTO_MS) % SYN_RTO_MS <= width).length / late.length;
  if (onSchedule < MIN_ON_SCHEDULE) return null;
  // A resent SYN leaves a gap: a connection is up at once or a second later, not in between.
  const between = cold.setups.filter((c) => c > width && c < cold.floor).length;
  if (between > (1 - MIN_ON_SCHEDULE) * late.length) return null;
  const beyond = cold.clientWaitP50 >= 1 ? ` beyond this client's own start of its users` : '';
  const one = cold.lateSince.filter((t) => t < 2 * SYN_RTO_MS).length;
  const refLate = against?.cold.late.length ?? 0;
  const vsRef = against !== null ? `, where with ${users(against.users)} ${refLate === 0 ? 'none did' : `${pct(refLate / against.cold.n)} did`}` : '';
  return {
    kind: 'connect_storm',
    users: stageUsers,
    message:
      `at ${stageUsers} users ${pct(share)} of new connections (${late.length} of ${cold.n}) came up only after TCP's 1 s SYN ` +
      `retransmission timeout: ${one} about 1 s after their first attempt, ${late.length - one} 2 s or more (the slowest ` +
      `${ms(late[late.length - 1]!)}${beyond})${vsRef}: their first attempts were dropped — the server's accept queue was full ` +
      `(raise its listen backlog and net.core.somaxconn, or accept sooner), or a load balancer or edge limits new ` +
      `connections; clients that reuse connections (keep-alive, HTTP/2) avoid it`,
    evidence: { ...evidence(cold, 'retransmitted', against), onRetransmitSchedule: round(onSchedule, 3), upAfter1s: one, upAfter2sOrMore: late.length - one },
    summary: "connection attempts dropped and sent again after TCP's 1 s timeout — a full accept queue, or a connection limit at the edge?",
  };
}
