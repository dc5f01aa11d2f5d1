// The shard report as the merge accepts it. In a fork's pull request the reports come from
// artifacts the PR author controls: every field the merge uses is checked for its type and bounds,
// then against the plan the report itself states (its users, counts and plan id), and only a clean
// copy of those fields is used. Pure.

import { MAX_WARMUP } from '../config/read-input.js';
import { MAX_COOLDOWN_MS, MAX_TIMEOUT_MS } from '../config/load-plan.js';
import { MAX_SHARDS, shardUsers } from '../config/shard.js';
import { isRate, parseStages } from '../config/stages.js';
import { InputError } from '../errors.js';
import { PRESET_NAMES } from '../load/presets/index.js';
import { FAILURE_CATEGORIES, type ErrorSample, type PresetName, type RequestRecord, type Stage, type StageConcurrency } from '../types.js';
import type { ShardInfo } from '../section-types.js';
import { array, bool, finite, integer, isoTime, literal, nullable, object, oneOf, optional, reject, string, type Check } from './check.js';
import { planIdOf, planOf } from './identity.js';

/** A plan has at most 100,000 requests (see stages.ts): so has a shard. */
const MAX_RECORDS = 100_000;
const MAX_STAGES = 1000;
const MAX_MESSAGE = 8192;
/** Epoch ms up to the year 5138; a latency up to ~28 h (a request ends within its timeout, at most 1 h). */
const MAX_EPOCH_MS = 1e14;
const MAX_LATENCY_MS = 1e8;
const MAX_COUNT = Number.MAX_SAFE_INTEGER;
/** A rate stage numbers its arrivals as users (shard K of N: K, K + N, …): at most 1,000,000 arrivals a stage (stages.ts). */
const MAX_ARRIVAL = 1_000_000 + MAX_SHARDS;

/** The plan part of a shard's config (the fields its plan id covers). */
export interface ShardConfig {
  url: string;
  method: string;
  preset: PresetName;
  format: string;
  headers: string[];
  body: string | null;
  stages: string;
  timeoutMs: number;
  cooldownMs: number;
  warmup: number;
  startAt?: string | null;
  stageWindowMs?: number | null;
  arrival?: 'poisson' | 'uniform';
  arrivalSeed?: number;
  maxInFlight?: number;
}

/** What a shard measured of a rate stage's own load (the merge sums the counts). */
export interface ShardRateFigures {
  arrival: 'poisson' | 'uniform';
  seed: number;
  maxInFlight: number;
  scheduled: number;
  dropped: number;
  peakInFlight: number;
}

/** What the merge reads of a shard's report: nothing else is kept. */
export interface ShardReport {
  schemaVersion: 1;
  tool: { name: 'ttfc-gate'; version: string };
  target: { method: string; url: string; preset: PresetName; commit?: string | null };
  config: ShardConfig;
  startedAt: string;
  finishedAt: string;
  cancelled?: boolean;
  errorSamples: ErrorSample[];
  requests: RequestRecord[];
  shard: ShardInfo;
  /**
   * Of each stage summary, only what the records cannot tell: a rate stage's own counts, a closed
   * stage's concurrency as its client counted it (the rest is recomputed from the records).
   */
  stages?: Array<{ index: number; rate?: ShardRateFigures; concurrency?: Omit<StageConcurrency, 'shards'> }>;
}

const latency = nullable(finite(0, MAX_LATENCY_MS));
const method = string(16, /^[A-Z]+$/, 'an HTTP method');
const url = string(4096, /^https?:\/\/\S+$/, 'an http(s) URL');
const message = string(MAX_MESSAGE);

const record = object({
  stage: integer(1, MAX_STAGES),
  user: integer(1, MAX_ARRIVAL),
  iteration: integer(1, MAX_RECORDS),
  startedAt: finite(0, MAX_EPOCH_MS),
  status: nullable(integer(100, 599)),
  ok: bool,
  category: nullable(oneOf(FAILURE_CATEGORIES)),
  error: nullable(message),
  connect: latency,
  ttfb: latency,
  ttfc: latency,
  ttft: latency,
  total: latency,
  stall: latency,
  events: integer(0, MAX_COUNT),
  bytes: integer(0, MAX_COUNT),
  tokens: optional(integer(0, MAX_COUNT)),
  ttfr: optional(finite(0, MAX_LATENCY_MS)),
  encoding: optional(string(40, /^[A-Za-z0-9._, -]*$/, 'a content encoding')),
  retried: optional(bool),
  lateness: optional(finite(0, MAX_LATENCY_MS)),
  gaps: optional(array(finite(0, MAX_LATENCY_MS), 10_000_000)),
  tokenGaps: optional(array(finite(0, MAX_LATENCY_MS), 10_000_000)),
});

const arrival = oneOf(['poisson', 'uniform'] as const);
const rateFigures = object({
  arrival,
  seed: integer(0, 2 ** 32),
  maxInFlight: integer(1, 1_000_000),
  scheduled: integer(0, MAX_ARRIVAL),
  dropped: integer(0, MAX_ARRIVAL),
  peakInFlight: integer(0, MAX_ARRIVAL),
});

const concurrency = object({
  peak: integer(0, MAX_ARRIVAL),
  mean: finite(0, MAX_ARRIVAL),
  startSpreadMs: finite(0, MAX_EPOCH_MS),
  startBusyMs: optional(finite(0, MAX_EPOCH_MS)),
});

const stageTiming = object({
  index: integer(1, MAX_STAGES),
  firstUser: integer(1, 10_000),
  users: integer(0, MAX_ARRIVAL),
  scheduledAt: nullable(finite(0, MAX_EPOCH_MS)),
  startedAt: finite(0, MAX_EPOCH_MS),
  durationMs: finite(0, MAX_EPOCH_MS),
  lateMs: finite(0, MAX_EPOCH_MS),
  requests: integer(0, MAX_RECORDS),
});

const reportShape = object({
  schemaVersion: literal(1),
  tool: object({ name: literal('ttfc-gate'), version: string(64) }),
  target: object({ method, url, preset: oneOf(PRESET_NAMES), commit: optional(nullable(string(64, /^[0-9a-f]+$/, 'a commit SHA'))) }),
  config: object({
    url,
    method,
    preset: oneOf(PRESET_NAMES),
    format: oneOf(['auto', 'sse', 'ndjson', 'raw']),
    headers: array(string(MAX_MESSAGE), 200),
    body: nullable(string(MAX_MESSAGE)),
    stages: string(4096),
    timeoutMs: finite(1, MAX_TIMEOUT_MS),
    cooldownMs: finite(0, MAX_COOLDOWN_MS),
    warmup: integer(0, MAX_WARMUP),
    startAt: optional(nullable(isoTime)),
    stageWindowMs: optional(nullable(finite(0, MAX_TIMEOUT_MS))),
    arrival: optional(arrival),
    arrivalSeed: optional(integer(0, 2 ** 32)),
    maxInFlight: optional(integer(1, 1_000_000)),
  }),
  stages: optional(array(object({ index: integer(1, MAX_STAGES), rate: optional(rateFigures), concurrency: optional(concurrency) }), MAX_STAGES)),
  startedAt: isoTime,
  finishedAt: isoTime,
  cancelled: optional(bool),
  errorSamples: array(object({ stage: integer(1, MAX_STAGES), category: oneOf(FAILURE_CATEGORIES), status: nullable(integer(100, 599)), message }), 200),
  requests: array(record, MAX_RECORDS),
  shard: object({
    index: integer(1, MAX_SHARDS),
    count: integer(1, MAX_SHARDS),
    host: string(255),
    planId: string(16, /^[0-9a-f]{16}$/, 'a plan id (16 hex digits)'),
    startAt: nullable(isoTime),
    lateMs: finite(0, MAX_EPOCH_MS),
    stages: array(stageTiming, MAX_STAGES),
  }),
}) satisfies Check<unknown>;

/**
 * A shard report from parsed JSON: every field the merge uses checked (types, ranges, sizes), then
 * checked against its own plan. Throws Rejected naming the field.
 */
export function checkShardReport(json: unknown): ShardReport {
  const r = reportShape(json, '') as ShardReport;
  const plan = planStages(r.config.stages);
  checkPlan(r);
  checkStages(r.shard, plan);
  checkRecords(r, plan);
  checkConcurrency(r, plan);
  for (const [i, e] of r.errorSamples.entries()) if (e.stage > plan.length) reject(`errorSamples[${i}].stage`, `${e.stage}: the plan has ${plan.length} stages`);
  return r;
}

function planStages(text: string): Stage[] {
  try {
    return parseStages(text, 'config.stages');
  } catch (err) {
    if (err instanceof InputError) return reject('config.stages', err.detail);
    throw err;
  }
}

/** The shard's place and plan id agree with the plan the report states (an edited plan or count is caught here). */
function checkPlan(r: ShardReport): void {
  const s = r.shard;
  if (s.index > s.count) reject('shard.index', `${s.index} is more than shard.count (${s.count})`);
  if (planIdOf(planOf(r.config as unknown as Record<string, unknown>, s.count)) !== s.planId) {
    reject('shard.planId', `${s.planId} is not the id of the plan in config (stages, timing, target) and shard.count: the report was edited`);
  }
  if (r.config.url !== r.target.url || r.config.method !== r.target.method || r.config.preset !== r.target.preset) {
    reject('target', 'does not match config (url, method, preset)');
  }
}

/** Each stage this shard ran: in the plan, once, with exactly the users shard K of N gets. */
function checkStages(s: ShardInfo, plan: Stage[]): void {
  const seen = new Set<number>();
  for (const [i, t] of s.stages.entries()) {
    const at = `shard.stages[${i}]`;
    const stage = plan[t.index - 1];
    if (stage === undefined) reject(`${at}.index`, `${t.index}: the plan has ${plan.length} stages`);
    if (seen.has(t.index)) reject(`${at}.index`, `stage ${t.index} is listed twice`);
    seen.add(t.index);
    if (isRate(stage!)) {
      // A rate stage: this shard sends arrivals K, K + N, … of the stage (users = those scheduled).
      if (t.firstUser !== s.index) reject(`${at}.firstUser`, `${t.firstUser}: shard ${s.index}/${s.count} numbers its arrivals from ${s.index}`);
      continue;
    }
    const own = shardUsers(stage!.users, s);
    if (t.users !== own.count) reject(`${at}.users`, `${t.users}: shard ${s.index}/${s.count} of ${stage!.users} users runs ${own.count}`);
    if (t.firstUser !== own.first) reject(`${at}.firstUser`, `${t.firstUser}: shard ${s.index}/${s.count} starts at user ${own.first}`);
  }
}

/** Each record: of a stage this shard ran, by one of its users, within the requests per user, once; counts as stated. */
function checkRecords(r: ShardReport, plan: Stage[]): void {
  const stages = new Map(r.shard.stages.map((t) => [t.index, t]));
  const counts = new Map<number, number>();
  const seen = new Set<string>();
  for (const [i, q] of r.requests.entries()) {
    const at = `requests[${i}]`;
    const t = stages.get(q.stage);
    if (t === undefined) reject(`${at}.stage`, `${q.stage}: not a stage this shard ran (shard.stages)`);
    const stage = plan[q.stage - 1]!;
    if (isRate(stage)) {
      if ((q.user - r.shard.index) % r.shard.count !== 0)
        reject(`${at}.user`, `${q.user}: not an arrival of shard ${r.shard.index}/${r.shard.count} (its arrivals are ${r.shard.index}, ${r.shard.index + r.shard.count}, …)`);
      if (q.iteration !== 1) reject(`${at}.iteration`, `${q.iteration}: an arrival of a rate stage is one request`);
    } else {
      if (q.user < t!.firstUser || q.user >= t!.firstUser + t!.users) reject(`${at}.user`, `${q.user}: not one of this shard's users in stage ${q.stage}`);
      if (q.iteration > stage.requestsPerUser) reject(`${at}.iteration`, `${q.iteration}: stage ${q.stage} has ${stage.requestsPerUser} requests per user`);
    }
    const key = `${q.stage}/${q.user}/${q.iteration}`;
    if (seen.has(key)) reject(at, `request ${key} (stage/user/iteration) is recorded twice`);
    seen.add(key);
    counts.set(q.stage, (counts.get(q.stage) ?? 0) + 1);
    checkOutcome(q, at);
  }
  for (const [i, t] of r.shard.stages.entries()) {
    const n = counts.get(t.index) ?? 0;
    if (t.requests !== n) reject(`shard.stages[${i}].requests`, `${t.requests}, but the report has ${n} records of stage ${t.index}`);
  }
}

/**
 * A closed stage's concurrency is of a stage this shard ran (with no users, nothing on the wire), once,
 * and counts no more requests on the wire at once than its users (one each at a time, a retry included).
 */
function checkConcurrency(r: ShardReport, plan: Stage[]): void {
  const ran = new Map(r.shard.stages.map((t) => [t.index, t]));
  const seen = new Set<number>();
  for (const [i, s] of (r.stages ?? []).entries()) {
    const c = s.concurrency;
    if (c === undefined) continue;
    const at = `stages[${i}].concurrency`;
    const t = ran.get(s.index);
    if (t === undefined) reject(at, `stage ${s.index} was not run by this shard (shard.stages)`);
    if (isRate(plan[s.index - 1]!)) reject(at, `stage ${s.index} is a rate stage, which counts its requests in flight as rate.peakInFlight`);
    if (seen.has(s.index)) reject(at, `stage ${s.index} has its concurrency twice`);
    seen.add(s.index);
    if (c.peak > t!.users) reject(`${at}.peak`, `${c.peak}: more requests on the wire at once than the shard's ${t!.users} users`);
    // The mean is rounded to hundredths.
    if (c.mean > c.peak + 0.01) reject(`${at}.mean`, `${c.mean}: more than the peak (${c.peak})`);
  }
}

/** A success has a 2xx status, a first chunk and an end and no failure category; a failure has its category. */
function checkOutcome(q: RequestRecord, at: string): void {
  if (q.ok) {
    if (q.category !== null) reject(`${at}.category`, `${q.category} on a successful request`);
    if (q.status === null || q.status < 200 || q.status > 299) reject(`${at}.status`, `${q.status} on a successful request`);
    if (q.ttfc === null || q.total === null) reject(`${at}.${q.ttfc === null ? 'ttfc' : 'total'}`, 'null on a successful request');
    if (q.events < 1) reject(`${at}.events`, '0 on a successful request');
  } else if (q.category === null) reject(`${at}.category`, 'null on a failed request');
  if (q.gaps && q.gaps.length > q.events) reject(`${at}.gaps`, `${q.gaps.length} gaps between ${q.events} events`);
}
