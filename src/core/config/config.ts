import { isAbsolute, resolve as resolvePath } from 'node:path';
import { parseRegressionThreshold } from '../analysis/baseline.js';
import { VERDICT_MODES, type VerdictMode } from '../analysis/confidence.js';
import { parseCriteria, CriteriaError, DEFAULT_CRITERIA } from '../analysis/criteria/index.js';
import { parseDuration } from '../time/duration.js';
import { InputError } from '../errors.js';
import { isSecretHeader, parseHeaderLines } from './headers.js';
import { buildLogin, type LoginSpec } from './login.js';
import { getPreset, PRESET_NAMES } from '../load/presets/index.js';
import { authSchemeFor, type Preset } from '../load/presets/types.js';
import { askForUsage } from '../load/presets/openai.js';
import type { ReadinessSpec } from './readiness.js';
import { isSecretParam, looksLikeSecret, redactUrl } from '../redact.js';
import { checkReportPath, readBodyFile } from './files.js';
import { parseSize } from './size.js';
import { urlWithoutScheme } from './url-scheme.js';
import { DEFAULT_STAGES, isRate, parseStages } from './stages.js';
import { DEFAULT_ARRIVAL_SEED, DEFAULT_MAX_IN_FLIGHT, type ArrivalOptions } from '../load/arrivals.js';
import { parseGoodput, type GoodputLine } from '../analysis/goodput.js';
import { parseShard, parseStartAt, stageSchedule, type ShardSpec } from './shard.js';
import { isPerRequest, renderTemplate, usesToken } from './template.js';
import { buildRequestTemplate, type RequestTemplate } from './request.js';
import { buildServerSpec, checkServerCriteria, SERVER_INPUTS } from '../server/config.js';
import { buildHistorySpec, HISTORY_INPUTS, type HistorySpec } from '../history/config.js';
import { defaultServerCriteria } from '../server/metrics.js';
import type { ServerSpec } from '../server/types.js';
import type { Criterion, Stage, StreamFormat } from '../types.js';
import { CAPACITY_INPUTS, readCapacity } from '../capacity/config.js';
import type { CapacitySpec } from '../capacity/types.js';

const MAX_REPEAT = 10;
const MAX_IN_FLIGHT = 100_000;
const MAX_SEED = 4_294_967_295;
export const MAX_WARMUP = 50;

/** The inputs of the core, named as in action.yml; the CLI takes the same names as --flags. */
export const CORE_INPUTS = {
  url: 'absolute URL of the streaming endpoint, or a path starting with / resolved against base-url',
  'base-url': 'base of the preview deployment (action: defaults to the environment_url of a deployment_status event)',
  method: 'HTTP method (default POST)',
  headers: 'request headers, one "Name: value" a line',
  body: 'request body; {{uuid}} {{user}} {{iteration}} {{stage}} {{token}} {{env.NAME}} are filled per request',
  'body-file': 'read the request body from this file (same placeholders)',
  token: 'secret sent as Authorization (Bearer unless the preset says otherwise) unless headers set it; also {{token}}',
  preset: `how the stream is read (first content, in-band errors): ${PRESET_NAMES.join(', ')} (default generic)`,
  format: 'stream format: auto (by Content-Type, default), sse, ndjson, raw',
  stages: `USERSxREQUESTS (closed: concurrent users) or RATE/s:DURATION (open: arrivals per second, e.g. 2/s:30s), comma-separated (default ${DEFAULT_STAGES})`,
  arrival: 'rate stages: how arrivals are spaced, poisson (default: random, seeded) or uniform (equal gaps)',
  'arrival-seed': `rate stages: seed of the arrival schedule, 0 to ${MAX_SEED} (default ${DEFAULT_ARRIVAL_SEED}); the same seed sends the same schedule`,
  'max-in-flight': `rate stages: most requests open at once (1 to ${MAX_IN_FLIGHT}, default ${DEFAULT_MAX_IN_FLIGHT}); an arrival beyond it is dropped and counted, never delayed`,
  timeout: 'per-request timeout: ms, s, m or h, a bare number is seconds (default 60s, at most 1h)',
  cooldown: 'pause between stages (default 500ms, 0 for none, at most 10m)',
  'max-event-size': 'largest single event (SSE event, NDJSON line) a request may carry; bigger fails the request as protocol (default 16MiB; B, KiB, MiB, GiB, KB, MB, GB)',
  criteria: 'pass/fail criteria, one a line (default: the built-in set)',
  goodput: 'SLO lines a request must all meet to count as goodput, e.g. "ttft < 1s" and "tpot < 50ms" (one a line); metrics goodput (req/s) and goodput_rate (%)',
  'fail-on-criteria': 'true (default): a missed criterion fails; false: report only',
  verdict:
    'strict (default): a criterion fails on its measured value; confident: fails only when its whole 95% bootstrap interval misses the threshold (a straddling one is inconclusive and passes)',
  repeat: `run the whole plan this many times (1 to ${MAX_REPEAT}, default 1); the report uses the median run per stage and shows the spread`,
  warmup: `requests sent one after another before stage 1 and left out of every figure (0 to ${MAX_WARMUP}, default 0), e.g. for cold starts`,
  baseline: 'path of an earlier JSON report to compare against (deltas per stage; regressions marked)',
  'regression-threshold': 'how much slower TTFC avg or p95 may get against the baseline before it is marked a regression (default 20%)',
  'report-path': 'where to write the JSON report (default ttfc-report.json)',
  'markdown-path': 'also write the markdown report (the PR comment and job summary) to this file, e.g. to preview the comment locally (default: none)',
  'login-url': 'log in once before the test: POST login-body here (URL, or a path against base-url / the url); the token is masked, sent like token and fills {{token}}',
  'login-body': 'body of the login request ({{uuid}} and {{env.NAME}} are filled)',
  'login-token-from': 'where the login answer carries the token: header:NAME or json:PATH (e.g. json:data.access_token; default header:Authorization with preset ragflow)',
  'login-email': 'RAGFlow login (preset ragflow): the account email; needs login-password and login-public-key',
  'login-password': 'RAGFlow login: the password, sent RSA-encrypted with login-public-key; never printed',
  'login-public-key': "RAGFlow login: the server's RSA public key (PEM, as in RAGFlow conf/public.pem)",
  'wait-for': 'before the test, poll this URL (or a path against base-url / the url) until it answers 2xx',
  'wait-timeout': 'how long wait-for may wait (default 5m, at most 1h)',
  'compare-url':
    "same-run A/B: also load this target (the base: production, or the base branch's preview) in alternating rounds with the url, and report head/base ratios with 95% intervals; a path is resolved against compare-base-url",
  'compare-base-url': "base of the compare target; without compare-url, the url's path is loaded there",
  'compare-headers': 'headers of the compare target, one "Name: value" a line (default: the headers)',
  'compare-token': 'token of the compare target, sent and templated like token (default: the token)',
  ...CAPACITY_INPUTS,
  ...SERVER_INPUTS,
  shard:
    "K/N: run the K-th share of every stage's users of N shards (global user numbers), write the report with the shard identity, post no comment; merge the N reports with mode: merge (CLI: ttfc-gate merge)",
  'start-at': 'start stage 1 at this wall-clock time so every shard starts each stage together: ISO time with zone, ISO+90s, or +90s from now',
  'stage-window': 'with start-at: wall-clock time each stage gets before the next one starts (plus cooldown); default requests per user × timeout',
  ...HISTORY_INPUTS,
} as const;

export type Inputs = Partial<Record<string, string>>;

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

/** The compare target (compare-url): the same method, body and preset as the url, its own URL, headers and token. */
export interface CompareTarget {
  url: string;
  origin: string;
  path: string;
  /** Safe to print. */
  displayUrl: string;
  headerLines: Array<[string, string]>;
  /** Whether compare-token was given (else the token is shared). */
  ownToken: boolean;
  /** The request to send (its own token, when compare-token is given, is in it). */
  request: RequestTemplate;
}

export interface ConfigContext {
  env: Record<string, string | undefined>;
  /** Resolves relative file paths (body-file). */
  cwd?: string;
  /** Epoch ms `start-at: +90s` counts from (default: now). */
  now?: number;
}

const FORMATS: StreamFormat[] = ['auto', 'sse', 'ndjson', 'raw'];

function value(inputs: Inputs, name: string): string | undefined {
  const v = inputs[name];
  return v === undefined || v.trim() === '' ? undefined : v;
}

export function parseBoolean(name: string, text: string | undefined, dflt: boolean): boolean {
  if (text === undefined) return dflt;
  const t = text.trim().toLowerCase();
  if (t === 'true' || t === 'yes' || t === '1') return true;
  if (t === 'false' || t === 'no' || t === '0') return false;
  throw new InputError(name, `"${text}" is not true or false`);
}

/** A whole number in [min, max]; `dflt` when not given. */
function parseCount(name: string, text: string | undefined, dflt: number, min: number, max: number): number {
  if (text === undefined) return dflt;
  const t = text.trim();
  if (!/^\d+$/.test(t)) throw new InputError(name, `"${t}" is not a whole number (${min} to ${max})`);
  const n = Number(t);
  if (n < min || n > max) throw new InputError(name, `${t} is out of range: ${min} to ${max}`);
  return n;
}

function optional<T>(text: string | undefined, dflt: T, parse: (text: string) => T): T {
  return text === undefined ? dflt : parse(text);
}

/** Upper bounds of the durations: a typo must not become a run that never ends (or overflows a timer). */
export const MAX_TIMEOUT_MS = 3_600_000;
export const MAX_COOLDOWN_MS = 600_000;
const MAX_WAIT_TIMEOUT_MS = 3_600_000;
const DEFAULT_MAX_EVENT = 16 * 1024 * 1024;
const MAX_EVENT_RANGE = [1024, 1024 ** 3] as const;

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

function readToken(inputs: Inputs, secrets: string[]): string | undefined {
  const token = value(inputs, 'token')?.trim();
  if (token === undefined) return undefined;
  if (/[\r\n\0]/.test(token)) throw new InputError('token', 'holds a line break or NUL');
  secrets.push(token);
  return token;
}

interface RequestInputs {
  method: string;
  preset: Preset;
  format: StreamFormat;
  headerLines: Array<[string, string]>;
  body: string | null;
  /** The input the body came from (named in errors). */
  bodyInput: 'body' | 'body-file';
  /** The openai preset added stream_options.include_usage to the body. */
  usageAsked: boolean;
}

/** Method, preset, format, headers and body as given (templates not yet filled). */
function readRequest(inputs: Inputs, cwd: string, secrets: string[]): RequestInputs {
  const method = (value(inputs, 'method') ?? 'POST').trim().toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new InputError('method', `"${method}" is not an HTTP method`);
  if (method === 'CONNECT') throw new InputError('method', 'CONNECT opens a tunnel, not a stream: use GET or POST');

  const preset = getPreset((value(inputs, 'preset') ?? 'generic').trim().toLowerCase());
  const format = (value(inputs, 'format') ?? 'auto').trim().toLowerCase() as StreamFormat;
  if (!FORMATS.includes(format)) throw new InputError('format', `"${format}" is not one of ${FORMATS.join(', ')}`);

  const headerLines = parseHeaderLines(value(inputs, 'headers') ?? '');
  for (const [name, v] of headerLines) {
    if (v.includes('{{')) continue; // secret once rendered: see compileRequest
    if ((isSecretHeader(name) && v) || looksLikeSecret(v)) secrets.push(v);
  }

  const bodyText = value(inputs, 'body');
  const bodyFile = value(inputs, 'body-file');
  if (bodyText !== undefined && bodyFile !== undefined) throw new InputError('body-file', 'set either body or body-file, not both');
  const given = bodyFile !== undefined ? readBodyFile('body-file', bodyFile.trim(), cwd) : (bodyText ?? null);
  // The openai preset asks a streaming chat body for usage (the LLM figures need it), unless it says otherwise.
  const asked = preset.name === 'openai' && given !== null ? askForUsage(given) : null;
  const body = asked ?? given;
  return { method, preset, format, headerLines, body, bodyInput: bodyFile !== undefined ? 'body-file' : 'body', usageAsked: asked !== null };
}

/** How rate stages schedule arrivals; a setting of theirs without a rate stage would be silently ignored: an error. */
function readArrivals(inputs: Inputs, stages: Stage[]): ArrivalOptions {
  if (!stages.some(isRate)) {
    // Set to anything but its default (a runner passes every default).
    const defaults: Record<string, string> = { arrival: 'poisson', 'arrival-seed': String(DEFAULT_ARRIVAL_SEED), 'max-in-flight': String(DEFAULT_MAX_IN_FLIGHT) };
    const set = Object.keys(defaults).find((n) => value(inputs, n) !== undefined && value(inputs, n)!.trim().toLowerCase() !== defaults[n]);
    if (set) throw new InputError(set, 'applies to rate stages (RATE/s:DURATION, e.g. 2/s:30s) and stages has none');
  }
  const process = (value(inputs, 'arrival') ?? 'poisson').trim().toLowerCase();
  if (process !== 'poisson' && process !== 'uniform') throw new InputError('arrival', `"${process}" is not poisson or uniform`);
  return {
    process,
    seed: parseCount('arrival-seed', value(inputs, 'arrival-seed'), DEFAULT_ARRIVAL_SEED, 0, MAX_SEED),
    maxInFlight: parseCount('max-in-flight', value(inputs, 'max-in-flight'), DEFAULT_MAX_IN_FLIGHT, 1, MAX_IN_FLIGHT),
  };
}

/** Stages, durations and the size bounds of the load. */
function readLoad(inputs: Inputs) {
  const stages = parseStages(value(inputs, 'stages') ?? DEFAULT_STAGES);
  return {
    stages,
    arrivals: readArrivals(inputs, stages),
    timeoutMs: parseDuration('timeout', value(inputs, 'timeout') ?? '60s', { max: MAX_TIMEOUT_MS }),
    cooldownMs: parseDuration('cooldown', value(inputs, 'cooldown') ?? '500ms', { max: MAX_COOLDOWN_MS, zero: true }),
    repeat: parseCount('repeat', value(inputs, 'repeat'), 1, 1, MAX_REPEAT),
    warmup: parseCount('warmup', value(inputs, 'warmup'), 0, 0, MAX_WARMUP),
    maxEventBytes: optional(value(inputs, 'max-event-size'), DEFAULT_MAX_EVENT, (t) => parseSize('max-event-size', t, ...MAX_EVENT_RANGE)),
  };
}

/** `shard`, `start-at`, `stage-window`: this machine's share of the plan and when each stage starts. */
function readSharding(inputs: Inputs, load: ReturnType<typeof readLoad>, has: { compare: boolean; server: boolean }, now: number) {
  const shardText = value(inputs, 'shard');
  const shard = shardText === undefined ? null : parseShard(shardText);
  if (shard !== null) {
    // The merge judges, compares and repeats nothing per shard: settings that would be silently lost are errors.
    if (value(inputs, 'baseline') !== undefined)
      throw new InputError('baseline', 'is compared by the merge, not by a shard: set it on the merge step (mode: merge / ttfc-gate merge)');
    if (load.repeat > 1) throw new InputError('repeat', 'cannot be combined with shard (each shard runs the plan once; merge the shards instead)');
    if (has.server) {
      const input = ['health-url', 'monitor', 'metrics-url', 'logs-command'].find((n) => value(inputs, n) !== undefined) ?? 'health-url';
      throw new InputError(input, "cannot be combined with shard yet (the merge does not pool the shards' server figures: watch the server from one whole run)");
    }
    if (has.compare) {
      const input = value(inputs, 'compare-url') !== undefined ? 'compare-url' : 'compare-base-url';
      throw new InputError(input, 'cannot be combined with shard (a merge pools shards of one target: run the A/B on one machine)');
    }
  }
  const startAtText = value(inputs, 'start-at');
  const startAt = startAtText === undefined ? null : parseStartAt(startAtText, now);
  const windowText = value(inputs, 'stage-window');
  if (windowText !== undefined && startAt === null) throw new InputError('stage-window', 'only applies with start-at (stages otherwise follow each other after the cool-down)');
  const stageWindowMs = windowText === undefined ? null : parseDuration('stage-window', windowText, { max: MAX_TIMEOUT_MS });
  const schedule = startAt === null ? null : stageSchedule(startAt, load.stages, { windowMs: stageWindowMs, timeoutMs: load.timeoutMs, cooldownMs: load.cooldownMs });
  return { shard, startAt, stageWindowMs, schedule };
}

/** Criteria, verdict mode and the baseline comparison. */
function readJudging(inputs: Inputs, cwd: string) {
  const criteriaText = value(inputs, 'criteria') ?? DEFAULT_CRITERIA;
  let criteria: Criterion[];
  try {
    criteria = parseCriteria(criteriaText);
  } catch (err) {
    if (err instanceof CriteriaError) throw new InputError('criteria', err.message);
    throw err;
  }
  if (criteria.length === 0) throw new InputError('criteria', 'holds no criterion (leave it unset for the defaults)');
  const goodputText = value(inputs, 'goodput');
  const goodput = goodputText === undefined ? null : parseGoodput(goodputText);
  const needsGoodput = criteria.find((c) => /^goodput/.test(c.metric.name) || (c.value.kind === 'factor' && /^goodput/.test(c.value.metric.name)));
  if (needsGoodput && goodput === null)
    throw new InputError('criteria', `line ${needsGoodput.line}: "${needsGoodput.text}" needs the goodput input (its SLO lines, e.g. "ttft < 1s")`);

  const verdictText = (value(inputs, 'verdict') ?? 'strict').trim().toLowerCase();
  if (!(VERDICT_MODES as readonly string[]).includes(verdictText)) {
    throw new InputError('verdict', `"${verdictText}" is not one of ${VERDICT_MODES.join(', ')}`);
  }
  const baseline = value(inputs, 'baseline')?.trim() ?? null;
  return {
    criteriaText,
    criteria,
    goodput,
    failOnCriteria: parseBoolean('fail-on-criteria', value(inputs, 'fail-on-criteria'), true),
    verdict: verdictText as VerdictMode,
    baseline,
    baselinePath: baseline === null ? null : isAbsolute(baseline) ? baseline : resolvePath(cwd, baseline),
    regressionThreshold: parseRegressionThreshold(value(inputs, 'regression-threshold')),
  };
}

/** The template fields before the load: stage, user and iteration 0 (a header rendered once, for the secrets, the login or wait-for). */
const BEFORE_LOAD = { stage: 0, user: 0, iteration: 0 };

/**
 * The url's request template, compiled now so an unknown placeholder fails before any request is
 * sent. Every {{env.*}} value, and every secret header as rendered, joins the secrets. {{token}} is
 * filled per request: a login step's token arrives only just before the load.
 */
function compileRequest(req: RequestInputs, path: string, env: ConfigContext['env'], secrets: string[]): RequestTemplate {
  const template = buildRequestTemplate(
    { headerLines: req.headerLines, headersInput: 'headers', body: req.body, bodyInput: req.bodyInput, authScheme: authSchemeFor(req.preset, path) },
    env,
    secrets,
  );
  for (const [i, [name, tpl]] of template.headers.entries()) {
    const text = req.headerLines[i]![1];
    if (!text.includes('{{') || isPerRequest(text) || usesToken(text)) continue;
    const rendered = renderTemplate(tpl, BEFORE_LOAD, undefined);
    if (isSecretHeader(name) || looksLikeSecret(rendered)) secrets.push(rendered);
  }
  return template;
}

interface BeforeLoadContext {
  url: string;
  origin: string;
  token: string | undefined;
  timeoutMs: number;
  preset: Preset;
  env: ConfigContext['env'];
  secrets: string[];
  templates: RequestTemplate;
  headerLines: Array<[string, string]>;
}

/** Readiness (wait-for) and login: validated now, run by the gate before the load. */
function readBeforeLoad(inputs: Inputs, c: BeforeLoadContext): { wait: ReadinessSpec | null; login: LoginSpec | null; server: ServerSpec | null } {
  const target = new URL(c.url);
  const baseText = value(inputs, 'base-url');
  const resolve = (input: string, text: string): URL => resolveAux(input, text, baseText, target, c.secrets);
  const inherited = c.templates.headers.filter(([n], i) => !NOT_INHERITED.has(n.toLowerCase()) && !usesToken(c.headerLines[i]![1]));
  const headersFor = (u: URL) => (): Record<string, string> => {
    const h: Record<string, string> = {};
    // Headers of the load (e.g. a deployment-protection bypass) go only to the same origin.
    if (u.origin === c.origin) for (const [name, tpl] of inherited) h[name] = renderTemplate(tpl, BEFORE_LOAD, undefined);
    return h;
  };
  const waitTimeoutMs = parseDuration('wait-timeout', value(inputs, 'wait-timeout') ?? '5m', { max: MAX_WAIT_TIMEOUT_MS });
  const waitFor = value(inputs, 'wait-for');
  let wait: ReadinessSpec | null = null;
  if (waitFor !== undefined) {
    const u = resolve('wait-for', waitFor);
    wait = { url: u.href, displayUrl: redactUrl(u.href), timeoutMs: waitTimeoutMs, headers: headersFor(u) };
  }
  const login = buildLogin(
    {
      url: value(inputs, 'login-url'),
      body: value(inputs, 'login-body'),
      tokenFrom: value(inputs, 'login-token-from'),
      email: value(inputs, 'login-email'),
      password: value(inputs, 'login-password'),
      publicKey: value(inputs, 'login-public-key'),
    },
    { preset: c.preset, target, resolve, headersFor, env: c.env, hasToken: c.token !== undefined, timeoutMs: c.timeoutMs, secrets: c.secrets },
  );
  // The server side (health-url, monitor, metrics-url, logs-command) resolves its URLs the same way.
  const server = buildServerSpec(inputs, { resolve, headersFor, timeoutMs: c.timeoutMs, secrets: c.secrets });
  return { wait, login, server };
}

/**
 * With the server side on and the criteria left to their defaults, the defaults also gate what it
 * measures (health.max < 2s, health.errors == 0, log_errors == 0). A criterion on a server metric
 * needs its source (health-url, logs-command, the monitor).
 */
function addServerCriteria(inputs: Inputs, judge: { criteriaText: string; criteria: Criterion[] }, server: ServerSpec | null): void {
  if (server && isDefaultCriteria(value(inputs, 'criteria'))) {
    const extra = defaultServerCriteria({ health: server.health !== null, logs: server.logs !== null });
    if (extra.length) {
      judge.criteriaText = [DEFAULT_CRITERIA.trimEnd(), ...extra].join('\n');
      judge.criteria = parseCriteria(judge.criteriaText);
    }
  }
  checkServerCriteria(judge.criteria, server);
}

/**
 * Criteria left at the default: unset (the CLI), or the built-in set as given (the Action always
 * passes action.yml's default text). One rule for both adapters; whitespace and blank lines aside.
 */
function isDefaultCriteria(text: string | undefined): boolean {
  const lines = (t: string): string =>
    t
      .split(/\r?\n/)
      .map((l) => l.trim().replace(/\s+/g, ' '))
      .filter(Boolean)
      .join('\n');
  return text === undefined || lines(text) === lines(DEFAULT_CRITERIA);
}

/** Same-run A/B: the compare target, and no criterion may reference it without one. */
function readCompare(
  inputs: Inputs,
  req: RequestInputs,
  { url: targetUrl, path }: { url: string; path: string },
  templates: RequestTemplate,
  env: ConfigContext['env'],
  secrets: string[],
  criteria: Criterion[],
): CompareTarget | null {
  const compare = buildCompare(inputs, {
    urlText: value(inputs, 'url')!.trim(),
    targetUrl,
    path,
    preset: req.preset,
    body: req.body,
    bodyInput: req.bodyInput,
    headerLines: req.headerLines,
    head: templates,
    env,
    secrets,
  });
  for (const c of criteria) {
    if (c.value.kind === 'factor' && c.value.metric.compare && compare === null) {
      throw new InputError('criteria', `line ${c.line}: "${c.text}" references compare.${c.value.metric.name} but no compare target is set (set compare-url or compare-base-url)`);
    }
  }
  return compare;
}

/** {{token}} needs a token or a login that provides one. */
function checkTokenSource(req: RequestInputs, token: string | undefined, login: LoginSpec | null): void {
  if (token !== undefined || login !== null) return;
  const noToken = '{{token}} is used but no token is set (set token, or a login step: login-url / login-email)';
  if (req.body !== null && usesToken(req.body)) throw new InputError(req.bodyInput, noToken);
  if (req.headerLines.some(([, v]) => usesToken(v))) throw new InputError('headers', noToken);
}

interface CompareContext {
  /** The url input as given (a path is loaded against compare-base-url too). */
  urlText: string;
  /** The url, resolved (the compare target must be another one). */
  targetUrl: string;
  /** The url's path and query. */
  path: string;
  preset: Preset;
  body: string | null;
  bodyInput: string;
  headerLines: Array<[string, string]>;
  /** The url's request template (its body is the compare target's too). */
  head: RequestTemplate;
  env: Record<string, string | undefined>;
  secrets: string[];
}

/**
 * The compare target of a same-run A/B, or null when neither compare-url nor compare-base-url is set.
 * The request is the head's (method, body, preset); the URL, headers (compare-headers replaces
 * headers) and token (compare-token, else the token) are its own.
 */
function buildCompare(inputs: Inputs, c: CompareContext): CompareTarget | null {
  const urlText = value(inputs, 'compare-url')?.trim();
  const baseText = value(inputs, 'compare-base-url');
  const headersText = value(inputs, 'compare-headers');
  const tokenText = value(inputs, 'compare-token')?.trim();
  if (urlText === undefined && baseText === undefined) {
    if (headersText !== undefined) throw new InputError('compare-headers', 'is set but compare-url is not (set compare-url or compare-base-url)');
    if (tokenText !== undefined) throw new InputError('compare-token', 'is set but compare-url is not (set compare-url or compare-base-url)');
    return null;
  }
  if (tokenText && /[\r\n\0]/.test(tokenText)) throw new InputError('compare-token', 'holds a line break or NUL');
  if (tokenText) c.secrets.push(tokenText);
  // Without compare-url the head's path is loaded against compare-base-url.
  const raw = urlText ?? (c.urlText.startsWith('/') ? c.urlText : c.path);
  const u = resolveAgainst('compare-url', raw, baseText, undefined, c.secrets, 'compare-base-url');
  const path = `${u.pathname}${u.search}`;
  const headerLines = headersText !== undefined ? parseHeaderLines(headersText, 'compare-headers') : c.headerLines;
  // The same URL is only another target when other headers route it (e.g. to the base deployment).
  if (u.href === c.targetUrl && JSON.stringify(headerLines) === JSON.stringify(c.headerLines)) {
    throw new InputError(
      urlText !== undefined ? 'compare-url' : 'compare-base-url',
      `resolves to the url itself (${redactUrl(u.href)}): an A/B of a target against itself measures nothing (set the base's URL, or compare-headers that route to it; for an A/A noise check, add a query parameter the server ignores)`,
    );
  }
  if (headersText !== undefined) for (const [name, v] of headerLines) if (isSecretHeader(name) && v && !v.includes('{{')) c.secrets.push(v);
  const request = buildRequestTemplate(
    {
      headerLines,
      headersInput: headersText !== undefined ? 'compare-headers' : 'headers',
      body: c.body,
      bodyInput: c.bodyInput,
      bodyTemplate: c.head.body,
      authScheme: authSchemeFor(c.preset, path),
      ownToken: tokenText ?? null,
    },
    c.env,
    c.secrets,
  );
  return { url: u.href, origin: u.origin, path, displayUrl: redactUrl(u.href), headerLines, ownToken: Boolean(tokenText), request };
}

/** Headers of the load never sent to the login / readiness URLs. */
const NOT_INHERITED = new Set(['authorization', 'accept', 'content-type', 'content-length', 'host', 'transfer-encoding', 'connection']);

/**
 * An absolute http(s) URL, or a path resolved against base-url (keeping its path prefix:
 * https://h/app + /v1/chat → https://h/app/v1/chat), else against `fallback`. Any password or
 * secret-looking query value is added to `secrets`.
 */
function resolveAgainst(input: string, raw: string, baseText: string | undefined, fallback: URL | undefined, secrets: string[], baseInput = 'base-url'): URL {
  let u: URL;
  if (raw.startsWith('/')) {
    let base: URL;
    if (baseText !== undefined) {
      noScheme(baseInput, baseText.trim());
      try {
        base = new URL(baseText.trim());
      } catch {
        throw new InputError(baseInput, `"${redactUrl(baseText.trim())}" is not a valid URL`);
      }
      checkScheme(baseInput, base);
    } else if (fallback) base = new URL(fallback.origin);
    else if (baseInput !== 'base-url') throw new InputError(input, `"${raw}" is a path: set ${baseInput}`);
    else throw new InputError(input, `"${raw}" is a path: set base-url (or run on a deployment_status event)`);
    u = new URL(base.pathname.replace(/\/$/, '') + raw, base);
  } else {
    noScheme(input, raw);
    try {
      u = new URL(raw);
    } catch {
      throw new InputError(input, `"${redactUrl(raw)}" is not a valid URL (absolute http(s) URL, or a path starting with /)`);
    }
  }
  checkScheme(input, u);
  if (u.password) secrets.push(decodeURIComponent(u.password));
  for (const [k, v] of u.searchParams) if (v && (isSecretParam(k) || looksLikeSecret(v))) secrets.push(v);
  return u;
}

/** `wait-for` / `login-url`: like `url`, but a path without base-url goes against the url's origin. */
function resolveAux(input: string, text: string, baseText: string | undefined, target: URL, secrets: string[]): URL {
  return resolveAgainst(input, text.trim(), baseText, target, secrets);
}

function resolveUrl(urlText: string | undefined, baseText: string | undefined, secrets: string[]): { url: string; origin: string; path: string } {
  if (urlText === undefined) throw new InputError('url', 'is required (an absolute http(s) URL, or a path starting with / and base-url)');
  const u = resolveAgainst('url', urlText.trim(), baseText, undefined, secrets);
  return { url: u.href, origin: u.origin, path: `${u.pathname}${u.search}` };
}

/** `localhost:8787/x` is an input error that shows the URL meant, not "scheme localhost is not supported". */
function noScheme(input: string, raw: string): void {
  const meant = urlWithoutScheme(raw);
  if (meant === null || !URL.canParse(meant)) return;
  // Shown as typed, unless a secret in it had to be redacted.
  const redacted = redactUrl(meant);
  const shown = redacted === new URL(meant).href ? meant : redacted;
  throw new InputError(input, `"${shown.replace(/^https?:\/\//, '')}" has no scheme: did you mean ${shown}?`);
}

function checkScheme(input: string, u: URL): void {
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new InputError(input, `scheme "${u.protocol.replace(/:$/, '')}" is not supported (use http or https)`);
  }
}
