// Process groups of the commands the gate starts. Each command runs under `setsid`, in a session and
// process group of its own whose id is the command's pid, so one kill(-pgid) ends all of it: children
// re-parented when their shell exited, a `tail -F … &`, a fork that outlived its parent. Every group
// still alive is killed when the gate's process exits, whichever way it exits. Without setsid
// (macOS), the process tree under the command is walked with `ps` instead (re-parented children are lost).

import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { getExecOutput } from '@actions/exec';

let setsidPath: string | null | undefined;

/** The setsid binary (util-linux on GitHub's Linux runners and Debian; busybox), or null. */
export function setsidBinary(): string | null {
  if (setsidPath !== undefined) return setsidPath;
  setsidPath = null;
  for (const dir of (process.env.PATH || '/usr/bin:/bin').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, 'setsid'), constants.X_OK);
      setsidPath = join(dir, 'setsid');
      break;
    } catch {
      // not here
    }
  }
  return setsidPath;
}

/** Tests: run as on a machine without setsid (null), or find it again (undefined). */
export function overrideSetsid(path: string | null | undefined): void {
  setsidPath = path;
}

const live = new Set<number>();
let exitHook = false;

/** Remembers a group to kill if the process exits before the group is ended. */
export function trackGroup(pgid: number): void {
  live.add(pgid);
  if (exitHook) return;
  exitHook = true;
  // Synchronous, so it also runs on process.exit() (a second Ctrl-C, the adapters' exit).
  process.on('exit', killAllGroupsNow);
}

/** SIGKILL to every group not ended yet (the exit path: nothing can be awaited). */
function killAllGroupsNow(): void {
  for (const g of live) signal(-g, 'SIGKILL');
  live.clear();
}

/** The groups started and not yet ended (tests). */
export function liveGroups(): number[] {
  return [...live];
}

/**
 * Whether any process of the group is running. Zombies count as gone: an orphan waits for PID 1 to
 * reap it, which in a container may never happen.
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const name of names) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'latin1');
    } catch {
      continue;
    }
    // After the command name in parentheses: state, ppid, pgrp.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ', 3);
    if (Number(pgrp) === pgid && state !== 'Z') return true;
  }
  return false;
}

/** Ends a whole group: SIGTERM, then SIGKILL to what is left after the grace. */
export async function killGroup(pgid: number, graceMs = 500): Promise<void> {
  signal(-pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) {
      signal(-pgid, 'SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  live.delete(pgid);
}

/** Resolves when the group has no running process left, or when `stop()` says so (polled). */
export async function groupEnded(pgid: number, stop: () => boolean, everyMs = 200): Promise<void> {
  while (!stop() && groupAlive(pgid)) await new Promise((r) => setTimeout(r, everyMs));
  if (!stop()) live.delete(pgid);
}

/**
 * Without process groups: ends a process and every descendant, the tree read first (a child whose
 * parent died is re-parented and lost), all get SIGTERM, then SIGKILL after the grace.
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
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
