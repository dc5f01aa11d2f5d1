import type { Config } from './config.js';
import { criteriaPassed, evaluateCriteria } from './criteria.js';
import { buildReport, writeReport } from './report-json.js';
import { runLoad, type RunHooks } from './runner.js';
import type { Diagnosis, Report } from './types.js';

export interface GateOptions {
  hooks?: RunHooks;
  commit?: string | null;
  /** Skip writing report-path (tests). */
  noWrite?: boolean;
}

/** The whole gate: load, statistics, criteria, diagnoses, JSON report. Knows nothing of GitHub. */
export async function runGate(cfg: Config, opts: GateOptions = {}): Promise<Report> {
  const run = await runLoad(
    { spec: { origin: cfg.origin, path: cfg.path, method: cfg.method, timeoutMs: cfg.timeoutMs, format: cfg.format, preset: cfg.preset }, render: cfg.render },
    { stages: cfg.stages, cooldownMs: cfg.cooldownMs, hooks: opts.hooks },
  );
  const criteria = evaluateCriteria(cfg.criteria, run.stages);
  const diagnoses: Diagnosis[] = [];
  if (run.smokeFailed) {
    const first = run.stages[0];
    const sample = run.errorSamples[0];
    diagnoses.push({
      kind: 'smoke',
      users: first?.users ?? null,
      message: `smoke test failed: no request of the first stage succeeded${sample ? ` (${sample.category}: ${sample.message})` : ''}; the remaining stages were skipped`,
      evidence: { failures: first?.failures ?? {} },
    });
  }
  const passed = !run.smokeFailed && criteriaPassed(criteria);
  const report = buildReport(cfg, run, criteria, diagnoses, passed, { commit: opts.commit });
  if (!opts.noWrite) writeReport(cfg.reportPath, report, cfg.secrets);
  return report;
}
