// Cancellation by signal, for both adapters. The runner sends SIGINT when a run is cancelled and
// SIGTERM 7.5 s later (then kills); Ctrl-C sends SIGINT. The first signal stops the load and lets
// the partial report be written; a second one exits at once.

export interface Cancellation {
  signal: AbortSignal;
  /** Which signal cancelled the run, or null. */
  readonly by: NodeJS.Signals | null;
  /** Removes the handlers (the default handling of the signals comes back). */
  dispose(): void;
}

/** Exit code of a process ended by a signal, as a shell reports it. */
export function signalExitCode(sig: NodeJS.Signals): number {
  return sig === 'SIGINT' ? 130 : sig === 'SIGTERM' ? 143 : 1;
}

export function cancelOnSignals(onFirst: (sig: NodeJS.Signals) => void, exit: (code: number) => void = (c) => process.exit(c)): Cancellation {
  const controller = new AbortController();
  let by: NodeJS.Signals | null = null;
  const handler = (sig: NodeJS.Signals): void => {
    if (by !== null) {
      exit(signalExitCode(sig));
      return;
    }
    by = sig;
    onFirst(sig);
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    get by() {
      return by;
    },
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** A signal that aborts `ms` after `signal` does (at once counting from now when it already has). */
export function abortAfter(signal: AbortSignal, ms: number): { signal: AbortSignal; dispose(): void } {
  const ctl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const start = (): void => {
    timer = setTimeout(() => ctl.abort(), ms);
  };
  if (signal.aborted) start();
  else signal.addEventListener('abort', start, { once: true });
  return {
    signal: ctl.signal,
    dispose: () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', start);
    },
  };
}

/** How long the exit waits for stdout and stderr to take what was written (a reader that stopped reading). */
const FLUSH_MS = 2000;

/**
 * Ends the process once its output is flushed: a stray handle (a socket kept alive, a command's
 * pipe held by a grandchild that escaped its group) never keeps it running after the work is done.
 * The commands' process groups still alive are killed on the way out (see server/process-group.ts).
 */
export async function exitWhenFlushed(code?: number): Promise<never> {
  const flushed = (s: NodeJS.WriteStream): Promise<void> => new Promise((r) => (s.writableLength === 0 || s.destroyed ? r() : s.write('', () => r())));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all([flushed(process.stdout), flushed(process.stderr)]), new Promise((r) => (timer = setTimeout(r, FLUSH_MS)))]);
  clearTimeout(timer);
  // process.exit(undefined) exits 0 on Node 22: without a code, process.exitCode (core.setFailed's) must decide.
  if (code === undefined) process.exit();
  process.exit(code);
}
