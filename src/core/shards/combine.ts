// Shard reports → one run: checks that the reports belong together (one plan, one target, every
// K of N once), then rebuilds each stage from the pooled per-request records, so every figure is
// computed on the merged samples exactly as for a run measured on one machine (never an average of
// the shards' percentiles).
import { InputError } from '../errors.js';
import { skippedStage, summarizeStage } from '../analysis/stats.js';
import { isRate, parseStages } from '../config/stages.js';
import type { ArrivalCounts } from '../load/arrivals.js';
import { ms } from '../format.js';
import { LATE_TOLERANCE_MS } from '../config/shard.js';
import { PLAN_FIELDS } from './identity.js';
import { obj } from '../json-guards.js';
import { Rejected } from './check.js';
import { parseReportJson, readRegularFile, Unreadable } from './read.js';
import { checkShardReport, type ShardReport } from './schema.js';
import type { Diagnosis, ErrorSample, RequestRecord, RunResult, ShardConcurrency, Stage, StageConcurrency, StageSummary } from '../types.js';
import type { MergeSection } from '../section-types.js';

/** Spread of one stage's starts over the shards beyond which they are flagged: they did not load the target together. */
const START_SPREAD_BOUND_MS = 250;
const SAMPLES_PER_CATEGORY = 5;

export interface ShardFile {
  /** As the user gave it (named in every message). */
  file: string;
  /** Checked (schema, bounds, its own plan): only the fields the merge uses. */
  report: ShardReport;
}

/** Reads one shard report: a regular file, bounded, checked field by field; every rejection an error naming the file and the field. */
export function readShardFile(file: string, path: string, input = 'reports'): ShardFile {
  let bytes: Buffer;
  try {
    bytes = readRegularFile(path);
  } catch (err) {
    if (err instanceof Unreadable) throw new InputError(input, `${file}: ${err.message}`);
    throw err;
  }
  return parseShardReport(file, bytes, input);
}

function parseShardReport(file: string, data: Buffer | string, input = 'reports'): ShardFile {
  try {
    const json = parseReportJson(typeof data === 'string' ? Buffer.from(data) : data);
    const r = obj(json);
    if (r === null || r.schemaVersion !== 1 || obj(r.tool)?.name !== 'ttfc-gate') throw new InputError(input, `${file}: is not a ttfc-gate report`);
    if (r.shard === undefined || r.shard === null) {
      throw new InputError(input, `${file}: is not a shard's report (no shard section: run the shards with shard: K/N)`);
    }
    return { file, report: checkShardReport(json) };
  } catch (err) {
    if (err instanceof Unreadable) throw new InputError(input, `${file}: ${err.message}`);
    if (err instanceof Rejected) throw new InputError(input, `${file}: ${err.path}: ${err.detail}`);
    throw err;
  }
}

/** Checks that the shards belong together; every failure names the file. Returns them in shard order. */
export function checkShards(shards: ShardFile[], input = 'reports'): ShardFile[] {
  if (shards.length === 0) throw new InputError(input, 'no shard report given');
  const ref = shards[0]!;
  const n = ref.report.shard.count;
  const seen = new Map<number, string>();
  for (const sh of shards) {
    const s = sh.report.shard;
    const label = `${sh.file} (shard ${s.index}/${s.count})`;
    if (s.count !== n) throw new InputError(input, `${label}: is one of ${s.count} shards, but ${ref.file} is one of ${n}`);
    const t = sh.report.target;
    const rt = ref.report.target;
    if (t.method !== rt.method || t.url !== rt.url || t.preset !== rt.preset) {
      throw new InputError(input, `${label}: another target (${t.method} ${t.url}, ${t.preset}) than ${ref.file} (${rt.method} ${rt.url}, ${rt.preset})`);
    }
    if (s.planId !== ref.report.shard.planId) {
      const diff = PLAN_FIELDS.filter((f) => JSON.stringify(sh.report.config[f] ?? null) !== JSON.stringify(ref.report.config[f] ?? null));
      const what = diff.map((f) => `${f} ${JSON.stringify(sh.report.config[f] ?? null)} vs ${JSON.stringify(ref.report.config[f] ?? null)}`).join('; ');
      const hint = diff.length === 1 && diff[0] === 'startAt' ? ': give every shard the same start-at (an ISO time; "+90s" counts from each job\'s own start)' : '';
      throw new InputError(input, `${label}: another plan than ${ref.file}${what ? ` (${what})` : ''}${hint}`);
    }
    if (sh.report.cancelled) throw new InputError(input, `${label}: was cancelled, its stages are partial (run the shard again)`);
    const dup = seen.get(s.index);
    if (dup !== undefined) throw new InputError(input, `${label}: duplicate: ${dup} is shard ${s.index}/${n} too`);
    seen.set(s.index, sh.file);
  }
  const missing: number[] = [];
  for (let k = 1; k <= n; k++) if (!seen.has(k)) missing.push(k);
  if (missing.length > 0) {
    const given = [...seen.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([k, f]) => `${f} = ${k}/${n}`)
      .join(', ');
    throw new InputError(input, `shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${n}`).join(', ')} missing (given: ${given})`);
  }
  return [...shards].sort((a, b) => a.report.shard.index - b.report.shard.index);
}

export interface Combined {
  run: RunResult;
  merge: MergeSection;
  /** Shards out of step, late shards: said in the merged report. */
  diagnoses: Diagnosis[];
}

/** A rate stage's counts over the shards: each sent its share of the arrivals (peak in flight: the sum, an upper bound). */
function shardArrivals(shards: ShardFile[], index: number, windowMs: number): ArrivalCounts {
  const figures = shards.map((sh) => sh.report.stages?.find((s) => s.index === index)?.rate).filter((f) => f !== undefined);
  const sum = (k: 'scheduled' | 'dropped' | 'peakInFlight'): number => figures.reduce((n, f) => n + (Number.isFinite(f[k]) ? f[k] : 0), 0);
  const first = figures[0];
  return {
    arrival: first?.arrival === 'uniform' ? 'uniform' : 'poisson',
    seed: first?.seed ?? 1,
    maxInFlight: first?.maxInFlight ?? 0,
    scheduled: sum('scheduled'),
    dropped: sum('dropped'),
    peakInFlight: sum('peakInFlight'),
    windowMs,
  };
}

/** One run from the shards (already checked): each stage summarised from the pooled records. */
export function combineShards(shards: ShardFile[]): Combined {
  const ref = shards[0]!.report;
  const plan: Stage[] = parseStages(ref.config.stages, 'stages');
  const requests = pooledRecords(shards);
  const stages = plan.map((stage, i) => pooledStage(shards, requests, i + 1, stage));
  const first = stages[0];
  const smokeFailed = first !== undefined && !first.skipped && first.issued > 0 && first.succeeded === 0;
  const merge = mergeSection(shards, plan.length);
  const startedAt = shards.map((sh) => sh.report.startedAt).sort()[0]!;
  const finishedAt = shards
    .map((sh) => sh.report.finishedAt)
    .sort()
    .at(-1)!;
  return { run: { startedAt, finishedAt, stages, requests, smokeFailed, errorSamples: sampledErrors(shards) }, merge, diagnoses: mergeDiagnoses(merge) };
}

/** Every shard's records, by start time. */
function pooledRecords(shards: ShardFile[]): RequestRecord[] {
  const requests: RequestRecord[] = [];
  for (const sh of shards) {
    for (const r of sh.report.requests) {
      // In memory for the pooled itl figures, as a run's own records keep them; never written again.
      if (r.gaps) Object.defineProperty(r, 'gaps', { enumerable: false });
      if (r.tokenGaps) Object.defineProperty(r, 'tokenGaps', { enumerable: false });
      requests.push(r);
    }
  }
  return requests.sort((a, b) => a.startedAt - b.startedAt);
}

/** Stage `index` summarised from the pooled records, over the window from its first shard's start to its last one's end. */
function pooledStage(shards: ShardFile[], requests: RequestRecord[], index: number, stage: Stage): StageSummary {
  const ran = shards.flatMap((sh) => sh.report.shard.stages.filter((t) => t.index === index));
  if (ran.length === 0) return skippedStage(index, stage);
  const active = ran.filter((t) => t.users > 0);
  const window = active.length > 0 ? active : ran;
  const start = Math.min(...window.map((t) => t.startedAt));
  const end = Math.max(...window.map((t) => t.startedAt + t.durationMs));
  const summary = summarizeStage(
    index,
    stage,
    requests.filter((r) => r.stage === index),
    end - start,
    isRate(stage) ? shardArrivals(shards, index, stage.durationMs) : undefined,
  );
  const concurrency = isRate(stage) ? undefined : shardConcurrency(shards, index);
  if (concurrency !== undefined) summary.concurrency = concurrency;
  return summary;
}

/**
 * A closed stage's concurrency over its shards, each client's own figures kept beside the sums:
 * `connect_storm` takes each client's start off its own users' connects, `client_limit` names the
 * shards that fell short. None when a shard that ran users there reported no figures (an older version).
 */
function shardConcurrency(shards: ShardFile[], index: number): StageConcurrency | undefined {
  const parts: ShardConcurrency[] = [];
  for (const sh of shards) {
    const t = sh.report.shard.stages.find((x) => x.index === index);
    if (t === undefined || t.users === 0) continue;
    const c = sh.report.stages?.find((x) => x.index === index)?.concurrency;
    if (c === undefined) return undefined;
    parts.push({
      shard: sh.report.shard.index,
      firstUser: t.firstUser,
      users: t.users,
      peak: c.peak,
      mean: c.mean,
      startSpreadMs: c.startSpreadMs,
      ...(c.startBusyMs !== undefined && { startBusyMs: c.startBusyMs }),
    });
  }
  if (parts.length === 0) return undefined;
  const busy = parts.flatMap((p) => (p.startBusyMs === undefined ? [] : [p.startBusyMs]));
  return {
    peak: parts.reduce((n, p) => n + p.peak, 0),
    mean: Math.round(parts.reduce((n, p) => n + p.mean, 0) * 100) / 100,
    startSpreadMs: Math.max(...parts.map((p) => p.startSpreadMs)),
    ...(busy.length === parts.length && { startBusyMs: Math.max(...busy) }),
    shards: parts.sort((a, b) => a.firstUser - b.firstUser),
  };
}

/** The shards' error samples, by stage, at most SAMPLES_PER_CATEGORY of a category. */
function sampledErrors(shards: ShardFile[]): ErrorSample[] {
  const errorSamples: ErrorSample[] = [];
  const sampled = new Map<string, number>();
  const all = shards.flatMap((sh) => sh.report.errorSamples ?? []).sort((a, b) => a.stage - b.stage);
  for (const e of all) {
    const k = sampled.get(e.category) ?? 0;
    if (k >= SAMPLES_PER_CATEGORY) continue;
    sampled.set(e.category, k + 1);
    errorSamples.push(e);
  }
  return errorSamples;
}

/** The merge section: each shard, how far after the first shard it started each stage, and each stage's spread of starts. */
function mergeSection(shards: ShardFile[], stageCount: number): MergeSection {
  const ref = shards[0]!.report;
  const startsOf = (index: number): number[] => shards.flatMap((sh) => sh.report.shard.stages.filter((t) => t.index === index && t.users > 0).map((t) => t.startedAt));
  const indices = Array.from({ length: stageCount }, (_, i) => i + 1);
  const startSpread = indices.map((index) => {
    const starts = startsOf(index);
    const ms = starts.length > 1 ? Math.max(...starts) - Math.min(...starts) : 0;
    return { index, ms, flagged: ms > START_SPREAD_BOUND_MS };
  });
  // Each shard's start offset per stage: how long after the first shard to start that stage it started.
  const earliest = indices.map((index) => Math.min(...startsOf(index)));
  return {
    count: ref.shard.count,
    planId: ref.shard.planId,
    boundMs: START_SPREAD_BOUND_MS,
    shards: shards.map((sh) => ({
      ...sh.report.shard,
      stages: sh.report.shard.stages.map((t) => ({ ...t, offsetMs: t.users > 0 && Number.isFinite(earliest[t.index - 1]!) ? t.startedAt - earliest[t.index - 1]! : null })),
      file: sh.file,
    })),
    startSpread,
  };
}

/** Said of a merge: shards that started a stage too far apart, and shards that started late against start-at. */
function mergeDiagnoses(merge: MergeSection): Diagnosis[] {
  const diagnoses: Diagnosis[] = [];
  const flagged = merge.startSpread.filter((s) => s.flagged);
  if (flagged.length > 0) {
    diagnoses.push({
      kind: 'shards_out_of_step',
      users: null,
      message:
        `the shards did not start together: ${flagged.map((s) => `stage ${s.index} starts spread over ${ms(s.ms)}`).join(', ')} (bound ${START_SPREAD_BOUND_MS} ms); ` +
        'the target saw fewer users at once than planned. Set start-at (with enough lead) so every shard starts each stage at the same moment.',
      evidence: { startSpread: flagged, shards: merge.shards.map((s) => ({ index: s.index, host: s.host, file: s.file, starts: s.stages.map((t) => t.startedAt) })) },
    });
  }
  for (const sh of merge.shards) {
    const late = sh.stages.filter((t) => t.lateMs > LATE_TOLERANCE_MS);
    if (late.length === 0) continue;
    diagnoses.push({
      kind: 'shard_late',
      users: null,
      message: `shard ${sh.index}/${sh.count} (${sh.host}) started late against start-at: ${late.map((t) => `stage ${t.index} by ${ms(t.lateMs)}`).join(', ')}`,
      evidence: { file: sh.file, host: sh.host, stages: late.map((t) => ({ index: t.index, lateMs: t.lateMs })) },
    });
  }
  return diagnoses;
}
