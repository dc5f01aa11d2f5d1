import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import type { Config } from '../config/config.js';
import { redactDeep, redactText } from '../redact.js';
import { PERCENTILE_METHOD } from '../analysis/stats.js';
import type { CriterionResult, Diagnosis, PresetName, RequestRecord, RunResult } from '../types.js';
import type { Report } from '../report-types.js';
import { VERSION } from '../version.js';
import { publicConfig } from '../config/public.js';

/** What a report says about where its run came from: a config, or (merge) the shards' reports. */
export interface ReportSource {
  target: { method: string; url: string; preset: PresetName };
  /** The effective config, already safe to show. */
  config: Record<string, unknown>;
  secrets: readonly string[];
}

export function sourceOf(cfg: Config): ReportSource {
  return { target: { method: cfg.method, url: cfg.displayUrl, preset: cfg.preset.name }, config: publicConfig(cfg), secrets: cfg.secrets };
}

/** A shard's records with their gaps written (the merge pools inter-event latency from them), to the µs. */
const micro = (gaps: number[]): number[] => gaps.map((g) => Math.round(g * 1000) / 1000);
const withGaps = (records: RequestRecord[]): RequestRecord[] =>
  records.map((r) => ({ ...r, ...(r.gaps ? { gaps: micro(r.gaps) } : {}), ...(r.tokenGaps ? { tokenGaps: micro(r.tokenGaps) } : {}) }));

export function buildReport(
  source: ReportSource,
  run: RunResult,
  criteria: CriterionResult[],
  diagnoses: Diagnosis[],
  passed: boolean,
  extra: { commit?: string | null } & Pick<
    Report,
    'intervalMethod' | 'efficiency' | 'baseline' | 'repeat' | 'warmup' | 'compare' | 'cancelled' | 'server' | 'shard' | 'merge' | 'capacity'
  > = {},
): Report {
  const secrets = source.secrets;
  const report: Report = {
    schemaVersion: 1,
    tool: { name: 'ttfc-gate', version: VERSION },
    target: { ...source.target, commit: extra.commit ?? null },
    config: source.config,
    environment: { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length },
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    passed,
    smokeFailed: run.smokeFailed,
    ...(extra.cancelled ? { cancelled: true } : {}),
    percentileMethod: PERCENTILE_METHOD,
    stages: run.stages,
    criteria,
    diagnoses,
    errorSamples: run.errorSamples.map((s) => ({ ...s, message: redactText(s.message, secrets) })),
    // The run's own records, not a copy (100,000 of them are ~200 MB): their in-memory gaps are not
    // enumerable, so never written; errors are redacted in place. A shard's report writes them.
    requests: extra.shard ? withGaps(redactErrors(run.requests, secrets)) : redactErrors(run.requests, secrets),
    ...(extra.intervalMethod !== undefined ? { intervalMethod: extra.intervalMethod } : {}),
    ...(extra.efficiency !== undefined ? { efficiency: extra.efficiency } : {}),
    baseline: extra.baseline ?? null,
    repeat: extra.repeat ?? null,
    warmup: extra.warmup ?? null,
    compare: extra.compare ?? null,
    server: extra.server ?? null,
    ...(extra.shard ? { shard: extra.shard } : {}),
    ...(extra.merge ? { merge: extra.merge } : {}),
    ...(extra.capacity ? { capacity: extra.capacity } : {}),
  };
  // Every other string (diagnoses quoting a server, the compare side, server-side warnings, log
  // samples) redacted too, raw, before any renderer escapes it.
  if (report.compare) redactErrors(report.compare.requests, secrets);
  redactDeep(report, secrets, new Set(['requests']));
  return report;
}

/**
 * A run's server text redacted where it is still raw, before the analysis quotes it (the smoke
 * diagnosis cites an error sample) and before any renderer escapes it: the records' errors and the
 * error samples, of both sides.
 */
export function redactRun(run: RunResult, secrets: readonly string[]): void {
  if (secrets.length === 0) return;
  redactErrors(run.requests, secrets);
  for (const s of run.errorSamples) s.message = redactText(s.message, secrets);
  if (run.compare) {
    redactErrors(run.compare.requests, secrets);
    for (const s of run.compare.errorSamples) s.message = redactText(s.message, secrets);
  }
}

function redactErrors<T extends { error: string | null }>(records: T[], secrets: readonly string[]): T[] {
  if (secrets.length > 0) for (const r of records) if (r.error) r.error = redactText(r.error, secrets);
  return records;
}

/** Records written per write: whole records, so a secret never spans two writes. */
const RECORDS_PER_WRITE = 2000;

/**
 * Writes the report: the summary indented, then the requests one a line, in slices (no 42 MB string
 * at 100,000 requests). A last pass over each piece redacts every secret so none can reach the file.
 */
export function writeReport(path: string, report: Report, secrets: readonly string[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const { requests, ...summary } = report;
  const head = JSON.stringify(summary, null, 2);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, redactText(`${head.slice(0, head.lastIndexOf('}')).trimEnd()},\n  "requests": [`, secrets));
    for (let i = 0; i < requests.length; i += RECORDS_PER_WRITE) {
      let text = i === 0 ? '\n' : ',\n';
      const end = Math.min(requests.length, i + RECORDS_PER_WRITE);
      for (let j = i; j < end; j++) text += `${j > i ? ',\n' : ''}    ${JSON.stringify(requests[j])}`;
      writeSync(fd, redactText(text, secrets));
    }
    writeSync(fd, `${requests.length > 0 ? '\n  ' : ''}]\n}\n`);
  } finally {
    closeSync(fd);
  }
}
