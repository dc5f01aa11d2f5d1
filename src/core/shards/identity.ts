// A shard's identity in its report: which plan it belongs to (so the merge can tell shards of one
// run from shards of another), which users it ran, when, and on which machine.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../config/config.js';
import { ms } from '../format.js';
import { LATE_TOLERANCE_MS } from '../config/shard.js';
import { publicConfig } from '../config/public.js';
import { redactText } from '../redact.js';
import type { Diagnosis, RunResult } from '../types.js';
import type { ShardInfo } from '../section-types.js';

/** The fields shards of one run must share, as shown in the report (secrets already redacted). */
export const PLAN_FIELDS = [
  'method',
  'url',
  'preset',
  'format',
  'headers',
  'body',
  'stages',
  'arrival',
  'arrivalSeed',
  'maxInFlight',
  'timeoutMs',
  'cooldownMs',
  'warmup',
  'startAt',
  'stageWindowMs',
] as const;

/** The plan of a run from its public config, plus the shard count. */
export function planOf(config: Record<string, unknown>, count: number): Record<string, unknown> {
  const plan: Record<string, unknown> = {};
  for (const f of PLAN_FIELDS) plan[f] = config[f] ?? null;
  plan.shards = count;
  return plan;
}

export function planIdOf(plan: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(plan)).digest('hex').slice(0, 16);
}

/**
 * The plan as the report file will state it: its text redacted as writeReport redacts it, so the
 * merge, which recomputes the id from the file's config, finds the same id.
 */
function writtenPlan(cfg: Config, count: number): Record<string, unknown> {
  const plan = planOf(publicConfig(cfg), count);
  try {
    return JSON.parse(redactText(JSON.stringify(plan), cfg.secrets)) as Record<string, unknown>;
  } catch {
    return plan;
  }
}

/** The shard section of a shard's report. */
export function shardInfo(cfg: Config, run: RunResult): ShardInfo {
  const shard = cfg.shard!;
  const requests = new Map<number, number>();
  for (const r of run.requests) requests.set(r.stage, (requests.get(r.stage) ?? 0) + 1);
  const stages = (run.stageTimings ?? []).map((t) => ({ ...t, requests: requests.get(t.index) ?? 0 }));
  return {
    index: shard.index,
    count: shard.count,
    host: hostname(),
    planId: planIdOf(writtenPlan(cfg, shard.count)),
    startAt: cfg.startAt === null ? null : new Date(cfg.startAt).toISOString(),
    lateMs: stages.reduce((m, s) => Math.max(m, s.lateMs), 0),
    stages,
  };
}

/** Said in the shard's report when a stage started after its start-at slot; null when none did. */
export function lateDiagnosis(shard: ShardInfo): Diagnosis | null {
  const late = shard.stages.filter((s) => s.lateMs > LATE_TOLERANCE_MS);
  const first = late[0];
  if (first === undefined) return null;
  const worst = late.reduce((a, b) => (b.lateMs > a.lateMs ? b : a), first);
  return {
    kind: 'shard_late',
    users: null,
    message:
      `shard ${shard.index}/${shard.count} started late against start-at: ${late.map((s) => `stage ${s.index} by ${ms(s.lateMs)}`).join(', ')}` +
      (first.index === 1 ? ' (this machine was not ready in time: give start-at more lead)' : ` (stage ${worst.index - 1} overran its window: set a longer stage-window)`),
    evidence: { stages: late.map((s) => ({ index: s.index, lateMs: s.lateMs, scheduledAt: s.scheduledAt, startedAt: s.startedAt })) },
  };
}
