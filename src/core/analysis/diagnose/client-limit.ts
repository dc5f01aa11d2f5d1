// The client as the limit of a closed stage: its users start together, so a stage of N users should
// have about N requests on the wire at once when its answers last longer than the client takes to
// start them. When the client's own start spread is longer than a request lasts, the first users are
// done before the last begin and the server never meets N users together: the stage's figures are
// those of its peak, not of N. Read from the client's own count of requests on the wire
// (StageSummary.concurrency, load/concurrency.ts). Pure.

import type { Diagnosis, StageSummary } from '../../types.js';
import { ms, pct, round, type RunData } from './common.js';

/** Below this share of the users on the wire at once, the stage was not the concurrency it says. */
export const CLIENT_LIMIT_SHARE = 0.9;
const MIN_USERS = 2;
/** A shortfall explained by failures (refused, reset: never on the wire) is the server's, not the client's. */
const MIN_SUCCESS = 0.9;

export function detectClientLimit(run: RunData): Diagnosis[] {
  const out: Diagnosis[] = [];
  for (const s of run.stages) {
    const c = s.concurrency;
    if (!c || s.skipped || s.rate || s.users < MIN_USERS || s.issued === 0 || s.successRate < MIN_SUCCESS) continue;
    if (c.peak >= CLIENT_LIMIT_SHARE * s.users) continue;
    const total = s.total.p50;
    // Why fewer were out at once: the first ones were over before the last had started.
    const why =
      total !== null && c.startSpreadMs > total
        ? `its users took ${ms(c.startSpreadMs)} to start their first requests while a request lasted a median ${ms(total)}, so the first users were done before the last began`
        : `its users took ${ms(c.startSpreadMs)} to start their first requests${total !== null ? ` (a request lasted a median ${ms(total)})` : ''}`;
    // A merged stage: its shards' clients, their peaks added (an upper bound), and which of them fell short.
    const short = (c.shards ?? []).filter((p) => p.peak < CLIENT_LIMIT_SHARE * p.users);
    const who = c.shards
      ? `its ${c.shards.length} shards' clients had at most ${c.peak} requests on the wire at once in all`
      : `this client had at most ${c.peak} requests on the wire at once`;
    const which = short.length > 0 ? `; short of their users: ${short.map((p) => `shard ${p.shard} (${p.peak} of ${p.users})`).join(', ')}` : '';
    out.push({
      kind: 'client_limit',
      users: s.users,
      message:
        `at ${s.users} users ${who} (${pct(c.peak / s.users)} of the users; ${round(c.mean, 1)} on average${which}): ${why}. ` +
        `The server never met ${s.users} users together; this stage's figures are those of about ${c.peak}. ` +
        `Split the users over ${c.shards ? 'more ' : ''}runners (shards), use a larger runner, or run the server elsewhere.`,
      summary: `this client, not the server, was the limit: fewer requests on the wire at once than users`,
      evidence: evidence(s),
    });
  }
  return out;
}

function evidence(s: StageSummary): Record<string, unknown> {
  const c = s.concurrency!;
  const ev: Record<string, unknown> = {
    users: s.users,
    peakInFlight: c.peak,
    meanInFlight: c.mean,
    startSpreadMs: round(c.startSpreadMs),
    totalP50Ms: s.total.p50 === null ? null : round(s.total.p50),
  };
  if (c.shards) ev.shards = c.shards.map((p) => ({ shard: p.shard, users: p.users, peakInFlight: p.peak, startSpreadMs: round(p.startSpreadMs) }));
  return ev;
}
