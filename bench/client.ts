// One bench measurement in a fresh process, so CPU and RSS belong to one client only.
// usage: node lib/bench/client.js <engine|bare|autocannon> <lag|throughput|rss> <json options>
import http from 'node:http';
import { hrtimeOffsetMs } from '../src/core/load/clock.js';
import { getPreset } from '../src/core/load/presets/index.js';
import { runLoad } from '../src/core/load/runner.js';

interface Opts {
  url: string; // full URL incl. query
  streams: number; // concurrent users / connections
  perStream: number; // requests each
}

export interface ClientResult {
  requests: number;
  ok: number;
  seconds: number;
  cpuSeconds: number;
  maxRssMb: number;
  /** request id → client-side hrtime (ms) of the first event */
  firstEventHr?: Record<string, number>;
  connectAvgMs?: number;
}

async function engine(o: Opts, withIds: boolean): Promise<Omit<ClientResult, 'seconds' | 'cpuSeconds' | 'maxRssMb'>> {
  const u = new URL(o.url);
  const run = await runLoad(
    {
      spec: { origin: u.origin, path: u.pathname + u.search, method: 'GET', timeoutMs: 120_000, format: 'auto', preset: getPreset('generic') },
      render: (c) => ({ headers: withIds ? { 'x-request-id': `${c.user}-${c.iteration}` } : ({} as Record<string, string>), body: null }),
    },
    { stages: [{ users: o.streams, requestsPerUser: o.perStream }], cooldownMs: 0 },
  );
  const offset = hrtimeOffsetMs();
  const firstEventHr: Record<string, number> = {};
  let connect = 0;
  for (const r of run.requests) {
    // startedAt is epoch ms of t0; back to the monotonic clock, then to hrtime.
    if (r.ttfc !== null) firstEventHr[`${r.user}-${r.iteration}`] = r.startedAt - performance.timeOrigin + r.ttfc + offset;
    connect += r.connect ?? 0;
  }
  return { requests: run.requests.length, ok: run.requests.filter((r) => r.ok).length, firstEventHr, connectAvgMs: connect / run.requests.length };
}

/** The floor: node:http, no parsing beyond noticing the first body chunk. */
async function bare(o: Opts, withIds: boolean): Promise<Omit<ClientResult, 'seconds' | 'cpuSeconds' | 'maxRssMb'>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const firstEventHr: Record<string, number> = {};
  let ok = 0;
  let requests = 0;
  const one = (id: string): Promise<void> =>
    new Promise((resolve) => {
      requests++;
      const req = http.get(o.url, { agent, headers: withIds ? { 'x-request-id': id } : {} }, (res) => {
        let first = true;
        res.on('data', () => {
          if (first) {
            first = false;
            firstEventHr[id] = Number(process.hrtime.bigint()) / 1e6;
          }
        });
        res.on('end', () => {
          if (res.statusCode === 200) ok++;
          resolve();
        });
        res.on('error', () => resolve());
      });
      req.on('error', () => resolve());
    });
  await Promise.all(
    Array.from({ length: o.streams }, async (_, u) => {
      for (let i = 1; i <= o.perStream; i++) await one(`${u + 1}-${i}`);
    }),
  );
  agent.destroy();
  return { requests, ok, firstEventHr: withIds ? firstEventHr : undefined };
}

async function cannon(o: Opts): Promise<Omit<ClientResult, 'seconds' | 'cpuSeconds' | 'maxRssMb'>> {
  // Loaded only here so the other clients' RSS does not include it.
  const { default: autocannon } = await import('autocannon');
  const r = await autocannon({ url: o.url, connections: o.streams, amount: o.streams * o.perStream, method: 'GET' });
  return { requests: r.requests.total, ok: r['2xx'] };
}

const [kind, what, json] = process.argv.slice(2);
const o = JSON.parse(json ?? '{}') as Opts;
const withIds = what === 'lag';
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const res = kind === 'engine' ? await engine(o, withIds) : kind === 'bare' ? await bare(o, withIds) : await cannon(o);
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const out: ClientResult = { ...res, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024 };
process.stdout.write(`${JSON.stringify(out)}\n`);
