// One bench measurement in a fresh process, so CPU and RSS belong to one client only.
// usage: node lib/bench/client.js <engine|bare|autocannon|gate> <json options>
// Every client tags each request with `x-request-id` (the demo server logs its arrival and first
// write under it) and reports, per id, its own time to first body chunk / event from the moment it
// issued the request, so bench.ts can subtract the server's own time.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { buildConfig } from '../src/core/config/config.js';
import { runGate } from '../src/core/gate.js';
import { getPreset } from '../src/core/load/presets/index.js';
import { runLoad } from '../src/core/run/run-load.js';

export interface ClientOpts {
  url: string; // full URL incl. query
  users: number; // concurrent users, one connection each
  perUser: number; // requests each, one after another
  /** gate: where the report goes */
  reportPath?: string;
}

export interface ClientResult {
  requests: number;
  ok: number;
  /** a few failure messages */
  errors: string[];
  seconds: number;
  cpuSeconds: number;
  maxRssMb: number;
  /** request id → ms from issuing the request to its first body chunk / event */
  ttfc: Record<string, number>;
  retries?: number;
  /** gate: ms from the end of the last stage to the report written (wall and CPU), and RSS around it */
  afterLoadMs?: number;
  afterLoadCpuMs?: number;
  rssAtLoadEndMb?: number;
}

type Measured = Omit<ClientResult, 'seconds' | 'cpuSeconds' | 'maxRssMb'>;

async function engine(o: ClientOpts): Promise<Measured> {
  const u = new URL(o.url);
  const run = await runLoad(
    {
      spec: { origin: u.origin, path: u.pathname + u.search, method: 'GET', timeoutMs: 60_000, format: 'auto', preset: getPreset('generic') },
      render: (c) => ({ headers: { 'x-request-id': `${c.user}-${c.iteration}` }, body: null }),
    },
    { stages: [{ users: o.users, requestsPerUser: o.perUser }], cooldownMs: 0 },
  );
  const ttfc: Record<string, number> = {};
  const errors: string[] = [];
  for (const r of run.requests) {
    if (r.ttfc !== null) ttfc[`${r.user}-${r.iteration}`] = r.ttfc;
    if (!r.ok && errors.length < 5) errors.push(r.error ?? r.category ?? '');
  }
  return { requests: run.requests.length, ok: run.requests.filter((r) => r.ok).length, errors, ttfc, retries: run.stages[0]?.retries ?? 0 };
}

/** The floor: node:http, a keep-alive agent of one socket per user, nothing parsed beyond noticing the first body chunk. */
async function bare(o: ClientOpts): Promise<Measured> {
  const ttfc: Record<string, number> = {};
  const errors: string[] = [];
  let ok = 0;
  let requests = 0;
  const one = (agent: http.Agent, id: string): Promise<void> =>
    new Promise((resolve) => {
      requests++;
      const t0 = performance.now();
      const fail = (e: Error): void => {
        if (errors.length < 5) errors.push(e.message);
        resolve();
      };
      const req = http.get(o.url, { agent, headers: { 'x-request-id': id } }, (res) => {
        res.once('data', () => (ttfc[id] = performance.now() - t0));
        res.on('end', () => {
          if (res.statusCode === 200) ok++;
          resolve();
        });
        res.on('error', fail);
      });
      req.on('error', fail);
    });
  const agents: http.Agent[] = [];
  await Promise.all(
    Array.from({ length: o.users }, async (_, u) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      agents.push(agent);
      for (let i = 1; i <= o.perUser; i++) await one(agent, `${u + 1}-${i}`);
    }),
  );
  for (const a of agents) a.destroy();
  return { requests, ok, errors, ttfc };
}

/**
 * autocannon, its `users` connections issuing `users × perUser` requests. Its hooks: `setupRequest`
 * tags each request (called as the request is built, just before it is written; the first at
 * connect), the client's 'body' event is the first-body moment.
 */
async function cannon(o: ClientOpts): Promise<Measured> {
  // Loaded only here so the other clients' RSS does not include it.
  const { default: autocannon } = await import('autocannon');
  const ttfc: Record<string, number> = {};
  const started = new Map<string, number>();
  let seq = 0;
  let lastId = '';
  let building: { current?: string } | null = null;
  const r = await autocannon({
    url: o.url,
    connections: o.users,
    amount: o.users * o.perUser,
    timeout: 60,
    requests: [
      {
        setupRequest: (req) => {
          lastId = `ac-${++seq}`;
          started.set(lastId, performance.now());
          if (building) building.current = lastId;
          return { ...req, headers: { ...req.headers, 'x-request-id': lastId } };
        },
      },
    ],
    setupClient: (client) => {
      // The first request was built in the client's constructor, just before this hook.
      const c = client as unknown as { current?: string; on(e: string, f: () => void): void };
      c.current = lastId;
      c.on('request', () => (building = c)); // the next request is built right after this event
      c.on('body', () => {
        const id = c.current;
        if (id !== undefined && ttfc[id] === undefined) ttfc[id] = performance.now() - started.get(id)!;
      });
    },
  });
  return { requests: r.requests.total, ok: r['2xx'], errors: r.errors > 0 ? [`${r.errors} errors, ${r.timeouts} timeouts`] : [], ttfc };
}

/** The whole gate at scale: the report built and written after the load, timed from the last stage's end. */
async function gate(o: ClientOpts): Promise<Measured> {
  let loadEnd = 0;
  let cpuAtLoadEnd = 0;
  let rssAtLoadEndMb = 0;
  const cfg = buildConfig(
    { url: o.url, method: 'GET', stages: `${o.users}x${o.perUser}`, criteria: 'errors == 0', 'report-path': o.reportPath ?? 'bench-report.json' },
    { env: {} },
  );
  const report = await runGate(cfg, {
    hooks: {
      stageEnd: () => {
        loadEnd = performance.now();
        const c = process.cpuUsage();
        cpuAtLoadEnd = (c.user + c.system) / 1000;
        rssAtLoadEndMb = process.memoryUsage().rss / 2 ** 20;
      },
    },
  });
  const afterLoadMs = performance.now() - loadEnd;
  const c = process.cpuUsage();
  const afterLoadCpuMs = (c.user + c.system) / 1000 - cpuAtLoadEnd;
  const s = report.stages[0]!;
  return {
    requests: s.issued,
    ok: s.succeeded,
    errors: report.errorSamples.map((e) => e.message),
    ttfc: {},
    retries: s.retries ?? 0,
    afterLoadMs,
    afterLoadCpuMs,
    rssAtLoadEndMb,
  };
}

const [kind, json] = process.argv.slice(2);
const o = JSON.parse(json ?? '{}') as ClientOpts;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const res = kind === 'engine' ? await engine(o) : kind === 'bare' ? await bare(o) : kind === 'gate' ? await gate(o) : await cannon(o);
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const out: ClientResult = { ...res, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024 };
process.stdout.write(`${JSON.stringify(out)}\n`);
