// Corked streams: something between the server and the client holds every write back for a fixed time
// and then sends what piled up, so the stream arrives in small bursts at a regular period set by that
// timer, not by the server's pace. haproxy does it with its defaults: it sends with MSG_MORE (unless
// `option http-no-delay`), and Linux releases corked data after at most 200 ms (tcp(7), TCP_CORK). The
// first event waits the whole hold, so TTFC grows by ~200 ms at every load, one user included; the
// bursts stay small (a few events, ~1 KB), unlike a proxy buffer that fills kilobytes (buffered.ts).
// Pure.

import type { Diagnosis, RequestRecord } from '../../types.js';
import { groupByStage, median, ms, pct, referenceStage, round, users, type RunData } from './common.js';

/** Linux's ceiling on how long corked data waits (tcp(7), TCP_CORK; MSG_MORE takes the same path). */
export const CORK_CEILING_MS = 200;
/**
 * The period of corked bursts: the hold, plus the wait for the next write after a release (up to one
 * server interval, at most half the hold for bursts of 3 or more), plus a late timer on a busy machine.
 */
const PERIOD_LOW = 0.8 * CORK_CEILING_MS;
const PERIOD_HIGH = 1.75 * CORK_CEILING_MS;
/** Consecutive periods within these ratios of their median: a timer, not a server's irregular batches. */
const PERIOD_REGULAR_LOW = 0.7;
const PERIOD_REGULAR_HIGH = 1.4;
/** Bursts of several events: at least this many on average (the last, cut short by the end, not counted). */
const MIN_BURST_EVENTS = 3;
/** At least this many bursts before the last one, so that there is a period to measure. */
const MIN_FULL_BURSTS = 2;
/** A response needs this many events to show bursts at all; shorter ones are not judged. */
const MIN_EVENTS = 6;
/** Events of one burst: gaps within max(3 ms, 40% of the response's widest gap) (a burst may land in several reads). */
const BURST_SPLIT_ABS_MS = 3;
const BURST_SPLIT_OF_WIDEST = 0.4;
/** Headers sent alone this early (share of the hold) were not corked: the socket did not hold them back. */
const HEADERS_EARLY = 0.5;
/** "Most responses" at every stage, and at least this many judged responses in the run. */
const MIN_SHARE = 0.6;
const MIN_RESPONSES = 3;

/** What a corked response showed. */
export interface Corked {
  /** Burst sizes and arrival times (ms after the request was issued). */
  bursts: { atMs: number; events: number }[];
  /** Median time between bursts (the last one excluded). */
  periodMs: number;
  /** Mean events of a burst (the last one excluded). */
  burstEvents: number;
  /** The stream's own pace after the first burst: ms per event. */
  cadenceMs: number;
  /**
   * How long a write waits, estimated: a burst goes out one hold after its first write, and the next write
   * comes within one cadence after that, so the hold lies between period − cadence and the period: the
   * middle of that, and never less than the first burst's own span ((events − 1) × cadence).
   */
  heldMs: number;
  /** How long the headers, sent alone before the body, took after the connection; null when they came with the body. */
  headersMs: number | null;
}

function splitBursts(r: RequestRecord, gaps: readonly number[]): { atMs: number; events: number }[] {
  let widest = 0;
  for (const g of gaps) widest = Math.max(widest, g);
  const split = Math.max(BURST_SPLIT_ABS_MS, BURST_SPLIT_OF_WIDEST * widest);
  const out = [{ atMs: r.ttfc!, events: 1 }];
  let t = r.ttfc!;
  for (const g of gaps) {
    t += g;
    if (g > split) out.push({ atMs: t, events: 1 });
    else out[out.length - 1]!.events++;
  }
  return out;
}

/** Whether a response can show corking at all: successful, with enough events and their in-memory gaps. */
function judgeable(r: RequestRecord): boolean {
  return r.ok && r.ttfc !== null && r.events >= MIN_EVENTS && r.gaps !== undefined && r.gaps.length === r.events - 1;
}

/** A corked response (see the module comment), or null. */
export function corked(r: RequestRecord): Corked | null {
  if (!judgeable(r)) return null;
  const bs = splitBursts(r, r.gaps!);
  const full = bs.slice(0, -1);
  if (full.length < MIN_FULL_BURSTS) return null;
  const burstEvents = full.reduce((n, b) => n + b.events, 0) / full.length;
  if (burstEvents < MIN_BURST_EVENTS) return null;
  const periods: number[] = [];
  for (let i = 1; i < full.length; i++) periods.push(full[i]!.atMs - full[i - 1]!.atMs);
  const period = median(periods)!;
  if (period < PERIOD_LOW || period > PERIOD_HIGH) return null;
  if (periods.some((p) => p < PERIOD_REGULAR_LOW * period || p > PERIOD_REGULAR_HIGH * period)) return null;
  const last = bs[bs.length - 1]!;
  const cadence = (last.atMs - bs[0]!.atMs) / (r.events - bs[0]!.events);
  const held = Math.max((bs[0]!.events - 1) * cadence, period - cadence / 2);
  let headersMs: number | null = null;
  if (r.ttfb !== null && r.ttfc! - r.ttfb > BURST_SPLIT_ABS_MS) {
    headersMs = Math.max(0, r.ttfb - (r.connect ?? 0));
    // Headers that went out alone and early were not held: whatever bunches the body is not the socket.
    if (headersMs < HEADERS_EARLY * CORK_CEILING_MS) return null;
  }
  return { bursts: bs, periodMs: period, burstEvents, cadenceMs: cadence, heldMs: held, headersMs };
}

/** Whether a response is corked (for buffered.ts: a corked response is not "held in blocks"). */
export const isCorked = (r: RequestRecord): boolean => corked(r) !== null;

interface StageRow {
  stage: number;
  users: number;
  judged: number;
  corked: number;
}

/** Why the writes are held, most likely first; compression first when the responses came compressed. */
function causes(encoding: string | null): string[] {
  const haproxy =
    'haproxy without `option http-no-delay` (it sends with MSG_MORE, and the kernel holds the data up to 200 ms; ' +
    'add `option http-no-delay` to the frontend or backend that serves the stream)';
  const nagle = 'Nagle-style corking in another proxy, load balancer or the server itself (TCP_NODELAY off, TCP_CORK or MSG_MORE on the socket)';
  const compression =
    encoding === null
      ? 'compression that flushes on a timer (the responses here came uncompressed, so less likely)'
      : `compression of the event stream (the responses came with Content-Encoding: ${encoding}) that flushes on a timer`;
  return encoding === null ? [haproxy, nagle, compression] : [compression, haproxy, nagle];
}

const kb = (bytes: number): string => (bytes >= 1024 ? `~${(bytes / 1024).toFixed(1)} KB` : `~${Math.round(bytes)} bytes`);

/**
 * One `corked` diagnosis for the run (users: null) when most judged responses at every stage — the
 * fewest users included — came corked, and at least MIN_RESPONSES were judged.
 */
export function detectCorked(run: RunData, byStage = groupByStage(run.requests)): Diagnosis[] {
  const ref = referenceStage(run.stages);
  if (ref === null) return [];
  const rows: StageRow[] = [];
  const found: { r: RequestRecord; c: Corked }[] = [];
  const encodings = new Map<string, number>();
  let judged = 0;
  for (const s of run.stages) {
    if (s.skipped) continue;
    const row: StageRow = { stage: s.index, users: s.users, judged: 0, corked: 0 };
    for (const r of byStage.get(s.index) ?? []) {
      if (!judgeable(r)) continue;
      row.judged++;
      const c = corked(r);
      if (c === null) continue;
      row.corked++;
      found.push({ r, c });
      if (r.encoding !== undefined) encodings.set(r.encoding, (encodings.get(r.encoding) ?? 0) + 1);
    }
    if (row.judged === 0) continue;
    rows.push(row);
    judged += row.judged;
  }
  const refRow = rows.find((row) => row.stage === ref.index);
  if (judged < MIN_RESPONSES || refRow === undefined) return [];
  if (rows.some((row) => row.corked < MIN_SHARE * row.judged)) return [];

  let encoding: string | null = null;
  for (const [e, n] of encodings) if (n >= MIN_SHARE * found.length && (encoding === null || n > encodings.get(encoding)!)) encoding = e;
  const headers = found.map((f) => f.c.headersMs).filter((h): h is number => h !== null);
  const headersHeld = headers.length >= MIN_SHARE * found.length ? median(headers) : null;
  // Headers sent alone and held measure the hold directly; otherwise the bursts' estimate.
  const hold = headersHeld ?? median(found.map((f) => f.c.heldMs))!;
  const period = median(found.map((f) => f.c.periodMs))!;
  const burst = median(found.map((f) => f.c.burstEvents))!;
  const cadence = median(found.map((f) => f.c.cadenceMs))!;
  const perEvent = median(found.map((f) => f.r.bytes / f.r.events))!;
  const ttfc = median(found.map((f) => f.r.ttfc!))!;
  const corkedCount = found.length;
  const stageList = listStages(rows.map((row) => row.users));
  const typical = [...found].sort((a, b) => a.r.ttfc! - b.r.ttfc!)[(found.length - 1) >> 1]!;

  const shape = `bursts of ~${Math.round(burst)} events (${kb(burst * perEvent)}) every ~${ms(period)}`;
  const headersText = headersHeld === null ? '' : `, the response headers too (sent alone, they came ${ms(headersHeld)} after the request)`;
  const message =
    `corked stream: in ${corkedCount} of ${judged} responses (${pct(corkedCount / judged)}), at every stage (${stageList}), the events ` +
    `came in ${shape}, while the stream's own pace is an event every ~${ms(cadence)}: something between the server and the ` +
    `client holds each write back for about ${ms(hold)} before sending it${headersText}. TTFC (median ${ms(ttfc)}) includes that hold. ` +
    `Likely causes, in order: ${causes(encoding)
      .map((c, i) => `(${i + 1}) ${c}`)
      .join('; ')}`;
  const summary =
    `a proxy holds the stream back ~${ms(hold)} and sends it in ${shape} — ` +
    (encoding === null ? 'haproxy without `option http-no-delay`?' : `compression (${encoding}) or haproxy without \`option http-no-delay\`?`);
  return [
    {
      kind: 'corked',
      users: null,
      message,
      summary,
      evidence: {
        corkedResponses: corkedCount,
        judgedResponses: judged,
        share: round(corkedCount / judged, 3),
        holdMs: round(hold),
        periodMs: round(period),
        burstEvents: round(burst, 1),
        burstBytesApprox: Math.round(burst * perEvent),
        cadenceMs: round(cadence, 1),
        headersHeldMs: headersHeld === null ? null : round(headersHeld),
        ttfcP50Ms: round(ttfc),
        compressed: encoding,
        example: { bursts: typical.c.bursts.slice(0, 8).map((b) => ({ atMs: round(b.atMs, 0), events: b.events })) },
        stages: rows,
      },
    },
  ];
}

/** `1, 10 and 20 users`. */
function listStages(counts: readonly number[]): string {
  const u = [...new Set(counts)].sort((a, b) => a - b);
  if (u.length === 1) return users(u[0]!);
  return `${u.slice(0, -1).join(', ')} and ${u[u.length - 1]} users`;
}
