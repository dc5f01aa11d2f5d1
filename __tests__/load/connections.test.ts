// One connection per user: counted where it matters, at the server. Each user's requests ride on the
// socket its stage opened for it; stages never share sockets; a socket the server closes under a
// request is replaced once, as browsers do.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parseStages } from '../../src/core/config/stages.js';
import type { ClosedStage } from '../../src/core/types.js';
import { getPreset } from '../../src/core/load/presets/index.js';
import { runLoad, type LoadTarget } from '../../src/core/run/run-load.js';
import { diagnose } from '../../src/core/analysis/diagnose/index.js';

interface Seen {
  socket: number;
  /** nth request on its socket, 1-based */
  onSocket: number;
  user: string;
}

interface CountingServer {
  url: string;
  accepted: number;
  seen: Seen[];
  close(): Promise<void>;
}

type Decide = (socketRequest: number, idleMs: number) => 'answer' | 'drop';

/** Counts accepted connections; each request is answered with a 2-event SSE stream, or dropped (socket destroyed, no byte). */
async function countingServer(decide: Decide = () => 'answer'): Promise<CountingServer> {
  const sockets = new Set<Socket>();
  const ids = new WeakMap<Socket, { id: number; n: number; idleSince: number }>();
  const out: CountingServer = { url: '', accepted: 0, seen: [], close: async () => undefined };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const s = ids.get(req.socket)!;
    s.n++;
    const idle = performance.now() - s.idleSince;
    out.seen.push({ socket: s.id, onSocket: s.n, user: String(req.headers['x-user']) });
    req.resume();
    if (decide(s.n, idle) === 'drop') return void req.socket.destroy();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: 1\n\n');
    setTimeout(() => {
      res.end('data: 2\n\n');
      s.idleSince = performance.now();
    }, 2);
  });
  server.on('connection', (sock: Socket) => {
    ids.set(sock, { id: ++out.accepted, n: 0, idleSince: performance.now() });
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  out.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  out.close = () =>
    new Promise((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return out;
}

const target = (url: string): LoadTarget => ({
  spec: { origin: url, path: '/sse', method: 'GET', timeoutMs: 10_000, format: 'auto', preset: getPreset('generic') },
  render: (c) => ({ headers: { 'x-user': `${c.stage}/${c.user}` }, body: null }),
});

test.each(['1x3, 5x4, 20x2, 3x1', '8x1, 8x5', '50x3', '100x2'])('stages %s: connections = users per stage, later requests reuse their socket', async (text) => {
  const server = await countingServer();
  try {
    const stages = parseStages(text) as ClosedStage[];
    const run = await runLoad(target(server.url), { stages, cooldownMs: 20 });
    expect(run.requests.every((r) => r.ok)).toBe(true);
    expect(server.accepted).toBe(stages.reduce((n, s) => n + s.users, 0));
    run.stages.forEach((s, i) => {
      expect(s.connections).toBe(stages[i]!.users);
      expect(s.retries).toBe(0);
    });
    // every socket served exactly one user, all of that user's requests, in order
    const byUser = new Map<string, Seen[]>();
    for (const s of server.seen) byUser.set(s.user, [...(byUser.get(s.user) ?? []), s]);
    expect(byUser.size).toBe(stages.reduce((n, s) => n + s.users, 0));
    for (const [user, seen] of byUser) {
      const stage = stages[Number(user.split('/')[0]) - 1]!;
      expect(seen.map((s) => s.onSocket)).toEqual(Array.from({ length: stage.requestsPerUser }, (_, i) => i + 1));
      expect(new Set(seen.map((s) => s.socket)).size).toBe(1);
    }
    // the first request of a user measured its connection; the later ones found it ready
    for (const r of run.requests) {
      if (r.iteration === 1) expect(r.connect!).toBeGreaterThan(0);
      else expect(r.connect).toBe(0);
    }
  } finally {
    await server.close();
  }
});

test('a server that closes connections idle as long as the cool-down causes no failure', async () => {
  const cooldownMs = 150;
  // A request arriving on a socket that sat idle through a cool-down is the one a keep-alive close
  // races with: the server drops it (socket destroyed, no byte), as a real one would at its timeout.
  const server = await countingServer((n, idle) => (n > 1 && idle >= cooldownMs - 5 ? 'drop' : 'answer'));
  try {
    const run = await runLoad(target(server.url), { stages: parseStages('2x2, 4x2, 4x2'), cooldownMs });
    expect(run.requests.filter((r) => !r.ok).map((r) => r.error)).toEqual([]);
    expect(run.stages.map((s) => s.retries)).toEqual([0, 0, 0]);
    expect(server.accepted).toBe(10);
  } finally {
    await server.close();
  }
});

test('a reused socket closed before any response byte: the request is sent once more on a new connection', async () => {
  // every second request of a socket is dropped
  const server = await countingServer((n) => (n === 2 ? 'drop' : 'answer'));
  try {
    const run = await runLoad(target(server.url), { stages: parseStages('3x3'), cooldownMs: 0 });
    expect(run.requests.every((r) => r.ok)).toBe(true);
    // per user: req 1 on socket A, req 2 dropped on A → sent on B, req 3 dropped on B → sent on C
    expect(run.stages[0]!.retries).toBe(6);
    expect(run.stages[0]!.connections).toBe(9);
    expect(server.accepted).toBe(9);
    expect(server.seen).toHaveLength(9 + 6);
    for (const r of run.requests) {
      expect(r.retried === true).toBe(r.iteration > 1);
      // a retried request opened a connection: measured, from the request's own t0
      if (r.retried) expect(r.connect!).toBeGreaterThan(0);
    }
  } finally {
    await server.close();
  }
});

test('a fresh connection closed before any byte is a failure, not retried', async () => {
  const server = await countingServer(() => 'drop');
  try {
    const run = await runLoad(target(server.url), { stages: parseStages('2x2'), cooldownMs: 0 });
    expect(run.requests.map((r) => r.category)).toEqual(['connection', 'connection', 'connection', 'connection']);
    expect(run.requests.some((r) => r.retried === true)).toBe(false);
    expect(server.seen).toHaveLength(4);
    expect(run.stages[0]!.retries).toBe(0);
  } finally {
    await server.close();
  }
});

test('a render that throws mid-loop fails the run with its error', async () => {
  const server = await countingServer();
  try {
    const t = target(server.url);
    const render = t.render;
    t.render = (c) => {
      if (c.iteration === 3) throw new Error('template broke');
      return render(c);
    };
    await expect(runLoad(t, { stages: parseStages('2x5'), cooldownMs: 0 })).rejects.toThrow('template broke');
  } finally {
    await server.close();
  }
});

test('a stage whose users take long to start reports its start spread and the requests it had on the wire', async () => {
  const server = await countingServer();
  try {
    const t = target(server.url);
    const render = t.render;
    // 40 first requests each rendered 15 ms slowly: the client needs at least 600 ms to start them all
    t.render = (c) => {
      if (c.iteration === 1) {
        const end = performance.now() + 15;
        while (performance.now() < end);
      }
      return render(c);
    };
    const run = await runLoad(t, { stages: parseStages('40x2'), cooldownMs: 0 });
    expect(run.requests.every((r) => r.ok)).toBe(true);
    const c = run.stages[0]!.concurrency!;
    // The last user's first request reached its socket only after the loop had started all 40.
    expect(c.startSpreadMs).toBeGreaterThanOrEqual(590);
    // Started in one loop, all 40 were handed to their sockets before any answer was read.
    expect(c.peak).toBe(40);
    expect(c.mean).toBeGreaterThan(0);
    expect(c.mean).toBeLessThanOrEqual(40);
    // The client was back to take connections only after its start loop, and saw none up before then.
    // The stage's start came before the first handover by user 1's 15 ms render (and whatever pause a
    // busy test machine put in between: 50 ms of margin).
    expect(c.startBusyMs).toBeGreaterThanOrEqual(c.startSpreadMs);
    const firsts = run.requests.filter((r) => r.iteration === 1);
    const first = Math.min(...firsts.map((r) => r.startedAt));
    for (const r of firsts) expect(r.startedAt + r.connect!).toBeGreaterThanOrEqual(first + c.startBusyMs! - 50);
    // So user 1's connect of 600 ms and more is this client's start, not a connection storm.
    expect(Math.max(...firsts.map((r) => r.connect!))).toBeGreaterThanOrEqual(550);
    expect(diagnose(run).filter((d) => d.kind === 'connect_storm')).toEqual([]);
  } finally {
    await server.close();
  }
});

// The engine stops reading a response (a page, not a stream; a timeout) by destroying its socket:
// the user's next request must wait for a socket of its own, never be written onto that one.
test.each([
  ['a page, not a stream', 'text/html', 'protocol'],
  ['a stream past its timeout', 'text/event-stream', 'timeout'],
])('a response the engine stops reading (%s) does not take the next request down with its socket', async (_what, type, category) => {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const requests: number[] = [];
  const server = createServer((req, res) => {
    requests.push(req.socket.remotePort ?? 0);
    res.writeHead(200, { 'content-type': type });
    res.write(type === 'text/html' ? '<html>' : ': open\n\n'); // and never ends
  });
  server.on('connection', (s: Socket) => {
    accepted++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const t = target(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    t.spec.timeoutMs = 300;
    const run = await runLoad(t, { stages: parseStages('1x3'), cooldownMs: 0 });
    expect(run.requests.map((r) => r.category)).toEqual([category, category, category]);
    expect(run.requests.some((r) => r.retried === true)).toBe(false);
    // three requests, each on a socket of its own: none was written behind an aborted one
    expect(requests).toHaveLength(3);
    expect(new Set(requests).size).toBe(3);
    expect(accepted).toBe(3);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }
});
