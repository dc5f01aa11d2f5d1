// From request records to verdict: intervals, criteria, diagnoses, the same-run A/B and the baseline
// comparison of a run. Reads only the run (records and stage summaries) and the settings, so a run measured here and
// a run merged from shards' records are judged by exactly the same code.
import { compareIntervalOf, sameRunComparison } from './ab.js';
import { pairedSampler } from './paired-bootstrap.js';
import { baselineSection, type BaselineLoad } from './baseline.js';
import { INTERVAL_METHOD, intervalCache, ttfcInterval, type VerdictMode } from './confidence.js';
import { evaluateCriteria, type EvaluateOptions } from './criteria/index.js';
import { attachGoodput, type GoodputLine } from './goodput.js';
import { diagnose, scalingEfficiency } from './diagnose/index.js';
import { gatePassed } from './verdict.js';
import { diagnoseServer } from '../server/diagnose.js';
import { attachStageFigures } from '../server/metrics.js';
import type { ServerSection } from '../server/types.js';
import type { Criterion, CriterionResult, Diagnosis, PresetName, RunResult } from '../types.js';
import type { BaselineSection, CompareSection, ScalingEfficiency } from '../section-types.js';

export interface AnalysisSettings {
  criteria: Criterion[];
  verdict: VerdictMode;
  regressionThreshold: number;
  /** The baseline as given (null: none) and what reading it gave (null: none given). */
  baseline: string | null;
  loaded: BaselineLoad | null;
  /** The run's target, to tell a baseline of another target. */
  target: { method: string; url: string; preset: PresetName };
  /** Same-run A/B (the run carries the compare side): the compare target as shown, and the secrets to keep out of it. */
  compare?: { url: string; secrets: readonly string[] };
  /** The server side during the stages (health, monitors, logs), or null. */
  server?: ServerSection | null;
  /** The `goodput` SLO lines, or null: each stage's goodput is attached before the criteria read it. */
  goodput?: readonly GoodputLine[] | null;
  /** `history.` criteria: the history's figure of a metric at a stage, or why there is none (history-path). */
  history?: EvaluateOptions['history'];
}

export interface Analysis {
  criteria: CriterionResult[];
  diagnoses: Diagnosis[];
  baseline: BaselineSection | null;
  compare: CompareSection | null;
  efficiency: ScalingEfficiency[];
  passed: boolean;
  intervalMethod: string;
}

/** Judges a run; sets each stage's `ttfcInterval`. `log` hears the baseline comparison's messages. */
export function analyse(run: RunResult, s: AnalysisSettings, log: (line: string) => void = () => {}): Analysis {
  const intervalOf = intervalCache(run.requests);
  for (const st of run.stages) if (!st.skipped) st.ttfcInterval = ttfcInterval(st, intervalOf);
  // The server figures of each stage, where the metrics table reads them (health.*, monitor.*, log_errors).
  if (s.server) attachStageFigures(s.server, run.stages);
  if (s.goodput) {
    attachGoodput(s.goodput, run.stages, run.requests);
    if (run.compare) attachGoodput(s.goodput, run.compare.stages, run.compare.requests);
  }

  const sample = pairedSampler(run);

  const loaded = s.loaded;
  const criteria = evaluateCriteria(s.criteria, run.stages, {
    ...(loaded?.ok ? { baseline: loaded.baseline.stages } : {}),
    ...(run.compare ? { compare: run.compare.stages, compareIntervalOf: compareIntervalOf(sample) } : {}),
    baselineMissing: loaded === null ? 'no baseline report: set baseline' : loaded.ok ? undefined : 'the baseline could not be read',
    verdict: s.verdict,
    intervalOf,
    ...(s.history ? { history: s.history } : {}),
  });

  const diagnoses: Diagnosis[] = [...diagnose(run), ...diagnoseServer(s.server)];
  let compare: CompareSection | null = null;
  if (run.compare && s.compare) {
    const ab = sameRunComparison(run, sample, { url: s.compare.url, threshold: s.regressionThreshold, secrets: s.compare.secrets });
    compare = ab.section;
    diagnoses.push(...ab.diagnoses);
    for (const d of ab.diagnoses) if (d.kind !== 'smoke') log(`compare: ${d.message}`);
  }

  let baseline: BaselineSection | null = null;
  if (loaded !== null) {
    const cmp = baselineSection(loaded, run.stages, { source: s.baseline ?? '', threshold: s.regressionThreshold, target: s.target });
    baseline = cmp.section;
    diagnoses.push(...cmp.diagnoses);
    for (const m of cmp.messages) log(`baseline: ${m}`);
  }

  return {
    criteria,
    diagnoses,
    baseline,
    compare,
    efficiency: scalingEfficiency(run.stages.filter((s) => !s.rate)).map(({ index, users, throughputRatio, usersRatio, efficiency }) => ({
      index,
      users,
      throughputRatio,
      usersRatio,
      efficiency,
    })),
    passed: gatePassed(run.smokeFailed, criteria),
    intervalMethod: INTERVAL_METHOD,
  };
}
