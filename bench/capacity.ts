// `npm run bench:capacity`: probes and wall time of the capacity search against a plain linear step
// (1, 2, 3 … users until the first miss), finding a pool of 4, 37 and 200 in the demo server
// (`mode=pool`: at most `workers` requests before their first event, the others queue). Both use the
// same probes (capacity-requests 3, a 100 ms cool-down, the same SLO); only the choice of users
// differs. Not part of the tests: it prints a markdown table for docs/capacity.md.
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { targetsOf } from '../src/core/capacity/index.js';
import { probeRunner } from '../src/core/capacity/probe.js';
import { buildConfig, type Config } from '../src/core/config/config.js';
import { runGate } from '../src/core/gate.js';

const SERVER = fileURLToPath(new URL('../src/demo/server.js', import.meta.url));
const POOLS = (process.argv[2] ?? '4,37,200').split(',').map(Number);
const DELAY_MS = 200;
// max, not p95: at N + 1 users only 1 request in N + 1 waits, which a p95 sees only while N < 19.
const SLO = 'ttfc.max < 300ms';
const COOLDOWN = '100ms';

async function startServer(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, [SERVER, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
    child.stdout.setEncoding('utf8').once('data', (d: string) => resolve(/listening (\S+)/.exec(d)![1]!));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

function config(url: string, pool: number, resolution: string): Config {
  const target = `${url}/chat?mode=pool&workers=${pool}&delay=${DELAY_MS}&events=2&interval=5`;
  return buildConfig(
    { url: target, method: 'GET', cooldown: COOLDOWN, capacity: SLO, 'capacity-resolution': resolution, 'capacity-budget': '30m', criteria: 'errors == 0' },
    { env: {} },
  );
}

interface Row {
  pool: number;
  method: string;
  probes: number;
  requests: number;
  seconds: number;
  found: string;
}

async function search(url: string, pool: number, resolution: string): Promise<Row> {
  const r = await runGate(config(url, pool, resolution), { noWrite: true });
  const c = r.capacity!;
  const requests = c.probes.reduce((n, p) => n + p.figures.issued, 0);
  const found = c.bound === 'exact' && c.firstMissUsers !== null && c.firstMissUsers - c.users > 1 ? `${c.users} (${c.firstMissUsers} missed)` : String(c.users);
  return { pool, method: `search, resolution ${resolution}`, probes: c.probes.length, requests, seconds: c.elapsedMs / 1000, found };
}

async function linear(url: string, pool: number): Promise<Row> {
  const cfg = config(url, pool, '1');
  const { probe, probes } = probeRunner(targetsOf(cfg), cfg.capacity!, cfg.verdict, () => undefined);
  const signal = new AbortController().signal;
  const t0 = performance.now();
  let last = 0;
  for (let users = 1; users <= cfg.capacity!.maxUsers; users++) {
    await new Promise((r) => setTimeout(r, cfg.cooldownMs));
    const v = await probe(users, { rerun: false, signal });
    if (v?.head !== 'pass') break;
    last = users;
  }
  const seconds = (performance.now() - t0) / 1000;
  return { pool, method: 'linear 1, 2, 3 …', probes: probes.length, requests: probes.reduce((n, p) => n + p.head.summary.issued, 0), seconds, found: String(last) };
}

async function main(): Promise<void> {
  const server = await startServer();
  const rows: Row[] = [];
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  try {
    for (const pool of POOLS) {
      for (const res of ['10%', '1']) rows.push(await search(server.url, pool, res));
      rows.push(await linear(server.url, pool));
      console.error(`pool ${pool} done`);
    }
  } finally {
    server.stop();
  }
  console.log(
    `Command: \`npm run bench:capacity\` — ${new Date().toISOString()}, node ${process.version}, ${cpus().length} cores, load average at the start ${load}, after ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}.`,
  );
  console.log(`Demo server \`mode=pool&workers=N&delay=${DELAY_MS}&events=2&interval=5\`, SLO \`${SLO}\`, 3 requests a user, cool-down ${COOLDOWN}.\n`);
  console.log('| pool | method | probes | requests | wall time | capacity found |');
  console.log('|---:|---|---:|---:|---:|---|');
  for (const r of rows) console.log(`| ${r.pool} | ${r.method} | ${r.probes} | ${r.requests} | ${r.seconds.toFixed(1)} s | ${r.found} |`);
}

await main();
