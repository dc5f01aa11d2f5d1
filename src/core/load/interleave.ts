// Same-run A/B: a stage of U users × R requests runs as R rounds of U concurrent requests a side,
// head and base back to back, the order alternating round by round (HB BH HB BH …, ABBA), so that
// neither side gets a systematically better slot (a warmer server, a quieter neighbour, a drift).
// Pure scheduling: who sends the requests is the caller's.

import type { ClosedStage, RequestRecord } from '../types.js';

export type Side = 'head' | 'base';

export interface SideStage {
  records: RequestRecord[];
  /** Wall time of this side's rounds, summed (its throughput is over its own time). */
  durationMs: number;
}

/** Runs round `round` (1-based: the iteration every user sends) of one side. */
export type RunRound = (side: Side, round: number) => Promise<SideStage>;

/**
 * The rounds of one stage: HB BH HB … when `firstRound` is even, BH HB BH … when odd (the caller
 * alternates it per stage, so the first slot after a cool-down goes to each side in turn).
 */
export async function runRounds(stage: ClosedStage, firstRound: number, run: RunRound): Promise<{ head: SideStage; base: SideStage; order: string }> {
  const head: SideStage = { records: [], durationMs: 0 };
  const base: SideStage = { records: [], durationMs: 0 };
  const order: string[] = [];
  for (let k = 1; k <= stage.requestsPerUser; k++) {
    const headFirst = (firstRound + k - 1) % 2 === 0;
    for (const side of headFirst ? (['head', 'base'] as const) : (['base', 'head'] as const)) {
      const r = await run(side, k);
      const into = side === 'head' ? head : base;
      into.records.push(...r.records);
      into.durationMs += r.durationMs;
    }
    order.push(headFirst ? 'HB' : 'BH');
  }
  const byStart = (a: RequestRecord, b: RequestRecord): number => a.startedAt - b.startedAt;
  head.records.sort(byStart);
  base.records.sort(byStart);
  return { head, base, order: order.join(' ') };
}
