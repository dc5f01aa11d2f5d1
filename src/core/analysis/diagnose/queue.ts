// Rate stages (`R/s:D`): arrivals keep coming whatever the server does, so a server slower than the
// offered rate builds a queue, and each request waits longer than the one before: TTFC grows through
// the stage. The closed-model diagnoses (serialized, saturated, connect storms) compare stages by
// users and read each user's first wave; none of that exists here, so rate stages have their own.
//
//  - queue: at the lowest offered rate whose TTFC (less the client's own lateness) in the last third
//    of the stage's arrivals averages ≥ 1.5× and ≥ 100 ms more than in the first third. The server's
//    rate is read off the first chunks of the last two thirds (a queued server gets requests to their
//    first chunk at its own pace; completions are no clock for it: a server that blocks its event loop
//    delays the streams' tails and ends them in bunches). The highest lower rate that held flat says
//    where the queue starts.
//  - client_late: a rate stage whose lateness p99 (scheduled arrival → request written, or handed
//    to a new connection) exceeds 5 ms over at least 20 requests, at least two of them that late (one hiccup
//    of a shared runner is not a client that cannot keep up): the client fell behind the schedule.
// Pure.

import { formatRate, stageWho } from '../../config/stages.js';
import { plural } from '../../format.js';
import type { Diagnosis, RequestRecord, StageSummary } from '../../types.js';
import { groupByStage, mean, ms, round, type RunData } from './common.js';

const MIN_SAMPLES = 9;
const QUEUE_MIN_GROWTH = 1.5;
const QUEUE_MIN_DELTA_MS = 100;
/** A client later than this at p99 was the bottleneck of its own schedule. */
export const LATE_P99_MS = 5;
const LATE_MIN_SAMPLES = 20;
const LATE_MIN_COUNT = 2;

export interface QueueGrowth {
  index: number;
  rate: number;
  firstMs: number;
  lastMs: number;
  grew: boolean;
  /** First chunks per second over the last two thirds of the stage's first chunks; null with too few. */
  servedPerSec: number | null;
}

/** The server's share of a TTFC: from the scheduled arrival, less the client's lateness. */
const serverWait = (r: RequestRecord): number => r.ttfc! - (r.lateness ?? 0);

/** First-third and last-third TTFC of a rate stage's successful requests, by scheduled arrival; null with too few. */
function queueGrowth(stage: StageSummary, records: readonly RequestRecord[]): QueueGrowth | null {
  if (!stage.rate || stage.skipped) return null;
  const ok = records.filter((r) => r.ok && r.ttfc !== null).sort((a, b) => a.startedAt - b.startedAt);
  if (ok.length < MIN_SAMPLES) return null;
  const third = Math.floor(ok.length / 3);
  const firstMs = mean(ok.slice(0, third).map(serverWait))!;
  const lastMs = mean(ok.slice(ok.length - third).map(serverWait))!;
  const ends = ok.map((r) => r.startedAt + r.ttfc!).sort((a, b) => a - b);
  const from = Math.floor(ends.length / 3);
  const span = ends.length - 1 > from ? ends[ends.length - 1]! - ends[from]! : 0;
  return {
    index: stage.index,
    rate: stage.rate.offered,
    firstMs,
    lastMs,
    grew: lastMs >= QUEUE_MIN_GROWTH * firstMs && lastMs - firstMs >= QUEUE_MIN_DELTA_MS,
    servedPerSec: span > 0 ? ((ends.length - 1 - from) * 1000) / span : null,
  };
}

export function detectQueue(run: RunData, byStage = groupByStage(run.requests)): Diagnosis[] {
  const rows = run.stages.map((s) => queueGrowth(s, byStage.get(s.index) ?? [])).filter((g): g is QueueGrowth => g !== null);
  const grown = rows.filter((g) => g.grew).sort((a, b) => a.rate - b.rate);
  const out: Diagnosis[] = [];
  const first = grown[0];
  if (first !== undefined) {
    const stage = run.stages.find((s) => s.index === first.index)!;
    const held = rows.filter((g) => !g.grew && g.rate < first.rate).sort((a, b) => b.rate - a.rate)[0];
    const served = first.servedPerSec === null ? '' : `: the server serves about ${formatRate(Number(first.servedPerSec.toPrecision(2)))} requests/s (to their first chunk)`;
    const dropped = stage.rate!.dropped > 0 ? `; ${plural(stage.rate!.dropped, 'arrival was', 'arrivals were')} dropped at max-in-flight ${stage.rate!.maxInFlight}` : '';
    const flat = held ? `; at ${formatRate(held.rate)}/s it held (${ms(held.firstMs)} → ${ms(held.lastMs)}), so the queue starts between the two` : '';
    const also =
      grown.length > 1
        ? `; it grew at ${grown
            .slice(1)
            .map((g) => `${formatRate(g.rate)}/s`)
            .join(', ')} too`
        : '';
    out.push({
      kind: 'queue',
      users: null,
      rate: first.rate,
      message:
        `at ${formatRate(first.rate)}/s TTFC grew through the stage (avg ${ms(first.firstMs)} in its first third of arrivals, ${ms(first.lastMs)} in its last)` +
        `${served}, fewer than arrive, so requests wait in a queue that grows as long as they keep coming${dropped}${flat}${also}. ` +
        'A closed test (users × requests) slows down with the server and hides this wait; real users arriving at this rate see it.',
      evidence: {
        stages: rows.map((g) => ({
          index: g.index,
          rate: g.rate,
          firstThirdMs: round(g.firstMs),
          lastThirdMs: round(g.lastMs),
          grew: g.grew,
          servedPerSec: g.servedPerSec === null ? null : round(g.servedPerSec),
        })),
        minGrowth: QUEUE_MIN_GROWTH,
        minDeltaMs: QUEUE_MIN_DELTA_MS,
      },
    });
  }
  const late = run.stages.filter((s) => {
    const l = s.rate?.lateness;
    if (s.skipped || !l || l.p99 === null || l.p99 <= LATE_P99_MS || l.n < LATE_MIN_SAMPLES) return false;
    return (byStage.get(s.index) ?? []).filter((r) => (r.lateness ?? 0) > LATE_P99_MS).length >= LATE_MIN_COUNT;
  });
  if (late.length > 0) {
    const worst = late.reduce((a, b) => (b.rate!.lateness.p99! > a.rate!.lateness.p99! ? b : a));
    // How much of the figures the client's own delay is: beside a TTFC of seconds (a server queue), a
    // few ms late changes nothing; beside a TTFC of tens of ms it is the finding.
    const p95 = worst.ttfc.p95;
    const share = p95 !== null && p95 > 0 ? worst.rate!.lateness.p99! / p95 : null;
    const weight =
      share === null
        ? ''
        : share < 0.05
          ? ` — small beside the TTFC p95 of ${ms(p95)} (${(share * 100).toFixed(1)}%): the figures stand, though the rate was not offered exactly`
          : ` — ${Math.round(share * 100)}% of the TTFC p95 of ${ms(p95)}: the client, not only the server, shaped these figures`;
    out.push({
      kind: 'client_late',
      users: null,
      rate: worst.rate!.offered,
      message:
        `this client sent requests late against their schedule at ${late.map((s) => `${stageWho({ kind: 'rate', rate: s.rate!.offered, durationMs: s.rate!.durationMs })} (lateness p99 ${ms(s.rate!.lateness.p99)}, above ${ms(LATE_P99_MS)})`).join(', ')}: ` +
        `the client fell behind the offered rate, and each TTFC (timed from the scheduled arrival) includes that wait${weight}. ` +
        'Split the rate over machines (shard) or use a larger runner; a server on the same runner takes CPU from the client.',
      evidence: {
        thresholdMs: LATE_P99_MS,
        stages: late.map((s) => ({
          index: s.index,
          rate: s.rate!.offered,
          latenessP50Ms: round(s.rate!.lateness.p50 ?? 0, 3),
          latenessP99Ms: round(s.rate!.lateness.p99!, 3),
          ttfcP95Ms: s.ttfc.p95 === null ? null : round(s.ttfc.p95),
        })),
      },
    });
  }
  return out;
}
