// The log follower: `logs-command` runs from before stage 1 to after the last; each line is stamped
// on arrival with the stage then under way, counted, and matched against the error pattern.

import { startCommand, type RunningCommand } from './command.js';
import type { LinePattern } from './pattern.js';
import { oneLine } from './text.js';
import type { Phase } from './types.js';

/** Distinct error samples kept per stage. */
const LOG_SAMPLES = 5;

export interface LogCounts {
  lines: number;
  errors: number;
  samples: string[];
  /** The samples with their digits blanked, to tell distinct errors apart. */
  keys: Set<string>;
}

export class LogFollower {
  /** Per phase ('before', stage index, 'after'). */
  readonly counts = new Map<Phase, LogCounts>();
  warning: string | null = null;
  /** The phase in which the command stopped by itself (stages after it were not followed), or null. */
  stoppedIn: Phase | null = null;
  private cmd: RunningCommand | null = null;
  private stopping = false;
  private exited: Promise<void> | null = null;

  constructor(
    private readonly command: string,
    private readonly pattern: LinePattern,
    private readonly secrets: readonly string[],
    private readonly phase: () => Phase,
    private readonly warn: (message: string) => void,
  ) {}

  private line(raw: string): void {
    const phase = this.phase();
    let c = this.counts.get(phase);
    if (!c) {
      c = { lines: 0, errors: 0, samples: [], keys: new Set() };
      this.counts.set(phase, c);
    }
    c.lines++;
    if (!this.pattern.test(raw)) return;
    c.errors++;
    if (c.samples.length < LOG_SAMPLES) {
      const s = oneLine(raw, this.secrets, 300);
      // Lines that differ only in their numbers (timestamps, ids, ports) are one error.
      const key = s.replace(/\d+/g, '0');
      if (s && !c.keys.has(key)) {
        c.keys.add(key);
        c.samples.push(s);
      }
    }
  }

  start(): void {
    this.cmd = startCommand(this.command, { onLine: (l) => this.line(l) });
    this.exited = this.cmd.done.then((r) => {
      if (this.stopping) return;
      this.stoppedIn = this.phase();
      const err = r.stderrLastLine ? `: ${oneLine(r.stderrLastLine, this.secrets, 200)}` : '';
      this.warning = `logs-command stopped before the end of the run (exit ${r.exitCode ?? 'error'})${err}`;
      this.warn(this.warning);
    });
  }

  /** Kills the command and its children; lines already read are kept. */
  async stop(): Promise<void> {
    if (!this.cmd) return;
    this.stopping = true;
    await this.cmd.kill();
    await this.exited;
    this.cmd = null;
  }
}
