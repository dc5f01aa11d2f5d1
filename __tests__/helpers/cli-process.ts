// The compiled CLI (lib/src/cli/index.js, built by the global setup) run as a process, as a user
// or a CI script runs it: optionally signalled once a line was printed, timed from start and from
// the signal to its exit, and killed by the harness if it never exits.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI_BIN = fileURLToPath(new URL('../../lib/src/cli/index.js', import.meta.url));

export interface CliProcessRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From spawn to exit (ms). */
  ms: number;
  /** From the signal sent to exit (ms), or null when none was sent. */
  msAfterSignal: number | null;
}

export interface CliProcessOptions {
  cwd: string;
  /** Send `signal` `afterMs` after `trigger` first appears on stdout or stderr. */
  cancel?: { trigger: string; signal: NodeJS.Signals; afterMs: number };
  /** The harness kills the process (SIGKILL) after this long and fails. */
  killAfterMs?: number;
}

export function runCliProcess(args: string[], opts: CliProcessOptions): Promise<CliProcessRun> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    let stdout = '';
    let stderr = '';
    let signalledAt: number | null = null;
    let armed = false;
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the CLI did not exit within ${opts.killAfterMs ?? 60_000} ms\nstdout:\n${stdout.slice(-4000)}\nstderr:\n${stderr.slice(-2000)}`));
    }, opts.killAfterMs ?? 60_000);
    const check = (): void => {
      const c = opts.cancel;
      if (!c || armed || !(stdout.includes(c.trigger) || stderr.includes(c.trigger))) return;
      armed = true;
      setTimeout(() => {
        signalledAt = Date.now();
        child.kill(c.signal);
      }, c.afterMs);
    };
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      check();
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      check();
    });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      const end = Date.now();
      resolve({ code, signal, stdout, stderr, ms: end - started, msAfterSignal: signalledAt === null ? null : end - signalledAt });
    });
  });
}
