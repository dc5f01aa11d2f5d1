// The GitHub Action adapter: inputs → config → gate → summary, outputs, PR comment, check.
import { resolve } from 'node:path';
import * as core from '@actions/core';
import { buildConfig } from '../core/config/config.js';
import { InputError } from '../core/errors.js';
import { runGate } from '../core/gate.js';
import { cancelOnSignals } from '../core/cancel.js';
import { redactText } from '../core/redact.js';
import { safeLines } from '../core/safe-text.js';
import { describeResult, renderMarkdown } from '../core/report/markdown.js';
import { renderTerminal, stageLine, stageStartLine } from '../core/report/terminal.js';
import { formatStages } from '../core/config/stages.js';
import { VERSION } from '../core/version.js';
import { commentsOn, readEventContext, type EventContext } from './event.js';
import { actionSettings, inputSecrets, readInputs } from './inputs.js';
import { failureMessage, outputsOf } from './outputs.js';
import { apiBounds, publishComment, setOutputs, writeSummary } from './publish.js';

/** After a cancel the runner kills the step 7.5 s after its SIGINT: the comment gets what is left. */
const CANCELLED_API_BOUNDS = { timeoutMs: 2000, budgetMs: 3500 };

export async function runAction(env: Record<string, string | undefined> = process.env): Promise<void> {
  let secrets: string[] = [];
  // Everything printed passes here: secrets redacted, and no line of server text can be a workflow command.
  const redact = (text: string): string => safeLines(redactText(text, secrets));
  const info = (text: string): void => core.info(redact(text));
  const cancel = cancelOnSignals((sig) => core.warning(`ttfc-gate: ${sig} received: stopping the load, writing the partial report (a second signal exits at once)`));
  try {
    // Mask secrets before anything can be logged (the runner hides masked values in the log).
    const raw = readInputs(core.getInput);
    secrets = inputSecrets(raw);
    for (const s of secrets) core.setSecret(s);

    const event = readEventContext(env);
    for (const w of event.warnings) core.warning(redact(w));
    if (event.deployment && event.deployment.state !== 'success') {
      const where = event.deployment.environment ? ` of environment "${event.deployment.environment}"` : '';
      core.notice(`The deployment${where} is "${event.deployment.state}": ttfc-gate tests only successful deployments, nothing to do.`);
      return;
    }

    const settings = actionSettings(raw);
    const inputs = { ...raw.core };
    if (!inputs['base-url']?.trim() && event.deployment) {
      if (event.deployment.url) inputs['base-url'] = event.deployment.url;
      else if (inputs.url?.trim().startsWith('/')) {
        throw new InputError('base-url', 'the deployment_status event carries no environment_url: set base-url (or an absolute url)');
      }
    }
    const cfg = buildConfig(inputs, { env, cwd: process.cwd() });
    for (const s of cfg.secrets) core.setSecret(s);
    secrets = [...secrets, ...cfg.secrets];
    const addSecret = (s: string): void => {
      core.setSecret(s);
      secrets.push(s);
    };

    info(`ttfc-gate ${VERSION}: ${cfg.method} ${cfg.displayUrl}, preset ${cfg.preset.name}, stages ${formatStages(cfg.stages)}${cfg.repeat > 1 ? `, repeat ${cfg.repeat}` : ''}${cfg.warmup ? `, warmup ${cfg.warmup}` : ''}, verdict ${cfg.verdict} (event ${event.eventName || 'unknown'})`);
    const report = await runGate(cfg, {
      commit: event.sha,
      log: info,
      onSecret: addSecret,
      signal: cancel.signal,
      hooks: {
        stageStart: (i, s) => info(stageStartLine(i, cfg.stages.length, s)),
        stageEnd: (s) => info(`  ${stageLine(s)} (${(s.durationMs / 1000).toFixed(1)} s)`),
      },
    });
    const reportPath = resolve(cfg.reportPath);
    info('');
    info(renderTerminal(report));
    info(`JSON report: ${reportPath}`);

    const markdown = redactText(
      renderMarkdown(report, {
        tag: settings.commentTag,
        runUrl: event.runUrl,
        commit: event.sha,
        commitUrl: commitUrl(event),
        failOnCriteria: cfg.failOnCriteria,
        reportPath: cfg.reportPath,
      }),
      secrets,
    );
    await writeSummary(markdown);
    const outputs = outputsOf(report, reportPath, '');
    setOutputs(redactOutputs(outputs, secrets));

    if (settings.comment && commentsOn(event)) {
      const bounds = report.cancelled ? CANCELLED_API_BOUNDS : apiBounds(env);
      // A cancel that comes while the comment is written leaves it the same short budget as a cancelled run.
      const stop = afterAbort(cancel.signal, CANCELLED_API_BOUNDS.budgetMs);
      const url = await publishComment({ token: settings.githubToken, tag: settings.commentTag, body: markdown, event, bounds, stop: stop.signal });
      stop.dispose();
      setOutputs({ 'comment-url': url });
    } else {
      setOutputs({ 'comment-url': '' });
      if (!settings.comment) info('comment: false: no PR comment');
      else info(`no pull request for a ${event.eventName || 'unknown'} event: no PR comment (job summary, outputs and report only)`);
    }

    for (const c of report.criteria) if (c.status === 'fail' && c.severity === 'warn') core.warning(redact(`ttfc-gate warning: ${describeResult(c)}`));
    for (const c of report.criteria) if (c.status === 'inconclusive') core.notice(redact(`ttfc-gate inconclusive: ${describeResult(c)}`));
    if (report.baseline && !report.baseline.loaded) core.warning(redact(`ttfc-gate baseline not compared: ${report.baseline.messages[0] ?? ''}`));
    if (report.baseline?.regressions.length) {
      core.warning(redact(`ttfc-gate: regression against the baseline at ${report.baseline.regressions.join(', ')} users (see the job summary; only criteria fail the check)`));
    }
    if (report.cancelled) {
      core.setFailed(redact(`ttfc-gate cancelled (${cancel.by ?? 'signal'}): the load was stopped; the report, summary and comment hold the partial figures`));
    } else if (!report.passed) {
      const message = redact(failureMessage(report));
      if (cfg.failOnCriteria) core.setFailed(message);
      else core.warning(`${message}\n(fail-on-criteria is false: the check passes)`);
    } else {
      info('TTFC gate passed');
    }
  } catch (err) {
    if (err instanceof InputError) core.setFailed(redact(`Input '${err.input}': ${err.detail}`));
    else core.setFailed(redact(`ttfc-gate failed: ${err instanceof Error ? err.message : String(err)}`));
  } finally {
    cancel.dispose();
  }
}

/** A signal that aborts `ms` after `signal` does. */
function afterAbort(signal: AbortSignal, ms: number): { signal: AbortSignal; dispose(): void } {
  const ctl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const start = (): void => {
    timer = setTimeout(() => ctl.abort(), ms);
  };
  signal.addEventListener('abort', start, { once: true });
  return {
    signal: ctl.signal,
    dispose: () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', start);
    },
  };
}

function redactOutputs<T extends Record<string, string>>(outputs: T, secrets: readonly string[]): T {
  return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, redactText(v, secrets)])) as T;
}

function commitUrl(event: EventContext): string | null {
  return event.repo && event.sha ? `${event.serverUrl}/${event.repo.owner}/${event.repo.repo}/commit/${event.sha}` : null;
}
