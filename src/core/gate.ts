import type { Config } from './config.js';
import { criteriaPassed, evaluateCriteria } from './criteria.js';
import { performLogin } from './login.js';
import { waitForReady, type ReadinessOptions } from './readiness.js';
import { redactText } from './redact.js';
import { buildReport, writeReport } from './report-json.js';
import { runLoad, type RunHooks } from './runner.js';
import type { Diagnosis, Report } from './types.js';

export interface GateOptions {
  hooks?: RunHooks;
  commit?: string | null;
  /** Skip writing report-path (tests). */
  noWrite?: boolean;
  /** Progress lines of the steps before the load (wait-for, login), secrets already redacted. Defaults to hooks.log. */
  log?: (line: string) => void;
  /** Called with a secret learned during the run (the login token), e.g. to mask it in the Actions log. */
  onSecret?: (secret: string) => void;
  /** Backoff of the wait-for polling (tests). */
  readiness?: ReadinessOptions;
}

/** Before the load: wait until the target is ready, then log in. Both bounded; both only talk to the configured URLs. */
async function prepare(cfg: Config, opts: GateOptions): Promise<void> {
  const sink = opts.log ?? opts.hooks?.log;
  const log = (line: string): void => sink?.(redactText(line, cfg.secrets));
  if (cfg.wait) await waitForReady(cfg.wait, { ...opts.readiness, log });
  if (cfg.login) {
    const token = await performLogin(cfg.login, { log, secrets: cfg.secrets });
    cfg.setToken(token);
    opts.onSecret?.(token);
  }
}

/** The whole gate: wait-for and login (when set), then load, statistics, criteria, diagnoses, JSON report. Knows nothing of GitHub. */
export async function runGate(cfg: Config, opts: GateOptions = {}): Promise<Report> {
  await prepare(cfg, opts);
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
