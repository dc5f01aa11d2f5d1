// `npm run bench`: the engine, a bare node:http client and autocannon against the same demo
// server in one run (compare within a run: the server shares the 2 cores). Not part of the tests.
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { quantile } from 'simple-statistics';
import type { ClientResult } from './client.js';

const CLIENT = fileURLToPath(new URL('./client.js', import.meta.url));
const SERVER = fileURLToPath(new URL('../src/demo/server.js', import.meta.url));

async function startServer(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, [SERVER, '--port', '0', '--record'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
    child.stdout.setEncoding('utf8').once('data', (d: string) => resolve(/listening (\S+)/.exec(d)![1]!));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

function client(kind: string, what: string, opts: object): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLIENT, kind, what, JSON.stringify(opts)], { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${kind} ${what}: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout) as ClientResult);
    });
  });
}

async function writes(base: string, method: 'GET' | 'DELETE'): Promise<Record<string, string>> {
  const res = await fetch(`${base}/__writes`, { method });
  return method === 'GET' ? ((await res.json()) as Record<string, string>) : {};
}

const fmt = (n: number, d = 2): string => n.toFixed(d);
const server = await startServer();
const lines: string[] = [];
const say = (l: string): void => {
  lines.push(l);
  process.stdout.write(`${l}\n`);
};
try {
  say(`node ${process.version}, ${(await import('node:os')).cpus().length} cores; server and clients share them\n`);

  // 1. Delivery lag: client has the first event − server wrote it (both on process.hrtime).
  say('| delivery lag (first event) | streams | engine p50 | engine p99 | bare p50 | bare p99 | p99 ratio |');
  say('|---|---:|---:|---:|---:|---:|---:|');
  for (const streams of [1, 100, 1000]) {
    const row: Record<string, number[]> = {};
    for (const kind of ['engine', 'bare']) {
      const lags: number[] = [];
      // each user sends several requests in a row so p50/p99 rest on enough samples
      const perStream = streams === 1 ? 200 : streams === 100 ? 5 : 2;
      await writes(server.url, 'DELETE');
      const delay = streams >= 1000 ? 1500 : streams >= 100 ? 300 : 20;
      const r = await client(kind, 'lag', { url: `${server.url}/chat?mode=async&delay=${delay}&events=3&interval=20`, streams, perStream });
      const w = await writes(server.url, 'GET');
      for (const [id, t] of Object.entries(r.firstEventHr ?? {})) {
        const s = w[id];
        if (s) lags.push(t - Number(BigInt(s)) / 1e6);
      }
      row[kind] = [quantile(lags, 0.5), quantile(lags, 0.99)];
    }
    const [e50, e99] = row.engine!;
    const [b50, b99] = row.bare!;
    say(`| | ${streams} | ${fmt(e50!)} ms | ${fmt(e99!)} ms | ${fmt(b50!)} ms | ${fmt(b99!)} ms | ${fmt(e99! / b99!)}× |`);
  }

  // 2. Throughput and client CPU against a zero-delay 3-event stream.
  say('');
  say('| zero-delay 3-event stream, 50 connections, 10000 requests | req/s | client CPU s / 1000 req | CPU vs autocannon |');
  say('|---|---:|---:|---:|');
  const tput = { url: `${server.url}/chat?mode=async&delay=0&events=3&interval=0`, streams: 50, perStream: 200 };
  await client('engine', 'throughput', { ...tput, perStream: 20 }); // warm the server's JIT
  const res: Record<string, ClientResult> = {};
  for (const kind of ['autocannon', 'bare', 'engine']) res[kind] = await client(kind, 'throughput', tput);
  const cpuPer = (r: ClientResult): number => (r.cpuSeconds / r.requests) * 1000;
  for (const kind of ['engine', 'bare', 'autocannon']) {
    const r = res[kind]!;
    say(`| ${kind} | ${fmt(r.requests / r.seconds, 0)} | ${fmt(cpuPer(r), 3)} | ${fmt(cpuPer(r) / cpuPer(res.autocannon!))}× |`);
  }

  // 3. Peak RSS of the engine with many concurrent open streams.
  say('');
  say('| engine, concurrent open streams | ok | connect avg | peak RSS |');
  say('|---|---:|---:|---:|');
  for (const streams of [1000, 5000]) {
    const r = await client('engine', 'rss', { url: `${server.url}/chat?mode=async&delay=2000&events=5&interval=200`, streams, perStream: 1 });
    say(`| ${streams} | ${r.ok}/${r.requests} | ${fmt(r.connectAvgMs ?? 0, 1)} ms | ${fmt(r.maxRssMb, 0)} MB |`);
  }
} finally {
  server.stop();
}
