// `npm run bench [-- --quick] [-- --only <section>[,<section>…]]`: what a user of each client sees,
// against the bench's own recording server (bench/server.ts) in its own process, in one run. The
// engine, a bare node:http client and autocannon run the same stages, each in a fresh process, in an
// order rotated per round; figures are medians over the rounds with their range. Unpinned runs are
// the headline (the scheduler places server and client, as on a CI runner); `pinned` repeats the lag
// and CPU sections with the server on CPU 0 and each client on CPU 1. Not part of the tests. A full
// run writes bench/RESULTS.md; every run prints its markdown.
//
// Truth is the server's: its hrtime (CLOCK_MONOTONIC, the clients' clock too) of each request's
// arrival, first event write and response end, and the connection it came on; the lag counts the
// server's time from the moment the request's head went to the kernel, which the same wrapper on
// Node's socket write stamps in every client process (heads.ts). The whole-process
// sections run the CLI (`ttfc-gate`) and the bare client as a user runs them, timed by the shell's
// `time` (wall and CPU of the whole child from start to exit), so an outside harness reproduces them.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantile } from 'simple-statistics';
import type { ClientOpts, ClientResult } from './client.js';
import type { ServerTimeline } from './server.js';
import { legs, ms, see, type Seen } from './timeline.js';

const SECTIONS = ['lag', 'overhead', 'long', 'cpu', 'whole', 'wall', 'rss', 'pinned'] as const;
type Section = (typeof SECTIONS)[number];

function usage(msg: string): never {
  process.stderr.write(`bench: ${msg}\nusage: npm run bench -- [--quick] [--only ${SECTIONS.join('|')}[,…]]\n`);
  process.exit(2);
}
const argv = process.argv.slice(2);
let QUICK = false;
let ONLY: Set<Section> | undefined;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]!;
  if (a === '--quick') QUICK = true;
  else if (a === '--only') {
    const v = argv[++i];
    if (v === undefined || v === '') usage('--only needs a section');
    const names = v.split(',');
    for (const n of names) if (!(SECTIONS as readonly string[]).includes(n)) usage(`--only: unknown section "${n}" (one of ${SECTIONS.join(', ')})`);
    ONLY = new Set(names as Section[]);
  } else usage(`unknown argument "${a}"`);
}
const runs = (s: Section): boolean => ONLY === undefined || ONLY.has(s);

const ROUNDS = QUICK ? 1 : 3;
const CLIENT = fileURLToPath(new URL('./client.js', import.meta.url));
const SERVER = fileURLToPath(new URL('./server.js', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli/index.js', import.meta.url));
const RESULTS = fileURLToPath(new URL('../../bench/RESULTS.md', import.meta.url));
/** Any one client run; a full bench takes about 8 minutes on a loaded 2-core machine. */
const CLIENT_TIMEOUT_MS = 180_000;
const TOOLS = ['engine', 'bare', 'autocannon'] as const;
type Tool = (typeof TOOLS)[number];

// The demo's usual answer: first event 50 ms after arrival, 5 events 10 ms apart (~90 ms).
const STREAM = 'delay=50&events=5&interval=10';
// Answers lasting over a second: every user of a well-started stage is in flight at once.
const LONG_STREAM = 'delay=1000&events=5&interval=10';
const ZERO = 'delay=0&events=3&interval=0';
const LAG_STAGES: Array<[number, number]> = QUICK
  ? [
      [10, 5],
      [100, 3],
      [1000, 2],
    ]
  : [
      [1, 20],
      [10, 50],
      [100, 10],
      [1000, 3],
      [5000, 2],
    ];
const LONG_USERS = 1000;
const CPU_LOAD: [number, number] = QUICK ? [50, 100] : [50, 600];
/** Whole-process marginal CPU: two sizes of the same 50-user stage. */
const WHOLE: [number, number, number] = QUICK ? [50, 40, 120] : [50, 100, 300];
const WALL: [number, number] = QUICK ? [200, 50] : [1000, 100];
const RSS_STREAMS = QUICK ? 1000 : 5000;

const PIN_OK = ((): boolean => {
  if (cpus().length < 2) return false;
  try {
    execFileSync('taskset', ['-c', '1', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
/** `node args`, on CPU `cpu` when pinned. */
const node = (cpu: number | null, args: string[]): [string, string[]] => (cpu !== null ? ['taskset', ['-c', String(cpu), process.execPath, ...args]] : [process.execPath, args]);

interface Server {
  url: string;
  /** the client's CPU when pinned (the server has CPU 0) */
  clientCpu: number | null;
  stop(): void;
}

async function startServer(pinned: boolean): Promise<Server> {
  const child = spawn(...node(pinned ? 0 : null, [SERVER]), { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`bench server exited ${c}`)));
    child.stdout.setEncoding('utf8').once('data', (d: string) => resolve(/listening (\S+)/.exec(d)![1]!));
  });
  return { url, clientCpu: pinned ? 1 : null, stop: () => child.kill('SIGTERM') };
}

function client(server: Server, kind: string, opts: ClientOpts): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    execFile(...node(server.clientCpu, [CLIENT, kind, JSON.stringify(opts)]), { maxBuffer: 256 * 1024 * 1024, timeout: CLIENT_TIMEOUT_MS }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${kind} ${opts.users}x${opts.perUser}: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout) as ClientResult);
    });
  });
}

/** The server's log, each call on a connection of its own; the GET's connection is not counted. */
function timeline(base: string, method: 'GET' | 'DELETE'): Promise<ServerTimeline> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/__timeline`, { method, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => {
        if (method === 'DELETE') return resolve({ connections: 0, requests: [] });
        const t = JSON.parse(text) as ServerTimeline;
        resolve({ ...t, connections: t.connections - 1 });
      });
    });
    req.on('error', reject).end();
  });
}

/** What one client run showed: per request and per connection's first request, against the wire and against the server's read. */
interface Measured {
  r: ClientResult;
  seen: Seen;
  /** per request: the client's lag against the wire (toWire + back, timeline.ts legs) */
  lags: number[];
  /** per connection's first request: the stage start → its head on the wire, plus back */
  fromStart: number[];
  /** the same two against the server's read (its arrival), the server's wait to read included */
  readLags: number[];
  readFromStart: number[];
  back: number[];
  toWire: number[];
  queue: number[];
  turns: number[];
  cycles: number[];
}

/** One client run against a cleared server log. */
async function measure(server: Server, kind: string, opts: ClientOpts): Promise<Measured> {
  await timeline(server.url, 'DELETE');
  const r = await client(server, kind, opts);
  const seen = see(await timeline(server.url, 'GET'), BigInt(r.stageStartNs));
  const split = legs(seen, r.ttfc, r.fromStart, r.onWire);
  const readLags: number[] = [];
  const lags: number[] = [];
  // A closed-loop user's whole wait beyond the server's own time: the turnaround before a request plus its lag.
  const turns: number[] = [];
  const cycles: number[] = [];
  for (const [id, t] of Object.entries(r.ttfc)) {
    const s = seen.serverMs.get(id);
    if (s === undefined) continue;
    readLags.push(t - s);
    const w = split.wire.get(id);
    // The server's time counted from the head on the wire: its first write less that moment.
    if (w !== undefined) lags.push(t - (seen.atServer.get(id)![1] - w));
    const turn = seen.turnaround.get(id);
    if (turn === undefined) continue;
    turns.push(turn);
    cycles.push(turn + t - s);
  }
  // Counted from the stage's start: each connection's first request, whose wait to be issued is in it.
  const fromStart: number[] = [];
  const readFromStart: number[] = [];
  for (const id of seen.firsts) {
    const c = r.fromStart[id];
    const s = seen.serverMs.get(id);
    if (c === undefined || s === undefined) continue;
    readFromStart.push(c - s);
    const w = split.wire.get(id);
    if (w !== undefined) fromStart.push(c - (seen.atServer.get(id)![1] - w));
  }
  if (r.errors.length > 0) process.stderr.write(`${kind} ${opts.users}x${opts.perUser}: ${r.errors.join('; ')}\n`);
  // Every figure against the wire needs the request's head found among the socket writes.
  if (lags.length < readLags.length * 0.99)
    process.stderr.write(`${kind} ${opts.users}x${opts.perUser}: only ${lags.length} of ${readLags.length} requests' heads seen on the wire\n`);
  return { r, seen, lags, fromStart, readLags, readFromStart, turns, cycles, back: split.back, toWire: split.toWire, queue: split.queue };
}

/** GNU time, for the whole process's peak RSS (`%M`), where there is one. */
const GNU_TIME = ((): boolean => {
  try {
    execFileSync('/usr/bin/time', ['-f', '%M', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * A whole process as a user runs it, under the shell's `time`: wall and CPU (user + system) of the
 * child from start to exit (to the millisecond), its peak RSS (GNU time, where there is one), and
 * the moment it exited (hrtime, to count from the server's last response).
 */
function timed(cpu: number | null, args: string[]): Promise<{ wall: number; cpu: number; rssMb: number; exitNs: bigint }> {
  const [cmd, cmdArgs] = node(cpu, args);
  const run = GNU_TIME ? ['/usr/bin/time', '-f', 'RSSKB %M', cmd, ...cmdArgs] : [cmd, ...cmdArgs];
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', 'TIMEFORMAT="TIMES %3R %3U %3S"; time "$@" > /dev/null', 'bash', ...run], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), CLIENT_TIMEOUT_MS);
    child.once('exit', (code) => {
      const exitNs = process.hrtime.bigint();
      clearTimeout(timer);
      const m = /TIMES ([\d.]+) ([\d.]+) ([\d.]+)\s*$/.exec(err);
      if (code !== 0 || m === null) reject(new Error(`${args.slice(0, 2).join(' ')}: exit ${code}: ${err.slice(-2000)}`));
      else resolve({ wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), rssMb: Number(/RSSKB (\d+)/.exec(err)?.[1] ?? NaN) / 1024, exitNs });
    });
  });
}

const reportPath = join(tmpdir(), `ttfc-bench-${process.pid}.json`);
/** The CLI as a user runs it, or the bare client (only counts printed), whole-process. */
const wholeArgs = (tool: 'gate' | 'bare', url: string, users: number, perUser: number): string[] =>
  tool === 'gate'
    ? [CLI, '--url', url, '--method', 'GET', '--stages', `${users}x${perUser}`, '--criteria', 'errors == 0', '--fail-on-criteria', 'false', '--report-path', reportPath]
    : [CLIENT, 'bare', JSON.stringify({ url, users, perUser, quiet: true } satisfies ClientOpts)];

async function whole(
  server: Server,
  tool: 'gate' | 'bare',
  url: string,
  users: number,
  perUser: number,
): Promise<{ wall: number; cpu: number; rssMb: number; postLoadMs: number; failed: number }> {
  await timeline(server.url, 'DELETE');
  const t = await timed(server.clientCpu, wholeArgs(tool, url, users, perUser));
  const seen = see(await timeline(server.url, 'GET'), 0n);
  return { wall: t.wall, cpu: t.cpu, rssMb: t.rssMb, postLoadMs: ms(t.exitNs - seen.lastEndNs), failed: users * perUser - seen.completed };
}

const rotate = <T>(xs: readonly T[], k: number): T[] => xs.map((_, i) => xs[(i + k) % xs.length]!);
const median = (xs: number[]): number => (xs.length === 0 ? NaN : quantile(xs, 0.5));
const fmt = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : '–');
/** median over rounds, with the range when there are several */
const mr = (xs: number[], d = 1): string =>
  xs.length === 0 ? '–' : xs.length === 1 ? fmt(xs[0]!, d) : `${fmt(median(xs), d)} (${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)})`;
const ratio = (xs: number[], ys: number[]): number => median(xs) / median(ys);
const rx = (xs: number[], ys: number[]): string => `${fmt(ratio(xs, ys), 2)}×`;
/** In how many rounds xs was below ys (round i of each tool ran in the same rotation): "k / n". */
const below = (xs: number[], ys: number[]): string => `${xs.filter((x, i) => ys[i] !== undefined && x < ys[i]!).length} / ${Math.min(xs.length, ys.length)}`;
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const lines: string[] = [];
const say = (l = ''): void => {
  lines.push(l);
  process.stdout.write(`${l}\n`);
};
/** Issue 27's targets, as measured in this run: [target, measured, met]. */
const targets: Array<[string, string, boolean]> = [];
const target = (name: string, value: number, unit: string, met: boolean): void => void targets.push([name, `${fmt(value, 2)}${unit}`, met]);
/** The compact table for README.md and docs/benchmarks.md (unpinned medians): [figure, engine / CLI, bare, autocannon]. */
const summary: string[] = [];
const sum = (figure: string, engine: string, bare: string, cannon = '–'): void => void summary.push(`| ${figure} | ${engine} | ${bare} | ${cannon} |`);
/** median of xs to d digits */
const md = (xs: number[], d: number): string => fmt(median(xs), d);

/** Per tool, one figure per round: p50s and p99s of each run's samples, and its counts. */
const ACC = ['p50', 'p99', 'sp50', 'sp99', 'rp50', 'rsp50', 'toWire', 'queue', 'back', 'turn', 'cycle', 'spread', 'wave', 'peak', 'mean', 'conns', 'failed', 'cpu'] as const;
type Acc = Record<(typeof ACC)[number], number[]>;
const acc = (): Acc => Object.fromEntries(ACC.map((k) => [k, []])) as unknown as Acc;

/**
 * Rounds of a lag level. At 10 and 100 users the clients' lags differ by tenths of a millisecond
 * while one round's p50 swings by more with where the scheduler puts the processes: three times
 * the rounds there (a few seconds each), so the median means something.
 */
const lagRounds = (users: number): number => (QUICK || users > 100 ? ROUNDS : 3 * ROUNDS);

/** A run's p50 into its round's figures, when the run had samples. */
const p50 = (xs: number[], into: number[]): void => void (xs.length > 0 && into.push(quantile(xs, 0.5)));

async function stageRounds(server: Server, stream: string, users: number, perUser: number, rounds = ROUNDS): Promise<Record<Tool, Acc>> {
  const by = Object.fromEntries(TOOLS.map((t) => [t, acc()])) as Record<Tool, Acc>;
  for (let round = 0; round < rounds; round++) {
    for (const tool of rotate(TOOLS, round)) {
      const m = await measure(server, tool, { url: `${server.url}/chat?${stream}`, users, perUser });
      const { r, seen } = m;
      const b = by[tool];
      if (m.lags.length > 0) b.p99.push(quantile(m.lags, 0.99));
      if (m.fromStart.length > 0) b.sp99.push(quantile(m.fromStart, 0.99));
      p50(m.lags, b.p50);
      p50(m.fromStart, b.sp50);
      p50(m.readLags, b.rp50);
      p50(m.readFromStart, b.rsp50);
      p50(m.toWire, b.toWire);
      p50(m.queue, b.queue);
      p50(m.back, b.back);
      if (m.cycles.length > 0) {
        b.turn.push(quantile(m.turns, 0.5));
        b.cycle.push(quantile(m.cycles, 0.5));
      }
      b.spread.push(seen.spreadMs);
      b.wave.push(seen.waveSpreadMs);
      b.peak.push(seen.peak);
      b.mean.push(seen.mean);
      b.conns.push(seen.connections);
      b.failed.push(users * perUser - seen.completed);
      b.cpu.push(r.cpuSeconds);
    }
  }
  return by;
}

async function warm(server: Server): Promise<void> {
  await client(server, 'bare', { url: `${server.url}/chat?${STREAM}`, users: 20, perUser: 10 }); // no tool meets a cold server
  await client(server, 'bare', { url: `${server.url}/chat?${ZERO}`, users: 20, perUser: 50 });
}

/** Delivery lag per request and from the stage's start; start spread and requests in flight. */
async function lagSection(server: Server, title: string, record: boolean): Promise<void> {
  say(`## ${title}`);
  say();
  say(
    'Stream `' +
      STREAM +
      "` (~90 ms answers). Lag = what the client adds to the wire's time to first event, per request (matched by `x-request-id`): its own time to first event − the server's time from the request's head reaching the kernel on the client's connected socket to the server's first event write. The head's moment is taken by the same wrapper on Node's socket write in every client process (bench/client.ts); the server's write by the server. From the stage's start: the same for each connection's first request, with the client's time counted from the stage's start instead of from its own issue, so a user started late, or a connect the client was slow to see, shows. Issue → wire: the client's issue → its head to the kernel. Back: the server's first write → the client's stamp (the kernel and the wait for the client's turn to read it). Lag = issue → wire + back; their p50s need not add up to the lag's. Server's read wait: the head on the wire → the server's arrival (its reading of the request): the server's time, not the client's. Until 2026-12-07 the bench counted the server's time from that arrival, so its lag also held that wait (the columns 'to the server's read'); a client that turns around sooner meets the server still writing the other users' answers, and that wait grows for it. Start spread: stage start → the last connection's first request arriving at the server. In flight: requests between arrival and the end of their response at the server, peak and mean. Turnaround: the end of a user's previous response → its next request's arrival, both at the server; turnaround + lag (to the server's read) is what a closed-loop user waits per request beyond the server's own time. Wave spread: how bunched the users' requests reach the server (the k-th request of every connection is wave k; the median over waves of the p10–p90 span of their arrivals): the tighter, the more requests the server and the client handle at once and the longer each waits its turn. \"p50 below bare\": in how many rounds the tool's p50 was below the bare client's of the same round. Levels up to 100 users run three times the rounds.",
  );
  say();
  say(
    '| users × requests | tool | lag p50 ms | lag p99 ms | p50 / bare | p99 / bare | p50 below bare | from start p50 ms | from start p99 ms | p50 / bare | p99 / bare | p50 below bare |',
  );
  say('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const spreadRows: string[] = [];
  let worst = { per: 0, start: 0 };
  for (const [users, perUser] of LAG_STAGES) {
    const by = await stageRounds(server, STREAM, users, perUser, lagRounds(users));
    const bare = by.bare;
    for (const tool of TOOLS) {
      const b = by[tool];
      say(
        `| ${users} × ${perUser} | ${tool} | ${mr(b.p50, 2)} | ${mr(b.p99, 1)} | ${rx(b.p50, bare.p50)} | ${rx(b.p99, bare.p99)} | ${below(b.p50, bare.p50)} | ${mr(b.sp50, 2)} | ${mr(b.sp99, 1)} | ${rx(b.sp50, bare.sp50)} | ${rx(b.sp99, bare.sp99)} | ${below(b.sp50, bare.sp50)} |`,
      );
      spreadRows.push(
        `| ${users} × ${perUser} | ${tool} | ${mr(b.spread, 1)} | ${rx(b.spread, bare.spread)} | ${mr(b.wave, 1)} | ${mr(
          b.toWire.map((x) => x * 1000),
          0,
        )} | ${mr(b.queue, 2)} | ${mr(b.back, 2)} | ${mr(b.rp50, 2)} | ${rx(b.rp50, bare.rp50)} | ${mr(b.rsp50, 2)} | ${rx(b.rsp50, bare.rsp50)} | ${mr(b.turn, 2)} | ${mr(b.cycle, 2)} | ${rx(b.cycle, bare.cycle)} | ${mr(b.peak, 0)} | ${mr(b.mean, 0)} | ${mr(b.conns, 0)} | ${mr(b.failed, 0)} | ${mr(b.cpu, 2)} |`,
      );
    }
    if (users >= 10) worst = { per: Math.max(worst.per, ratio(by.engine.p50, bare.p50)), start: Math.max(worst.start, ratio(by.engine.sp50, bare.sp50)) };
    if (record && users >= 10) {
      const [e, c] = [by.engine, by.autocannon];
      const d = users >= 1000 ? 0 : 2;
      sum(
        `delivery lag p50 / p99 per request (against the wire), ${users} × ${perUser}`,
        `${md(e.p50, d)} / ${md(e.p99, d)} ms (${rx(e.p50, bare.p50)} / ${rx(e.p99, bare.p99)}; p50 below bare's in ${below(e.p50, bare.p50)} rounds)`,
        `${md(bare.p50, d)} / ${md(bare.p99, d)} ms`,
        `${md(c.p50, d)} / ${md(c.p99, d)} ms`,
      );
      sum(
        `lag p50 to the server's read (its wait to read the request in it), per request / from the stage's start, ${users} × ${perUser}`,
        `${md(e.rp50, d)} / ${md(e.rsp50, d)} ms (${rx(e.rp50, bare.rp50)} / ${rx(e.rsp50, bare.rsp50)}; read wait ${md(e.queue, 2)} ms)`,
        `${md(bare.rp50, d)} / ${md(bare.rsp50, d)} ms (read wait ${md(bare.queue, 2)} ms)`,
        `${md(c.rp50, d)} / ${md(c.rsp50, d)} ms (read wait ${md(c.queue, 2)} ms)`,
      );
      if (users <= 100)
        sum(
          `turnaround + lag p50 (a closed-loop user's wait beyond the server's own time), ${users} × ${perUser}`,
          `${md(e.cycle, 2)} ms (${rx(e.cycle, bare.cycle)}; turnaround ${md(e.turn, 2)} ms)`,
          `${md(bare.cycle, 2)} ms (turnaround ${md(bare.turn, 2)} ms)`,
          `${md(c.cycle, 2)} ms (turnaround ${md(c.turn, 2)} ms)`,
        );
      if (users === 100)
        sum(`wave spread (p10–p90 of the users' k-th requests' arrivals), ${users} × ${perUser}`, `${md(e.wave, 1)} ms`, `${md(bare.wave, 1)} ms`, `${md(c.wave, 1)} ms`);
      sum(
        `lag from the stage's start p50 / p99 (against the wire), ${users} × ${perUser}`,
        `${md(e.sp50, d)} / ${md(e.sp99, d)} ms (${rx(e.sp50, bare.sp50)} / ${rx(e.sp99, bare.sp99)})`,
        `${md(bare.sp50, d)} / ${md(bare.sp99, d)} ms`,
        `${md(c.sp50, d)} / ${md(c.sp99, d)} ms`,
      );
      if (users >= 1000)
        sum(
          `start spread, peak in flight, ${users} × ${perUser}`,
          `${md(e.spread, 0)} ms (${rx(e.spread, bare.spread)}), ${md(e.peak, 0)}`,
          `${md(bare.spread, 0)} ms, ${md(bare.peak, 0)}`,
          `${md(c.spread, 0)} ms, ${md(c.peak, 0)}`,
        );
    }
  }
  say();
  say(
    "| users × requests | tool | start spread ms | / bare | wave spread ms | issue → wire p50 µs | server's read wait p50 ms | back p50 ms | lag to the server's read p50 ms | / bare | from start to the server's read p50 ms | / bare | turnaround p50 ms | turnaround + lag p50 ms | / bare | peak in flight | mean in flight | connections | failed | load CPU s |",
  );
  say('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of spreadRows) say(row);
  say();
  if (record) {
    target('lag p50 per request (against the wire) ≤ bare, every level ≥ 10 users (worst)', worst.per, '×', worst.per <= 1);
    target("lag p50 from the stage's start (against the wire) ≤ bare, every level ≥ 10 users (worst)", worst.start, '×', worst.start <= 1);
  }
}

async function longSection(server: Server): Promise<void> {
  say(`## ${LONG_USERS} users, answers over a second: start spread and requests in flight`);
  say();
  say('Stream `' + LONG_STREAM + '` (~1.05 s answers), ' + `${LONG_USERS} × 1: every user of a stage that starts them in time is in flight at once.`);
  say();
  say('| tool | start spread ms | / bare | peak in flight | of users | mean in flight | connections | failed | from start lag p50 ms (against the wire) |');
  say('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  const by = await stageRounds(server, LONG_STREAM, LONG_USERS, 1);
  for (const tool of TOOLS) {
    const b = by[tool];
    say(
      `| ${tool} | ${mr(b.spread, 1)} | ${rx(b.spread, by.bare.spread)} | ${mr(b.peak, 0)} | ${fmt((median(b.peak) / LONG_USERS) * 100, 0)}% | ${mr(b.mean, 0)} | ${mr(b.conns, 0)} | ${mr(b.failed, 0)} | ${mr(b.sp50, 1)} |`,
    );
  }
  say();
  const e = by.engine;
  sum(
    `start spread, peak in flight, ${LONG_USERS} users, 1 s answers`,
    `${md(e.spread, 0)} ms (${rx(e.spread, by.bare.spread)}), ${md(e.peak, 0)}`,
    `${md(by.bare.spread, 0)} ms, ${md(by.bare.peak, 0)}`,
    `${md(by.autocannon.spread, 0)} ms, ${md(by.autocannon.peak, 0)}`,
  );
  const s = ratio(by.engine.spread, by.bare.spread);
  target(`start spread ≤ 1.5× bare (${LONG_USERS} users, 1 s answers)`, s, '×', s <= 1.5);
  const p = median(by.engine.peak) / LONG_USERS;
  target(`peak in flight ≥ 95% of ${LONG_USERS} users (1 s answers)`, p * 100, '%', p >= 0.95);
}

// A short answer whose first event comes in a chunk of its own, after the head.
const SHORT = 'delay=2&events=2&interval=2';
const OVERHEAD_REQUESTS = QUICK ? 300 : 2000;

/**
 * The client's own part of the per-request lag, which the server's turn-taking hides at 10 and 100
 * users: one user, one request after another; issue → its socket write, and the socket read that
 * brought the first event → the client's stamp (bench/overhead.ts).
 */
async function overheadSection(server: Server): Promise<void> {
  say(`## The client's own overhead per request (stream \`${SHORT}\`, 1 user × ${OVERHEAD_REQUESTS})`);
  say();
  say(
    "From the moment the client issued a request to the socket write that sent it, and from the socket read that brought its first event (libuv's read handed to the socket) to the moment the client stamped it: what the client adds to each request's lag on either side of the wire, with no other request waiting for the server's turn. The same two wrappers on `net.Socket` in every client process; one user, so each request's write and read are found by time alone.",
  );
  say();
  say('| tool | issue → write p50 µs | p90 µs | read → stamp p50 µs | p90 µs | both p50 µs | vs bare |');
  say('|---|---:|---:|---:|---:|---:|---:|');
  const url = `${server.url}/chat?${SHORT}`;
  type Spans = Record<'w50' | 'w90' | 's50' | 's90' | 'both', number[]>;
  const by = Object.fromEntries(TOOLS.map((t): [Tool, Spans] => [t, { w50: [], w90: [], s50: [], s90: [], both: [] }])) as Record<Tool, Spans>;
  for (let round = 0; round < ROUNDS; round++) {
    for (const tool of rotate(TOOLS, round)) {
      const r = await client(server, tool, { url, users: 1, perUser: OVERHEAD_REQUESTS, overhead: true });
      const o = r.overhead!;
      const b = by[tool];
      const [w50, s50] = [quantile(o.toWrite, 0.5) * 1000, quantile(o.toStamp, 0.5) * 1000];
      b.w50.push(w50);
      b.w90.push(quantile(o.toWrite, 0.9) * 1000);
      b.s50.push(s50);
      b.s90.push(quantile(o.toStamp, 0.9) * 1000);
      b.both.push(w50 + s50);
    }
  }
  const bare = by.bare;
  for (const tool of TOOLS) {
    const b = by[tool];
    say(`| ${tool} | ${mr(b.w50, 1)} | ${mr(b.w90, 1)} | ${mr(b.s50, 1)} | ${mr(b.s90, 1)} | ${mr(b.both, 1)} | ${rx(b.both, bare.both)} |`);
  }
  say();
  const [e, c] = [by.engine, by.autocannon];
  sum(
    "the client's own overhead per request, p50: issue → write + read → stamp",
    `${md(e.w50, 1)} + ${md(e.s50, 1)} µs (${rx(e.both, bare.both)})`,
    `${md(bare.w50, 1)} + ${md(bare.s50, 1)} µs`,
    `${md(c.w50, 1)} + ${md(c.s50, 1)} µs`,
  );
}

async function cpuSection(server: Server, record: boolean): Promise<void> {
  const [users, perUser] = CPU_LOAD;
  say(`## Load-phase CPU per request (stream \`${ZERO}\`, ${users} users, ${users * perUser} requests)`);
  say();
  say("CPU of the client process from the stage's start to its end (start-up, module loading and the engine's one-time warm-up left out; the whole process is below).");
  say();
  say('| tool | req/s | CPU ms per request | vs autocannon | vs bare |');
  say('|---|---:|---:|---:|---:|');
  const url = `${server.url}/chat?${ZERO}`;
  const cpu: Record<Tool, number[]> = { engine: [], bare: [], autocannon: [] };
  const rps: Record<Tool, number[]> = { engine: [], bare: [], autocannon: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const tool of rotate(TOOLS, round)) {
      const r = await client(server, tool, { url, users, perUser, quiet: true });
      if (r.ok !== r.requests) process.stderr.write(`${tool} cpu: ${r.requests - r.ok} failed: ${r.errors.join('; ')}\n`);
      cpu[tool].push((r.cpuSeconds / r.requests) * 1000);
      rps[tool].push(r.requests / r.seconds);
    }
  }
  for (const tool of TOOLS) say(`| ${tool} | ${mr(rps[tool], 0)} | ${mr(cpu[tool], 3)} | ${rx(cpu[tool], cpu.autocannon)} | ${rx(cpu[tool], cpu.bare)} |`);
  say();
  const v = ratio(cpu.engine, cpu.autocannon);
  if (record) {
    target('load-phase CPU per request ≤ 1.1× autocannon', v, '×', v <= 1.1);
    sum(
      `load-phase CPU per request, ${users} users, ${users * perUser} requests`,
      `${md(cpu.engine, 3)} ms (${rx(cpu.engine, cpu.autocannon)} autocannon)`,
      `${md(cpu.bare, 3)} ms`,
      `${md(cpu.autocannon, 3)} ms`,
    );
  }
}

async function wholeSection(server: Server): Promise<void> {
  const [users, small, big] = WHOLE;
  const [n1, n2] = [users * small, users * big];
  say(`## Whole process: marginal CPU per request (stream \`${ZERO}\`, ${users} users, ${n1} and ${n2} requests)`);
  say();
  say(
    `The CLI (\`ttfc-gate --url … --stages ${users}x${small}\`, then \`${users}x${big}\`: start-up, load, analysis, report) and the bare client, each a child process run as a user runs it, timed by the shell's \`time\`: CPU (user + system) of the whole child from start to exit. Marginal = ΔCPU / Δrequests between the two sizes; fixed = what is left at zero requests.`,
  );
  say();
  say(`| tool | CPU s, ${n1} requests | CPU s, ${n2} requests | marginal CPU ms per request | vs bare | fixed CPU s | failed |`);
  say('|---|---:|---:|---:|---:|---:|---:|');
  const url = `${server.url}/chat?${ZERO}`;
  const by: Record<'gate' | 'bare', { a: number[]; b: number[]; m: number[]; f: number[]; failed: number[] }> = {
    gate: { a: [], b: [], m: [], f: [], failed: [] },
    bare: { a: [], b: [], m: [], f: [], failed: [] },
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const tool of rotate(['gate', 'bare'] as const, round)) {
      const a = await whole(server, tool, url, users, small);
      const b = await whole(server, tool, url, users, big);
      const m = (b.cpu - a.cpu) / (n2 - n1);
      const x = by[tool];
      x.a.push(a.cpu);
      x.b.push(b.cpu);
      x.m.push(m * 1000);
      x.f.push(a.cpu - m * n1);
      x.failed.push(a.failed + b.failed);
    }
  }
  for (const tool of ['gate', 'bare'] as const) {
    const x = by[tool];
    say(`| ${tool === 'gate' ? 'ttfc-gate CLI' : 'bare'} | ${mr(x.a, 2)} | ${mr(x.b, 2)} | ${mr(x.m, 3)} | ${rx(x.m, by.bare.m)} | ${mr(x.f, 2)} | ${mr(x.failed, 0)} |`);
  }
  say();
  const v = ratio(by.gate.m, by.bare.m);
  target('whole-process marginal CPU per request ≤ 1.1× bare', v, '×', v <= 1.1);
  sum(`whole-process marginal CPU per request, ${n1} → ${n2} requests (the CLI)`, `${md(by.gate.m, 3)} ms (${rx(by.gate.m, by.bare.m)})`, `${md(by.bare.m, 3)} ms`);
  sum('whole-process fixed CPU (start-up, warm-up, report)', `${md(by.gate.f, 2)} s`, `${md(by.bare.f, 2)} s`);
}

async function wallSection(server: Server): Promise<void> {
  const [users, perUser] = WALL;
  say(`## Whole process: ${users} users × ${perUser} (stream \`${ZERO}\`, ${users * perUser} requests), wall, CPU and post-load`);
  say();
  say(
    "Each child timed by the shell's `time` from start to exit. Post-load: from the server's last response (its own timestamp) to the process's exit (the bench's clock, the same monotonic one): the analysis, the report and the exit.",
  );
  say();
  say('| tool | wall s | vs bare | CPU s | vs bare | post-load ms | peak RSS MB | failed |');
  say('|---|---:|---:|---:|---:|---:|---:|---:|');
  const url = `${server.url}/chat?${ZERO}`;
  const by: Record<'gate' | 'bare', { wall: number[]; cpu: number[]; post: number[]; rss: number[]; failed: number[] }> = {
    gate: { wall: [], cpu: [], post: [], rss: [], failed: [] },
    bare: { wall: [], cpu: [], post: [], rss: [], failed: [] },
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const tool of rotate(['gate', 'bare'] as const, round)) {
      const w = await whole(server, tool, url, users, perUser);
      const x = by[tool];
      x.wall.push(w.wall);
      x.cpu.push(w.cpu);
      x.post.push(w.postLoadMs);
      if (Number.isFinite(w.rssMb)) x.rss.push(w.rssMb);
      x.failed.push(w.failed);
    }
  }
  for (const tool of ['gate', 'bare'] as const) {
    const x = by[tool];
    say(
      `| ${tool === 'gate' ? 'ttfc-gate CLI' : 'bare'} | ${mr(x.wall, 2)} | ${rx(x.wall, by.bare.wall)} | ${mr(x.cpu, 2)} | ${rx(x.cpu, by.bare.cpu)} | ${mr(x.post, 0)} | ${mr(x.rss, 0)} | ${mr(x.failed, 0)} |`,
    );
  }
  say();
  const v = ratio(by.gate.wall, by.bare.wall);
  target(`${users} × ${perUser} whole-process wall ≤ bare`, v, '×', v <= 1);
  const p = median(by.gate.post) / 1000;
  target(`post-load ≤ 0.5 s at ${users * perUser} requests`, p, ' s', p <= 0.5);
  sum(
    `${users} × ${perUser}, whole process: wall, CPU`,
    `${md(by.gate.wall, 1)} s (${rx(by.gate.wall, by.bare.wall)}), ${md(by.gate.cpu, 1)} s`,
    `${md(by.bare.wall, 1)} s, ${md(by.bare.cpu, 1)} s`,
  );
  sum(`post-load at ${users * perUser} requests: server's last response → exit`, `${md(by.gate.post, 0)} ms`, `${md(by.bare.post, 0)} ms`);
}

async function rssSection(server: Server): Promise<void> {
  say(`## Peak RSS, ${RSS_STREAMS} streams open at once (each ~2.8 s)`);
  say();
  say(
    `The engine in the bench's client process; the CLI (\`--stages ${RSS_STREAMS}x1\`) as a whole process${GNU_TIME ? " (GNU time's `%M`)" : ' (not measured: no GNU time at /usr/bin/time)'}; the bare client's process, which is its whole process.`,
  );
  say();
  say('| tool | succeeded | peak RSS MB | vs bare |');
  say('|---|---:|---:|---:|');
  const url = `${server.url}/chat?delay=2000&events=5&interval=200`;
  const tools = GNU_TIME ? ['engine', 'gate', 'bare'] : ['engine', 'bare'];
  const rss: Record<string, number[]> = { engine: [], gate: [], bare: [] };
  const ok: Record<string, number[]> = { engine: [], gate: [], bare: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const tool of rotate(tools, round)) {
      if (tool === 'gate') {
        const w = await whole(server, 'gate', url, RSS_STREAMS, 1);
        rss.gate!.push(w.rssMb);
        ok.gate!.push(RSS_STREAMS - w.failed);
      } else {
        const r = await client(server, tool, { url, users: RSS_STREAMS, perUser: 1, quiet: true });
        rss[tool]!.push(r.maxRssMb);
        ok[tool]!.push(r.ok);
      }
    }
  }
  const name: Record<string, string> = { engine: 'engine (client process)', gate: 'ttfc-gate CLI (whole process)', bare: 'bare' };
  for (const tool of tools) say(`| ${name[tool]} | ${mr(ok[tool]!, 0)}/${RSS_STREAMS} | ${mr(rss[tool]!, 0)} | ${fmt(median(rss[tool]!) - median(rss.bare!), 0)} MB |`);
  say();
  sum(`peak RSS, ${RSS_STREAMS} streams: engine process / CLI whole process`, `${md(rss.engine!, 0)} / ${md(rss.gate!, 0)} MB`, `${md(rss.bare!, 0)} MB`);
}

const started = Date.now();
say(`# Benchmark: ttfc-gate engine vs a bare node:http client vs autocannon`);
say();
say(
  `Command: \`npm run bench${QUICK ? ' -- --quick' : ''}${ONLY ? ` -- --only ${[...ONLY].join(',')}` : ''}\` — ${new Date().toISOString()}, node ${process.version}, ${cpus().length} cores; ${ROUNDS} round${ROUNDS > 1 ? 's' : ''}, tool order rotated per round; figures are medians over the rounds (range in brackets). Unpinned (server and clients placed by the scheduler) unless the section says pinned.`,
);
say(`Load average (1/5/15 min) at the start: ${load()}.`);
say();

const unpinned = SECTIONS.some((n) => n !== 'pinned' && runs(n)) ? await startServer(false) : undefined;
try {
  if (unpinned) {
    await warm(unpinned);
    if (runs('lag')) await lagSection(unpinned, 'Delivery lag, start spread and requests in flight (unpinned)', true);
    if (runs('overhead')) await overheadSection(unpinned);
    if (runs('long')) await longSection(unpinned);
    if (runs('cpu')) await cpuSection(unpinned, true);
    if (runs('whole')) await wholeSection(unpinned);
    if (runs('wall')) await wallSection(unpinned);
    if (runs('rss')) await rssSection(unpinned);
    say(`Load average after the unpinned sections: ${load()}.`);
    say();
  }
} finally {
  unpinned?.stop();
  rmSync(reportPath, { force: true });
}
if (runs('pinned')) {
  if (!PIN_OK) say('## Pinned\n\nNot run: no `taskset` or fewer than 2 cores.\n');
  else {
    const pinned = await startServer(true);
    try {
      await warm(pinned);
      say('The same sections pinned: the server on CPU 0, each client on CPU 1 (`taskset`), as when the target is another machine.');
      say();
      await lagSection(pinned, 'Pinned: delivery lag, start spread and requests in flight', false);
      await cpuSection(pinned, false);
    } finally {
      pinned.stop();
    }
  }
}

if (summary.length > 0) {
  say('## Summary (unpinned medians; the table for README.md and docs/benchmarks.md)');
  say();
  say('| | engine / CLI | bare `node:http` | autocannon |');
  say('|---|---:|---:|---:|');
  for (const row of summary) say(row);
  say();
}
if (targets.length > 0) {
  say("## Issue 27's targets in this run (unpinned)");
  say();
  say('| target | measured (engine / CLI) | met |');
  say('|---|---:|:---:|');
  for (const [name, value, met] of targets) say(`| ${name} | ${value} | ${met ? 'yes' : 'no'} |`);
  say();
}
say(`Load average at the end: ${load()}; the bench took ${fmt((Date.now() - started) / 1000, 0)} s.`);
if (ONLY === undefined && !QUICK) {
  writeFileSync(RESULTS, `${lines.join('\n')}\n`);
  process.stdout.write(`\nwritten to bench/RESULTS.md (the markdown above, to paste)\n`);
}
