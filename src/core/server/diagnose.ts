// Diagnoses of the server side, said only when the figures show it. Pure.
//
//  - unresponsive: in a stage the health probe took ≥ 1 s at its slowest and ≥ 10× its idle
//    latency (the probe before stage 1, else the fastest probe of the run), or probes failed while
//    the idle probe answered: the server stopped answering under load.
//  - memory_growth: a memory-like monitor (a byte unit, or named like mem / rss / heap) whose stage
//    averages rise stage over stage (≥ 2 stages, each above the one before) and whose idle-after is
//    ≥ 10% above idle-before and keeps at least half of what it gained at its peak: it did not
//    come back down after the cool-down. Memory kept per request grows with the requests served,
//    so the stage averages must climb by at least a third of what was kept (two equal stages of
//    a steady leak climb by half of it): a one-off step when the load begins (a fresh process
//    sizing its heap, a cache filled once) is kept too, but happens before or in the first stage.

import type { Diagnosis } from '../types.js';
import { formatGrowth, formatSample } from './units.js';
import type { ServerSection } from './types.js';

const UNRESPONSIVE_MIN_MS = 1000;
const UNRESPONSIVE_FACTOR = 10;
const MEMORY_GROWTH_MIN = 0.1;
const MEMORY_CLIMB_SHARE = 1 / 3;

const fmtMs = (v: number): string => (v >= 1000 ? `${(v / 1000).toFixed(1)} s` : v >= 10 ? `${Math.round(v)} ms` : `${v.toFixed(1)} ms`);
const users = (n: number): string => `${n} user${n === 1 ? '' : 's'}`;

export function diagnoseServer(section: ServerSection | null | undefined): Diagnosis[] {
  if (!section) return [];
  return [...unresponsive(section), ...memoryGrowth(section)];
}

function unresponsive(section: ServerSection): Diagnosis[] {
  const h = section.health;
  if (!h) return [];
  const mins = h.stages.map((s) => s.latency.min).filter((v): v is number => v !== null);
  const idle = h.idle ?? (mins.length ? Math.min(...mins) : null);
  const out: Diagnosis[] = [];
  for (const s of h.stages) {
    const max = s.latency.max;
    const slow = max !== null && max >= UNRESPONSIVE_MIN_MS && (idle === null || max >= UNRESPONSIVE_FACTOR * idle);
    const failing = s.failures > 0 && h.idle !== null;
    if (!slow && !failing) continue;
    const parts: string[] = [];
    if (slow) parts.push(`the health check took up to ${fmtMs(max!)} at ${users(s.users)}${idle !== null ? ` (${fmtMs(idle)} idle)` : ''}`);
    if (failing)
      parts.push(
        `${s.failures} of ${s.n} health checks failed at ${users(s.users)}${h.errors.find((e) => e.stage === s.index) ? ` (${h.errors.find((e) => e.stage === s.index)!.message})` : ''}`,
      );
    out.push({
      kind: 'unresponsive',
      users: s.users,
      message: `${parts.join('; ')}: the server stops answering under load`,
      evidence: { stage: s.index, healthMaxMs: max, healthP95Ms: s.latency.p95, idleMs: idle, probes: s.n, failures: s.failures },
    });
  }
  return out;
}

function memoryGrowth(section: ServerSection): Diagnosis[] {
  const out: Diagnosis[] = [];
  for (const m of section.monitors) {
    const memoryLike = m.unit === 'bytes' || /mem|rss|heap/i.test(m.name);
    if (!memoryLike || m.idleBefore === null || m.idleAfter === null || m.growth === null || m.peak === null) continue;
    const avgs = m.stages.map((s) => s.avg).filter((v): v is number => v !== null);
    const rising = avgs.length >= 2 && avgs.every((v, i) => i === 0 || v > avgs[i - 1]!);
    if (!rising || m.growth < MEMORY_GROWTH_MIN) continue;
    const gained = m.peak - m.idleBefore;
    const kept = gained > 0 ? (m.idleAfter - m.idleBefore) / gained : 0;
    const climbed = avgs[avgs.length - 1]! - avgs[0]!;
    if (kept < 0.5 || climbed < MEMORY_CLIMB_SHARE * (m.idleAfter - m.idleBefore)) continue;
    const f = (v: number): string => formatSample(v, m.unit);
    out.push({
      kind: 'memory_growth',
      users: null,
      message:
        `${m.name} rose stage over stage (${avgs.map(f).join(' → ')}) and stayed up after the cool-down: ` +
        `${f(m.idleBefore)} idle before, ${f(m.idleAfter)} idle after (${formatGrowth(m.growth)}): memory is retained per request (a leak, or a cache without a bound)`,
      evidence: { monitor: m.name, unit: m.unit, idleBefore: m.idleBefore, idleAfter: m.idleAfter, peak: m.peak, growth: m.growth, stageAvg: avgs },
    });
  }
  return out;
}
