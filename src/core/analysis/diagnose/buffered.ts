// Buffered streams, which make a streaming endpoint look like a slow non-streaming one: a proxy with buffering on, or compression of an event stream,
// holds the events back and delivers them all at once at the end. TTFC then equals the total time
// and the user sees nothing stream. Pure.

import type { Diagnosis, RequestRecord } from '../../types.js';
import { groupByStage, median, ms, pct, round, type RunData } from './common.js';

/**
 * A multi-event response counts as "arrived at once" when its events arrived within
 * max(BUNCH_ABS_MS, BUNCH_REL × ttfc) of each other (see streamSpread). A buffered response lands in
 * one read or a few back-to-back reads (events of one read share a timestamp: 0–1 ms apart); a real
 * stream, even a fast one, spreads its events by the server's own pacing. The bound stays small and
 * nearly absolute: a bound that grew with ttfc took a queued 2-event stream 10 ms apart for buffered.
 */
const BUNCH_ABS_MS = 3;
const BUNCH_REL = 0.005;
/** "Most requests": at least this share of the multi-event successful responses … */
const MIN_SHARE = 0.6;
/** … and at least this many of them (one or two bunched responses may be a hiccup of the client). */
const MIN_RESPONSES = 3;

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

export function isBunched(r: RequestRecord): boolean {
  const spread = streamSpread(r);
  if (spread === null || r.ttfc === null) return false;
  return spread <= Math.max(BUNCH_ABS_MS, BUNCH_REL * r.ttfc);
}

export interface BufferedStage {
  stage: number;
  users: number | null;
  multiEvent: number;
  bunched: number;
}

export const BUFFERING_CAUSES =
  'something between the server and the client holds the stream back — nginx `proxy_buffering on` ' +
  '(set `proxy_buffering off` for this location, or send the response header `X-Accel-Buffering: no`), ' +
  'gzip or other compression of `text/event-stream` at the proxy, CDN or app (exclude event streams from ' +
  'compression), a load balancer or platform that buffers responses, or a handler that does not flush ' +
  'each event';

/**
 * One `buffered` diagnosis for the run (users: null) when most multi-event responses delivered all
 * their events together at the end. Single-event responses say nothing about streaming and are ignored.
 */
export function detectBuffered(run: RunData, byStage = groupByStage(run.requests)): Diagnosis[] {
  const perStage: BufferedStage[] = [];
  let multi = 0;
  let bunchedCount = 0;
  const bunchedTtfc: number[] = [];
  const bunchedSpread: number[] = [];
  const streamingSpread: number[] = [];
  const eventCounts: number[] = [];
  let ttfbHeld = 0;
  for (const stage of run.stages) {
    const records = byStage.get(stage.index);
    if (stage.skipped || records === undefined) continue;
    const row: BufferedStage = { stage: stage.index, users: stage.users, multiEvent: 0, bunched: 0 };
    for (const r of records) {
      if (!r.ok || r.events < 2) continue;
      const spread = streamSpread(r);
      if (spread === null) continue;
      row.multiEvent++;
      eventCounts.push(r.events);
      if (isBunched(r)) {
        row.bunched++;
        bunchedTtfc.push(r.ttfc!);
        bunchedSpread.push(spread);
        // Headers held back too (the whole response buffered, not only the body)?
        if (r.ttfb !== null && r.ttfc! - r.ttfb <= Math.max(BUNCH_ABS_MS, BUNCH_REL * r.ttfc!)) ttfbHeld++;
      } else {
        streamingSpread.push(spread);
      }
    }
    if (row.multiEvent > 0) perStage.push(row);
    multi += row.multiEvent;
    bunchedCount += row.bunched;
  }
  if (multi < MIN_RESPONSES || bunchedCount < MIN_SHARE * multi) return [];

  const ttfcP50 = median(bunchedTtfc)!;
  const spreadP50 = median(bunchedSpread)!;
  const eventsP50 = median(eventCounts)!;
  const headersToo = ttfbHeld >= MIN_SHARE * bunchedCount;
  const message =
    `buffered stream: in ${bunchedCount} of ${multi} multi-event responses (${pct(bunchedCount / multi)}) all events ` +
    `(median ${round(eventsP50, 1)}) arrived together at the end — first chunk after ${ms(ttfcP50)}, the last within ` +
    `${ms(spreadP50)}${headersToo ? ', even the response headers were held back' : ''}: TTFC equals the total time and ` +
    `users see nothing stream. Usual causes: ${BUFFERING_CAUSES}`;
  return [
    {
      kind: 'buffered',
      users: null,
      message,
      evidence: {
        multiEventResponses: multi,
        bunched: bunchedCount,
        share: round(bunchedCount / multi, 3),
        eventsP50: round(eventsP50, 1),
        ttfcP50Ms: round(ttfcP50),
        spreadP50Ms: round(spreadP50),
        streamingSpreadP50Ms: streamingSpread.length ? round(median(streamingSpread)!) : null,
        headersHeldBack: headersToo,
        thresholdMs: `max(${BUNCH_ABS_MS} ms, ${BUNCH_REL * 100}% of ttfc)`,
        stages: perStage,
      },
    },
  ];
}
