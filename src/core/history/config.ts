// The history inputs (history-path, history-limit, history-window, history-write) → a HistorySpec,
// checked up front; and which runs record an entry. Pure.

import { parseCount, trimmedValue } from '../input-value.js';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { InputError } from '../errors.js';
import type { Criterion } from '../types.js';
import { HISTORY_BOUNDS, HISTORY_METRICS } from './schema.js';

const DEFAULT_HISTORY_LIMIT = 200;
const DEFAULT_HISTORY_WINDOW = 7;
/** Fewer passing runs than this: `history.` criteria are skipped. */
export const MIN_HISTORY_RUNS = 3;

export type HistoryWrite = 'auto' | 'true' | 'false';

export interface HistorySpec {
  /** As given (shown in messages), and resolved against the working directory. */
  path: string;
  absPath: string;
  limit: number;
  window: number;
  write: HistoryWrite;
}

/** Events whose runs append to the history under `history-write: auto`. */
const RECORDING_EVENTS: readonly string[] = ['schedule', 'push', 'workflow_dispatch'];
/** Events that are a pull request's: they never append, whatever history-write says. */
const PULL_REQUEST_EVENTS: readonly string[] = ['pull_request', 'pull_request_target'];

/**
 * The history settings, or null without history-path. A `history.` criterion needs history-path; one
 * on a figure the history does not keep is an error naming the figures it keeps.
 */
export function buildHistorySpec(
  inputs: Partial<Record<string, string>>,
  cwd: string,
  criteria: readonly Criterion[],
  sharded: boolean,
  /** Files the run writes or reads (input name, path): the history must be none of them. */
  others: ReadonlyArray<readonly [string, string | null]> = [],
): HistorySpec | null {
  const path = trimmedValue(inputs, 'history-path');
  for (const c of criteria) {
    if (c.value.kind !== 'factor' || !c.value.metric.history) continue;
    if (path === undefined) throw new InputError('criteria', `line ${c.line}: "${c.text}" references history.${c.value.metric.name} but history-path is not set`);
    if (!(HISTORY_METRICS as readonly string[]).includes(c.value.metric.name)) {
      throw new InputError('criteria', `line ${c.line}: the history keeps ${HISTORY_METRICS.join(', ')}, not ${c.value.metric.name}`);
    }
  }
  // The runner passes every default: only a value other than its default is "set".
  const defaults: Record<string, string> = { 'history-limit': String(DEFAULT_HISTORY_LIMIT), 'history-window': String(DEFAULT_HISTORY_WINDOW), 'history-write': 'auto' };
  const rest = Object.keys(defaults).find((n) => {
    const v = trimmedValue(inputs, n);
    return v !== undefined && v.toLowerCase() !== defaults[n];
  });
  if (path === undefined) {
    if (rest) throw new InputError(rest, 'is set but history-path is not');
    return null;
  }
  if (sharded) throw new InputError('history-path', 'cannot be combined with shard (a shard runs a share of the users: keep the history of whole runs)');
  if (/[/\\]$/.test(path)) throw new InputError('history-path', `"${path.slice(0, 200)}" is a directory, not a file name`);
  if (path.includes('\0')) throw new InputError('history-path', 'holds a NUL character');
  const limit = parseCount('history-limit', trimmedValue(inputs, 'history-limit'), DEFAULT_HISTORY_LIMIT, 10, HISTORY_BOUNDS.entries);
  const window = parseCount('history-window', trimmedValue(inputs, 'history-window'), DEFAULT_HISTORY_WINDOW, MIN_HISTORY_RUNS, 100);
  if (window > limit) throw new InputError('history-window', `${window} is more than history-limit (${limit}): the window cannot be longer than the history`);
  const write = (trimmedValue(inputs, 'history-write') ?? 'auto').toLowerCase();
  if (write !== 'auto' && write !== 'true' && write !== 'false') throw new InputError('history-write', `"${write.slice(0, 40)}" is not auto, true or false`);
  const absPath = isAbsolute(path) ? path : resolvePath(cwd, path);
  for (const [name, other] of others) {
    if (other !== null && resolvePath(cwd, other) === absPath) throw new InputError('history-path', `"${path.slice(0, 200)}" is also ${name}: the history needs a file of its own`);
  }
  return { path, absPath, limit, window, write };
}

/**
 * Whether this run appends its entry, and why (for the log). `event` is the workflow event (null
 * outside a workflow: the CLI on its own, which records under auto).
 */
export function recordingOf(spec: Pick<HistorySpec, 'write'>, event: string | null): { record: boolean; why: string } {
  const name = event ?? 'none';
  if (event !== null && PULL_REQUEST_EVENTS.includes(event)) {
    if (spec.write === 'true') throw new InputError('history-write', `true on a ${event} event: a pull request only reads the history (it is the base branch's)`);
    return { record: false, why: `a ${event} run only reads the history` };
  }
  if (spec.write === 'false') return { record: false, why: 'history-write is false' };
  if (spec.write === 'true') return { record: true, why: `history-write is true (event ${name})` };
  if (event === null) return { record: true, why: 'outside a workflow (set history-write: false to only read)' };
  if (RECORDING_EVENTS.includes(event)) return { record: true, why: `a ${event} run` };
  return { record: false, why: `a ${event} run only reads the history under history-write: auto (set history-write: true to record it)` };
}
