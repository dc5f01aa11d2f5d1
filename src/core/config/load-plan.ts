// The plan of the load from its inputs: stages, arrivals of rate stages, durations, sizes, repeat
// and warm-up, and (shard, start-at, stage-window) this machine's share and when each stage starts.
import { InputError } from '../errors.js';
import { DEFAULT_ARRIVAL_SEED, DEFAULT_MAX_IN_FLIGHT, type ArrivalOptions } from '../load/arrivals.js';
import { parseDuration } from '../time/duration.js';
import type { Stage } from '../types.js';
import { MAX_IN_FLIGHT, MAX_REPEAT, MAX_SEED, MAX_WARMUP, optional, parseCount, value, type Inputs } from './read-input.js';
import { parseShard, parseStartAt, stageSchedule } from './shard.js';
import { parseSize } from './size.js';
import { DEFAULT_STAGES, isRate, parseStages } from './stages.js';

/** Upper bounds of the durations: a typo must not become a run that never ends (or overflows a timer). */
export const MAX_TIMEOUT_MS = 3_600_000;
export const MAX_COOLDOWN_MS = 600_000;
const DEFAULT_MAX_EVENT = 16 * 1024 * 1024;
const MAX_EVENT_RANGE = [1024, 1024 ** 3] as const;

/** How rate stages schedule arrivals; a setting of theirs without a rate stage would be silently ignored: an error. */
function readArrivals(inputs: Inputs, stages: Stage[]): ArrivalOptions {
  if (!stages.some(isRate)) {
    // Set to anything but its default (a runner passes every default).
    const defaults: Record<string, string> = { arrival: 'poisson', 'arrival-seed': String(DEFAULT_ARRIVAL_SEED), 'max-in-flight': String(DEFAULT_MAX_IN_FLIGHT) };
    const set = Object.keys(defaults).find((n) => value(inputs, n) !== undefined && value(inputs, n)!.trim().toLowerCase() !== defaults[n]);
    if (set) throw new InputError(set, 'applies to rate stages (RATE/s:DURATION, e.g. 2/s:30s) and stages has none');
  }
  const process = (value(inputs, 'arrival') ?? 'poisson').trim().toLowerCase();
  if (process !== 'poisson' && process !== 'uniform') throw new InputError('arrival', `"${process}" is not poisson or uniform`);
  return {
    process,
    seed: parseCount('arrival-seed', value(inputs, 'arrival-seed'), DEFAULT_ARRIVAL_SEED, 0, MAX_SEED),
    maxInFlight: parseCount('max-in-flight', value(inputs, 'max-in-flight'), DEFAULT_MAX_IN_FLIGHT, 1, MAX_IN_FLIGHT),
  };
}

/** Stages, durations and the size bounds of the load. */
export function readLoad(inputs: Inputs) {
  const stages = parseStages(value(inputs, 'stages') ?? DEFAULT_STAGES);
  return {
    stages,
    arrivals: readArrivals(inputs, stages),
    timeoutMs: parseDuration('timeout', value(inputs, 'timeout') ?? '60s', { max: MAX_TIMEOUT_MS }),
    cooldownMs: parseDuration('cooldown', value(inputs, 'cooldown') ?? '500ms', { max: MAX_COOLDOWN_MS, zero: true }),
    repeat: parseCount('repeat', value(inputs, 'repeat'), 1, 1, MAX_REPEAT),
    warmup: parseCount('warmup', value(inputs, 'warmup'), 0, 0, MAX_WARMUP),
    maxEventBytes: optional(value(inputs, 'max-event-size'), DEFAULT_MAX_EVENT, (t) => parseSize('max-event-size', t, ...MAX_EVENT_RANGE)),
  };
}

/** `shard`, `start-at`, `stage-window`: this machine's share of the plan and when each stage starts. */
export function readSharding(inputs: Inputs, load: ReturnType<typeof readLoad>, has: { compare: boolean; server: boolean }, now: number) {
  const shardText = value(inputs, 'shard');
  const shard = shardText === undefined ? null : parseShard(shardText);
  if (shard !== null) {
    // The merge judges, compares and repeats nothing per shard: settings that would be silently lost are errors.
    if (value(inputs, 'baseline') !== undefined)
      throw new InputError('baseline', 'is compared by the merge, not by a shard: set it on the merge step (mode: merge / ttfc-gate merge)');
    if (load.repeat > 1) throw new InputError('repeat', 'cannot be combined with shard (each shard runs the plan once; merge the shards instead)');
    if (has.server) {
      const input = ['health-url', 'monitor', 'metrics-url', 'logs-command'].find((n) => value(inputs, n) !== undefined) ?? 'health-url';
      throw new InputError(input, "cannot be combined with shard yet (the merge does not pool the shards' server figures: watch the server from one whole run)");
    }
    if (has.compare) {
      const input = value(inputs, 'compare-url') !== undefined ? 'compare-url' : 'compare-base-url';
      throw new InputError(input, 'cannot be combined with shard (a merge pools shards of one target: run the A/B on one machine)');
    }
  }
  const startAtText = value(inputs, 'start-at');
  const startAt = startAtText === undefined ? null : parseStartAt(startAtText, now);
  const windowText = value(inputs, 'stage-window');
  if (windowText !== undefined && startAt === null) throw new InputError('stage-window', 'only applies with start-at (stages otherwise follow each other after the cool-down)');
  const stageWindowMs = windowText === undefined ? null : parseDuration('stage-window', windowText, { max: MAX_TIMEOUT_MS });
  const schedule = startAt === null ? null : stageSchedule(startAt, load.stages, { windowMs: stageWindowMs, timeoutMs: load.timeoutMs, cooldownMs: load.cooldownMs });
  return { shard, startAt, stageWindowMs, schedule };
}
