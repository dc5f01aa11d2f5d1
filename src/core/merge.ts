// The merge: shard reports → one run → the same analysis and report as a run on one machine.
// Knows nothing of GitHub; the adapters publish the report exactly as they publish a run's.
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { analyse } from './analysis/analyse.js';
import { parseRegressionThreshold } from './analysis/baseline.js';
import { VERDICT_MODES, type VerdictMode } from './analysis/confidence.js';
import { DEFAULT_CRITERIA, parseCriteriaInput } from './analysis/criteria/index.js';
import { parseBoolean, type Inputs } from './config/read-input.js';
import { InputError } from './errors.js';
import { parseGoodput, type GoodputLine } from './analysis/goodput.js';
import { loadBaseline } from './gate.js';
import { buildReport, redactRun, writeReport } from './report/json.js';
import { checkReportPath } from './config/files.js';
import { monitorOf } from './server/metrics.js';
import { checkShards, combineShards, readShardFile } from './shards/combine.js';
import type { Criterion } from './types.js';
import type { Report } from './report-types.js';

/** The inputs the merge reads; any other is refused, not ignored (mergeIgnoredInputs). */
export const MERGE_INPUTS = ['criteria', 'fail-on-criteria', 'verdict', 'goodput', 'baseline', 'regression-threshold', 'report-path', 'markdown-path'] as const;

/**
 * How the merged run is judged: always by the merge step's own settings (their defaults when not
 * set). A shard's report says what it was given, but comes from wherever the shard ran (in a fork's
 * pull request, an artifact its author controls): it describes, it never judges.
 */
export interface MergeConfig {
  criteriaText: string;
  criteria: Criterion[];
  failOnCriteria: boolean;
  verdict: VerdictMode;
  /** The goodput SLO lines the merged run's goodput is counted by (the merge's own, like its criteria), or null. */
  goodput: GoodputLine[] | null;
  baseline: string | null;
  baselinePath: string | null;
  regressionThreshold: number;
  reportPath: string;
  markdownPath: string | null;
}

const given = (inputs: Inputs, name: string): string | undefined => {
  const v = inputs[name];
  return v === undefined || v.trim() === '' ? undefined : v;
};

/**
 * The inputs a merge would ignore, in the order given: set (non-empty) and, where `defaults` has
 * one, not at its default (the Action passes every input, at its default when the workflow does not
 * set it). A merge refuses them rather than leave a setting silently without effect.
 */
export function mergeIgnoredInputs(inputs: Inputs, defaults: Readonly<Record<string, string>> = {}): string[] {
  const accepted = new Set<string>(MERGE_INPUTS);
  return Object.keys(inputs).filter((name) => {
    const v = given(inputs, name);
    return !accepted.has(name) && v !== undefined && v.trim() !== (defaults[name] ?? '').trim();
  });
}

/** An InputError naming the ignored inputs (the first as the input, all in the message). */
export function ignoredInputsError(names: string[], where: string): InputError {
  const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names.at(-1)!}`;
  return new InputError(
    names[0]!,
    `${names.length === 1 ? 'does' : `${list} do`} not apply ${where} (the plan comes from the shard reports; a merge only judges: criteria, fail-on-criteria, verdict, goodput, baseline, regression-threshold, report-path, markdown-path)`,
  );
}

export function buildMergeConfig(inputs: Inputs, cwd: string): MergeConfig {
  const criteriaText = given(inputs, 'criteria') ?? DEFAULT_CRITERIA;
  const criteria = parseCriteriaInput('criteria', criteriaText);
  if (criteria.length === 0) throw new InputError('criteria', 'holds no criterion (leave it unset for the defaults)');
  const goodputText = given(inputs, 'goodput');
  const goodput = goodputText === undefined ? null : parseGoodput(goodputText);
  checkMergeMetrics(criteria, goodput !== null);
  const verdict = (given(inputs, 'verdict') ?? 'strict').trim().toLowerCase();
  if (!(VERDICT_MODES as readonly string[]).includes(verdict)) throw new InputError('verdict', `"${verdict}" is not one of ${VERDICT_MODES.join(', ')}`);
  const baseline = given(inputs, 'baseline')?.trim() ?? null;
  const reportPath = (given(inputs, 'report-path') ?? 'ttfc-report.json').trim();
  checkReportPath('report-path', reportPath, cwd);
  const markdownPath = given(inputs, 'markdown-path')?.trim() ?? null;
  if (markdownPath !== null) checkReportPath('markdown-path', markdownPath, cwd);
  return {
    criteriaText,
    criteria,
    failOnCriteria: parseBoolean('fail-on-criteria', given(inputs, 'fail-on-criteria'), true),
    verdict: verdict as VerdictMode,
    goodput,
    baseline,
    baselinePath: baseline === null ? null : isAbsolute(baseline) ? baseline : resolvePath(cwd, baseline),
    regressionThreshold: parseRegressionThreshold(given(inputs, 'regression-threshold')),
    reportPath,
    markdownPath,
  };
}

/**
 * Merge criteria name figures the shard reports have: a shard runs no server side (health-url,
 * monitor, metrics-url, logs-command) and no compare target, so a criterion on those could only
 * ever be "n/a": it is an input error now.
 */
function checkMergeMetrics(criteria: Criterion[], goodput: boolean): void {
  for (const c of criteria) {
    for (const ref of [c.metric, ...(c.value.kind === 'factor' ? [c.value.metric] : [])]) {
      const where = `line ${c.line}: ${ref.compare ? 'compare.' : ref.baseline ? 'baseline.' : ''}${ref.name}`;
      if (ref.compare) throw new InputError('criteria', `${where}: the shard reports have no compare target (a shard cannot run compare-url)`);
      if (!goodput && ref.name.startsWith('goodput')) throw new InputError('criteria', `${where} needs the merge's own goodput input (its SLO lines, e.g. "ttft < 1s")`);
      if (ref.name === 'log_errors' || ref.name.startsWith('health.') || monitorOf(ref.name) !== null) {
        throw new InputError('criteria', `${where}: the shard reports have no server-side figures (a shard cannot run health-url, monitor, metrics-url or logs-command)`);
      }
    }
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
  /** Values never printed (the Action's github-token): redacted from the merged run as from a run's. */
  secrets?: readonly string[];
}

/** Reads and checks the shard reports (each named as given), merges them, judges the merged run by the merge's settings, writes the report. */
export function runMerge(files: string[], cfg: MergeConfig, opts: MergeOptions): Report {
  const log = opts.log ?? (() => {});
  const input = opts.input ?? 'reports';
  const secrets = opts.secrets ?? [];
  // Every file read and checked before anything is merged, judged or written.
  const shards = checkShards(
    files.map((f) => readShardFile(f, isAbsolute(f) ? f : resolvePath(opts.cwd, f), input)),
    input,
  );
  const ref = shards[0]!.report;
  log(
    `merging ${shards.length} shard reports of plan ${ref.shard.planId}: ${shards.map((s) => `${s.file} (${s.report.shard.index}/${s.report.shard.count}, ${s.report.shard.host}, ${s.report.requests.length} requests)`).join(', ')}`,
  );
  const { run, merge, diagnoses } = combineShards(shards);
  redactRun(run, secrets);

  const loaded = loadBaseline(cfg, log);
  const analysis = analyse(
    run,
    { criteria: cfg.criteria, verdict: cfg.verdict, regressionThreshold: cfg.regressionThreshold, baseline: cfg.baseline, loaded, target: ref.target, goodput: cfg.goodput },
    log,
  );
  analysis.diagnoses.push(...diagnoses);

  const report = buildReport(
    {
      target: { method: ref.target.method, url: ref.target.url, preset: ref.target.preset },
      config: {
        ...ref.config,
        criteria: cfg.criteriaText,
        failOnCriteria: cfg.failOnCriteria,
        verdict: cfg.verdict,
        baseline: cfg.baseline,
        regressionThreshold: cfg.regressionThreshold,
        shards: merge.count,
      },
      secrets,
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
  if (!opts.noWrite) writeReport(resolvePath(opts.cwd, cfg.reportPath), report, secrets);
  return report;
}
