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
