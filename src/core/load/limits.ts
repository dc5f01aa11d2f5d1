import { readdirSync, readFileSync } from 'node:fs';
import { getExecOutput } from '@actions/exec';
import { InputError } from '../errors.js';
import type { Stage } from '../types.js';

/** Descriptors kept free for everything else the process opens (report file, health probe, log command, DNS). */
const SPARE = 64;

interface Limits {
  soft: number;
  hard: number;
  open: number;
}

/**
 * Every user holds one socket: the largest stage needs that many file descriptors at once. Node
 * already raises its soft limit to the hard one at start-up; when something kept it lower, it is
 * raised here with `prlimit` (allowed up to the hard limit). When the limit still cannot hold the
 * largest stage, the run fails before any request with how many users fit. Linux only (elsewhere
 * the limit cannot be read without a shell; the run goes on).
 */
export async function ensureDescriptors(stages: readonly Stage[], log?: (line: string) => void): Promise<void> {
  const users = Math.max(0, ...stages.map((s) => s.users));
  let lim = readLimits();
  if (lim === null || fits(lim, users)) return;
  if (lim.hard > lim.soft) {
    await getExecOutput('prlimit', ['--pid', String(process.pid), `--nofile=${lim.hard}:${lim.hard}`], { silent: true, ignoreReturnCode: true }).catch(() => null);
    lim = readLimits() ?? lim;
    if (fits(lim, users)) {
      log?.(`raised the open-file limit to ${lim.soft} for ${users} users`);
      return;
    }
  }
  const fit = Math.max(0, lim.soft - lim.open - SPARE);
  const raise =
    lim.hard >= users + lim.open + SPARE
      ? ''
      : ` (hard limit ${lim.hard}: raise it with \`ulimit -n ${users + lim.open + SPARE}\` as root, LimitNOFILE= in a systemd unit or --ulimit nofile= for a container)`;
  throw new InputError(
    'stages',
    `a stage of ${users} users needs ${users} connections open at once, but this process may open ${lim.soft} files and already has ${lim.open} open: at most ${fit} users fit${raise}`,
  );
}

/**
 * How many users' connections this process can hold at once once its soft limit is raised to the hard
 * one (as ensureDescriptors does), or null where the limit cannot be read. For checks before any load.
 */
export function descriptorRoom(): number | null {
  const lim = readLimits();
  return lim === null ? null : Math.max(0, Math.max(lim.soft, lim.hard) - lim.open - SPARE);
}

function fits(lim: Limits, users: number): boolean {
  return lim.soft - lim.open - SPARE >= users;
}

function readLimits(): Limits | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const m = line ? /^Max open files\s+(\S+)\s+(\S+)/.exec(line) : null;
    if (!m) return null;
    const num = (v: string): number => (v === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(v));
    return { soft: num(m[1]!), hard: num(m[2]!), open: readdirSync('/proc/self/fd').length };
  } catch {
    return null;
  }
}
