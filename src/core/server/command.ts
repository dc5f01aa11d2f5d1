// Runs the commands of the server side (monitors, the log follower) through @actions/exec, the same
// in the Action and the CLI. Every command runs under `sh -c`, silent (nothing of its output goes
// to the process's stdout, so it can never become a workflow command), with stdin from /dev/null, and can be
// killed with all its children.

import { readFileSync } from 'node:fs';
import { exec, getExecOutput } from '@actions/exec';

const PID_MARK = 'ttfc-gate-pid ';
// The outer shell reports its pid on stderr, then becomes the user's command (same pid), so the
// whole process tree under that pid is the command's. Stdin is /dev/null: nothing waits for input.
const WRAPPER = `printf '${PID_MARK}%s\\n' "$$" >&2; exec /bin/sh -c "$1" </dev/null`;

/** Most of a command's stdout kept (a monitor needs a number, not a dump). */
const MAX_STDOUT = 64 * 1024;
/** A following command's line longer than this is cut (a log line is not a document). */
const MAX_LINE = 4096;

export interface CommandResult {
  exitCode: number | null;
  stdout: string;
  /** The last non-empty line of stderr ('' when none). */
  stderrLastLine: string;
  /** Killed because it ran past its timeout. */
  timedOut: boolean;
}

export interface CommandOptions {
  /** Kill the command (and its children) after this long. */
  timeoutMs?: number;
  /** Called with each stdout line (following commands). */
  onLine?: (line: string) => void;
  env?: Record<string, string>;
}

/** A command under way: `done` settles when it exits; `kill()` ends it with every child. Never rejects. */
export interface RunningCommand {
  done: Promise<CommandResult>;
  kill(): Promise<void>;
}

export function startCommand(command: string, opts: CommandOptions = {}): RunningCommand {
  let pid: number | null = null;
  let stdout = '';
  let stderrLast = '';
  let timedOut = false;
  let killing: Promise<void> | null = null;
  let pending = '';
  const kill = (): Promise<void> => {
    killing ??= pid === null ? Promise.resolve() : killTree(pid);
    return killing;
  };
  const onErrLine = (line: string): void => {
    if (pid === null && line.startsWith(PID_MARK)) {
      pid = Number(line.slice(PID_MARK.length)) || null;
      return;
    }
    if (line.trim() !== '') stderrLast = line.trim();
  };
  const onOut = (data: Buffer): void => {
    if (stdout.length < MAX_STDOUT) stdout += data.toString('utf8').slice(0, MAX_STDOUT - stdout.length);
    if (!opts.onLine) return;
    pending += data.toString('utf8');
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      opts.onLine(pending.slice(0, nl).replace(/\r$/, '').slice(0, MAX_LINE));
      pending = pending.slice(nl + 1);
    }
    if (pending.length > MAX_LINE) {
      opts.onLine(pending.slice(0, MAX_LINE));
      pending = '';
    }
  };
  let errPending = '';
  const onErr = (data: Buffer): void => {
    errPending += data.toString('utf8');
    let nl: number;
    while ((nl = errPending.indexOf('\n')) >= 0) {
      onErrLine(errPending.slice(0, nl).replace(/\r$/, ''));
      errPending = errPending.slice(nl + 1);
    }
    if (errPending.length > MAX_LINE) errPending = errPending.slice(-MAX_LINE);
  };
  const timer =
    opts.timeoutMs === undefined
      ? null
      : setTimeout(() => {
          timedOut = true;
          void kill();
        }, opts.timeoutMs);
  const done = exec('/bin/sh', ['-c', WRAPPER, 'ttfc-gate', command], {
    silent: true,
    ignoreReturnCode: true,
    // After the exit, stdio held open by a stray child is not waited for long.
    delay: 1000,
    ...(opts.env ? { env: opts.env } : {}),
    listeners: { stdout: onOut, stderr: onErr },
  })
    .then(
      (exitCode) => ({ exitCode, error: null as string | null }),
      (err: unknown) => ({ exitCode: null, error: err instanceof Error ? err.message : String(err) }),
    )
    .then(async (r) => {
      if (timer) clearTimeout(timer);
      if (errPending.trim() !== '') onErrLine(errPending);
      if (pending !== '' && opts.onLine) opts.onLine(pending.slice(0, MAX_LINE));
      pending = '';
      if (killing) await killing;
      return { exitCode: r.exitCode, stdout, stderrLastLine: stderrLast || (r.error ?? ''), timedOut };
    });
  return { done, kill };
}

/** Runs a command to its end (or its timeout). Never rejects. */
export function runCommand(command: string, timeoutMs: number): Promise<CommandResult> {
  return startCommand(command, { timeoutMs }).done;
}

/**
 * Ends a process and every descendant: the tree is read first (a child whose parent died is
 * re-parented and would be lost), then all get SIGTERM, and SIGKILL after a short grace.
 */
export async function killTree(root: number, graceMs = 500): Promise<void> {
  const pids = [...(await descendants(root)), root];
  for (const p of pids) signal(p, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pids.some(alive)) await new Promise((r) => setTimeout(r, 25));
  for (const p of pids) if (alive(p)) signal(p, 'SIGKILL');
}

async function descendants(root: number): Promise<number[]> {
  let text: string;
  try {
    text = (await getExecOutput('ps', ['-A', '-o', 'pid=,ppid='], { silent: true, ignoreReturnCode: true })).stdout;
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const line of text.split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (!pid || ppid === undefined || Number.isNaN(ppid)) continue;
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    for (const c of children.get(stack.pop()!) ?? []) {
      if (out.includes(c)) continue;
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Running (a zombie waiting to be reaped counts as gone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // Linux: the state follows the command name in parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
