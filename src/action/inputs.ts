// The action's inputs: the core's (CORE_INPUTS, validated by buildConfig) plus the adapter's own
// (the PR comment). Names as in action.yml.
import type { Inputs } from '../core/config/config.js';
import { ACTION_DEFAULTS, ACTION_ONLY_INPUTS, CORE_INPUTS } from '../core/config/inputs.js';
import { InputError } from '../core/errors.js';
import { ignoredInputsError, mergeIgnoredInputs } from '../core/merge.js';

/** Inputs only the GitHub adapter reads (their rows are in core/config/inputs.ts). */
export const ACTION_INPUTS = ACTION_ONLY_INPUTS as Readonly<Record<'github-token' | 'comment' | 'comment-mode' | 'comment-tag' | 'tracking-issue' | 'mode' | 'reports', string>>;

export type ActionInputName = keyof typeof ACTION_INPUTS;

export { ACTION_DEFAULTS };

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
