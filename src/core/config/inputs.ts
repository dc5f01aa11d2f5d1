// The one table of inputs: every input of the Action (the CLI takes the core's as --flags), with its
// group, its --help line, its action.yml description and default, and its README row. action.yml's
// inputs and the README's input tables are generated from it (`npm run inputs`; a test fails when they
// differ), the CLI's --help and the action's list of inputs are read from it, so an input is written
// once. Data only.

import { DEFAULT_CRITERIA } from '../analysis/criteria/index.js';
import { DEFAULT_MAX_USERS, DEFAULT_REQUESTS, MAX_REQUESTS } from '../capacity/config.js';
import { DEFAULT_ARRIVAL_SEED, DEFAULT_MAX_IN_FLIGHT } from '../load/arrivals.js';
import { PRESET_NAMES } from '../load/presets/index.js';
import { DEFAULT_LOG_ERROR_PATTERN } from '../server/config.js';
import { MAX_IN_FLIGHT, MAX_REPEAT, MAX_SEED, MAX_WARMUP } from './read-input.js';
import { DEFAULT_STAGES } from './stages.js';

export type InputGroup = 'target' | 'load' | 'criteria' | 'server' | 'ab' | 'shards' | 'capacity' | 'nightly' | 'output';

export interface InputSpec {
  name: string;
  group: InputGroup;
  /** Read by the Action only (the PR comment, merge mode): not a flag of the CLI. */
  action?: true;
  /** The --help line (lower case, no final stop). */
  help: string;
  /** action.yml's description. */
  description: string;
  /** action.yml's default (what the runner passes when a workflow sets nothing); absent: no default line. */
  default?: string;
  /** The README's default cell, when it is not the default in code quotes (an effective default the core applies). */
  readmeDefault?: string;
  /** The README's "meaning" cell (markdown). */
  readme: string;
}

/** The groups, in order: action.yml's comment line and the README's heading for each. */
export const INPUT_GROUPS: ReadonlyArray<{ id: InputGroup; yml: string; heading: string }> = [
  { id: 'target', yml: 'target: what is loaded, and how its stream is read', heading: 'Target ([presets](docs/presets.md))' },
  { id: 'load', yml: 'load: the stages and their requests', heading: 'Load ([criteria.md](docs/criteria.md#what-it-measures), [open model](docs/open-model.md))' },
  { id: 'criteria', yml: 'criteria: what passes', heading: 'Criteria ([criteria.md](docs/criteria.md#criteria))' },
  { id: 'server', yml: 'server side: the server watched during the stages', heading: 'Server side ([server-side.md](docs/server-side.md))' },
  { id: 'ab', yml: 'A/B: the base loaded in the same run', heading: 'A/B ([ab.md](docs/ab.md))' },
  { id: 'shards', yml: 'shards: one plan over several runners, merged', heading: 'Shards ([shards.md](docs/shards.md))' },
  { id: 'capacity', yml: 'capacity: the most users that meet an SLO', heading: 'Capacity ([capacity.md](docs/capacity.md))' },
  { id: 'nightly', yml: 'nightly: the history of scheduled runs', heading: 'Nightly ([nightly.md](docs/nightly.md))' },
  { id: 'output', yml: 'output: comment, report files', heading: 'Output ([report.md](docs/report.md))' },
];

export const INPUTS: readonly InputSpec[] = [
  {
    name: 'url',
    group: 'target',
    help: 'absolute URL of the streaming endpoint, or a path starting with / resolved against base-url',
    description: 'Absolute URL of the streaming endpoint, or a path starting with / resolved against base-url. Needed by every run (not by mode merge).',
    default: '',
    readmeDefault: '**required** (not with `mode: merge`)',
    readme: 'Absolute URL of the streaming endpoint, or a path starting with `/` resolved against `base-url`.',
  },
  {
    name: 'base-url',
    group: 'target',
    help: 'base of the preview deployment (action: defaults to the environment_url of a deployment_status event)',
    description: "Base URL of the preview deployment that a url starting with / is resolved against. Default on a deployment_status event is the deployment's environment_url.",
    default: '',
    readmeDefault: 'the `environment_url` of a `deployment_status` event',
    readme: 'Base URL of the preview deployment (its path prefix is kept).',
  },
  {
    name: 'method',
    group: 'target',
    help: 'HTTP method (default POST)',
    description: 'HTTP method.',
    default: 'POST',
    readme: 'HTTP method.',
  },
  {
    name: 'headers',
    group: 'target',
    help: 'request headers, one "Name: value" a line',
    description: 'Request headers, one "Name: value" a line. Values of Authorization, Cookie, *-token, *-key and bypass headers are masked and redacted.',
    default: '',
    readme: 'One `Name: value` a line; secret-looking values (`Authorization`, `*-token`, `*-key`, bypass…) are masked.',
  },
  {
    name: 'body',
    group: 'target',
    help: 'request body; {{uuid}} {{user}} {{iteration}} {{stage}} {{token}} {{env.NAME}} are filled per request',
    description: 'Request body. {{uuid}}, {{user}}, {{iteration}}, {{stage}}, {{token}} and {{env.NAME}} are filled per request. Use either body or body-file.',
    default: '',
    readme: 'Request body; `{{uuid}}`, `{{user}}`, `{{iteration}}`, `{{stage}}`, `{{token}}`, `{{env.NAME}}` are filled per request.',
  },
  {
    name: 'body-file',
    group: 'target',
    help: 'read the request body from this file (same placeholders)',
    description: 'Read the request body from this file, relative to the workspace (same placeholders as body). The path is taken literally; a regular file of at most 10 MiB.',
    default: '',
    readme: 'Read the body from this file (a regular file of at most 10 MiB; same placeholders).',
  },
  {
    name: 'token',
    group: 'target',
    help: 'secret sent as Authorization (Bearer unless the preset says otherwise) unless headers set it; also {{token}}',
    description: 'Secret for the endpoint, sent as "Authorization Bearer TOKEN" unless headers set Authorization; also {{token}}. Masked and redacted everywhere.',
    default: '',
    readme: 'Secret sent as `Authorization: Bearer TOKEN` unless `headers` set it; also `{{token}}`.',
  },
  {
    name: 'preset',
    group: 'target',
    help: `how the stream is read (first content, in-band errors): ${PRESET_NAMES.join(', ')} (default generic)`,
    description: 'How the stream is read (first content, in-band errors) - generic, openai or ragflow. An unknown name fails the step and lists the known ones.',
    default: 'generic',
    readme: 'How the stream is read (first content, in-band errors): `generic`, `openai` or `ragflow`.',
  },
  {
    name: 'format',
    group: 'target',
    help: 'stream format: auto (by Content-Type, default), sse, ndjson, raw',
    description: 'Stream format, auto (by Content-Type), sse, ndjson or raw.',
    default: 'auto',
    readme: 'Stream format: `auto` (by `Content-Type`), `sse`, `ndjson` or `raw`.',
  },
  {
    name: 'max-event-size',
    group: 'target',
    help: 'largest single event (SSE event, NDJSON line) a request may carry; bigger fails the request as protocol (default 16MiB; B, KiB, MiB, GiB, KB, MB, GB)',
    description:
      'Largest single event (an SSE event, an NDJSON line) a response may carry; a bigger one fails that request as protocol. B, KiB, MiB, GiB, KB, MB or GB (a bare number is bytes), 1KiB to 1GiB.',
    default: '16MiB',
    readme: 'Largest single event a response may carry; a bigger one fails that request as `protocol`.',
  },
  {
    name: 'login-url',
    group: 'target',
    help: 'log in once before the test: POST login-body here (URL, or a path against base-url / the url); the token is masked, sent like token and fills {{token}}',
    description:
      'Log in once before the test - POST login-body to this URL (or a path against base-url / the url). The token of the answer is masked, sent like token and fills {{token}}.',
    default: '',
    readme: "Log in once before the test: POST `login-body` here; the answer's token is used like `token`.",
  },
  {
    name: 'login-body',
    group: 'target',
    help: 'body of the login request ({{uuid}} and {{env.NAME}} are filled)',
    description: 'Body of the login request ({{uuid}} and {{env.NAME}} are filled).',
    default: '',
    readme: 'Body of the login request.',
  },
  {
    name: 'login-token-from',
    group: 'target',
    help: 'where the login answer carries the token: header:NAME or json:PATH (e.g. json:data.access_token; default header:Authorization with preset ragflow)',
    description: 'Where the login answer carries the token - header:NAME or json:PATH, e.g. json:data.access_token (default header:Authorization with preset ragflow).',
    default: '',
    readme: 'Where the login answer carries the token: `header:NAME` or `json:PATH`.',
  },
  {
    name: 'login-email',
    group: 'target',
    help: 'RAGFlow login (preset ragflow): the account email; needs login-password and login-public-key',
    description: 'RAGFlow login (preset ragflow) - the account email; needs login-password and login-public-key.',
    default: '',
    readme: 'RAGFlow login (`preset: ragflow`): the account email.',
  },
  {
    name: 'login-password',
    group: 'target',
    help: 'RAGFlow login: the password, sent RSA-encrypted with login-public-key; never printed',
    description: 'RAGFlow login - the password, sent RSA-encrypted with login-public-key. Masked, never printed.',
    default: '',
    readme: 'RAGFlow login: the password, sent RSA-encrypted; masked.',
  },
  {
    name: 'login-public-key',
    group: 'target',
    help: "RAGFlow login: the server's RSA public key (PEM, as in RAGFlow conf/public.pem)",
    description: "RAGFlow login - the server's RSA public key (PEM, as in RAGFlow conf/public.pem).",
    default: '',
    readme: "RAGFlow login: the server's RSA public key (PEM).",
  },
  {
    name: 'wait-for',
    group: 'target',
    help: 'before the test, poll this URL (or a path against base-url / the url) until it answers 2xx',
    description: 'Before the test, poll this URL (or a path against base-url / the url) until it answers 2xx - e.g. a preview that is still starting.',
    default: '',
    readme: 'Before the test, poll this URL (or path) until it answers 2xx.',
  },
  {
    name: 'wait-timeout',
    group: 'target',
    help: 'how long wait-for may wait (default 5m, at most 1h)',
    description: 'How long wait-for may wait (ms, s, m or h; at most 1h).',
    default: '5m',
    readme: 'How long `wait-for` may wait (at most `1h`).',
  },
  {
    name: 'stages',
    group: 'load',
    help: `USERSxREQUESTS (closed: concurrent users) or RATE/s:DURATION (open: arrivals per second, e.g. 2/s:30s), comma-separated (default ${DEFAULT_STAGES})`,
    description:
      'Load stages, comma-separated - USERSxREQUESTS (closed - that many concurrent users, each sending that many requests one after another) or RATE/s:DURATION (open - requests arriving at that rate, e.g. 2/s:30s, whatever the server does; see docs/open-model.md). The first stage is the smoke test.',
    default: DEFAULT_STAGES,
    readme: '`USERSxREQUESTS` (closed) or `RATE/s:DURATION` (arrivals at a rate), comma-separated; the first is the smoke test.',
  },
  {
    name: 'arrival',
    group: 'load',
    help: 'rate stages: how arrivals are spaced, poisson (default: random, seeded) or uniform (equal gaps)',
    description: 'Rate stages - how the arrivals are spaced, poisson (random, seeded) or uniform (equal gaps).',
    default: 'poisson',
    readme: 'Rate stages: `poisson` (random, seeded) or `uniform` arrivals.',
  },
  {
    name: 'arrival-seed',
    group: 'load',
    help: `rate stages: seed of the arrival schedule, 0 to ${MAX_SEED} (default ${DEFAULT_ARRIVAL_SEED}); the same seed sends the same schedule`,
    description: 'Rate stages - seed of the arrival schedule (0 to 4294967295); the same seed sends the same schedule.',
    default: String(DEFAULT_ARRIVAL_SEED),
    readme: 'Rate stages: seed of the arrival schedule.',
  },
  {
    name: 'max-in-flight',
    group: 'load',
    help: `rate stages: most requests open at once (1 to ${MAX_IN_FLIGHT}, default ${DEFAULT_MAX_IN_FLIGHT}); an arrival beyond it is dropped and counted, never delayed`,
    description: 'Rate stages - most requests open at once (1 to 100000); an arrival beyond it is dropped and counted, never delayed.',
    default: String(DEFAULT_MAX_IN_FLIGHT),
    readme: 'Rate stages: most requests open at once; an arrival beyond is dropped and counted.',
  },
  {
    name: 'timeout',
    group: 'load',
    help: 'per-request timeout: ms, s, m or h, a bare number is seconds (default 60s, at most 1h)',
    description: 'Per-request timeout (ms, s, m or h; a bare number is seconds; at most 1h).',
    default: '60s',
    readme: 'Per-request timeout (at most `1h`).',
  },
  {
    name: 'cooldown',
    group: 'load',
    help: 'pause between stages (default 500ms, 0 for none, at most 10m)',
    description: 'Pause between stages (ms, s, m or h; 0 for none; at most 10m).',
    default: '500ms',
    readme: 'Pause between stages (at most `10m`).',
  },
  {
    name: 'repeat',
    group: 'load',
    help: `run the whole plan this many times (1 to ${MAX_REPEAT}, default 1); the report uses the median run per stage and shows the spread`,
    description: 'Run the whole plan this many times (1 to 10); the report uses the median run per stage (by TTFC avg) and shows the spread over the runs.',
    default: '1',
    readme: "Run the whole plan this many times (1 to 10) and report each stage's median run.",
  },
  {
    name: 'warmup',
    group: 'load',
    help: `requests sent one after another before stage 1 and left out of every figure (0 to ${MAX_WARMUP}, default 0), e.g. for cold starts`,
    description: 'Requests sent one after another before stage 1 and left out of every figure (0 to 50), e.g. to wake a serverless preview from its cold start.',
    default: '0',
    readme: 'Requests sent before stage 1 and left out of every figure (0 to 50), e.g. to wake a serverless preview.',
  },
  {
    name: 'criteria',
    group: 'criteria',
    help: 'pass/fail criteria, one a line (default: the built-in set)',
    description:
      'Pass/fail criteria, one "[@USERS:] METRIC OP VALUE [warn]" a line (@RATE/s scopes a line to a rate stage, e.g. @2/s). warn lines annotate but never fail the check.',
    default: DEFAULT_CRITERIA,
    readmeDefault: 'the built-in set (see `action.yml`)',
    readme: 'One `[@USERS:] METRIC OP VALUE [warn]` a line; `warn` lines never fail the check.',
  },
  {
    name: 'goodput',
    group: 'criteria',
    help: 'SLO lines a request must all meet to count as goodput, e.g. "ttft < 1s" and "tpot < 50ms" (one a line); metrics goodput (req/s) and goodput_rate (%)',
    description:
      'SLO lines a request must all meet to count as goodput, one a line (e.g. "ttft < 1s", "tpot < 50ms"; per-request ttfc ttft ttfb total connect stall itl tpot ttft_reasoning). Metrics goodput (requests/s) and goodput_rate (%).',
    default: '',
    readme: 'SLO lines a request must all meet to count as goodput (`ttft < 1s`).',
  },
  {
    name: 'fail-on-criteria',
    group: 'criteria',
    help: 'true (default): a missed criterion fails; false: report only',
    description: 'true fails the check when a non-warn criterion is missed; false only reports.',
    default: 'true',
    readme: '`false` reports only.',
  },
  {
    name: 'verdict',
    group: 'criteria',
    help: 'strict (default): a criterion fails on its measured value; confident: fails only when its whole 95% bootstrap interval misses the threshold (a straddling one is inconclusive and passes)',
    description:
      'strict fails a criterion on its measured value; confident fails it only when its whole 95% bootstrap interval misses the threshold (a straddling interval is inconclusive and does not fail).',
    default: 'strict',
    readme: '`confident` fails a criterion only when its whole 95% interval misses the threshold.',
  },
  {
    name: 'baseline',
    group: 'criteria',
    help: 'path of an earlier JSON report to compare against (deltas per stage; regressions marked)',
    description:
      'Path of an earlier JSON report to compare against, relative to the workspace. Each stage shows the change of TTFC avg / p95 and success rate; a missing or unreadable file is reported, never fatal.',
    default: '',
    readme: 'Path of an earlier JSON report to compare against (regressions marked).',
  },
  {
    name: 'regression-threshold',
    group: 'criteria',
    help: 'how much slower TTFC avg or p95 may get against the baseline before it is marked a regression (default 20%)',
    description:
      'How much slower TTFC avg or p95 may get against the baseline before the stage is marked a regression (a percentage). Marks only; fail on it with a criterion such as ttfc.p95 < 1.2 * baseline.ttfc.p95.',
    default: '20%',
    readme: 'How much slower than the `baseline` marks a stage as a regression.',
  },
  {
    name: 'health-url',
    group: 'server',
    help: 'during the stages, GET this URL (or a path against base-url / the url) every health-interval on its own connection; criteria health.<stat>, health.errors',
    description:
      'During the stages, GET this URL (or a path against base-url / the url) every health-interval on its own connection, one at a time. Criteria health.<stat>, health.errors; with the default criteria, health.max < 2s and health.errors == 0 are added.',
    default: '',
    readme: 'During the stages, GET this URL every `health-interval` on its own connection; criteria `health.<stat>`.',
  },
  {
    name: 'health-interval',
    group: 'server',
    help: 'pause between health probes (default 250ms); a slower probe delays the next',
    description: 'Pause between health probes (a slower probe delays the next one).',
    default: '250ms',
    readme: 'Pause between health probes.',
  },
  {
    name: 'health-timeout',
    group: 'server',
    help: 'longest a health probe may take before it counts as failed (health.errors); default max(2 × health-interval, 2s), at most 1m',
    description: 'Longest a health probe may take; a slower one is a failed probe (health.errors) and never holds the run. Empty means max(2 x health-interval, 2s); at most 1m.',
    default: '',
    readmeDefault: '`max(2 × health-interval, 2s)`',
    readme: 'Longest a health probe may take; a slower one is a failed probe.',
  },
  {
    name: 'monitor',
    group: 'server',
    help: 'server figures sampled before, during and after the stages, one "NAME: command" a line (the first number of the output, units B KB KiB MB MiB GB GiB % understood), or "NAME: metric:series{label=\\"x\\"}" from metrics-url; criteria monitor.NAME.<min|avg|max|growth>',
    description:
      'Server figures sampled before, during and after the stages, one "NAME: command" a line (the first number of the output; B KB KiB MB MiB GB GiB % understood), or "NAME: metric:series{label=\\"x\\"}" read from metrics-url. Criteria monitor.NAME.min|avg|max|growth.',
    default: '',
    readme: '`NAME: command` a line, sampled before, during and after the stages; criteria `monitor.NAME.max`…',
  },
  {
    name: 'monitor-interval',
    group: 'server',
    help: 'pause between monitor samples during the stages (default 1s)',
    description: 'Pause between monitor samples during the stages.',
    default: '1s',
    readme: 'Pause between monitor samples.',
  },
  {
    name: 'monitor-timeout',
    group: 'server',
    help: 'longest a monitor command or metrics-url scrape may take before it is killed and its sample is missing, a warning (default 5s, at most 1m)',
    description: 'Longest a monitor command or metrics-url scrape may take (at most 1m); a slower one is killed with its process group and its sample is missing (a warning).',
    default: '5s',
    readme: 'Longest a monitor command or scrape may take before it is killed.',
  },
  {
    name: 'metrics-url',
    group: 'server',
    help: 'a Prometheus text endpoint sampled like monitor: process_resident_memory_bytes (rss), process_cpu_seconds_total as a rate (cpu), process_open_fds (fds), and metric: monitors',
    description:
      'A Prometheus text endpoint sampled like monitor (process_resident_memory_bytes as rss, process_cpu_seconds_total as cpu %, process_open_fds as fds, and metric:series monitors).',
    default: '',
    readme: 'A Prometheus text endpoint sampled like `monitor` (`rss`, `cpu`, `fds`, `metric:` series).',
  },
  {
    name: 'logs-command',
    group: 'server',
    help: 'a command that prints and follows the server log (docker logs -f --since 0s NAME, tail -n0 -F FILE), run from before stage 1 to after the last; criterion log_errors',
    description:
      'A command that prints and keeps following the server log (docker logs -f --since 0s NAME, tail -n0 -F FILE), run from before stage 1 to after the last. Criterion log_errors; with the default criteria, log_errors == 0 is added.',
    default: '',
    readme: 'A command that follows the server log (`docker logs -f …`); criterion `log_errors`.',
  },
  {
    name: 'log-error-pattern',
    group: 'server',
    help: `which log lines are errors: a case-insensitive RE2 pattern, matched in linear time (no backreferences or lookaround; default ${DEFAULT_LOG_ERROR_PATTERN})`,
    description: 'Which log lines are errors - a case-insensitive RE2 pattern, matched in linear time (no backreferences, lookahead or lookbehind).',
    default: DEFAULT_LOG_ERROR_PATTERN,
    readme: 'Which log lines are errors (case-insensitive RE2).',
  },
  {
    name: 'compare-url',
    group: 'ab',
    help: "same-run A/B: also load this target (the base: production, or the base branch's preview) in alternating rounds with the url, and report head/base ratios with 95% intervals; a path is resolved against compare-base-url",
    description:
      "Same-run A/B - also load this target (the base - production, or the base branch's preview) in rounds alternating with url (head and base back to back, HB BH ...), and report head/base ratios with 95% intervals. A path is resolved against compare-base-url. Criteria may reference compare.METRIC.",
    default: '',
    readme: 'The base loaded in rounds alternating with `url`: head / base ratios with 95% intervals.',
  },
  {
    name: 'compare-base-url',
    group: 'ab',
    help: "base of the compare target; without compare-url, the url's path is loaded there",
    description: "Base of the compare target; without compare-url, the url's path is loaded against it.",
    default: '',
    readme: "Base of the compare target; alone, the `url`'s path is loaded against it.",
  },
  {
    name: 'compare-headers',
    group: 'ab',
    help: 'headers of the compare target, one "Name: value" a line (default: the headers)',
    description: 'Headers of the compare target, one "Name - value" a line as in headers (default - the headers).',
    default: '',
    readmeDefault: 'the `headers`',
    readme: 'Headers of the compare target.',
  },
  {
    name: 'compare-token',
    group: 'ab',
    help: 'token of the compare target, sent and templated like token (default: the token)',
    description: 'Token of the compare target, masked, sent and templated like token (default - the token).',
    default: '',
    readmeDefault: 'the `token`',
    readme: 'Token of the compare target.',
  },
  {
    name: 'shard',
    group: 'shards',
    help: "K/N: run the K-th share of every stage's users of N shards (global user numbers), write the report with the shard identity, post no comment; merge the N reports with mode: merge (CLI: ttfc-gate merge)",
    description:
      "K/N - run the K-th share of every stage's users of N shards (global user numbers, so {{user}} stays unique), write the JSON report with the shard identity and post no comment. Merge the N reports in a later job with mode merge.",
    default: '',
    readme: "`K/N`: run the K-th share of every stage's users of N shards; no comment.",
  },
  {
    name: 'start-at',
    group: 'shards',
    help: 'start stage 1 at this wall-clock time so every shard starts each stage together: ISO time with zone, ISO+90s, or +90s from now',
    description:
      'Start stage 1 at this wall-clock time so that every shard starts each stage at the same moment - an ISO time with zone (2026-12-01T10:00:00Z), that time plus a lead (2026-12-01T10:00:00Z+90s), or +90s from now.',
    default: '',
    readme: 'Start stage 1 at this wall-clock time, so every shard starts each stage together.',
  },
  {
    name: 'stage-window',
    group: 'shards',
    help: 'with start-at: wall-clock time each stage gets before the next one starts (plus cooldown); default requests per user × timeout',
    description: 'With start-at - the wall-clock time each stage gets before the next starts (plus cooldown). Default requests per user x timeout (the worst case).',
    default: '',
    readmeDefault: 'requests per user × `timeout`',
    readme: 'With `start-at`: the time each stage gets before the next starts.',
  },
  {
    name: 'mode',
    group: 'shards',
    action: true,
    help: 'run (default): load-test and publish; merge: merge the shard reports of `reports` and publish them as one run',
    description:
      "run - load-test and publish; merge - check and merge the shard reports of reports and publish them as one run (one comment, summary, outputs, check), judged by this step's criteria, fail-on-criteria and verdict; inputs a merge would ignore are errors.",
    default: 'run',
    readme: '`merge` merges the shard reports of `reports` and publishes them as one run.',
  },
  {
    name: 'reports',
    group: 'shards',
    action: true,
    help: 'mode: merge: the shard reports to merge, glob patterns one a line (e.g. shards/*.json)',
    description: 'With mode merge - the shard reports to merge, glob patterns one a line (e.g. shards/*.json).',
    default: '',
    readme: 'With `mode: merge`: glob patterns of the shard reports, one a line.',
  },
  {
    name: 'capacity',
    group: 'capacity',
    help: 'the SLO, one criterion a line without @USERS: (e.g. ttfc.p95 < 2s): after the stages, search for the most concurrent users that meet it (a ramp 1, 2, 4 … then bisection); success_rate >= 99% is implied unless a success_rate line is given',
    description:
      'The SLO, one criterion a line without @USERS (e.g. ttfc.p95 < 2s) - after the stages, search for the most concurrent users that meet it (a ramp 1, 2, 4 ... then bisection). success_rate >= 99% is implied unless a success_rate line is given. With the default stages only a 1x1 smoke stage runs first. Empty - no search.',
    default: '',
    readme: 'SLO lines (`ttfc.p95 < 2s`): search for the most concurrent users that meet them.',
  },
  {
    name: 'capacity-max-users',
    group: 'capacity',
    help: `the most users the capacity search probes (default ${DEFAULT_MAX_USERS})`,
    description: 'The most users the capacity search probes. Empty - 256.',
    default: '',
    readmeDefault: '`256`',
    readme: 'The most users the search probes.',
  },
  {
    name: 'capacity-requests',
    group: 'capacity',
    help: `requests per user of each capacity probe (default ${DEFAULT_REQUESTS}, at most ${MAX_REQUESTS})`,
    description: 'Requests per user of each capacity probe (1 to 100). Empty - 3.',
    default: '',
    readmeDefault: '`3`',
    readme: 'Requests per user of each probe (1 to 100).',
  },
  {
    name: 'capacity-resolution',
    group: 'capacity',
    help: 'the search ends when the last pass and the first miss are this close: a share of the users (default 10%, at least 1 user) or a number of users',
    description: 'The capacity search ends when the last pass and the first miss are this close - a share of the users (at least 1 user) or a number of users. Empty - 10%.',
    default: '',
    readmeDefault: '`10%`',
    readme: 'The search ends when the last pass and the first miss are this close.',
  },
  {
    name: 'capacity-budget',
    group: 'capacity',
    help: 'wall time the capacity search may take (default 5m, at most 6h); when it runs out the bounds found so far are reported',
    description: 'Wall time the capacity search may take (ms, s, m or h; at most 6h); when it runs out the bounds found so far are reported. Empty - 5m.',
    default: '',
    readmeDefault: '`5m`',
    readme: 'Wall time the search may take (at most `6h`).',
  },
  {
    name: 'history-path',
    group: 'nightly',
    help: 'a JSON file of earlier runs (carry it between runs with actions/cache): read for history.<metric> criteria, the drift diagnosis and the trend chart; schedule, push and workflow_dispatch runs append this run, pull-request runs only read it',
    description:
      'A JSON file of earlier runs, relative to the workspace (carry it between runs with actions/cache). Read for history.<metric> criteria, the drift diagnosis and the trend chart; schedule, push and workflow_dispatch runs append this run, pull-request runs only read it. A corrupt or foreign file is a warning, moved aside, never lost.',
    default: '',
    readme: 'A JSON file of earlier runs (carried by `actions/cache`): `history.` criteria, drift, the trend.',
  },
  {
    name: 'history-limit',
    group: 'nightly',
    help: 'most runs history-path keeps, the oldest dropped first (default 200, 10 to 1000)',
    description: 'Most runs history-path keeps, the oldest dropped first (10 to 1000).',
    default: '200',
    readme: 'Most runs the history keeps (10 to 1000).',
  },
  {
    name: 'history-window',
    group: 'nightly',
    help: 'history.<metric> is the median over this many of the latest passing runs (default 7, 3 to 100)',
    description: 'history.<metric> is the median over this many of the latest passing runs (3 to 100); with fewer than 3 such criteria are skipped.',
    default: '7',
    readme: '`history.<metric>` is the median over this many latest passing runs (3 to 100).',
  },
  {
    name: 'history-write',
    group: 'nightly',
    help: 'auto (default): append this run on schedule, push and workflow_dispatch events (the CLI outside a workflow too), only read on others; true: append on any event but a pull request; false: only read',
    description: 'auto - append this run on schedule, push and workflow_dispatch events, only read on others; true - append on any event but a pull request; false - only read.',
    default: 'auto',
    readme: '`auto` appends on `schedule`, `push` and `workflow_dispatch` runs; `true`; `false` only reads.',
  },
  {
    name: 'tracking-issue',
    group: 'nightly',
    action: true,
    help: 'true: on schedule, push and workflow_dispatch runs a failing run opens one issue labelled ttfc-gate (or comments on the open one), a passing run comments and closes it; needs issues: write (default false)',
    description:
      'true - on schedule, push and workflow_dispatch runs a failing run opens one issue labelled ttfc-gate (or comments on the open one) and a passing run comments that it recovered and closes it. Needs issues write; one issue per comment-tag.',
    default: 'false',
    readme: '`true`: a failing scheduled run opens an issue labelled `ttfc-gate`, a passing one closes it.',
  },
  {
    name: 'github-token',
    group: 'output',
    action: true,
    help: 'token for the PR comment (default: the workflow token, github.token)',
    description: 'Token for the PR comment (needs pull-requests write).',
    default: '${{ github.token }}',
    readme: 'Token for the PR comment (needs `pull-requests: write`).',
  },
  {
    name: 'comment',
    group: 'output',
    action: true,
    help: 'always (default): post or update one sticky comment on the pull request; on-failure: only when the gate fails (a passing run still updates an earlier comment); never. true and false mean always and never',
    description:
      'When to post the sticky PR comment (pull_request, pull_request_target, deployment_status and workflow_run events) - always, on-failure (only when the gate fails; a passing run still updates an earlier comment) or never. true and false mean always and never.',
    default: 'always',
    readme: 'When to post the sticky PR comment: `always`, `on-failure` or `never`.',
  },
  {
    name: 'comment-mode',
    group: 'output',
    action: true,
    help: 'update (default): edit the sticky comment in place; recreate: delete it and post a new one at the bottom of the PR',
    description: 'update edits the sticky comment in place; recreate deletes it and posts a new one at the bottom of the pull request.',
    default: 'update',
    readme: '`update` edits the comment in place; `recreate` posts it anew at the bottom.',
  },
  {
    name: 'comment-tag',
    group: 'output',
    action: true,
    help: 'tells several gates in one PR apart: one comment per tag (default "default")',
    description: 'Tells several gates in one pull request apart - one comment per tag (letters, digits, ., _, -, /).',
    default: 'default',
    readme: 'Tells several gates in one pull request apart: one comment per tag.',
  },
  {
    name: 'report-path',
    group: 'output',
    help: 'where to write the JSON report (default ttfc-report.json)',
    description: 'Where the JSON report is written, relative to the workspace.',
    default: 'ttfc-report.json',
    readme: 'Where the JSON report is written.',
  },
  {
    name: 'markdown-path',
    group: 'output',
    help: 'also write the markdown report (the PR comment and job summary) to this file, e.g. to preview the comment locally (default: none)',
    description: 'Also write the markdown report (the PR comment and job summary) to this file, relative to the workspace, e.g. to upload it as an artifact. Empty - not written.',
    default: '',
    readme: 'Also write the markdown report (the comment) to this file.',
  },
];

const help = (rows: readonly InputSpec[]): Record<string, string> => Object.fromEntries(rows.map((r) => [r.name, r.help]));

/** The inputs of the core, named as in action.yml; the CLI takes the same names as --flags. */
export const CORE_INPUTS: Readonly<Record<string, string>> = help(INPUTS.filter((r) => !r.action));

/** Inputs only the GitHub adapter reads. */
export const ACTION_ONLY_INPUTS: Readonly<Record<string, string>> = help(INPUTS.filter((r) => r.action));

/**
 * The non-empty defaults of action.yml's core inputs: the runner passes them when the workflow sets
 * nothing, so with mode: merge a value equal to its default is not "set".
 */
export const ACTION_DEFAULTS: Readonly<Record<string, string>> = Object.fromEntries(
  INPUTS.filter((r) => !r.action && r.default !== undefined && r.default !== '').map((r) => [r.name, r.default!]),
);
