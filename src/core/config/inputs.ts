// The core's inputs: their table (name and description, as in action.yml; the CLI takes the same
// names as --flags) and how one input is read (blank is unset; booleans, counts).
import { InputError } from '../errors.js';
import { PRESET_NAMES } from '../load/presets/index.js';
import { DEFAULT_ARRIVAL_SEED, DEFAULT_MAX_IN_FLIGHT } from '../load/arrivals.js';
import { DEFAULT_STAGES } from './stages.js';
import { SERVER_INPUTS } from '../server/config.js';
import { HISTORY_INPUTS } from '../history/config.js';
import { CAPACITY_INPUTS } from '../capacity/config.js';

/** Bounds of the counts, named in the table's descriptions. */
export const MAX_REPEAT = 10;
export const MAX_IN_FLIGHT = 100_000;
export const MAX_SEED = 4_294_967_295;
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

/** An input as given; blank is unset. */
export function value(inputs: Inputs, name: string): string | undefined {
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
export function parseCount(name: string, text: string | undefined, dflt: number, min: number, max: number): number {
  if (text === undefined) return dflt;
  const t = text.trim();
  if (!/^\d+$/.test(t)) throw new InputError(name, `"${t}" is not a whole number (${min} to ${max})`);
  const n = Number(t);
  if (n < min || n > max) throw new InputError(name, `${t} is out of range: ${min} to ${max}`);
  return n;
}

export function optional<T>(text: string | undefined, dflt: T, parse: (text: string) => T): T {
  return text === undefined ? dflt : parse(text);
}
