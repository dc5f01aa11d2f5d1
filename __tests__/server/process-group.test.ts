// Commands in process groups of their own, with real processes: whatever a command leaves running
// (a background child, a child that ignores SIGTERM, a grandchild re-parented when its shell
// exited, `tail -F … &`) is gone when the command is done, killed, timed out or cancelled — and
// when the process that started it exits.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand, startCommand } from '../../src/core/server/command.js';
import { groupAlive, liveGroups, overrideSetsid } from '../../src/core/server/process-group.js';
import { killLeft, leftAfter, ownGroup, running, uniqueSleep } from '../helpers/procs.js';

let dir: string;
const markers: string[] = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ttfc-pgroup-'));
});
afterAll(() => {
  for (const m of markers) killLeft(m);
  rmSync(dir, { recursive: true, force: true });
});

/** A `sleep` only this test runs. */
function sleeper(): string {
  const m = `sleep ${uniqueSleep()}`;
  markers.push(m);
  return m;
}

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
}

describe('a sample (monitor command)', () => {
  test.each([
    ['a background child', (s: string) => `echo 5; (${s}) &`],
    ['a background child that ignores SIGTERM', (s: string) => `trap '' TERM; ${s} & echo 5`],
    ['a grandchild re-parented when its shell exits', (s: string) => `sh -c '${s} &'; echo 5`],
    ['a double fork', (s: string) => `(sh -c '${s} &' &); echo 5`],
  ])('%s is gone when the sample is done', async (_what, make) => {
    const s = sleeper();
    const r = await runCommand(make(s), 10_000);
    expect(r).toMatchObject({ exitCode: 0, stdout: '5\n', timedOut: false, cancelled: false });
    // Done means done: nothing of the command runs any more (a SIGKILL lands within milliseconds).
    expect(await leftAfter(s, 1000)).toEqual([]);
  });

  test('the command runs in a process group of its own, not the gate’s', async () => {
    const r = await runCommand(`cut -d' ' -f5 /proc/$$/stat`, 5000);
    const pgid = Number(r.stdout.trim());
    expect(pgid).toBeGreaterThan(1);
    expect(pgid).not.toBe(ownGroup());
  });

  test('a timeout kills the whole group: a child ignoring SIGTERM and a re-parented grandchild', async () => {
    const a = sleeper();
    const b = sleeper();
    const r = await runCommand(`trap '' TERM; sh -c '${a} &'; ${b}`, 300);
    expect(r.timedOut).toBe(true);
    expect(await leftAfter(a, 1000)).toEqual([]);
    expect(await leftAfter(b, 1000)).toEqual([]);
  });

  test('a cancel kills it: cancelled, not timed out; an aborted signal starts nothing', async () => {
    const s = sleeper();
    const ctl = new AbortController();
    const p = runCommand(`${s}; echo never`, 60_000, ctl.signal);
    await waitFor(() => running(s).length > 0);
    ctl.abort();
    expect(await p).toMatchObject({ cancelled: true, timedOut: false, stdout: '' });
    expect(await leftAfter(s, 1000)).toEqual([]);
    const t = sleeper();
    expect(await runCommand(t, 60_000, ctl.signal)).toMatchObject({ cancelled: true, exitCode: null });
    expect(running(t)).toEqual([]);
  });

  test('a kill before the command reported its pid still kills it', async () => {
    const s = sleeper();
    const cmd = startCommand(s);
    await cmd.kill();
    const r = await cmd.done;
    expect(r.exitCode).not.toBe(0);
    expect(await leftAfter(s, 1000)).toEqual([]);
  });

  test('no group is left tracked after commands end', async () => {
    await runCommand('echo 1', 5000);
    await runCommand(`${sleeper()}`, 200);
    expect(liveGroups()).toEqual([]);
  });
});

describe('a follower (logs-command)', () => {
  test('tail -F … &: followed after its shell exited, until killed; then gone', async () => {
    const file = join(dir, `bg-${uniqueSleep()}.log`);
    markers.push(file);
    writeFileSync(file, 'old\n');
    const lines: string[] = [];
    const cmd = startCommand(`tail -n0 -F ${file} &`, { onLine: (l) => lines.push(l) });
    let settled = false;
    void cmd.done.then(() => (settled = true));
    await waitFor(() => running(file).length > 0);
    // The shell is long gone; the reader in the background is the follower.
    await new Promise((r) => setTimeout(r, 800));
    appendFileSync(file, 'INFO one\nERROR two\n');
    await waitFor(() => lines.length >= 2);
    expect(lines).toEqual(['INFO one', 'ERROR two']);
    expect(settled).toBe(false);
    await cmd.kill();
    await cmd.done;
    expect(await leftAfter(file, 1000)).toEqual([]);
  });

  test('a follower that ignores SIGTERM is killed with SIGKILL', async () => {
    const s = sleeper();
    const cmd = startCommand(`trap '' TERM; ${s}`, { onLine: () => undefined });
    await waitFor(() => running(s).length > 0);
    await cmd.kill();
    await cmd.done;
    expect(await leftAfter(s, 1000)).toEqual([]);
  });

  test('a follower whose group ended by itself settles (the log stopped)', async () => {
    const lines: string[] = [];
    const r = await startCommand(`echo a; (sleep 0.3; echo b) &`, { onLine: (l) => lines.push(l) }).done;
    expect(lines).toEqual(['a', 'b']);
    expect(r.exitCode).toBe(0);
  });

  test('a huge line arrives as one cut line; the next line still counts', async () => {
    const lines: string[] = [];
    await startCommand(`head -c 20000000 /dev/zero | tr '\\0' a; echo; echo ERROR after`, { onLine: (l) => lines.push(l) }).done;
    expect(lines.map((l) => l.length)).toEqual([4096, 11]);
  });
});

test('groups still alive are killed when the process exits, however it exits', async () => {
  // A process that starts a follower and a sample, then exits at once (as a second Ctrl-C does).
  const a = sleeper();
  const b = sleeper();
  const lib = fileURLToPath(new URL('../../lib/src/core/server/command.js', import.meta.url));
  const script = `import { startCommand } from ${JSON.stringify(lib)};
startCommand(${JSON.stringify(`trap '' TERM; ${a}`)}, { onLine: () => {} });
startCommand(${JSON.stringify(`${b} & ${b}`)}, { timeoutMs: 600000 });
setTimeout(() => process.exit(3), 700);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
  const code = await new Promise<number | null>((r) => child.once('close', r));
  expect(code).toBe(3);
  expect(await leftAfter(a, 2000)).toEqual([]);
  expect(await leftAfter(b, 2000)).toEqual([]);
});

describe('without setsid (e.g. macOS): the process tree is walked', () => {
  afterEach(() => overrideSetsid(undefined));

  test('a timeout still kills the command and its child', async () => {
    overrideSetsid(null);
    const s = sleeper();
    const pidFile = join(dir, 'tree-pids');
    const r = await runCommand(`${s} & echo $! > ${pidFile}; wait`, 300);
    expect(r.timedOut).toBe(true);
    expect(readFileSync(pidFile, 'utf8').trim()).toMatch(/^\d+$/);
    expect(await leftAfter(s, 1000)).toEqual([]);
  });
});

test('groupAlive: false for a group that never existed', () => {
  expect(groupAlive(2 ** 22 + 12345)).toBe(false);
});
