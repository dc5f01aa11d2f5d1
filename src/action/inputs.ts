// The action's inputs: the core's (CORE_INPUTS, validated by buildConfig) plus the adapter's own
// (the PR comment). Names as in action.yml.
import { CORE_INPUTS, type Inputs } from '../core/config/config.js';
import { InputError } from '../core/errors.js';
import { DEFAULT_CRITERIA } from '../core/analysis/criteria/index.js';
import { DEFAULT_STAGES } from '../core/config/stages.js';
import { ignoredInputsError, mergeIgnoredInputs } from '../core/merge.js';
import { DEFAULT_LOG_ERROR_PATTERN } from '../core/server/config.js';

/** Inputs only the GitHub adapter reads. */
export const ACTION_INPUTS = {
  'github-token': 'token for the PR comment (default: the workflow token, github.token)',
  comment:
    'always (default): post or update one sticky comment on the pull request; on-failure: only when the gate fails (a passing run still updates an earlier comment); never. true and false mean always and never',
  'comment-mode': 'update (default): edit the sticky comment in place; recreate: delete it and post a new one at the bottom of the PR',
  'comment-tag': 'tells several gates in one PR apart: one comment per tag (default "default")',
  'tracking-issue':
    'true: on schedule, push and workflow_dispatch runs a failing run opens one issue labelled ttfc-gate (or comments on the open one), a passing run comments and closes it; needs issues: write (default false)',
  mode: 'run (default): load-test and publish; merge: merge the shard reports of `reports` and publish them as one run',
  reports: 'mode: merge: the shard reports to merge, glob patterns one a line (e.g. shards/*.json)',
} as const;

export type ActionInputName = keyof typeof ACTION_INPUTS;

/**
 * The non-empty defaults of action.yml's core inputs (a test checks they agree): the runner passes
 * them when the workflow sets nothing, so with mode: merge a value equal to its default is not "set".
 */
export const ACTION_DEFAULTS: Readonly<Record<string, string>> = {
  method: 'POST',
  preset: 'generic',
  format: 'auto',
  stages: DEFAULT_STAGES,
  arrival: 'poisson',
  'arrival-seed': '1',
  'max-in-flight': '1000',
  timeout: '60s',
  cooldown: '500ms',
  'max-event-size': '16MiB',
  criteria: DEFAULT_CRITERIA,
  'fail-on-criteria': 'true',
  verdict: 'strict',
  repeat: '1',
  warmup: '0',
  'regression-threshold': '20%',
  'wait-timeout': '5m',
  'health-interval': '250ms',
  'monitor-interval': '1s',
  'monitor-timeout': '5s',
  'log-error-pattern': DEFAULT_LOG_ERROR_PATTERN,
  'report-path': 'ttfc-report.json',
  'history-limit': '200',
  'history-window': '7',
  'history-write': 'auto',
};

/** Every input the action reads: must equal the inputs of action.yml (a test checks it). */
export const ALL_INPUTS: readonly string[] = [...Object.keys(CORE_INPUTS), ...Object.keys(ACTION_INPUTS)];

/** Inputs whose leading/trailing whitespace is meaningful. */
const UNTRIMMED = new Set(['body']);

export type GetInput = (name: string, opts?: { trimWhitespace?: boolean }) => string;

export interface RawInputs {
  core: Inputs;
  action: Record<ActionInputName, string>;
}

/** Reads every input (does not validate: secrets must be masked before anything can be logged). */
export function readInputs(getInput: GetInput): RawInputs {
  const core: Record<string, string> = {};
  for (const name of Object.keys(CORE_INPUTS)) core[name] = getInput(name, { trimWhitespace: !UNTRIMMED.has(name) });
  const action = {} as Record<ActionInputName, string>;
  for (const name of Object.keys(ACTION_INPUTS) as ActionInputName[]) action[name] = getInput(name);
  return { core, action };
}

/** Inputs whose whole value is a secret: masked before anything is logged (before validation). */
const SECRET_INPUTS: readonly string[] = ['token', 'compare-token', 'login-password', 'github-token'];

/** Values to mask before anything is logged: the target token, the login password, the GitHub token. */
export function inputSecrets(raw: RawInputs): string[] {
  const all: Record<string, string | undefined> = { ...raw.core, ...raw.action };
  return SECRET_INPUTS.map((n) => all[n]?.trim()).filter((s): s is string => !!s);
}

export type CommentWhen = 'always' | 'on-failure' | 'never';
export type CommentMode = 'update' | 'recreate';

export interface ActionSettings {
  githubToken: string | undefined;
  comment: CommentWhen;
  commentMode: CommentMode;
  commentTag: string;
  mode: 'run' | 'merge';
  /** mode merge: glob patterns of the shard reports. */
  reports: string[];
}

const COMMENT_WHEN: Record<string, CommentWhen> = {
  always: 'always',
  'on-failure': 'on-failure',
  never: 'never',
  true: 'always',
  yes: 'always',
  '1': 'always',
  false: 'never',
  no: 'never',
  '0': 'never',
};

/** `comment`: always | on-failure | never (true / false are always / never, as before). */
function parseCommentWhen(text: string | undefined): CommentWhen {
  const t = (text ?? '').trim().toLowerCase();
  if (t === '') return 'always';
  const when = COMMENT_WHEN[t];
  if (!when) throw new InputError('comment', `"${(text ?? '').slice(0, 40)}" is not always, on-failure or never (true and false mean always and never)`);
  return when;
}

/** `comment-mode`: update | recreate. */
function parseCommentMode(text: string | undefined): CommentMode {
  const t = (text ?? '').trim().toLowerCase();
  if (t === '' || t === 'update') return 'update';
  if (t === 'recreate') return 'recreate';
  throw new InputError('comment-mode', `"${(text ?? '').slice(0, 40)}" is not update or recreate`);
}

const TAG = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/;

/** Validates the adapter's inputs; throws InputError naming the input. */
export function actionSettings(raw: RawInputs): ActionSettings {
  const tag = raw.action['comment-tag'].trim() || 'default';
  if (!TAG.test(tag)) {
    throw new InputError('comment-tag', `"${tag.slice(0, 70)}" is not a valid tag (letters, digits, ".", "_", "-", "/"; at most 64 characters; starting with a letter or digit)`);
  }
  const mode = raw.action.mode.trim().toLowerCase() || 'run';
  if (mode !== 'run' && mode !== 'merge') throw new InputError('mode', `"${mode.slice(0, 40)}" is not run or merge`);
  const reports = raw.action.reports
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (mode === 'merge' && reports.length === 0) throw new InputError('reports', 'is required with mode: merge (the shard reports, e.g. shards/*.json)');
  if (mode === 'run' && reports.length > 0) throw new InputError('reports', 'only applies with mode: merge');
  if (mode === 'merge') {
    // The runner passes every input, at its default when not set: an input a merge would ignore is one set to something else.
    const ignored = mergeIgnoredInputs(raw.core, ACTION_DEFAULTS);
    if (ignored.length > 0) throw ignoredInputsError(ignored, 'with mode: merge');
  }
  return {
    githubToken: raw.action['github-token'].trim() || undefined,
    comment: parseCommentWhen(raw.action.comment),
    commentMode: parseCommentMode(raw.action['comment-mode']),
    commentTag: tag,
    mode,
    reports,
  };
}
