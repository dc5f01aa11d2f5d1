// Monitor and logs commands that misbehave the ways real ones do, each carrying a marker (a `sleep`
// of a unique length, or a log file of a unique name) so the test finds whatever it left running.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { uniqueSleep } from './procs.js';

export interface HostileCommand {
  name: string;
  /** A monitor command and a logs-command, both carrying `marker`. */
  make(dir: string): { monitor: string; logs: string; marker: string };
}

const sleeper = (): string => `sleep ${uniqueSleep()}`;

export const HOSTILE_COMMANDS: HostileCommand[] = [
  {
    name: 'a background child',
    make: () => {
      const s = sleeper();
      return { monitor: `echo 5; (${s}) &`, logs: `(${s}) & echo started`, marker: s };
    },
  },
  {
    name: 'a child that ignores SIGTERM',
    make: () => {
      const s = sleeper();
      return { monitor: `trap '' TERM; ${s} & echo 5`, logs: `trap '' TERM; ${s}`, marker: s };
    },
  },
  {
    name: 'a command that forks and exits',
    make: () => {
      const s = sleeper();
      return { monitor: `sh -c '${s} &'; echo 5`, logs: `sh -c '${s} &'`, marker: s };
    },
  },
  {
    name: 'tail -F with &',
    make: (dir) => {
      const file = join(dir, `app-${uniqueSleep()}.log`);
      writeFileSync(file, '');
      return { monitor: `tail -n0 -F ${file} & echo 5`, logs: `tail -n0 -F ${file} &`, marker: file };
    },
  },
  {
    name: 'a command that never prints',
    make: () => {
      const s = sleeper();
      return { monitor: s, logs: s, marker: s };
    },
  },
  {
    name: 'a huge line',
    make: () => {
      const s = sleeper();
      const huge = "head -c 20000000 /dev/zero | tr '\\0' a; echo";
      return { monitor: `${huge}; (${s}) &`, logs: `${huge}; echo ERROR after the huge line; ${s}`, marker: s };
    },
  },
];
