// Finding the processes a test's commands left behind: each hostile command carries a marker no
// other process has (a `sleep` of a unique length, a log file of a unique name), and the process
// table is read from /proc. Zombies do not count: an orphan killed with SIGKILL waits for PID 1 to
// reap it, which in a container may never happen.
import { readdirSync, readFileSync } from 'node:fs';

/** A unique `sleep` length in seconds (always 7 digits, so no marker is a prefix of another): its command line is the marker. */
export function uniqueSleep(): number {
  return 7_000_000 + Math.floor(Math.random() * 2_000_000);
}

/** The pids of running (non-zombie) processes whose command line contains `marker`. */
export function running(marker: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ');
      if (!cmd.includes(marker)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z') out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Waits until no process carries the marker (a SIGKILL lands within milliseconds); returns what is left. */
export async function leftAfter(marker: string, ms = 3000): Promise<number[]> {
  const deadline = Date.now() + ms;
  let left = running(marker);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    left = running(marker);
  }
  return left;
}

/** Kills what a failed test left (by pid, never by name). */
export function killLeft(marker: string): void {
  for (const pid of running(marker)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** The process group of this process (field 5 of /proc/self/stat). */
export function ownGroup(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}
