// A stage's users start together, as a bare node:http client starts them: every socket is opening
// before any response is read, so with answers slower than the start the server meets all of them at
// once, and the stage reports the concurrency its client achieved (peak and mean requests on the wire,
// the start spread). The old engine started 32 users a turn: at 200 users the first requests were
// answered before the last user started, and nothing said so.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parseStages } from '../../src/core/config/stages.js';
import { diagnose } from '../../src/core/analysis/diagnose/index.js';
import { getPreset } from '../../src/core/load/presets/index.js';
import { runLoad, type LoadTarget } from '../../src/core/run/run-load.js';

const HOLD_MS = 1200;

async function slowServer(): Promise<{ server: Server; url: string; arrived: () => number; peak: () => number; close(): Promise<void> }> {
  let arrived = 0;
  let open = 0;
  let peak = 0;
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    arrived++;
    peak = Math.max(peak, ++open);
    res.on('close', () => open--);
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: hi\n\n');
    }, HOLD_MS);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', 1024, r));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrived: () => arrived,
    peak: () => peak,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

test('at 200 users with answers of 1.2 s, all 200 are on the wire at once, and the stage says so', async () => {
  const srv = await slowServer();
  let arrivedBeforeLast = -1;
  try {
    const target: LoadTarget = {
      spec: { origin: srv.url, path: '/sse', method: 'GET', timeoutMs: 20_000, format: 'auto', preset: getPreset('generic') },
      render: (c) => {
        if (c.user === 200 && c.iteration === 1) arrivedBeforeLast = srv.arrived();
        return { headers: {}, body: null };
      },
    };
    const run = await runLoad(target, { stages: parseStages('200x1'), cooldownMs: 0 });
    expect(run.requests.filter((r) => r.ok)).toHaveLength(200);
    // Started in one loop: no request reached the server before the last user was started.
    expect(arrivedBeforeLast).toBe(0);
    expect(srv.peak()).toBe(200);
    const c = run.stages[0]!.concurrency!;
    expect(c.peak).toBe(200);
    // The 200 requests overlap for most of the stage (each lasts 1.2 s; the stage a little more).
    expect(c.mean).toBeGreaterThan(100);
    expect(c.mean).toBeLessThanOrEqual(200);
    expect(c.startSpreadMs).toBeGreaterThanOrEqual(0);
    expect(c.startSpreadMs).toBeLessThan(HOLD_MS);
    expect(diagnose(run).filter((d) => d.kind === 'client_limit')).toEqual([]);
  } finally {
    await srv.close();
  }
});
