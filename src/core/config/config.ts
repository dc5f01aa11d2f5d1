// The one place both adapters go through: named inputs to one validated config, plain data. Each
// group of inputs is read by its own module (request-inputs, load-plan, judging, before-load, compare,
// urls; reading one input in read-input.ts; the table of inputs is inputs.ts); this one puts them together in order.
import type { VerdictMode } from '../analysis/confidence.js';
import type { GoodputLine } from '../analysis/goodput.js';
import { readCapacity } from '../capacity/config.js';
import type { CapacitySpec } from '../capacity/types.js';
import { buildHistorySpec, type HistorySpec } from '../history/config.js';
import type { ArrivalOptions } from '../load/arrivals.js';
import type { Preset } from '../load/presets/types.js';
import { redactUrl } from '../redact.js';
import type { ServerSpec } from '../server/types.js';
import type { Criterion, Stage, StreamFormat } from '../types.js';
import { readBeforeLoad } from './before-load.js';
import { readCompare, type CompareTarget } from './compare.js';
import { checkReportPath } from './files.js';
import { value, type Inputs } from './read-input.js';
import { readJudging, addServerCriteria } from './judging.js';
import { readLoad, readSharding } from './load-plan.js';
import type { LoginSpec } from './login.js';
import type { ReadinessSpec } from './readiness.js';
import type { RequestTemplate } from './request.js';
import { checkTokenSource, compileRequest, readRequest, readToken } from './request-inputs.js';
import type { ShardSpec } from './shard.js';
import { resolveUrl } from './urls.js';

// The inputs' type, as the adapters import it (the table of inputs is inputs.ts).
export type { Inputs } from './read-input.js';

export interface Config {
  url: string;
  origin: string;
  path: string;
  /** The URL with credentials and secret-looking query values removed: safe to print. */
  displayUrl: string;
  method: string;
  headerLines: Array<[string, string]>;
  body: string | null;
  /** The openai preset added `"stream_options": {"include_usage": true}` to the body (the LLM figures need usage). */
  usageAsked: boolean;
  token: string | undefined;
  preset: Preset;
  format: StreamFormat;
  stages: Stage[];
  /** How rate stages schedule their arrivals (arrival, arrival-seed, max-in-flight). */
  arrivals: ArrivalOptions;
  /** The goodput SLO lines, or null when `goodput` is not set. */
  goodput: GoodputLine[] | null;
  timeoutMs: number;
  cooldownMs: number;
  /** The largest single event a stream may carry before the request fails as `protocol`. */
  maxEventBytes: number;
  criteriaText: string;
  criteria: Criterion[];
  failOnCriteria: boolean;
  reportPath: string;
  /** Where the markdown report is also written (markdown-path), or null. */
  markdownPath: string | null;
  /** strict: the measured value decides; confident: only an interval wholly on the wrong side fails. */
  verdict: VerdictMode;
  /** How many times the whole plan runs (the median run per stage is reported). */
  repeat: number;
  /** Requests sent before stage 1, left out of every figure. */
  warmup: number;
  /** The baseline report as given (null: none), and resolved against the working directory. */
  baseline: string | null;
  baselinePath: string | null;
  /** TTFC avg / p95 more than this much slower than the baseline is a regression (0.2 = 20%). */
  regressionThreshold: number;
  /** Values that must never be printed (token, secret header values, URL passwords and secret query values, login password and token). */
  secrets: string[];
  /** The login request before the test (login-url / login-email), or null. */
  login: LoginSpec | null;
  /** The readiness wait before the test (wait-for), or null. */
  wait: ReadinessSpec | null;
  /** Same-run A/B: the base target loaded in alternating rounds with the url (compare-url), or null. */
  compare: CompareTarget | null;
  /** Health probe, monitors, metrics and logs during the stages (health-url, monitor, metrics-url, logs-command), or null. */
  server: ServerSpec | null;
  /** The capacity search after the stages (capacity: the SLO), or null. */
  capacity: CapacitySpec | null;
  /** `shard: K/N`, or null for a whole run. */
  shard: ShardSpec | null;
  /** `start-at` as epoch ms, or null. */
  startAt: number | null;
  /** `stage-window` (ms), or null: each stage's worst case. */
  stageWindowMs: number | null;
  /** Epoch ms each stage starts at (from start-at), or null: stages follow each other after the cool-down. */
  schedule: number[] | null;
  /** The run history (history-path), or null. */
  history: HistorySpec | null;
  /** The request to send, as data (renderRequest fills it per request with the token input or the login's). */
  request: RequestTemplate;
}

export interface ConfigContext {
  env: Record<string, string | undefined>;
  /** Resolves relative file paths (body-file). */
  cwd?: string;
  /** Epoch ms `start-at: +90s` counts from (default: now). */
  now?: number;
}

/** Builds and validates the config from named inputs: the one place both adapters go through. */
export function buildConfig(inputs: Inputs, ctx: ConfigContext): Config {
  const secrets: string[] = [];
  const cwd = ctx.cwd ?? process.cwd();
  const token = readToken(inputs, secrets);
  const target = resolveUrl(value(inputs, 'url'), value(inputs, 'base-url'), secrets);
  const request = readRequest(inputs, cwd, secrets);
  const load = readLoad(inputs);
  const judge = readJudging(inputs, cwd);
  const reportPath = (value(inputs, 'report-path') ?? 'ttfc-report.json').trim();
  checkReportPath('report-path', reportPath, cwd);
  const markdownPath = value(inputs, 'markdown-path')?.trim() ?? null;
  if (markdownPath !== null) checkReportPath('markdown-path', markdownPath, cwd);
  const templates = compileRequest(request, target.path, ctx.env, secrets);
  const before = readBeforeLoad(inputs, {
    ...target,
    token,
    timeoutMs: load.timeoutMs,
    preset: request.preset,
    env: ctx.env,
    secrets,
    templates,
    headerLines: request.headerLines,
  });
  checkTokenSource(request, token, before.login);
  addServerCriteria(inputs, judge, before.server);
  const compare = readCompare(inputs, request, target, templates, ctx.env, secrets, judge.criteria);
  const cap = readCapacity(inputs, load.stages, { shard: value(inputs, 'shard') !== undefined, compare: compare !== null, criteria: judge.criteria });
  load.stages = cap.stages;
  const sharding = readSharding(inputs, load, { compare: compare !== null, server: before.server !== null }, ctx.now ?? Date.now());
  const history = buildHistorySpec(inputs, cwd, judge.criteria, sharding.shard !== null, [
    ['report-path', reportPath],
    ['markdown-path', markdownPath],
    ['baseline', judge.baseline],
  ]);
  return {
    ...target,
    displayUrl: redactUrl(target.url),
    method: request.method,
    headerLines: request.headerLines,
    body: request.body,
    usageAsked: request.usageAsked,
    token,
    preset: request.preset,
    format: request.format,
    ...load,
    ...judge,
    reportPath,
    markdownPath,
    secrets,
    ...before,
    compare,
    capacity: cap.capacity,
    ...sharding,
    history,
    request: templates,
  };
}
