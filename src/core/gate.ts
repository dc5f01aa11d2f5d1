// The gate's orchestration: prepare the target, run the load, analyse, report. Every step lives in
// its own module; this one only decides their order and hands results from one to the next.

import { compareOfChosen } from './analysis/ab.js';
import { analyse } from './analysis/analyse.js';
import { readBaseline, type BaselineLoad } from './analysis/baseline.js';
import { repeatOf } from './analysis/confidence.js';
import type { Config } from './config/config.js';
import { performLogin } from './prepare/login.js';
import { checkMonitorUnits } from './analysis/criteria/units.js';
import { waitForReady, type ReadinessOptions } from './prepare/readiness.js';
import { finishHistory, openHistory, referenceOf, type HistoryContext } from './history/run.js';
import { redactText } from './redact.js';
import { buildReport, redactRun, sourceOf, writeReport } from './report/json.js';
import { lateDiagnosis, shardInfo } from './shards/identity.js';
import { runLoad, type RunHooks } from './run/run-load.js';
import { targetsOf, type Targets } from './config/targets.js';
import { formatStages, isRate, stageOf } from './config/stages.js';
import { ServerSession } from './server/session.js';
import type { ServerSection } from './server/types.js';
import type { RunResult } from './types.js';
import type { Report } from './report-types.js';
import { evaluateCapacityCriteria, runCapacity, usesCapacity } from './capacity/index.js';
import { gatePassed } from './analysis/verdict.js';

export interface GateOptions {
  hooks?: RunHooks;
  commit?: string | null;
  /** Skip writing report-path (tests). */
  noWrite?: boolean;
  /** Progress lines (wait-for, login, baseline, runs, warm-up), secrets already redacted. Defaults to hooks.log. */
  log?: (line: string) => void;
  /** Called with a secret learned during the run (the login token), e.g. to mask it in the Actions log. */
  onSecret?: (secret: string) => void;
  /** Backoff of the wait-for polling (tests). */
  readiness?: ReadinessOptions;
  /** Cancels the run (SIGINT/SIGTERM): the partial report is still built and written, marked cancelled. */
  signal?: AbortSignal;
  /** The workflow event, ref and commit, for the history (history-path): which runs record an entry. */
  history?: HistoryContext;
}

/**
 * Before the load: wait until the target is ready, then log in. Both bounded; both only talk to the
 * configured URLs. Returns the token the requests carry: the login's, else the token input.
 */
async function prepare(cfg: Config, opts: GateOptions, log: (line: string) => void): Promise<string | undefined> {
  if (cfg.wait) await waitForReady(cfg.wait, { ...opts.readiness, log, ...(opts.signal ? { signal: opts.signal } : {}) });
  if (!cfg.login || opts.signal?.aborted) return cfg.token;
  let token: string;
  try {
    token = await performLogin(cfg.login, { log, secrets: cfg.secrets, ...(opts.signal ? { signal: opts.signal } : {}) });
  } catch (err) {
    // A login cut by the cancel is the cancel, not a failed login: the (empty) partial report follows.
    if (opts.signal?.aborted) return cfg.token;
    throw err;
  }
  // The run's list of values to redact grows by the token (every output redacts with it).
  if (!cfg.secrets.includes(token)) cfg.secrets.push(token);
  opts.onSecret?.(token);
  return token;
}

/** Reads the baseline (never throws) and says in the log what was found. */
export function loadBaseline(cfg: Pick<Config, 'baseline' | 'baselinePath' | 'regressionThreshold'>, log: (line: string) => void): BaselineLoad | null {
  if (cfg.baselinePath === null || cfg.baseline === null) return null;
  const given = cfg.baseline;
  const b = readBaseline(cfg.baselinePath);
  if (!b.ok) {
    // Messages name the path as the user gave it.
    const message = b.message.split(cfg.baselinePath).join(given);
    log(`baseline: ${message} — not compared (the run goes on)`);
    return { ok: false, message };
  }
  b.baseline.source = given;
  const when = [b.baseline.commit ? `commit ${b.baseline.commit.slice(0, 7)}` : '', b.baseline.startedAt ?? ''].filter(Boolean).join(', ');
  log(
    `baseline: ${given}${when ? ` (${when})` : ''}, stages ${formatStages(b.baseline.stages.map(stageOf))}; regression threshold ${Math.round(cfg.regressionThreshold * 1000) / 10}%`,
  );
  b.warnings = b.warnings.map((w) => w.split(cfg.baselinePath!).join(given));
  for (const w of b.warnings) log(`baseline: ${w}`);
  return b;
}

/**
 * `repeat` runs of the load (the warm-up before the first); a run that fails its smoke test ends the
 * series. With the server side on, its session spans every run: idle samples before the first, told
 * of each stage, stopped after the last cool-down (and closed, commands killed, if a run throws).
 */
async function runAll(cfg: Config, targets: Targets, opts: GateOptions, log: (line: string) => void): Promise<{ runs: RunResult[]; server: ServerSection | null }> {
  const session = cfg.server ? await ServerSession.start(cfg.server, { log, cooldownMs: cfg.cooldownMs, ...(opts.signal ? { signal: opts.signal } : {}) }) : null;
  const hooks: RunHooks = { ...opts.hooks, log };
  if (session) {
    hooks.stageStart = (index, stage) => {
      session.stageStart(index, isRate(stage) ? 0 : stage.users);
      opts.hooks?.stageStart?.(index, stage);
    };
    hooks.stageEnd = (summary) => {
      session.stageEnd(summary.index);
      opts.hooks?.stageEnd?.(summary);
    };
  }
  try {
    // A monitor's unit is known from its idle sample: a threshold in another unit is an input error before any load.
    if (session) checkMonitorUnits(cfg.criteria, session.monitorUnits());
    const runs = await runEach(cfg, targets, opts, hooks, log);
    // A cancelled run does not wait for the cool-down and the idle samples after it.
    return { runs, server: session ? await session.finish({ quick: opts.signal?.aborted === true }) : null };
  } finally {
    await session?.close();
  }
}

async function runEach(cfg: Config, targets: Targets, opts: GateOptions, hooks: RunHooks, log: (line: string) => void): Promise<RunResult[]> {
  const runs: RunResult[] = [];
  for (let i = 0; i < cfg.repeat; i++) {
    if (i > 0 && opts.signal?.aborted) break;
    if (cfg.repeat > 1) {
      if (i > 0 && cfg.cooldownMs > 0) await new Promise((r) => setTimeout(r, cfg.cooldownMs));
      log(`run ${i + 1}/${cfg.repeat}`);
    }
    const cmp = cfg.compare;
    if (i === 0 && cmp) {
      log(`compare: ${cmp.displayUrl}, every stage in rounds alternating with the url (HB BH …)`);
      if (cfg.warmup === 0) log("compare: 1 warm-up request a side before stage 1 (the first request of a run pays the client's own cold start: it must not land on one side)");
    }
    const r = await runLoad(targets.head, {
      stages: cfg.stages,
      cooldownMs: cfg.cooldownMs,
      hooks,
      // A/B: at least one warm-up request a side, so the run's first slot is not one side's handicap.
      warmup: i === 0 ? (cmp ? Math.max(cfg.warmup, 1) : cfg.warmup) : 0,
      ...(targets.base ? { compare: targets.base } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(cfg.shard ? { shard: cfg.shard } : {}),
      ...(cfg.schedule ? { schedule: cfg.schedule } : {}),
      arrivals: cfg.arrivals,
    });
    runs.push(r);
    if (r.smokeFailed) {
      if (i + 1 < cfg.repeat) log(`run ${i + 1} failed the smoke test: the remaining ${cfg.repeat - i - 1} run(s) are not started`);
      break;
    }
  }
  return runs;
}

/**
 * The whole gate: wait-for and login (when set), the baseline, `repeat` runs of the load (the
 * warm-up before the first), the median run, statistics with intervals, criteria, diagnoses and the
 * baseline comparison, the JSON report. Knows nothing of GitHub.
 */
export async function runGate(cfg: Config, opts: GateOptions = {}): Promise<Report> {
  const sink = opts.log ?? opts.hooks?.log;
  const log = (line: string): void => sink?.(redactText(line, cfg.secrets));
  if (cfg.shard && cfg.shard.count > 1 && cfg.startAt === null) {
    log(`shard ${cfg.shard.index}/${cfg.shard.count} without start-at: its stages start when this job gets to them, not together with the other shards' (the merge will flag it)`);
  }
  if (cfg.usageAsked)
    log(
      'preset openai: the body asks for usage ("stream_options": {"include_usage": true}) to measure output tokens, TPOT and tokens/s; set stream_options in the body to decide yourself',
    );
  // Read first: a bad history-write fails before any request, and a bad file is only a warning.
  const history = cfg.history ? openHistory(cfg.history, opts.history ?? {}, log) : null;
  const targets = targetsOf(cfg, await prepare(cfg, opts, log));
  const loaded = loadBaseline(cfg, log);

  const { runs: all, server } = await runAll(cfg, targets, opts, log);
  for (const r of all) redactRun(r, cfg.secrets);
  // The capacity search follows the stages (not a failed smoke test: a broken target is not hammered).
  const capacity = cfg.capacity ? await runCapacity(cfg, { targets, log, smokeFailed: all.at(-1)?.smokeFailed === true, ...(opts.signal ? { signal: opts.signal } : {}) }) : null;
  const cancelled = opts.signal?.aborted === true;
  if (cancelled) log(`cancelled: ${all.reduce((n, r) => n + r.requests.length, 0)} request(s) issued; writing the partial report`);
  // A cancelled series reports its last, partial run: a median over a cut-off run would mix what was and was not measured.
  const runs = cancelled ? all.slice(-1) : all;
  const { run, repeat } = repeatOf(runs, cfg.repeat);
  // The compare side of each stage comes from the run whose head stage was chosen: the pairs stay pairs.
  if (repeat && runs.length > 1) {
    const side = compareOfChosen(runs, repeat.chosenRuns, run.stages);
    if (side) run.compare = side;
  }
  if (repeat && repeat.runs > 1) log(`median run per stage (by TTFC avg): ${repeat.chosenRuns.map((r, i) => `stage ${i + 1} from run ${r + 1}`).join(', ')}`);

  const reference = history ? referenceOf(history, run.stages) : null;
  // A shard carries its criteria to the merge but does not judge its share of the users.
  const analysis = analyse(
    run,
    {
      criteria: cfg.shard ? [] : cfg.criteria.filter((c) => !usesCapacity(c)),
      verdict: cfg.verdict,
      regressionThreshold: cfg.regressionThreshold,
      baseline: cfg.baseline,
      loaded,
      target: { method: cfg.method, url: cfg.displayUrl, preset: cfg.preset.name },
      ...(cfg.compare ? { compare: { url: cfg.compare.displayUrl, secrets: cfg.secrets } } : {}),
      server,
      goodput: cfg.goodput,
      ...(reference ? { history: reference.lookup } : {}),
    },
    log,
  );
  const shard = cfg.shard ? shardInfo(cfg, run) : undefined;
  const late = shard ? lateDiagnosis(shard) : null;
  if (late) analysis.diagnoses.push(late);
  if (cfg.capacity) {
    analysis.criteria.push(...evaluateCapacityCriteria(cfg.criteria, capacity, cfg.verdict));
    analysis.diagnoses.push(...(capacity?.diagnoses ?? []));
    analysis.passed = gatePassed(run.smokeFailed, analysis.criteria);
  }
  const report = buildReport(sourceOf(cfg), run, analysis.criteria, analysis.diagnoses, !cancelled && analysis.passed, {
    commit: opts.commit,
    intervalMethod: analysis.intervalMethod,
    efficiency: analysis.efficiency,
    baseline: analysis.baseline,
    repeat,
    warmup: all[0]?.warmup ?? null,
    compare: analysis.compare,
    cancelled,
    server,
    ...(shard ? { shard } : {}),
    ...(capacity ? { capacity: capacity.section } : {}),
  });
  if (history && reference) finishHistory(history, report, reference, { ...opts.history, secrets: cfg.secrets }, log);
  if (!opts.noWrite) writeReport(cfg.reportPath, report, cfg.secrets);
  return report;
}
