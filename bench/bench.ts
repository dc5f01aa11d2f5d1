// `npm run bench [-- --quick]`: what a user of each client sees, against the demo server in its own
// process, in one run. The engine, a bare node:http client and autocannon run the same stages, each
// in a fresh process, in an order rotated per round; figures are medians over the rounds with their
// range. Not part of the tests. Writes bench/RESULTS.md.
//
// Delivery lag of a request = the client's time to first event (from the moment it issued the
// request) − the server's own time from the request's arrival to its first event write (the demo
// server logs both per request id): connection setup, request sending and response delivery, the
// client's share of the wait, connection storms included.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantile } from 'simple-statistics';
import type { ClientOpts, ClientResult } from './client.js';

const QUICK = process.argv.includes('--quick');
// `--only lag`: the delivery-lag table alone, printed and not written to RESULTS.md (a quick check).
const onlyArg = process.argv.indexOf('--only');
const ONLY = onlyArg >= 0 ? process.argv[onlyArg + 1] : undefined;
if (ONLY !== undefined && ONLY !== 'lag') throw new Error(`--only: "lag" is the one section that runs alone, not "${ONLY}"`);
const ROUNDS = QUICK ? 1 : 3;
const CLIENT = fileURLToPath(new URL('./client.js', import.meta.url));
const SERVER = fileURLToPath(new URL('../src/demo/server.js', import.meta.url));
const RESULTS = fileURLToPath(new URL('../../bench/RESULTS.md', import.meta.url));
/** Any one client run; the whole bench is bounded by the sum (a few minutes in practice). */
const CLIENT_TIMEOUT_MS = 180_000;
const TOOLS = ['engine', 'bare', 'autocannon'] as const;
type Tool = (typeof TOOLS)[number];

// The stream: first event 50 ms after arrival, 5 events 10 ms apart. Short enough that a
// connection storm at thousands of users shows in the first requests' lag.
const STREAM = 'mode=async&delay=50&events=5&interval=10';
const LAG_STAGES: Array<[number, number]> = QUICK
  ? [
      [1, 10],
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
const THROUGHPUT: ClientOpts = { url: '', users: 50, perUser: QUICK ? 40 : 200 };
const RSS_STREAMS = QUICK ? 1000 : 5000;
const SCALE: [number, number] = QUICK ? [2000, 2] : [10_000, 10];

/**
 * The demo server on CPU 0, every client on CPU 1 (taskset, where there is one and 2+ cores): as
 * when the target is another machine, and without it where the scheduler happens to place the two
 * processes (one core, taking turns, or two) swings sub-millisecond lags by 2× from run to run.
 */
const PIN = ((): boolean => {
  if (cpus().length < 2) return false;
  try {
    execFileSync('taskset', ['-c', '1', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const pinned = (cpu: number, args: string[]): [string, string[]] => (PIN ? ['taskset', ['-c', String(cpu), process.execPath, ...args]] : [process.execPath, args]);

interface Server {
  url: string;
  stop(): void;
}

async function startServer(): Promise<Server> {
  const child = spawn(...pinned(0, [SERVER, '--port', '0', '--record']), { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
    child.stdout.setEncoding('utf8').once('data', (d: string) => resolve(/listening (\S+)/.exec(d)![1]!));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

function client(kind: string, opts: ClientOpts): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    execFile(...pinned(1, [CLIENT, kind, JSON.stringify(opts)]), { maxBuffer: 256 * 1024 * 1024, timeout: CLIENT_TIMEOUT_MS }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${kind} ${opts.users}x${opts.perUser}: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout) as ClientResult);
    });
  });
}

interface Timeline {
  connections: number;
  requests: Record<string, [string, string | null]>;
}

/**
 * The server's log. Each call on a connection of its own (no keep-alive pool whose sockets time out
 * during a long client run): the DELETE's is counted before the reset, the GET's is the one
 * connection in the count the client did not open.
 */
function timeline(base: string, method: 'GET' | 'DELETE'): Promise<Timeline> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/__timeline`, { method, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => {
        if (method === 'DELETE') return resolve({ connections: 0, requests: {} });
        const t = JSON.parse(text) as Timeline;
        resolve({ ...t, connections: t.connections - 1 });
      });
    });
    req.on('error', reject).end();
  });
}

/** One client run against a cleared server log: its lags and the connections the server accepted. */
async function measure(server: Server, kind: string, opts: ClientOpts): Promise<{ r: ClientResult; lags: number[]; first: number | null; connections: number }> {
  await timeline(server.url, 'DELETE');
  const r = await client(kind, opts);
  const t = await timeline(server.url, 'GET');
  const lags: number[] = [];
  let first: number | null = null;
  for (const [id, ms] of Object.entries(r.ttfc)) {
    const s = t.requests[id];
    if (!s?.[1]) continue;
    const lag = ms - Number(BigInt(s[1]) - BigInt(s[0])) / 1e6;
    lags.push(lag);
    if (id === '1-1' || id === 'ac-1') first = lag; // the first request the process sent
  }
  return { r, lags, first, connections: t.connections };
}

const rotate = <T>(xs: readonly T[], k: number): T[] => xs.map((_, i) => xs[(i + k) % xs.length]!);
const median = (xs: number[]): number => quantile(xs, 0.5);
const fmt = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : '–');
/** median over rounds, with the range when there are several */
const mr = (xs: number[], d = 1, unit = ''): string =>
  xs.length === 0 ? '–' : xs.length === 1 ? `${fmt(xs[0]!, d)}${unit}` : `${fmt(median(xs), d)}${unit} (${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)})`;
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const lines: string[] = [];
const say = (l = ''): void => {
  lines.push(l);
  process.stdout.write(`${l}\n`);
};

const server = await startServer();
const started = Date.now();
try {
  say(`# Benchmark: ttfc-gate engine vs a bare node:http client vs autocannon`);
  say();
  say(
    `Command: \`npm run bench${QUICK ? ' -- --quick' : ''}\` — ${new Date().toISOString()}, node ${process.version}, ${cpus().length} cores ${PIN ? 'with the demo server pinned to CPU 0 and each client to CPU 1 (taskset)' : 'shared by the demo server and the client (no taskset: not pinned)'}; ${ROUNDS} round${ROUNDS > 1 ? 's' : ''}, tool order rotated per round; figures are medians over the rounds (range in brackets).`,
  );
  say(`Load average (1/5/15 min) at the start: ${load()}.`);
  say();

  // 1. Delivery lag and connections.
  say(`## Delivery lag and connections (stream \`${STREAM}\`)`);
  say();
  say(
    "Delivery lag = the client's time to first event − the server's own arrival-to-first-write time, per request (matched by request id). Connections are counted at the server.",
  );
  say();
  say("| users × requests | tool | lag p50 ms | lag p99 ms | p50 / bare | p99 / bare | first request's lag ms | connections | failed | client CPU s |");
  say('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  await client('bare', { url: `${server.url}/chat?${STREAM}`, users: 20, perUser: 10 }); // warm the server's JIT: no tool gets a cold server
  for (const [users, perUser] of LAG_STAGES) {
    const by: Record<Tool, { p50: number[]; p99: number[]; first: number[]; conns: number[]; failed: number[]; cpu: number[] }> = Object.fromEntries(
      TOOLS.map((t) => [t, { p50: [], p99: [], first: [], conns: [], failed: [], cpu: [] }]),
    ) as never;
    for (let round = 0; round < ROUNDS; round++) {
      for (const tool of rotate(TOOLS, round)) {
        const { r, lags, first, connections } = await measure(server, tool, { url: `${server.url}/chat?${STREAM}`, users, perUser });
        const b = by[tool];
        if (lags.length > 0) {
          b.p50.push(quantile(lags, 0.5));
          b.p99.push(quantile(lags, 0.99));
        }
        if (first !== null) b.first.push(first);
        b.conns.push(connections);
        b.failed.push(r.requests - r.ok);
        b.cpu.push(r.cpuSeconds);
        if (r.errors.length > 0) process.stderr.write(`${tool} ${users}x${perUser}: ${r.errors.join('; ')}\n`);
      }
    }
    const bare = by.bare;
    for (const tool of TOOLS) {
      const b = by[tool];
      const ratio = (xs: number[], ys: number[]): string => (xs.length && ys.length ? `${fmt(median(xs) / median(ys), 2)}×` : '–');
      say(
        `| ${users} × ${perUser} | ${tool} | ${mr(b.p50, 2)} | ${mr(b.p99, 1)} | ${ratio(b.p50, bare.p50)} | ${ratio(b.p99, bare.p99)} | ${mr(b.first, 2)} | ${mr(b.conns, 0)} | ${mr(b.failed, 0)} | ${mr(b.cpu, 2)} |`,
      );
    }
  }
  say();
  say(`Load average after the lag runs: ${load()}.`);
  say();

  if (ONLY === undefined) {
    // 2. Client CPU per request against a zero-delay stream.
    say(`## Client CPU per request (zero-delay 3-event stream, ${THROUGHPUT.users} connections, ${THROUGHPUT.users * THROUGHPUT.perUser} requests)`);
    say();
    say('| tool | req/s | CPU ms per request | CPU vs autocannon |');
    say('|---|---:|---:|---:|');
    {
      const url = `${server.url}/chat?mode=async&delay=0&events=3&interval=0`;
      await client('engine', { url, users: 20, perUser: 20 }); // warm the server's JIT
      const cpu: Record<Tool, number[]> = { engine: [], bare: [], autocannon: [] };
      const rps: Record<Tool, number[]> = { engine: [], bare: [], autocannon: [] };
      for (let round = 0; round < ROUNDS; round++) {
        for (const tool of rotate(TOOLS, round)) {
          const r = await client(tool, { ...THROUGHPUT, url });
          cpu[tool].push((r.cpuSeconds / r.requests) * 1000);
          rps[tool].push(r.requests / r.seconds);
        }
      }
      for (const tool of TOOLS) say(`| ${tool} | ${mr(rps[tool], 0)} | ${mr(cpu[tool], 3)} | ${fmt(median(cpu[tool]) / median(cpu.autocannon), 2)}× |`);
    }
    say();

    // 3. Peak RSS with every stream open at once.
    say(`## Peak RSS, ${RSS_STREAMS} streams open at once (each ~2.8 s)`);
    say();
    say('| tool | succeeded | peak RSS MB | vs bare |');
    say('|---|---:|---:|---:|');
    {
      const rss: Record<string, number[]> = { engine: [], bare: [] };
      const ok: Record<string, number[]> = { engine: [], bare: [] };
      for (let round = 0; round < ROUNDS; round++) {
        for (const tool of rotate(['engine', 'bare'], round)) {
          const r = await client(tool, { url: `${server.url}/chat?mode=async&delay=2000&events=5&interval=200`, users: RSS_STREAMS, perUser: 1 });
          rss[tool]!.push(r.maxRssMb);
          ok[tool]!.push(r.ok);
        }
      }
      for (const tool of ['engine', 'bare']) say(`| ${tool} | ${mr(ok[tool]!, 0)}/${RSS_STREAMS} | ${mr(rss[tool]!, 0)} | ${fmt(median(rss[tool]!) - median(rss.bare!), 0)} MB |`);
    }
    say();

    // 4. Scale: the whole gate (load, analysis, report) at many users; the bare client for its time.
    const [users, perUser] = SCALE;
    say(`## ${users} users × ${perUser} (zero-delay 3-event stream): the whole gate, then the bare client`);
    say();
    say('| tool | failed | connections | seconds | retries | after the load: analysis + report, wall (CPU) | RSS at load end → process peak |');
    say('|---|---:|---:|---:|---:|---:|---:|');
    {
      const url = `${server.url}/chat?mode=async&delay=0&events=3&interval=0`;
      const reportPath = join(tmpdir(), `ttfc-bench-${process.pid}.json`);
      for (const tool of ['gate', 'bare']) {
        await timeline(server.url, 'DELETE');
        const r = await client(tool, { url, users, perUser, reportPath });
        const t = await timeline(server.url, 'GET');
        const after = r.afterLoadMs !== undefined ? `${fmt(r.afterLoadMs, 0)} ms (${fmt(r.afterLoadCpuMs ?? NaN, 0)} ms)` : '–';
        const rss = r.rssAtLoadEndMb !== undefined ? `${fmt(r.rssAtLoadEndMb, 0)} → ${fmt(r.maxRssMb, 0)} MB` : `– → ${fmt(r.maxRssMb, 0)} MB`;
        say(`| ${tool === 'gate' ? 'engine (whole gate)' : tool} | ${r.requests - r.ok} | ${t.connections} | ${fmt(r.seconds, 1)} | ${r.retries ?? '–'} | ${after} | ${rss} |`);
        if (r.errors.length > 0) process.stderr.write(`${tool} ${users}x${perUser}: ${r.errors.join('; ')}\n`);
      }
      rmSync(reportPath, { force: true });
    }
    say();
  }
  say(`Load average at the end: ${load()}; the bench took ${fmt((Date.now() - started) / 1000, 0)} s.`);
} finally {
  server.stop();
}
if (ONLY === undefined) {
  writeFileSync(RESULTS, `${lines.join('\n')}\n`);
  process.stdout.write(`\nwritten to bench/RESULTS.md\n`);
}
