// The GitHub Action adapter: inputs → config → gate → summary, outputs, PR comment, check.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import * as core from '@actions/core';
import * as glob from '@actions/glob';
import { buildConfig, type Inputs } from '../core/config/config.js';
import { shardNote } from '../core/config/shard.js';
import { InputError } from '../core/errors.js';
import { runGate } from '../core/gate.js';
import { buildMergeConfig, runMerge } from '../core/merge.js';
import type { Report } from '../core/report-types.js';
import type { ShardInfo } from '../core/section-types.js';
import { abortAfter, cancelOnSignals } from '../core/cancel.js';
import { redactText } from '../core/redact.js';
import { safeLines } from '../core/safe-text.js';
import { describeResult, renderMarkdown } from '../core/report/markdown.js';
import { renderTerminal, stageLine, stageStartLine } from '../core/report/terminal.js';
import { formatStages } from '../core/config/stages.js';
import { VERSION } from '../core/version.js';
import { commentsOn, readEventContext, type EventContext } from './event.js';
import { actionSettings, inputSecrets, readInputs, type ActionSettings } from './inputs.js';
import { failureMessage, outputsOf } from './outputs.js';
import { apiBounds, publishComment, setOutputs, writeSummary } from './publish.js';
import { ISSUE_BODY_MAX, parseTrackingIssue, updateTrackingIssue } from './tracking-issue.js';

/** After a cancel the runner kills the step 7.5 s after its SIGINT: the comment gets what is left. */
const CANCELLED_API_BOUNDS = { timeoutMs: 2000, budgetMs: 3500 };

/** The action's entry point, as `@github/local-action` and dist/index.js call it. */
export async function run(): Promise<void> {
  await runAction();
}

export async function runAction(env: Record<string, string | undefined> = process.env): Promise<void> {
  // Grows as secrets are learned (the config's, a login's token); read by every print.
  const secrets: string[] = [];
  // Everything printed passes here: secrets redacted, and no line of server text can be a workflow command.
  const redact = (text: string): string => safeLines(redactText(text, secrets));
  const info = (text: string): void => core.info(redact(text));
  const cancel = cancelOnSignals((sig) => core.warning(`ttfc-gate: ${sig} received: stopping the load, writing the partial report (a second signal exits at once)`));
  try {
    // Mask secrets before anything can be logged (the runner hides masked values in the log).
    const raw = readInputs(core.getInput);
    secrets.push(...inputSecrets(raw));
    for (const s of secrets) core.setSecret(s);

    const event = readEventContext(env);
    for (const w of event.warnings) core.warning(redact(w));
    if (event.deployment && event.deployment.state !== 'success') {
      const where = event.deployment.environment ? ` of environment "${event.deployment.environment}"` : '';
      core.notice(`The deployment${where} is "${event.deployment.state}": ttfc-gate tests only successful deployments, nothing to do.`);
      return;
    }

    const settings = actionSettings(raw);
    const run: RunContext = { settings, event, env, cancel, secrets, info, redact, trackingIssue: parseTrackingIssue(raw.action['tracking-issue']) };
    if (settings.mode === 'merge') await mergeShards(raw.core, run);
    else await testTarget(raw.core, run);
  } catch (err) {
    if (err instanceof InputError) core.setFailed(redact(`Input '${err.input}': ${err.detail}`));
    else core.setFailed(redact(`ttfc-gate failed: ${err instanceof Error ? err.message : String(err)}`));
  } finally {
    cancel.dispose();
  }
}

/** What a run's publishing needs besides the report and where it was written. */
type RunContext = Omit<PublishContext, 'failOnCriteria' | 'reportPath' | 'markdownPath'>;

/** mode: merge: the shards' reports (`reports`) into one run, published as a run is. */
async function mergeShards(inputs: Inputs, run: RunContext): Promise<void> {
  const files = await expandReports(run.settings.reports);
  const mcfg = buildMergeConfig(inputs, process.cwd());
  run.info(
    `ttfc-gate ${VERSION}: merge of ${files.length} shard report${files.length === 1 ? '' : 's'} (${run.settings.reports.join(', ')}) (event ${run.event.eventName || 'unknown'})`,
  );
  const report = runMerge(files, mcfg, { cwd: process.cwd(), commit: run.event.sha, log: run.info, secrets: run.secrets });
  // The merge step's own fail-on-criteria decides, whatever the shards were given.
  await publish(report, { ...run, failOnCriteria: mcfg.failOnCriteria, reportPath: mcfg.reportPath, markdownPath: mcfg.markdownPath });
}

/** The test of the target: its config (base-url from a deployment_status event), the gate, then publishing. */
async function testTarget(given: Inputs, run: RunContext): Promise<void> {
  const { event, info } = run;
  const inputs = { ...given };
  if (!inputs['base-url']?.trim() && event.deployment) {
    if (event.deployment.url) inputs['base-url'] = event.deployment.url;
    else if (inputs.url?.trim().startsWith('/')) {
      throw new InputError('base-url', 'the deployment_status event carries no environment_url: set base-url (or an absolute url)');
    }
  }
  const cfg = buildConfig(inputs, { env: run.env, cwd: process.cwd() });
  for (const s of cfg.secrets) core.setSecret(s);
  run.secrets.push(...cfg.secrets);
  const addSecret = (s: string): void => {
    core.setSecret(s);
    run.secrets.push(s);
  };

  info(
    `ttfc-gate ${VERSION}: ${cfg.method} ${cfg.displayUrl}, preset ${cfg.preset.name}, stages ${formatStages(cfg.stages)}${cfg.repeat > 1 ? `, repeat ${cfg.repeat}` : ''}${cfg.warmup ? `, warmup ${cfg.warmup}` : ''}${shardNote(cfg)}, verdict ${cfg.verdict} (event ${event.eventName || 'unknown'})`,
  );
  const report = await runGate(cfg, {
    commit: event.sha,
    log: info,
    onSecret: addSecret,
    signal: run.cancel.signal,
    history: { event: event.eventName || null, ref: run.env.GITHUB_REF?.trim() || null, commit: event.sha },
    hooks: {
      stageStart: (i, s) => info(stageStartLine(i, cfg.stages.length, s)),
      stageEnd: (s) => info(`  ${stageLine(s)} (${(s.durationMs / 1000).toFixed(1)} s)`),
    },
  });
  await publish(report, { ...run, failOnCriteria: cfg.failOnCriteria, reportPath: cfg.reportPath, markdownPath: cfg.markdownPath });
}

function redactOutputs<T extends Record<string, string>>(outputs: T, secrets: readonly string[]): T {
  return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, redactText(v, secrets)])) as T;
}

/** The shard reports a merge reads: every pattern of `reports` expanded (@actions/glob), in a stable order. */
async function expandReports(patterns: string[]): Promise<string[]> {
  const files = new Set<string>();
  for (const p of patterns) {
    const globber = await glob.create(p, { matchDirectories: false });
    const found = await globber.glob();
    if (found.length === 0) throw new InputError('reports', `"${p}" matches no file (did the merge job download the shards' artifacts?)`);
    for (const f of found) files.add(relative(process.cwd(), f) || f);
  }
  return [...files].sort();
}

interface PublishContext {
  settings: ActionSettings;
  event: EventContext;
  env: Record<string, string | undefined>;
  cancel: ReturnType<typeof cancelOnSignals>;
  /** Read when publishing: a login during the run adds to them. */
  secrets: string[];
  info: (text: string) => void;
  redact: (text: string) => string;
  failOnCriteria: boolean;
  reportPath: string;
  /** markdown-path: the markdown report is also written here. */
  markdownPath?: string | null;
  /** tracking-issue: open / comment on / close the issue of failing scheduled runs. */
  trackingIssue: boolean;
}

/**
 * Publishes a report — a run's or a merge's, the same way: the log, the job summary, the outputs,
 * the sticky PR comment and the check. A shard's report is only logged and its path output: the
 * merge publishes the run.
 */
async function publish(report: Report, ctx: PublishContext): Promise<void> {
  if (report.shard) {
    publishShard(report, report.shard, ctx);
    return;
  }
  const reportPath = resolve(ctx.reportPath);
  ctx.info('');
  ctx.info(renderTerminal(report));
  ctx.info(`JSON report: ${reportPath}`);

  const markdown = redactText(
    renderMarkdown(report, {
      tag: ctx.settings.commentTag,
      runUrl: ctx.event.runUrl,
      commit: ctx.event.sha,
      commitUrl: commitUrl(ctx.event),
      failOnCriteria: ctx.failOnCriteria,
      reportPath: ctx.reportPath,
    }),
    ctx.secrets,
  );
  await writeSummary(markdown);
  if (ctx.markdownPath) {
    const path = resolve(ctx.markdownPath);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, markdown);
    ctx.info(`markdown report: ${path}`);
  }
  const outputs = outputsOf(report, reportPath, '');
  setOutputs(redactOutputs(outputs, ctx.secrets));

  await postComment(report, markdown, ctx);

  if (ctx.trackingIssue) await publishTrackingIssue(report, ctx);
  conclude(report, ctx);
}

/** A shard's report is only logged and its path output: the merge publishes the run. */
function publishShard(report: Report, s: ShardInfo, ctx: PublishContext): void {
  ctx.info('');
  ctx.info(renderTerminal(report));
  ctx.info(`JSON report of shard ${s.index}/${s.count}: ${resolve(ctx.reportPath)} (upload it as an artifact; the merge job publishes the run)`);
  for (const d of report.diagnoses) if (d.kind === 'shard_late' || d.kind === 'smoke') core.warning(ctx.redact(`ttfc-gate shard ${s.index}/${s.count}: ${d.message}`));
  setOutputs({ 'report-path': resolve(ctx.reportPath), 'comment-url': '' });
  if (report.cancelled)
    core.setFailed(ctx.redact(`ttfc-gate shard ${s.index}/${s.count} cancelled (${ctx.cancel.by ?? 'signal'}): its partial report is written, the merge will miss its users`));
}

/** The sticky PR comment (comment, comment-mode), and the comment-url output. */
async function postComment(report: Report, markdown: string, ctx: PublishContext): Promise<void> {
  if (ctx.settings.comment !== 'never' && commentsOn(ctx.event)) {
    const bounds = report.cancelled ? CANCELLED_API_BOUNDS : apiBounds(ctx.env);
    // A cancel that comes while the comment is written leaves it the same short budget as a cancelled run.
    const stop = abortAfter(ctx.cancel.signal, CANCELLED_API_BOUNDS.budgetMs);
    // on-failure: a passing run posts nothing new, but still updates an earlier comment so a stale ❌ does not linger.
    const onlyUpdate = ctx.settings.comment === 'on-failure' && report.passed;
    const url = await publishComment({
      token: ctx.settings.githubToken,
      tag: ctx.settings.commentTag,
      body: markdown,
      event: ctx.event,
      bounds,
      stop: stop.signal,
      mode: ctx.settings.commentMode,
      onlyUpdate,
    });
    stop.dispose();
    setOutputs({ 'comment-url': url });
  } else {
    setOutputs({ 'comment-url': '' });
    if (ctx.settings.comment === 'never') ctx.info('comment: never: no PR comment');
    else ctx.info(`no pull request for a ${ctx.event.eventName || 'unknown'} event: no PR comment (job summary, outputs and report only)`);
  }
}

/** The run's annotations (warnings, inconclusive criteria, regressions) and the check's outcome. */
function conclude(report: Report, ctx: PublishContext): void {
  for (const w of report.history?.warnings ?? []) core.warning(ctx.redact(`ttfc-gate ${w}`));
  for (const c of report.criteria) if (c.status === 'fail' && c.severity === 'warn') core.warning(ctx.redact(`ttfc-gate warning: ${describeResult(c)}`));
  for (const c of report.criteria) if (c.status === 'inconclusive') core.notice(ctx.redact(`ttfc-gate inconclusive: ${describeResult(c)}`));
  if (report.baseline && !report.baseline.loaded) core.warning(ctx.redact(`ttfc-gate baseline not compared: ${report.baseline.messages[0] ?? ''}`));
  const regressed = [
    report.baseline?.regressions.length ? `${report.baseline.regressions.join(', ')} users` : '',
    ...(report.baseline?.regressionRates ?? []).map((r) => `${r}/s`),
  ].filter(Boolean);
  if (regressed.length) {
    core.warning(ctx.redact(`ttfc-gate: regression against the baseline at ${regressed.join(', ')} (see the job summary; only criteria fail the check)`));
  }
  if (report.cancelled) {
    core.setFailed(ctx.redact(`ttfc-gate cancelled (${ctx.cancel.by ?? 'signal'}): the load was stopped; the report, summary and comment hold the partial figures`));
  } else if (!report.passed) {
    const message = ctx.redact(failureMessage(report));
    if (ctx.failOnCriteria) core.setFailed(message);
    else core.warning(`${message}\n(fail-on-criteria is false: the check passes)`);
  } else {
    ctx.info('TTFC gate passed');
  }
}

/** The tracking issue, with the report rendered for it (no sticky marker) and the comment's time bounds. */
async function publishTrackingIssue(report: Report, ctx: PublishContext): Promise<void> {
  const markdown = redactText(
    renderMarkdown(report, {
      runUrl: ctx.event.runUrl,
      commit: ctx.event.sha,
      commitUrl: commitUrl(ctx.event),
      failOnCriteria: ctx.failOnCriteria,
      reportPath: ctx.reportPath,
      limit: ISSUE_BODY_MAX - 1000,
    }),
    ctx.secrets,
  );
  const stop = abortAfter(ctx.cancel.signal, CANCELLED_API_BOUNDS.budgetMs);
  await updateTrackingIssue({
    token: ctx.settings.githubToken,
    tag: ctx.settings.commentTag,
    report,
    markdown,
    event: ctx.event,
    bounds: report.cancelled ? CANCELLED_API_BOUNDS : apiBounds(ctx.env),
    stop: stop.signal,
    secrets: ctx.secrets,
  });
  stop.dispose();
}

function commitUrl(event: EventContext): string | null {
  return event.repo && event.sha ? `${event.serverUrl}/${event.repo.owner}/${event.repo.repo}/commit/${event.sha}` : null;
}
