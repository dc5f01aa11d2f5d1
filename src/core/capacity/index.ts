// The capacity search, run by the gate after the stages: the most concurrent users whose stage meets
// the SLO (with compare-url, head and base in lockstep). search.ts decides the probes, probe.ts runs
// them, section.ts reports them, criteria.ts judges `capacity` criteria.

import type { Config } from '../config/config.js';
import { formatDuration } from '../time/duration.js';
import { plural } from '../format.js';
import { formatResolution } from './config.js';
import { boundText } from './criteria.js';
import { probeRunner, type ProbeTargets } from './probe.js';
import { searchCapacity, type SearchRun } from './search.js';
import { buildOutcome, type CapacityOutcome } from './section.js';
import type { Side } from './types.js';

export { evaluateCapacityCriteria, boundText } from './criteria.js';
export { usesCapacity } from './config.js';
// The targets a probe loads are the stages' (bench/capacity.ts builds its probes from a config too).
export { targetsOf } from '../config/targets.js';
export type { CapacityOutcome } from './section.js';

export interface CapacityOptions {
  /** The url and (compare-url) the base as the stages loaded them (the gate builds them). */
  targets: ProbeTargets;
  log: (line: string) => void;
  /** Cancel (SIGINT/SIGTERM): the probe in flight is cut, the bounds so far are reported. */
  signal?: AbortSignal;
  /** The smoke stage failed: no search (a broken target is not hammered). */
  smokeFailed: boolean;
}

/** A pause that a cancel (or the budget) ends early. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A search that never started (failed smoke test, cancel): no probe, nothing known. */
function notRun(sides: Side[], stoppedBy: 'smoke' | 'cancelled'): SearchRun {
  const side = { obs: [], bracket: { lastPass: 0, firstMiss: null }, bound: 'lower' as const, stoppedBy };
  return { steps: [], sides: Object.fromEntries(sides.map((s) => [s, side])), cut: null, error: null, elapsedMs: 0 };
}

/** Runs the search (unless the smoke test failed or the run was cancelled) and builds its section. */
export async function runCapacity(cfg: Config, opts: CapacityOptions): Promise<CapacityOutcome> {
  const spec = cfg.capacity!;
  const sides: Side[] = cfg.compare ? ['head', 'base'] : ['head'];
  const slo = [...spec.sloText, ...spec.implied].join(', ');
  if (opts.smokeFailed || opts.signal?.aborted) {
    const why = opts.smokeFailed ? 'smoke' : 'cancelled';
    opts.log(`capacity: not searched (${why === 'smoke' ? 'the smoke test failed' : 'cancelled'})`);
    return buildOutcome(spec, cfg.verdict, notRun(sides, why), []);
  }
  opts.log(
    `capacity: the most users that meet ${slo}: a ramp 1, 2, 4 … up to ${spec.maxUsers}, then bisection to ${formatResolution(spec.resolution)}; ` +
      `${plural(spec.requestsPerUser, 'request')} a user, verdict ${cfg.verdict}, budget ${formatDuration(spec.budgetMs)}`,
  );
  const { probe, probes } = probeRunner(opts.targets, spec, cfg.verdict, opts.log);
  const run = await searchCapacity(
    {
      maxUsers: spec.maxUsers,
      resolution: spec.resolution,
      budgetMs: spec.budgetMs,
      sides,
      ...(opts.signal ? { signal: opts.signal } : {}),
      pause: (s) => pause(cfg.cooldownMs, s),
    },
    probe,
  );
  const outcome = buildOutcome(spec, cfg.verdict, run, probes);
  const s = outcome.section;
  const base = s.base ? `; base ${boundText(s.base)}` : '';
  opts.log(`capacity: ${boundText(s, spec.budgetMs)}${base} — ${plural(s.probes.length, 'probe')} in ${(s.elapsedMs / 1000).toFixed(1)} s`);
  for (const n of s.notes) opts.log(`capacity: ${n}`);
  return outcome;
}
