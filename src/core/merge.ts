// The merge: shard reports → one run → the same analysis and report as a run on one machine.
// Knows nothing of GitHub; the adapters publish the report exactly as they publish a run's.
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { analyse } from './analysis/analyse.js';
import { parseRegressionThreshold } from './analysis/baseline.js';
import { VERDICT_MODES, type VerdictMode } from './analysis/confidence.js';
import { CriteriaError, DEFAULT_CRITERIA, parseCriteria } from './analysis/criteria/index.js';
import { parseBoolean, type Inputs } from './config/config.js';
import { InputError } from './errors.js';
import { parseGoodput } from './analysis/goodput.js';
import { loadBaseline } from './gate.js';
import { buildReport, writeReport } from './report/json.js';
import { checkShards, combineShards, readShardFile } from './shards/combine.js';
import type { Criterion, Report } from './types.js';

/** The inputs the merge reads (the plan itself comes from the shards' reports). */
export const MERGE_INPUTS = ['criteria', 'fail-on-criteria', 'verdict', 'baseline', 'regression-threshold', 'report-path'] as const;

/**
 * How the merged run is judged. null: not set on the merge (or set to its default, as a runner passes
 * every default): the value the shards were given, which their reports carry — a shard does not judge.
 */
export interface MergeConfig {
  criteriaText: string | null;
  failOnCriteria: boolean | null;
  verdict: VerdictMode | null;
  baseline: string | null;
  baselinePath: string | null;
  regressionThreshold: number;
  reportPath: string;
}

const given = (inputs: Inputs, name: string): string | undefined => {
  const v = inputs[name];
  return v === undefined || v.trim() === '' ? undefined : v;
};

export function buildMergeConfig(inputs: Inputs, cwd: string): MergeConfig {
  const text = given(inputs, 'criteria');
  if (text !== undefined) parseCriteriaInput(text);
  const criteriaText = text === undefined || lines(text) === lines(DEFAULT_CRITERIA) ? null : text;
  const verdict = given(inputs, 'verdict')?.trim().toLowerCase();
  if (verdict !== undefined && !(VERDICT_MODES as readonly string[]).includes(verdict)) throw new InputError('verdict', `"${verdict}" is not one of ${VERDICT_MODES.join(', ')}`);
  const failOn = parseBoolean('fail-on-criteria', given(inputs, 'fail-on-criteria'), true);
  const baseline = given(inputs, 'baseline')?.trim() ?? null;
  return {
    criteriaText,
    failOnCriteria: failOn ? null : false,
    verdict: verdict === undefined || verdict === 'strict' ? null : (verdict as VerdictMode),
    baseline,
    baselinePath: baseline === null ? null : isAbsolute(baseline) ? baseline : resolvePath(cwd, baseline),
    regressionThreshold: parseRegressionThreshold(given(inputs, 'regression-threshold')),
    reportPath: (given(inputs, 'report-path') ?? 'ttfc-report.json').trim(),
  };
}

const lines = (text: string): string =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join('\n');

function parseCriteriaInput(text: string, input = 'criteria'): Criterion[] {
  try {
    return parseCriteria(text);
  } catch (err) {
    if (err instanceof CriteriaError) throw new InputError(input, err.message);
    throw err;
  }
}

export interface MergeOptions {
  cwd: string;
  commit?: string | null;
  log?: (line: string) => void;
  /** Skip writing report-path (tests). */
  noWrite?: boolean;
  /** The input the files came from, named in errors (action: reports; CLI: the files). */
  input?: string;
}

/** Reads and checks the shard reports (each named as given), merges them, judges the merged run, writes the report. */
export function runMerge(files: string[], cfg: MergeConfig, opts: MergeOptions): Report {
  const log = opts.log ?? (() => {});
  const input = opts.input ?? 'reports';
  const shards = checkShards(
    files.map((f) => readShardFile(f, isAbsolute(f) ? f : resolvePath(opts.cwd, f), input)),
    input,
  );
  const ref = shards[0]!.report;
  log(
    `merging ${shards.length} shard reports of plan ${ref.shard.planId}: ${shards.map((s) => `${s.file} (${s.report.shard.index}/${s.report.shard.count}, ${s.report.shard.host}, ${s.report.requests.length} requests)`).join(', ')}`,
  );
  const { run, merge, diagnoses } = combineShards(shards);

  // The shards' criteria unless the merge sets its own (a shard carries them, it does not judge).
  const criteriaText = cfg.criteriaText ?? (typeof ref.config.criteria === 'string' ? ref.config.criteria : DEFAULT_CRITERIA);
  const criteria = parseCriteriaInput(criteriaText, cfg.criteriaText === null ? `criteria (of ${shards[0]!.file})` : 'criteria');
  const loaded = loadBaseline(cfg, log);
  const verdict: VerdictMode = cfg.verdict ?? ((VERDICT_MODES as readonly unknown[]).includes(ref.config.verdict) ? (ref.config.verdict as VerdictMode) : 'strict');
  const failOnCriteria = cfg.failOnCriteria ?? ref.config.failOnCriteria !== false;
  // The shards' goodput lines (a shard carries them, it does not judge).
  const goodput = typeof ref.config.goodput === 'string' ? parseGoodput(ref.config.goodput, `goodput (of ${shards[0]!.file})`) : null;
  const analysis = analyse(run, { criteria, verdict, regressionThreshold: cfg.regressionThreshold, baseline: cfg.baseline, loaded, target: ref.target, goodput }, log);
  analysis.diagnoses.push(...diagnoses);

  const { shard: _shard, ...config } = ref.config;
  const report = buildReport(
    {
      target: { method: ref.target.method, url: ref.target.url, preset: ref.target.preset },
      config: { ...config, criteria: criteriaText, failOnCriteria, verdict, baseline: cfg.baseline, regressionThreshold: cfg.regressionThreshold, shards: merge.count },
      secrets: [],
    },
    run,
    analysis.criteria,
    analysis.diagnoses,
    analysis.passed,
    {
      commit: opts.commit ?? ref.target.commit ?? null,
      intervalMethod: analysis.intervalMethod,
      efficiency: analysis.efficiency,
      baseline: analysis.baseline,
      merge,
    },
  );
  if (!opts.noWrite) writeReport(resolvePath(opts.cwd, cfg.reportPath), report, []);
  return report;
}
