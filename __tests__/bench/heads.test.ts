// The bench's probe of when each request's head goes to the kernel, in every client's own write
// path: node:http (its writev of a corked head), undici (one latin1 write) and a raw socket (a
// Buffer), on sockets reused and on sockets still connecting when the request was written.
import { afterEach, beforeAll, afterAll, describe, expect, test } from '@jest/globals';
import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { Client } from 'undici';
import { requestIds, watchHeads } from '../../bench/heads.js';
import { listen, type TestServer } from '../helpers/servers/http.js';

/** Request id → performance.now() as the server read it. */
const arrived = new Map<string, number>();
let server: TestServer;
let origin = '';

beforeAll(async () => {
  server = await listen((req, res) => {
    arrived.set(String(req.headers['x-request-id']), performance.now());
    res.end('data: x\n\n');
  });
  origin = server.url;
});
afterAll(() => server.close());

let undo: (() => void) | null = null;
afterEach(() => {
  undo?.();
  undo = null;
  arrived.clear();
});

describe('requestIds', () => {
  test('a string head, a Buffer head and writev chunks; case and spacing of the header name', () => {
    expect(requestIds(false, 'GET / HTTP/1.1\r\nhost: a\r\nx-request-id: 3-7\r\n\r\n')).toEqual(['3-7']);
    expect(requestIds(false, Buffer.from('GET / HTTP/1.1\r\nX-Request-Id:ac-12\r\n\r\n'))).toEqual(['ac-12']);
    expect(requestIds(true, [{ chunk: 'GET / HTTP/1.1\r\nx-request-id: a\r\n\r\n', encoding: 'latin1' }, { chunk: Buffer.from('{}') }])).toEqual(['a']);
    expect(requestIds(false, Buffer.from('data only'))).toEqual([]);
    expect(requestIds(false, undefined)).toEqual([]);
  });
});

describe('watchHeads', () => {
  test('node:http on a keep-alive socket: each head between its issue and the server reading it', async () => {
    const sent = new Map<string, number>();
    undo = watchHeads(sent);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const issued = new Map<string, number>();
    for (const id of ['h-1', 'h-2', 'h-3']) {
      issued.set(id, performance.now());
      await new Promise<void>((resolve, reject) => {
        http.get(`${origin}/`, { agent, headers: { 'x-request-id': id } }, (res) => res.resume().on('end', resolve)).on('error', reject);
      });
    }
    agent.destroy();
    for (const id of issued.keys()) {
      expect(sent.get(id)).toBeGreaterThanOrEqual(issued.get(id)!);
      expect(sent.get(id)).toBeLessThanOrEqual(arrived.get(id)!);
    }
  });

  test("undici, its first request written while the socket connects: the head's moment is the connect's, not the write call's", async () => {
    const sent = new Map<string, number>();
    undo = watchHeads(sent);
    let connected = -1;
    const client = new Client(origin, {
      connect: (opts, cb) => {
        const s = net.connect({ host: opts.hostname, port: Number(opts.port) });
        s.once('connect', () => (connected = performance.now()));
        // Handed over while connecting, as the engine's connector does (a microtask later: undici is inside its resume).
        queueMicrotask(() => cb(null, s));
        return s;
      },
    });
    const before = performance.now();
    for (const id of ['u-1', 'u-2']) await (await client.request({ path: '/', method: 'GET', headers: { 'x-request-id': id } })).body.text();
    await client.close();
    expect(connected).toBeGreaterThan(before);
    expect(sent.get('u-1')).toBeGreaterThanOrEqual(connected);
    expect(sent.get('u-1')).toBeLessThanOrEqual(arrived.get('u-1')!);
    expect(sent.get('u-2')).toBeGreaterThan(arrived.get('u-1')!);
    expect(sent.get('u-2')).toBeLessThanOrEqual(arrived.get('u-2')!);
  });

  test('a raw socket writing a Buffer head; nothing is recorded once undone', async () => {
    const sent = new Map<string, number>();
    undo = watchHeads(sent);
    const raw = (id: string): Promise<void> =>
      new Promise((resolve, reject) => {
        const s = net.connect(Number(new URL(origin).port), '127.0.0.1');
        s.write(Buffer.from(`GET / HTTP/1.1\r\nhost: x\r\nx-request-id: ${id}\r\nconnection: close\r\n\r\n`));
        s.resume().on('end', resolve).on('error', reject);
      });
    await raw('r-1');
    undo();
    undo = null;
    await raw('r-2');
    expect(sent.get('r-1')).toBeLessThanOrEqual(arrived.get('r-1')!);
    expect(sent.has('r-2')).toBe(false);
    expect(arrived.has('r-2')).toBe(true);
  });
});
