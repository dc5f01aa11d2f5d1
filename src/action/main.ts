import * as core from '@actions/core';
import { buildConfig, CORE_INPUTS } from '../core/config.js';
import { InputError } from '../core/errors.js';
import { runGate } from '../core/gate.js';
import { renderTerminal } from '../core/report-terminal.js';

/** Stub adapter (issue 3 replaces it): runs the core with the action's inputs. */
export async function runAction(): Promise<void> {
  try {
    const inputs: Record<string, string> = {};
    for (const name of Object.keys(CORE_INPUTS)) inputs[name] = core.getInput(name);
    const cfg = buildConfig(inputs, { env: process.env });
    for (const s of cfg.secrets) core.setSecret(s);
    const report = await runGate(cfg);
    core.info(renderTerminal(report));
    core.setOutput('passed', String(report.passed));
    core.setOutput('report-path', cfg.reportPath);
    if (!report.passed && cfg.failOnCriteria) core.setFailed('criteria missed');
  } catch (err) {
    if (err instanceof InputError) core.setFailed(`Input ${err.message}`);
    else core.setFailed(err instanceof Error ? err.message : String(err));
  }
}
