// Runs the commands of the server side (monitors, the log follower) through @actions/exec, the same
// in the Action and the CLI. Every command runs under `sh -c`, silent (nothing of its output goes to
// the process's stdout, so it can never become a workflow command), with stdin from /dev/null, in a
// process group of its own (setsid): a kill, a timeout or a cancel ends the whole group, and so does
// the end of a sample (a monitor's background child is not left behind).

import { exec } from '@actions/exec';
import { HeadCapture, LineSplitter } from './lines.js';
import { groupEnded, killGroup, killTree, setsidBinary, trackGroup } from './process-group.js';

const PID_MARK = 'ttfc-gate-pid ';
// The outer shell reports its pid (under setsid: the group's id) on stderr, then becomes the user's
// command. Stdin is /dev/null: nothing waits for input.
const FOLLOW_WRAPPER = `printf '${PID_MARK}%s\\n' "$$" >&2; exec /bin/sh -c "$1" </dev/null`;
// A sample: when the command ends, whatever it left running in its group gets SIGTERM at once (the
// shell ignores it and exits with the command's status), so a stray child does not hold its output open.
const SAMPLE_WRAPPER = `printf '${PID_MARK}%s\\n' "$$" >&2; /bin/sh -c "$1" </dev/null; s=$?; trap '' TERM; kill -TERM 0 2>/dev/null; exit $s`;

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
  /** Killed because `signal` aborted. */
  cancelled: boolean;
}

export interface CommandOptions {
  /** Kill the command (and its group) after this long. */
  timeoutMs?: number;
  /** Called with each stdout line: a following command, whose group may outlive its shell (`tail -F … &`). */
  onLine?: (line: string) => void;
  env?: Record<string, string>;
  /** Kills the command (and its group) when it aborts. */
  signal?: AbortSignal;
}

/** A command under way: `done` settles when it and its group have ended; `kill()` ends them. Never rejects. */
export interface RunningCommand {
  done: Promise<CommandResult>;
  kill(): Promise<void>;
}

export function startCommand(command: string, opts: CommandOptions = {}): RunningCommand {
  if (opts.signal?.aborted) {
    return { done: Promise.resolve({ exitCode: null, stdout: '', stderrLastLine: '', timedOut: false, cancelled: true }), kill: () => Promise.resolve() };
  }
  const setsid = setsidBinary();
  const follow = opts.onLine !== undefined;
  let pid: number | null = null;
  let killRequested = false;
  let killing: Promise<void> | null = null;
  let timedOut = false;
  let stderrLast = '';
  const kill = (): Promise<void> => {
    killRequested = true;
    // Before the pid is known the kill waits for it (see the pid mark below).
    if (pid === null) return Promise.resolve();
    killing ??= setsid ? killGroup(pid) : killTree(pid);
    return killing;
  };
  const stdout = new HeadCapture(MAX_STDOUT);
  const lines = opts.onLine ? new LineSplitter(MAX_LINE, opts.onLine) : null;
  const errLines = new LineSplitter(MAX_LINE, (line) => {
    if (pid === null && line.startsWith(PID_MARK)) {
      pid = Number(line.slice(PID_MARK.length)) || null;
      if (pid !== null && setsid) trackGroup(pid);
      if (killRequested) void kill();
      return;
    }
    if (line.trim() !== '') stderrLast = line.trim();
  });
  const timer =
    opts.timeoutMs === undefined
      ? null
      : setTimeout(() => {
          timedOut = true;
          void kill();
        }, opts.timeoutMs);
  const onAbort = (): void => void kill();
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const wrapper = follow || !setsid ? FOLLOW_WRAPPER : SAMPLE_WRAPPER;
  const argv = [...(setsid ? [setsid] : []), '/bin/sh', '-c', wrapper, 'ttfc-gate', command];
  const done = exec(argv[0]!, argv.slice(1), {
    silent: true,
    ignoreReturnCode: true,
    // After the shell's exit, output held open by a child that ignored the SIGTERM is not waited for long.
    delay: 500,
    ...(opts.env ? { env: opts.env } : {}),
    listeners: {
      stdout: (data: Buffer) => {
        stdout.push(data);
        lines?.push(data);
      },
      stderr: (data: Buffer) => errLines.push(data),
    },
  })
    .then(
      (exitCode) => ({ exitCode, error: null as string | null }),
      (err: unknown) => ({ exitCode: null, error: err instanceof Error ? err.message : String(err) }),
    )
    .then(async (r) => {
      if (setsid && pid !== null && !killRequested) {
        // A follower whose shell left its reader in the background is followed until stopped; a
        // sample's leftovers are ended now.
        if (follow) await groupEnded(pid, () => killRequested);
        else await kill();
      }
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      errLines.end();
      lines?.end();
      if (killing) await killing;
      const cancelled = opts.signal?.aborted === true && !timedOut;
      return { exitCode: r.exitCode, stdout: stdout.text, stderrLastLine: stderrLast || (r.error ?? ''), timedOut, cancelled };
    });
  return { done, kill };
}

/** Runs a command to its end (or its timeout, or the signal). Never rejects. */
export function runCommand(command: string, timeoutMs: number, signal?: AbortSignal): Promise<CommandResult> {
  return startCommand(command, { timeoutMs, ...(signal ? { signal } : {}) }).done;
}
