// A capacity probe: one closed-model stage of `users` users × capacity-requests requests through the
// gate's own engine (runLoad: a connection per user; with compare-url both sides in interleaved
// rounds, the side that goes first alternating probe by probe), judged against the SLO by the
// criteria evaluator under the verdict mode in force.

import { intervalCache, type VerdictMode } from '../analysis/confidence.js';
import { evaluateCriteria } from '../analysis/criteria/index.js';
import { summarizeStage } from '../analysis/stats.js';
import { formatThreshold, formatValue, plural } from '../format.js';
import { runLoad, type LoadTarget } from '../run/run-load.js';
import type { CriterionResult, RequestRecord, StageSummary } from '../types.js';
import type { ProbeFn } from './search.js';
import type { CapacitySpec, Side, Verdict } from './types.js';

/** One side's requests of a probe (both runs when it ran twice) and how they met the SLO. */
export interface SideData {
  records: RequestRecord[];
  durationMs: number;
  summary: StageSummary;
  slo: CriterionResult[];
  verdict: Verdict;
}

export interface ProbeData {
  /** 1-based, in the order the probes ran; also the `stage` of its records. */
  index: number;
  users: number;
  runs: number;
  head: SideData;
  base?: SideData;
}

export interface ProbeTargets {
  head: LoadTarget;
  base?: LoadTarget;
}

/** A probe's verdict: a missed line misses, an inconclusive one (verdict confident) is inconclusive. */
export function verdictOf(slo: readonly CriterionResult[]): Verdict {
  if (slo.some((c) => c.status === 'fail')) return 'miss';
  if (slo.some((c) => c.status === 'inconclusive')) return 'inconclusive';
  return 'pass';
}

/** Judges one side's records of a probe against the SLO. */
function judgeSide(index: number, users: number, spec: CapacitySpec, records: RequestRecord[], durationMs: number, verdict: VerdictMode): SideData {
  const summary = summarizeStage(index, { users, requestsPerUser: spec.requestsPerUser }, records, durationMs);
  const slo = evaluateCriteria(spec.slo, [summary], { verdict, intervalOf: intervalCache(records) });
  return { records, durationMs, summary, slo, verdict: verdictOf(slo) };
}

/** `pass — ttfc.p95 212 ms (< 2 s), 12/12 ok`: the first missed (else the first) line, for the log. */
function describeSide(d: SideData): string {
  const line = d.slo.find((c) => c.status === 'fail') ?? d.slo.find((c) => c.status === 'inconclusive') ?? d.slo[0];
  const what = line ? `${line.text.split(/\s/)[0]} ${formatValue(line.actual, line.unit)} (${line.op ?? ''} ${formatThreshold(line.threshold, line.unit)})` : '';
  return `${d.verdict} — ${what}, ${d.summary.succeeded}/${d.summary.issued} ok`;
}

const mark = (records: RequestRecord[], index: number): RequestRecord[] => {
  for (const r of records) r.stage = index;
  return records;
};

/**
 * The probe function of the search, and the probes it ran. A rerun adds its requests to the last
 * probe's (twice the samples for the verdict). Null when the run was stopped (budget, cancel): a cut
 * probe counts in no figure.
 */
export function probeRunner(targets: ProbeTargets, spec: CapacitySpec, verdict: VerdictMode, log: (line: string) => void): { probe: ProbeFn; probes: ProbeData[] } {
  const probes: ProbeData[] = [];
  const probe: ProbeFn = async (users, { rerun, signal }) => {
    const last = probes[probes.length - 1];
    const index = rerun && last ? last.index : probes.length + 1;
    const sides = targets.base ? ' (head and base, in alternating rounds)' : '';
    log(`capacity probe ${index}: ${plural(users, 'user')} x ${plural(spec.requestsPerUser, 'request')}${sides}${rerun ? ', once more (inconclusive)' : ''}…`);
    const r = await runLoad(targets.head, {
      stages: [{ users, requestsPerUser: spec.requestsPerUser }],
      cooldownMs: 0,
      // The runner's own line on the base repeats what the probe's line says.
      hooks: { log: (line) => (line.startsWith('  base: ') ? undefined : log(line)) },
      signal,
      firstRound: index,
      ...(targets.base ? { compare: targets.base } : {}),
    });
    if (r.cancelled || signal.aborted) {
      log(`capacity probe ${index}: cut short (${r.requests.length} request(s) not counted)`);
      return null;
    }
    const stage = r.stages[0];
    const base = r.compare?.stages[0];
    const prior = rerun && last?.users === users ? last : null;
    const side = (key: Side, records: RequestRecord[], ms: number): SideData => {
      const before = prior?.[key];
      const all = before ? [...before.records, ...mark(records, index)] : mark(records, index);
      return judgeSide(index, users, spec, all, (before?.durationMs ?? 0) + ms, verdict);
    };
    const data: ProbeData = { index, users, runs: prior ? prior.runs + 1 : 1, head: side('head', r.requests, stage?.durationMs ?? 0) };
    if (targets.base) data.base = side('base', r.compare?.requests ?? [], base?.durationMs ?? 0);
    if (prior) probes[probes.length - 1] = data;
    else probes.push(data);
    const secs = ((stage?.durationMs ?? 0) + (base?.durationMs ?? 0)) / 1000;
    log(`  ${plural(users, 'user')}: ${describeSide(data.head)}${data.base ? `; base: ${describeSide(data.base)}` : ''} (${secs.toFixed(1)} s)`);
    return data.base ? { head: data.head.verdict, base: data.base.verdict } : { head: data.head.verdict };
  };
  return { probe, probes };
}
