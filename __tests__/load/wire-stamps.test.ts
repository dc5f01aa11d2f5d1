// A request's times are taken at its socket. Its response's bytes are stamped with the moment they
// came off the socket (connection.ts), not the later moment undici's parser hands them over: what the
// client spends parsing is not the server's time. A response whose headers and first event come in
// one read has one arrival, so its TTFB and TTFC are the same number; stamped after parsing, the TTFC
// would be the later one. And a rate stage's request is late until it is written, not only until it
// is handed to undici, which may hold it a loop turn on a reused socket.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { gzipSync } from 'node:zlib';
import { UserConnection } from '../../src/core/load/connection.js';
import { withUserConnection } from '../helpers/user-connection.js';
import { getPreset } from '../../src/core/load/presets/index.js';
import { performRequest, sendRequest, type RequestSpec } from '../../src/core/load/request.js';
import { now } from '../../src/core/time/clock.js';
import type { RequestRecord } from '../../src/core/types.js';

const EVENTS = 'data: {"content":"a"}\n\ndata: {"content":"b"}\n\n';
const GZIPPED = gzipSync(EVENTS);

/** `/one`: headers and both events in one write; `/gzip`: the same, compressed; `/later`: headers now, the events 40 ms later. */
function answer(req: IncomingMessage, res: ServerResponse): void {
  const zip = req.url === '/gzip';
  res.writeHead(200, { 'content-type': 'text/event-stream', ...(zip ? { 'content-encoding': 'gzip' } : {}) });
  if (req.url === '/later') {
    res.flushHeaders();
    setTimeout(() => res.end(EVENTS), 40);
  } else res.end(zip ? GZIPPED : EVENTS);
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}

const spec = (origin: string, path: string): RequestSpec => ({ origin, path, method: 'GET', timeoutMs: 5_000, format: 'auto', preset: getPreset('generic') });

async function request(conn: UserConnection, origin: string, path: string, iteration = 1): Promise<RequestRecord> {
  return performRequest(conn, spec(origin, path), { headers: {}, body: null }, { stage: 0, user: 0, iteration });
}

// One plain server for the first two parts; the https part has its own.
let plain: Server;
let origin: string;
beforeAll(async () => {
  plain = createServer(answer);
  origin = `http://127.0.0.1:${await listen(plain)}`;
});
afterAll(() => close(plain));

describe('a response is stamped at its read', () => {
  test('headers and first event in one read: TTFC is TTFB, on a fresh socket and on the reused one', async () => {
    await withUserConnection(origin, async (conn) => {
      expect(conn.lastRead).toBe(-1);
      for (const iteration of [1, 2, 3]) {
        const r = await request(conn, origin, '/one', iteration);
        expect(r.ok).toBe(true);
        expect(r.events).toBe(2);
        expect(r.ttfc).toBe(r.ttfb);
        expect(r.ttfb!).toBeGreaterThan(0);
      }
      expect(conn.opened).toBe(1);
      expect(conn.lastRead).toBeGreaterThan(0);
    });
  });

  test('a compressed body: its decoded events carry the arrival of the compressed chunk', async () => {
    await withUserConnection(origin, async (conn) => {
      const r = await request(conn, origin, '/gzip');
      expect([r.ok, r.events, r.encoding]).toEqual([true, 2, 'gzip']);
      expect(r.ttfc).toBe(r.ttfb);
    });
  });

  test('events that come in a later read are stamped at that read, not at the headers', async () => {
    await withUserConnection(origin, async (conn) => {
      const r = await request(conn, origin, '/later');
      expect(r.ok).toBe(true);
      // A timer fires no earlier than its time (libuv's clock is whole milliseconds: 1 ms of slack).
      expect(r.ttfc! - r.ttfb!).toBeGreaterThanOrEqual(39);
    });
  });
});

describe("a rate stage's lateness", () => {
  /** Sends a request due now, then keeps the thread busy for `busyMs` before the loop may turn. */
  function due(conn: UserConnection, busyMs: number): Promise<RequestRecord> {
    return new Promise((resolve) => {
      sendRequest(conn, spec(origin, '/one'), { headers: {}, body: null }, { stage: 0, user: 1, iteration: 1 }, resolve, now());
      const until = now() + busyMs;
      while (now() < until); // the client busy with something else, as a loaded runner is
    });
  }

  test('on a reused socket it counts until the request is written: a loop held after the handover is in it', async () => {
    await withUserConnection(origin, async (conn) => {
      expect((await request(conn, origin, '/one')).ok).toBe(true); // the socket is now idle, and used
      const r = await due(conn, 30);
      expect([r.ok, r.connect]).toEqual([true, 0]);
      expect(r.lateness!).toBeGreaterThanOrEqual(30);
      expect(r.ttfb!).toBeGreaterThanOrEqual(r.lateness!);
    });
  });

  test('on a new socket it ends at the handover: the wait for the connection is the connect', async () => {
    await withUserConnection(origin, async (conn) => {
      const r = await due(conn, 30);
      expect(r.ok).toBe(true);
      expect(r.lateness!).toBeLessThan(30);
      expect(r.connect!).toBeGreaterThanOrEqual(30);
    });
  });
});

describe('an https preview', () => {
  const dir = new URL('./fixtures/', import.meta.url);
  const cert = readFileSync(new URL('test-only-tls.crt', dir), 'utf8');
  let server: Server;
  let secure: string;
  beforeAll(async () => {
    server = createTlsServer({ key: readFileSync(new URL('test-only-tls.key', dir)), cert }, answer);
    secure = `https://127.0.0.1:${await listen(server)}`;
  });
  afterAll(() => close(server));

  test('a certificate it cannot verify fails the request as a connection failure that names it', async () => {
    await withUserConnection(secure, async (conn) => {
      const r = await request(conn, secure, '/one');
      expect([r.ok, r.category]).toEqual([false, 'connection']);
      expect(r.error).toMatch(/certificate/i);
    });
  });

  // Trusting the self-signed fixture the way a runner trusts its own CA needs tls.setDefaultCACertificates
  // (Node 22.15 and later: the versions the project targets and CI runs).
  const trusted = typeof tls.setDefaultCACertificates === 'function' ? test : test.skip;
  trusted("its decrypted reads are stamped as a plain socket's are, the socket reused", async () => {
    const before = tls.getCACertificates('default');
    tls.setDefaultCACertificates([...before, cert]);
    const conn = new UserConnection(secure, 5_000);
    try {
      for (const iteration of [1, 2]) {
        const r = await request(conn, secure, '/one', iteration);
        expect([r.ok, r.events, r.error]).toEqual([true, 2, null]);
        expect(r.ttfc).toBe(r.ttfb);
      }
      expect(conn.opened).toBe(1);
    } finally {
      await conn.close();
      tls.setDefaultCACertificates(before);
    }
  });
});
