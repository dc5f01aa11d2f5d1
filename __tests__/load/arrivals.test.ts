// Rate stages in the engine: the seeded schedule, every arrival sent or dropped (never delayed), a
// pool of connections that grows only when none is idle, times from the scheduled arrival, the smoke
// test, and a server that refuses, resets, hangs, dies or restarts — counts always add up. No
// wall-clock bound here (see __tests__/timing/open-model.test.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { arrivalTimes, stageSeed } from '../../src/core/load/arrivals.js';
import { getPreset } from '../../src/core/load/presets/index.js';
import { runLoad, type LoadTarget, type RunOptions } from '../../src/core/run/run-load.js';
import { parseStages } from '../../src/core/config/stages.js';
import type { RequestRecord, RunResult } from '../../src/core/types.js';

type Answer = (req: IncomingMessage, res: ServerResponse, n: number) => void;

interface Target {
  url: string;
  server: Server;
  sockets: Set<Socket>;
  /** Requests each accepted socket carried, in accept order. */
  perSocket: number[];
  requests: number;
  close(): Promise<void>;
}

async function serve(answer: Answer, port = 0): Promise<Target> {
  const sockets = new Set<Socket>();
  const t: Target = { url: '', server: null as unknown as Server, sockets, perSocket: [], requests: 0, close: async () => undefined };
  const ids = new WeakMap<Socket, number>();
  const server = createServer((req, res) => {
    t.requests++;
    t.perSocket[ids.get(req.socket)!]!++;
    req.resume();
    answer(req, res, t.requests);
  });
  server.on('connection', (s: Socket) => {
    ids.set(s, t.perSocket.push(0) - 1);
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  t.server = server;
  t.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return t;
}

const stream: Answer = (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write('data: 1\n\n');
  setTimeout(() => res.end('data: 2\n\n'), 2);
};

const target = (url: string, timeoutMs = 10_000): LoadTarget => ({
  spec: { origin: url, path: '/sse', method: 'GET', timeoutMs, format: 'auto', preset: getPreset('generic') },
  render: (c) => ({ headers: { 'x-user': `${c.stage}/${c.user}` }, body: null }),
});

const run = (url: string, stages: string, opts: Partial<RunOptions> = {}, timeoutMs?: number): Promise<RunResult> =>
  runLoad(target(url, timeoutMs), { stages: parseStages(stages), cooldownMs: 0, arrivals: { process: 'uniform', seed: 1, maxInFlight: 1000 }, ...opts });

/** Every scheduled arrival of a rate stage was sent (a record) or dropped, exactly once. */
function expectAccounted(r: RunResult, stage = 1): void {
  const s = r.stages[stage - 1]!;
  const records = r.requests.filter((q) => q.stage === stage);
  expect(s.issued).toBe(records.length);
  expect(s.succeeded + s.failed).toBe(s.issued);
  expect(s.issued + s.rate!.dropped).toBe(s.rate!.scheduled);
  expect(new Set(records.map((q) => q.user)).size).toBe(records.length);
}

describe('the schedule', () => {
  test('Poisson: seeded, about R × D arrivals, exponential gaps (CV ≈ 1); uniform: equal gaps from 0', () => {
    const a = arrivalTimes(10, 2_000_000, 'poisson', 7);
    expect(arrivalTimes(10, 2_000_000, 'poisson', 7)).toEqual(a);
    expect(arrivalTimes(10, 2_000_000, 'poisson', 8)).not.toEqual(a);
    expect(Math.abs(a.length - 20_000)).toBeLessThan(4 * Math.sqrt(20_000));
    const gaps = Array.from(a.subarray(1), (t, i) => t - a[i]!);
    expect(gaps.every((g) => g >= 0)).toBe(true);
    const mean = gaps.reduce((x, y) => x + y, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((x, g) => x + (g - mean) ** 2, 0) / gaps.length);
    expect(mean).toBeCloseTo(100, -1);
    expect(sd / mean).toBeGreaterThan(0.96);
    expect(sd / mean).toBeLessThan(1.04);
    expect(a[a.length - 1]!).toBeLessThan(2_000_000);
    expect(Array.from(arrivalTimes(4, 2500, 'uniform', 7))).toEqual([0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2250]);
    expect(arrivalTimes(0.5, 2000, 'uniform', 1)).toHaveLength(1);
  });

  test('every stage and shard has its own sequence; N shards at R/N add up to about R', () => {
    const seeds = new Set([stageSeed(1, 1), stageSeed(1, 2), stageSeed(1, 1, 2), stageSeed(2, 1)]);
    expect(seeds.size).toBe(4);
    const all = [1, 2, 3, 4].flatMap((k) => Array.from(arrivalTimes(40 / 4, 500_000, 'poisson', stageSeed(1, 1, k)))).sort((x, y) => x - y);
    expect(Math.abs(all.length - 20_000)).toBeLessThan(4 * Math.sqrt(20_000));
  });
});

describe('a rate stage against a server', () => {
  test('times count from the scheduled arrival: starts follow the schedule exactly, TTFC includes the lateness', async () => {
    const srv = await serve(stream);
    try {
      const r = await runLoad(target(srv.url), { stages: parseStages('40/s:0.5s'), cooldownMs: 0, arrivals: { process: 'poisson', seed: 3, maxInFlight: 1000 } });
      const times = arrivalTimes(40, 500, 'poisson', stageSeed(3, 1));
      expectAccounted(r);
      expect(r.requests).toHaveLength(times.length);
      const recs = [...r.requests].sort((a, b) => a.user - b.user);
      recs.forEach((q, k) => {
        expect(q.user).toBe(k + 1);
        expect(q.iteration).toBe(1);
        // Epoch ms carry ~0.2 µs of float resolution.
        expect(q.startedAt - recs[0]!.startedAt).toBeCloseTo(times[k]! - times[0]!, 3);
        expect(q.lateness).toBeGreaterThanOrEqual(0);
        expect(q.ttfc!).toBeGreaterThanOrEqual(q.lateness!);
      });
      const s = r.stages[0]!;
      expect(s).toMatchObject({
        users: 0,
        requestsPerUser: 0,
        rate: { offered: 40, durationMs: 500, arrival: 'poisson', seed: 3, scheduled: times.length, dropped: 0, maxInFlight: 1000 },
      });
      expect(s.rate!.lateness.n).toBe(times.length);
      expect(srv.requests).toBe(times.length);
    } finally {
      await srv.close();
    }
  });

  test('an arrival takes an idle connection of the pool: a fast server is served on a few reused sockets', async () => {
    const srv = await serve(stream);
    try {
      const r = await run(srv.url, '50/s:0.5s');
      expectAccounted(r);
      const s = r.stages[0]!;
      expect(s.issued).toBe(25);
      expect(s.connections).toBe(srv.perSocket.length);
      expect(srv.perSocket.length).toBeLessThanOrEqual(s.rate!.peakInFlight + (s.retries ?? 0));
      expect(Math.max(...srv.perSocket)).toBeGreaterThan(1);
      expect(srv.perSocket.reduce((a, b) => a + b, 0)).toBe(25 + (s.retries ?? 0));
    } finally {
      await srv.close();
    }
  });

  test('max-in-flight: a hanging server gets that many requests; every later arrival is dropped and counted, never sent late', async () => {
    const srv = await serve(() => undefined); // never answers
    try {
      const r = await runLoad(target(srv.url, 800), { stages: parseStages('50/s:0.4s'), cooldownMs: 0, arrivals: { process: 'uniform', seed: 1, maxInFlight: 3 } });
      expectAccounted(r);
      const s = r.stages[0]!;
      expect(s.rate).toMatchObject({ scheduled: 20, dropped: 17, peakInFlight: 3, maxInFlight: 3 });
      expect(s.issued).toBe(3);
      expect(s.failures.timeout).toBe(3);
      expect(srv.requests).toBe(3);
      expect(r.requests.map((q) => q.user)).toEqual([1, 2, 3]);
    } finally {
      await srv.close();
    }
  });

  test('the first stage is the smoke test: against a failing server it stops sending after a few failures, and the rest is skipped', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"error":"down"}');
    });
    try {
      const r = await run(srv.url, '100/s:2s, 1x1');
      expectAccounted(r);
      expect(r.smokeFailed).toBe(true);
      const s = r.stages[0]!;
      expect(s.succeeded).toBe(0);
      expect(s.issued).toBeGreaterThanOrEqual(5);
      expect(s.issued).toBeLessThan(100);
      expect(s.rate!.scheduled).toBeLessThan(200);
      expect(r.stages[1]!.skipped).toBe(true);
      expect(srv.requests).toBe(s.issued);
    } finally {
      await srv.close();
    }
  });

  test('refused, reset, died mid-stage and restarted: every arrival is counted once, failures are connection failures', async () => {
    let srv = await serve((req, res, n) => {
      if (n % 4 === 0) return void req.socket.destroy(); // a reset before any byte
      if (n % 4 === 1) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: 1\n\n');
        return void setTimeout(() => req.socket.destroy(), 2); // cut mid-stream
      }
      stream(req, res, n);
    });
    const port = Number(new URL(srv.url).port);
    // Dies 150 ms in, comes back on the same port 300 ms in.
    const died = new Promise<void>((resolve) =>
      setTimeout(() => {
        void srv.close().then(() =>
          setTimeout(
            () =>
              void serve(stream, port).then((s) => {
                srv = s;
                resolve();
              }),
            150,
          ),
        );
      }, 150),
    );
    try {
      const r = await run(srv.url, '40/s:0.6s');
      await died;
      expectAccounted(r);
      const s = r.stages[0]!;
      expect(s.issued).toBe(24);
      const categories = new Set(r.requests.map((q: RequestRecord) => q.category));
      for (const c of categories) expect([null, 'connection']).toContain(c);
      expect(s.failures.connection).toBeGreaterThan(0);
      expect(s.succeeded).toBeGreaterThan(0);
    } finally {
      await srv.close();
    }
  });

  test('a cancel stops the schedule: what was sent is counted, the rest is neither sent nor dropped', async () => {
    const srv = await serve(stream);
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 200);
    try {
      const r = await run(srv.url, '50/s:5s, 1x1', { signal: stop.signal });
      expect(r.cancelled).toBe(true);
      expectAccounted(r);
      const s = r.stages[0]!;
      expect(s.rate!.scheduled).toBeLessThan(250);
      expect(s.rate!.dropped).toBe(0);
      expect(r.stages[1]!.skipped).toBe(true);
    } finally {
      await srv.close();
    }
  });

  test('a request that cannot be rendered fails the run with its error (no uncaught exception from the scheduler)', async () => {
    const srv = await serve(stream);
    try {
      const t = target(srv.url);
      const render = t.render;
      t.render = (c) => {
        if (c.user === 3) throw new Error('template broke');
        return render(c);
      };
      await expect(runLoad(t, { stages: parseStages('50/s:1s'), cooldownMs: 0, arrivals: { process: 'uniform', seed: 1, maxInFlight: 1000 } })).rejects.toThrow('template broke');
      expect(srv.requests).toBeLessThanOrEqual(2);
    } finally {
      await srv.close();
    }
  });

  test('A/B: both sides get the same arrivals at the same scheduled times, in one stage', async () => {
    const head = await serve(stream);
    const base = await serve(stream);
    try {
      const r = await runLoad(target(head.url), {
        stages: parseStages('30/s:0.5s'),
        cooldownMs: 0,
        compare: target(base.url),
        arrivals: { process: 'poisson', seed: 9, maxInFlight: 1000 },
      });
      expectAccounted(r);
      const h = [...r.requests].sort((a, b) => a.user - b.user);
      const b = [...r.compare!.requests].sort((a, c) => a.user - c.user);
      expect(h.map((q) => q.user)).toEqual(b.map((q) => q.user));
      h.forEach((q, i) => expect(q.startedAt).toBeCloseTo(b[i]!.startedAt, 3));
      expect(r.compare!.order).toEqual([{ stage: 1, rounds: 'together' }]);
      expect(r.compare!.stages[0]!.rate!.scheduled).toBe(r.stages[0]!.rate!.scheduled);
      expect(head.requests).toBe(base.requests);
    } finally {
      await head.close();
      await base.close();
    }
  });

  test('shards: each runs R/N on its own schedule, arrival numbers K, K + N, … never collide', async () => {
    const srv = await serve(stream);
    try {
      const shards = await Promise.all(
        [1, 2].map((index) =>
          runLoad(target(srv.url), { stages: parseStages('40/s:0.5s'), cooldownMs: 0, shard: { index, count: 2 }, arrivals: { process: 'poisson', seed: 1, maxInFlight: 1000 } }),
        ),
      );
      const [a, b] = shards.map((r) => r.requests.map((q) => q.user));
      expect(a!.every((u) => u % 2 === 1)).toBe(true);
      expect(b!.every((u) => u % 2 === 0)).toBe(true);
      for (const [k, r] of shards.entries()) {
        expect(r.stages[0]!.rate!.offered).toBe(20);
        expect(r.stages[0]!.rate!.scheduled).toBe(arrivalTimes(20, 500, 'poisson', stageSeed(1, 1, k + 1)).length);
        expect(r.stageTimings![0]).toMatchObject({ firstUser: k + 1, users: r.stages[0]!.rate!.scheduled });
      }
    } finally {
      await srv.close();
    }
  });
});
