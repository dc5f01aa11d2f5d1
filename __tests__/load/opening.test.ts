// A user's request is handed to its new socket as the connection starts, not once it is up: undici's
// setup of the socket and the request head are done as the stage starts its users (as node:http
// does), and Node sends the request the moment the connection is up (connection.ts). The connect is
// still measured, and a connect that fails or hangs still fails the request, once.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { UserConnection } from '../../src/core/load/connection.js';
import { withUserConnection } from '../helpers/user-connection.js';
import { getPreset } from '../../src/core/load/presets/index.js';
import { sendRequest, type RequestSpec } from '../../src/core/load/request.js';
import { now } from '../../src/core/time/clock.js';
import type { RequestRecord } from '../../src/core/types.js';

const spec = (origin: string, timeoutMs = 5_000): RequestSpec => ({ origin, path: '/', method: 'GET', timeoutMs, format: 'auto', preset: getPreset('generic') });

/** One request on `conn`; `onWire` runs when it is handed to its socket. */
function send(conn: UserConnection, origin: string, onWire: () => void, timeoutMs?: number): Promise<RequestRecord> {
  return new Promise((resolve) =>
    sendRequest(conn, spec(origin, timeoutMs), { headers: {}, body: null }, { stage: 1, user: 1, iteration: 1 }, resolve, undefined, { onWire, onOff: () => undefined }),
  );
}

test('the first request is handed to its socket before the socket has connected; its connect is measured once it has', async () => {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end('data: {"content":"a"}\n\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await withUserConnection(origin, async (conn) => {
      const t0 = now();
      let atHandover: number | null | undefined;
      const rec = await send(conn, origin, () => (atHandover = conn.connectedSince(t0)));
      // Handed over while still connecting: no connect had completed since the request started.
      expect(atHandover).toBeNull();
      expect(rec.ok).toBe(true);
      expect(rec.connect).not.toBeNull();
      expect(rec.connect!).toBeGreaterThanOrEqual(0);
      expect(rec.connect!).toBeLessThanOrEqual(rec.ttfb!);
      expect(conn.opened).toBe(1);
      // The next request rides on the socket: handed to it connected, connect 0.
      let again: number | null | undefined;
      const next = await send(conn, origin, () => (again = conn.connectedSince(t0)));
      expect(again).not.toBeNull();
      expect(next.ok).toBe(true);
      expect(next.connect).toBe(0);
      expect(conn.opened).toBe(1);
    });
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test('a refused connect fails the request it was handed, as a connection failure with no connect time and no socket opened', async () => {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise((r) => probe.close(r));
  await withUserConnection(origin, async (conn) => {
    let wired = 0;
    const rec = await send(conn, origin, () => wired++);
    expect(wired).toBe(1);
    expect(rec.category).toBe('connection');
    expect(rec.error).toMatch(/ECONNREFUSED/);
    expect(rec.connect).toBeNull();
    expect(conn.opened).toBe(0);
  });
});

/** A listener (its own process) that never accepts, its accept queue already full: a connect to it hangs. */
async function fullListener(): Promise<{ origin: string; stop(): void }> {
  const py = 'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)\n';
  const child: ChildProcess = spawn('python3', ['-c', py], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.setEncoding('utf8').once('data', (d: string) => resolve(Number(d.trim())));
  });
  // Fill the queue: these complete their handshakes and wait there, never accepted.
  const fillers = await Promise.all(
    [1, 2].map(
      () =>
        new Promise<net.Socket>((resolve) => {
          const s = net.connect(port, '127.0.0.1');
          s.on('error', () => undefined);
          s.once('connect', () => resolve(s));
          setTimeout(() => resolve(s), 300); // the second may itself wait: the queue is full either way
        }),
    ),
  );
  return {
    origin: `http://127.0.0.1:${port}`,
    stop: () => {
      for (const s of fillers) s.destroy();
      child.kill('SIGKILL');
    },
  };
}

test('a connect that hangs (the accept queue full) ends the request it was handed as a timeout, once', async () => {
  const listener = await fullListener();
  try {
    await withUserConnection(listener.origin, async (conn) => {
      let wired = 0;
      const rec = await send(conn, listener.origin, () => wired++, 500);
      expect(wired).toBe(1);
      expect(rec.category).toBe('timeout');
      expect(rec.connect).toBeNull();
      expect(rec.ttfb).toBeNull();
      expect(conn.opened).toBe(0);
    });
  } finally {
    listener.stop();
  }
});
