// One bench measurement in a fresh process, so CPU and RSS belong to one client only.
// usage: node lib/bench/client.js <engine|bare|autocannon> <json options>
// Every client tags each request with `x-request-id` (the bench server logs its connection, arrival,
// first write and end under it) and reports, per id, its own time to first body chunk / event from
// the moment it issued the request and from the stage's start, so bench.ts can subtract the
// server's own time. The stage's start is also given as hrtime (the server's clock: both read
// CLOCK_MONOTONIC), so the server's timestamps can be counted from it.
import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { watchHeads } from './heads.js';
import { overhead, type Overhead } from './overhead.js';

export interface ClientOpts {
  url: string; // full URL incl. query
  users: number; // concurrent users, one connection each
  perUser: number; // requests each, one after another
  /** only the counts: no per-request times in the output (a whole-process run, as lean as the tool) */
  quiet?: boolean;
  /** one user only: also the client's own overhead per request (overhead.ts), from its socket's writes and reads */
  overhead?: boolean;
}

export interface ClientResult {
  requests: number;
  ok: number;
  /** a few failure messages */
  errors: string[];
  seconds: number;
  /** CPU of the load phase: from the stage's start to its end (module loading, start-up and the engine's one-time warm-up excluded) */
  cpuSeconds: number;
  maxRssMb: number;
  /** hrtime (ns, as a string) at the stage's start */
  stageStartNs: string;
  /** request id → ms from issuing the request to its first body chunk / event */
  ttfc: Record<string, number>;
  /** request id → ms from the stage's start to its first body chunk / event */
  fromStart: Record<string, number>;
  /**
   * request id → ms from the stage's start to the moment its head was handed to the kernel on a
   * connected socket (a request written while its socket connects goes out once it is up): where
   * the client's part of the request's way out ends and the server's wait to read it begins. Not
   * in a quiet run.
   */
  onWire: Record<string, number>;
  retries?: number;
  overhead?: Overhead;
}

type Measured = Pick<ClientResult, 'requests' | 'ok' | 'errors' | 'ttfc' | 'fromStart' | 'retries'>;
type Run = (o: ClientOpts) => Promise<Measured>;

/** The stage's start: performance.now(), hrtime and CPU at that moment (set by `mark`). */
const stage = { t0: 0, ns: 0n, cpu: process.cpuUsage() };
/** Called as the stage starts: before the first request (the engine: its stageStart hook, after its one-time warm-up). */
function mark(): void {
  if (wire !== null) watchSockets(wire);
  if (!o.quiet) watchHeads(sent);
  stage.cpu = process.cpuUsage();
  // The two clocks paired as closely as they can be: a first hrtime call binds lazily (~14 µs, which
  // would shift every server time against the client's by as much), so the pair is taken a few
  // times and the tightest kept, at the middle of its bracket.
  let gap = Infinity;
  for (let i = 0; i < 5; i++) {
    const a = performance.now();
    const ns = process.hrtime.bigint();
    const b = performance.now();
    if (b - a < gap) {
      gap = b - a;
      stage.t0 = (a + b) / 2;
      stage.ns = ns;
    }
  }
}

/** The engine's load runner, one closed stage, no cool-down: what a ttfc-gate stage does. */
async function engine(): Promise<Run> {
  const { getPreset } = await import('../src/core/load/presets/index.js');
  const { runLoad } = await import('../src/core/run/run-load.js');
  return async (o) => {
    const u = new URL(o.url);
    const run = await runLoad(
      {
        spec: { origin: u.origin, path: u.pathname + u.search, method: 'GET', timeoutMs: 60_000, format: 'auto', preset: getPreset('generic') },
        render: (c) => ({ headers: { 'x-request-id': `${c.user}-${c.iteration}` }, body: null }),
      },
      { stages: [{ users: o.users, requestsPerUser: o.perUser }], cooldownMs: 0, hooks: { stageStart: mark } },
    );
    const ttfc: Record<string, number> = {};
    const fromStart: Record<string, number> = {};
    const errors: string[] = [];
    let ok = 0;
    for (const r of run.requests) {
      if (r.ok) ok++;
      if (r.ttfc !== null && !o.quiet) {
        const id = `${r.user}-${r.iteration}`;
        ttfc[id] = r.ttfc;
        fromStart[id] = r.startedAt - performance.timeOrigin + r.ttfc - stage.t0; // startedAt is timeOrigin + performance.now()
      }
      if (!r.ok && errors.length < 5) errors.push(r.error ?? r.category ?? '');
    }
    return { requests: run.requests.length, ok, errors, ttfc, fromStart, retries: run.stages[0]?.retries ?? 0 };
  };
}

/** The floor: node:http, a keep-alive agent of one socket per user, nothing parsed beyond noticing the first body chunk. */
function bare(): Run {
  return async (o) => {
    mark();
    const ttfc: Record<string, number> = {};
    const fromStart: Record<string, number> = {};
    const errors: string[] = [];
    let ok = 0;
    let requests = 0;
    const one = (agent: http.Agent, id: string): Promise<void> =>
      new Promise((resolve) => {
        requests++;
        const t1 = performance.now();
        const fail = (e: Error): void => {
          if (errors.length < 5) errors.push(e.message);
          resolve();
        };
        const req = http.get(o.url, { agent, headers: { 'x-request-id': id } }, (res) => {
          res.once('data', () => {
            if (o.quiet) return;
            const t = performance.now();
            ttfc[id] = t - t1;
            fromStart[id] = t - stage.t0;
          });
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
    return { requests, ok, errors, ttfc, fromStart };
  };
}

/**
 * autocannon, its `users` connections issuing `users × perUser` requests. Its hooks: `setupRequest`
 * tags each request (called as the request is built, just before it is written; the first at
 * connect), the client's 'body' event is the first-body moment.
 */
async function cannon(): Promise<Run> {
  // Loaded only here (and before the stage) so the other clients' RSS and no one's load CPU include it.
  const { default: autocannon } = await import('autocannon');
  return async (o) => {
    mark();
    const ttfc: Record<string, number> = {};
    const fromStart: Record<string, number> = {};
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
          if (id !== undefined && ttfc[id] === undefined && !o.quiet) {
            const t = performance.now();
            ttfc[id] = t - started.get(id)!;
            fromStart[id] = t - stage.t0;
          }
        });
      },
    });
    return { requests: r.requests.total, ok: r['2xx'], errors: r.errors > 0 ? [`${r.errors} errors, ${r.timeouts} timeouts`] : [], ttfc, fromStart };
  };
}

/** The stage's socket writes and reads (performance.now()), when the overhead is asked for. */
let wire: { writes: number[]; reads: number[] } | null = null;

/** From the stage's start, every socket write and every read libuv hands to a socket: the same two wrappers for every client. */
function watchSockets(w: { writes: number[]; reads: number[] }): void {
  const { write, push } = net.Socket.prototype;
  net.Socket.prototype.write = function (this: net.Socket, ...args: Parameters<net.Socket['write']>): boolean {
    w.writes.push(performance.now());
    return write.apply(this, args);
  } as net.Socket['write'];
  net.Socket.prototype.push = function (this: net.Socket, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk !== null) w.reads.push(performance.now());
    return push.call(this, chunk, encoding);
  };
}

/** Request id → performance.now() of the write that put its head on the wire (the last, for a request sent twice). */
const sent = new Map<string, number>();

/** Each request's issue and stamp, from its two reported times, in the order issued. */
function stamped(r: Pick<ClientResult, 'ttfc' | 'fromStart'>): Array<{ issued: number; stamped: number }> {
  return Object.keys(r.ttfc)
    .filter((id) => r.fromStart[id] !== undefined)
    .map((id) => ({ issued: stage.t0 + r.fromStart[id]! - r.ttfc[id]!, stamped: stage.t0 + r.fromStart[id]! }))
    .sort((a, b) => a.issued - b.issued);
}

const [kind, json] = process.argv.slice(2);
const o = JSON.parse(json ?? '{}') as ClientOpts;
if (o.overhead) {
  if (o.users !== 1) throw new Error('client: overhead needs users: 1 (one socket, one request after another)');
  wire = { writes: [], reads: [] };
}
const run = kind === 'engine' ? await engine() : kind === 'bare' ? bare() : kind === 'autocannon' ? await cannon() : undefined;
if (run === undefined) throw new Error(`client: unknown kind "${kind ?? ''}" (engine, bare or autocannon)`);
const res = await run(o);
const seconds = (performance.now() - stage.t0) / 1000;
const cpu = process.cpuUsage(stage.cpu);
const onWire: Record<string, number> = {};
for (const [id, t] of sent) onWire[id] = t - stage.t0;
const probed = wire !== null ? { overhead: overhead(stamped(res), wire.writes, wire.reads), ttfc: {}, fromStart: {} } : {};
const out: ClientResult = {
  ...res,
  onWire,
  ...probed,
  seconds,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  maxRssMb: process.resourceUsage().maxRSS / 1024,
  stageStartNs: String(stage.ns),
};
process.stdout.write(`${JSON.stringify(out)}\n`);
