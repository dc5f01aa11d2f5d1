// Buffered streams: a proxy with buffering on, or compression of an event stream, holds the events
// back. Either all of them until the end (TTFC equals the total time) or in blocks — nginx with its
// default upstream settings releases a 4–8 KB buffer when it is full — so a stream arrives in a few
// bursts far apart, the first one late, whatever the load. Pure.

import type { Diagnosis, RequestRecord, StageSummary } from '../../types.js';
import { isCorked } from './corked.js';
import { groupByStage, median, ms, pct, referenceStage, round, users, type RunData } from './common.js';

/**
 * A multi-event response counts as "arrived at once" when its events arrived within
 * max(BUNCH_ABS_MS, BUNCH_REL × ttfc) of each other (see streamSpread). A buffered response lands in
 * one read or a few back-to-back reads (events of one read share a timestamp: 0–1 ms apart); a real
 * stream, even a fast one, spreads its events by the server's own pacing. The bound stays small and
 * nearly absolute: a bound that grew with ttfc took a queued 2-event stream 10 ms apart for buffered.
 * The same bound splits a stream into bursts.
 */
const BUNCH_ABS_MS = 3;
const BUNCH_REL = 0.005;
/** "Most requests": at least this share of the multi-event successful responses … */
const MIN_SHARE = 0.6;
/** … and at least this many of them (one or two bunched responses may be a hiccup of the client). */
const MIN_RESPONSES = 3;
/**
 * Held in blocks: at least 2 bursts averaging at least BURST_MIN_EVENTS events, whose first burst, at the
 * stream's own rate after it, stands for at least BURST_MIN_HELD_MS and half the TTFC — or a quarter when
 * the first burst was kilobytes (a proxy buffer is 4–8 KB; a server that writes a few tokens at a time
 * sends bursts of a few hundred bytes and holds its first event back for a few intervals only).
 */
const BURST_MIN_EVENTS = 4;
const BURST_MIN_HELD = 0.5;
const BURST_MIN_HELD_BLOCK = 0.25;
const BLOCK_MIN_BYTES = 2048;
const BURST_MIN_HELD_MS = 50;

/**
 * How far apart the events arrived (ms): first to last event from the in-memory gaps (events read in one
 * chunk share a timestamp, so the OS descheduling the client between reads and the end does not count);
 * from a JSON report (no gaps), first event to the end of the response. Null when not measurable.
 */
function streamSpread(r: RequestRecord): number | null {
  if (r.ttfc === null) return null;
  const gaps = r.gaps;
  if (gaps !== undefined && gaps.length > 0 && gaps.length === r.events - 1) {
    let sum = 0;
    for (const g of gaps) sum += g;
    return sum;
  }
  if (r.total === null) return null;
  return Math.max(0, r.total - r.ttfc);
}

const bunchBound = (ttfc: number): number => Math.max(BUNCH_ABS_MS, BUNCH_REL * ttfc);

export function isBunched(r: RequestRecord): boolean {
  const spread = streamSpread(r);
  if (spread === null || r.ttfc === null) return false;
  return spread <= bunchBound(r.ttfc);
}

/** One burst of a stream: its events arrived together (one read or back-to-back reads). */
export interface Burst {
  /** ms after the request was issued. */
  atMs: number;
  events: number;
}

/** The bursts of a response, from its in-memory gaps; null without them (a response read from a JSON report). */
export function bursts(r: RequestRecord): Burst[] | null {
  const gaps = r.gaps;
  if (r.ttfc === null || gaps === undefined || gaps.length !== r.events - 1 || r.events < 1) return null;
  const bound = bunchBound(r.ttfc);
  const out: Burst[] = [{ atMs: r.ttfc, events: 1 }];
  let t = r.ttfc;
  for (const g of gaps) {
    t += g;
    if (g > bound) out.push({ atMs: t, events: 1 });
    else out[out.length - 1]!.events++;
  }
  return out;
}

/** A response held back in blocks, and how long its first event waited (estimated). */
export interface HeldInBlocks {
  bursts: Burst[];
  /** The first burst's events at the rate of the rest of the stream: how long before the first burst the first event was ready. */
  heldMs: number;
  /** ms between events after the first burst (the server's own cadence, as far as the client can tell). */
  cadenceMs: number;
}

/** Whether a response came in a few big bursts far apart with its first burst held back (see BURST_*); null if not. */
export function heldInBlocks(r: RequestRecord): HeldInBlocks | null {
  const bs = bursts(r);
  if (bs === null || bs.length < 2 || r.ttfc === null) return null;
  if (r.events / bs.length < BURST_MIN_EVENTS) return null;
  const first = bs[0]!;
  const last = bs[bs.length - 1]!;
  const later = r.events - first.events;
  if (later <= 0 || last.atMs <= first.atMs) return null;
  const cadence = (last.atMs - first.atMs) / later;
  const held = (first.events - 1) * cadence;
  const firstBytes = (r.bytes * first.events) / r.events;
  const minShare = firstBytes >= BLOCK_MIN_BYTES ? BURST_MIN_HELD_BLOCK : BURST_MIN_HELD;
  if (held < BURST_MIN_HELD_MS || held < minShare * r.ttfc) return null;
  return { bursts: bs, heldMs: held, cadenceMs: cadence };
}

export interface BufferedStage {
  stage: number;
  users: number | null;
  multiEvent: number;
  /** All events at once. */
  bunched: number;
  /** In a few bursts far apart, the first held back. */
  inBlocks: number;
}

/** Why a stream is held back, most likely first: compression when the responses were compressed. */
function causes(encoding: string | null): string {
  const buffering =
    'a proxy that buffers the response — nginx `proxy_buffering on` (its default; set `proxy_buffering off` for this ' +
    'location, or send the response header `X-Accel-Buffering: no`), a load balancer, CDN or platform that buffers ' +
    'responses — or a handler that does not flush each event';
  if (encoding !== null) {
    return (
      `the responses were compressed (Content-Encoding: ${encoding}), so the likely cause is compression of the event ` +
      'stream: a compressor holds its output until a block fills unless it is flushed after each event (nginx `gzip on` ' +
      'with `text/event-stream` in `gzip_types`, a CDN or a compression middleware in the app; exclude ' +
      '`text/event-stream` from compression). Less likely: ' +
      buffering
    );
  }
  return `Usual causes: ${buffering} (not compression: the responses came uncompressed)`;
}

/** Kept for the report: the causes when nothing says compression. */
export const BUFFERING_CAUSES = causes(null).replace(/^Usual causes: /, '');

const describeBursts = (bs: readonly Burst[]): string => {
  const shown = bs.slice(0, 5).map((b) => `${b.events} at ${ms(b.atMs)}`);
  return `${shown.join(', ')}${bs.length > 5 ? `, … (${bs.length} bursts)` : ''}`;
};

/** What the run's multi-event responses looked like, stage by stage (the first pass of detectBuffered). */
interface Tally {
  perStage: BufferedStage[];
  multi: number;
  bunchedCount: number;
  blockCount: number;
  heldTtfc: number[];
  bunchedSpread: number[];
  streamingSpread: number[];
  eventCounts: number[];
  blocks: { r: RequestRecord; h: HeldInBlocks }[];
  encodings: Map<string, number>;
  ttfbHeld: number;
  refRow: BufferedStage | null;
}

function tally(run: RunData, byStage: Map<number, RequestRecord[]>, ref: StageSummary | null): Tally {
  const t: Tally = {
    perStage: [],
    multi: 0,
    bunchedCount: 0,
    blockCount: 0,
    heldTtfc: [],
    bunchedSpread: [],
    streamingSpread: [],
    eventCounts: [],
    blocks: [],
    encodings: new Map(),
    ttfbHeld: 0,
    refRow: null,
  };
  for (const stage of run.stages) {
    const records = byStage.get(stage.index);
    if (stage.skipped || records === undefined) continue;
    const row: BufferedStage = { stage: stage.index, users: stage.users, multiEvent: 0, bunched: 0, inBlocks: 0 };
    for (const r of records) {
      if (!r.ok || r.events < 2) continue;
      const spread = streamSpread(r);
      if (spread === null) continue;
      row.multiEvent++;
      t.eventCounts.push(r.events);
      // isBunched(r), from the spread already read (100,000 responses after a big run).
      const bunched = spread <= bunchBound(r.ttfc!);
      // A corked response (corked.ts) is held by a timer, not a filling buffer: its own diagnosis.
      const h = bunched || isCorked(r) ? null : heldInBlocks(r);
      if (bunched) {
        row.bunched++;
        t.bunchedSpread.push(spread);
      } else if (h !== null) {
        row.inBlocks++;
        t.blocks.push({ r, h });
      } else {
        t.streamingSpread.push(spread);
        continue;
      }
      t.heldTtfc.push(r.ttfc!);
      if (r.encoding !== undefined) t.encodings.set(r.encoding, (t.encodings.get(r.encoding) ?? 0) + 1);
      // Headers held back too (the whole response buffered, not only the body)?
      if (r.ttfb !== null && r.ttfc! - r.ttfb <= bunchBound(r.ttfc!)) t.ttfbHeld++;
    }
    if (row.multiEvent > 0) t.perStage.push(row);
    if (ref !== null && stage.index === ref.index) t.refRow = row;
    t.multi += row.multiEvent;
    t.bunchedCount += row.bunched;
    t.blockCount += row.inBlocks;
  }
  return t;
}

/** The content encoding of most held responses, when at least MIN_SHARE of them had one. */
function dominantEncoding(encodings: Map<string, number>, held: number): string | null {
  let encoding: string | null = null;
  let encoded = 0;
  for (const [e, n] of encodings) {
    encoded += n;
    if (encoding === null || n > encodings.get(encoding)!) encoding = e;
  }
  return encoded < MIN_SHARE * held ? null : encoding;
}

/** The message and evidence of a stream held in a few bursts far apart (the typical held response as the example). */
function inBlocksText(t: Tally, ref: StageSummary | null, share: string, ttfcP50: number, headersToo: boolean, encoding: string | null, evidence: Record<string, unknown>): string {
  // The typical held response: median by its first chunk.
  const sorted = [...t.blocks].sort((a, b) => a.r.ttfc! - b.r.ttfc!);
  const typical = sorted[(sorted.length - 1) >> 1]!;
  const heldP50 = median(t.blocks.map((b) => b.h.heldMs))!;
  const burstsP50 = median(t.blocks.map((b) => b.h.bursts.length))!;
  const perEvent = typical.r.bytes / typical.r.events;
  const refRow = t.refRow;
  const refText = refRow !== null && ref !== null ? `; ${refRow.bunched + refRow.inBlocks} of ${refRow.multiEvent} at ${users(ref.users)}` : '';
  const bs = typical.h.bursts;
  const apart = (bs[bs.length - 1]!.atMs - bs[0]!.atMs) / (bs.length - 1);
  evidence.burstsP50 = round(burstsP50, 1);
  evidence.heldBackP50Ms = round(heldP50);
  evidence.example = {
    bursts: typical.h.bursts.slice(0, 8).map((b) => ({
      atMs: round(b.atMs, 0),
      events: b.events,
      bytesApprox: Math.round(b.events * perEvent),
    })),
    cadenceMs: round(typical.h.cadenceMs, 1),
  };
  return (
    `buffered stream: in ${share.replace(/\)$/, `${refText})`)} the events arrived in a few bursts far apart rather than at the ` +
    `server's pace — e.g. ${describeBursts(bs)} (events at arrival time), the events of a burst read at once, the bursts ` +
    `${bs.length > 2 ? 'on average ' : ''}${ms(apart)} apart. ` +
    `At the stream's own rate after the first burst (an event every ${ms(typical.h.cadenceMs)}), its first event was ready ` +
    `about ${ms(heldP50)} before it arrived (median over the held responses): TTFC (median ${ms(ttfcP50)}) waits for a ` +
    `block to fill${headersToo ? ', even the response headers were held back' : ''}. ${capitalize(causes(encoding))}`
  );
}

/**
 * One `buffered` diagnosis for the run (users: null) when most multi-event responses were held back:
 * all their events together at the end, or in a few bursts far apart (then the reference stage — the
 * fewest users — must show it too: a loaded client may read a real stream in lumps, a single user's
 * does not). Single-event responses say nothing about streaming and are ignored.
 */
export function detectBuffered(run: RunData, byStage = groupByStage(run.requests)): Diagnosis[] {
  const ref = referenceStage(run.stages);
  const t = tally(run, byStage, ref);
  const { multi, bunchedCount, blockCount, refRow } = t;
  const held = bunchedCount + blockCount;
  if (multi < MIN_RESPONSES || held < MIN_SHARE * multi) return [];
  const inBlocks = blockCount > bunchedCount;
  // In blocks: the single user's responses too, or it may be the loaded client reading in lumps.
  if (inBlocks && refRow !== null && refRow.bunched + refRow.inBlocks < MIN_SHARE * refRow.multiEvent) return [];

  const encoding = dominantEncoding(t.encodings, held);
  const ttfcP50 = median(t.heldTtfc)!;
  const eventsP50 = median(t.eventCounts)!;
  const headersToo = t.ttfbHeld >= MIN_SHARE * held;
  const share = `${held} of ${multi} multi-event responses (${pct(held / multi)})`;
  const evidence: Record<string, unknown> = {
    multiEventResponses: multi,
    bunched: bunchedCount,
    share: round(held / multi, 3),
    eventsP50: round(eventsP50, 1),
    ttfcP50Ms: round(ttfcP50),
  };
  let message: string;
  if (!inBlocks) {
    const spreadP50 = median(t.bunchedSpread)!;
    message =
      `buffered stream: in ${share} all events (median ${round(eventsP50, 1)}) arrived together at the end — first chunk ` +
      `after ${ms(ttfcP50)}, the last within ${ms(spreadP50)}${headersToo ? ', even the response headers were held back' : ''}: ` +
      `TTFC equals the total time and users see nothing stream. ${capitalize(causes(encoding))}`;
    evidence.spreadP50Ms = round(spreadP50);
  } else {
    message = inBlocksText(t, ref, share, ttfcP50, headersToo, encoding, evidence);
  }
  evidence.inBlocks = blockCount;
  evidence.streamingSpreadP50Ms = t.streamingSpread.length ? round(median(t.streamingSpread)!) : null;
  evidence.headersHeldBack = headersToo;
  evidence.compressed = encoding;
  evidence.thresholdMs = `max(${BUNCH_ABS_MS} ms, ${BUNCH_REL * 100}% of ttfc)`;
  evidence.stages = t.perStage;
  return [{ kind: 'buffered', users: null, message, summary: bufferedSummary(inBlocks, evidence, encoding), evidence }];
}

/** The first-screen line: how the stream was held, how long, the likeliest cause. */
function bufferedSummary(inBlocks: boolean, e: Record<string, unknown>, encoding: string | null): string {
  const cause = encoding !== null ? `compression of the event stream (${encoding})?` : 'a buffering proxy (nginx `proxy_buffering on`, its default)?';
  if (!inBlocks) return `every event held until the end of the response: TTFC is the total time (median ${ms(e.ttfcP50Ms as number)}) — ${cause}`;
  const ex = e.example as { bursts: { events: number; bytesApprox: number }[] };
  const first = ex.bursts[0]!;
  return (
    `the stream held back ~${ms(e.heldBackP50Ms as number)} and released in a few blocks (the first ${first.events} events, ` +
    `~${(first.bytesApprox / 1024).toFixed(1)} KB) — ${cause}`
  );
}

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
