// The bench's server: the demo's async SSE answer (`GET /chat?delay=&events=&interval=`: headers at
// once, the first event `delay` ms after arrival, then one every `interval` ms), which also records,
// per request, the connection it came on and the hrtime of its arrival, its first event write and
// the end of its response. Those are the truth every figure of `npm run bench` is taken from: start
// spread, requests in flight, delivery lag, the last response before a process exits.
// usage: node lib/bench/server.js (prints "listening <url>"; GET /__timeline, DELETE /__timeline clears)
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** One request as the server saw it: [id, connection, arrival, first write, end] (hrtime ns as strings; 0 = never). */
export type ServerRequest = [id: string, conn: number, arrival: string, firstWrite: string, end: string];
export interface ServerTimeline {
  /** connections accepted since the last DELETE, the GET's own included */
  connections: number;
  requests: ServerRequest[];
}

interface Rec {
  id: string;
  conn: number;
  arrival: bigint;
  write: bigint;
  end: bigint;
}

const HEADERS = { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' };
const event = (i: number): string => `data: {"id":${i},"content":"token ${i} "}\n\n`;
const num = (q: URLSearchParams, k: string, d: number): number => {
  const v = Number(q.get(k) ?? d);
  return Number.isFinite(v) && v >= 0 ? v : d;
};

let recs: Rec[] = [];
let connections = 0;
let untagged = 0;
const connOf = new WeakMap<Socket, number>();

function stream(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, rec: Rec): void {
  const delay = num(q, 'delay', 50);
  const events = Math.max(1, num(q, 'events', 5));
  const interval = num(q, 'interval', 10);
  res.writeHead(200, HEADERS);
  let sent = 0;
  const next = (): void => {
    if (res.destroyed) return;
    if (sent === 0) rec.write = process.hrtime.bigint();
    res.write(event(++sent));
    if (interval === 0) while (sent < events) res.write(event(++sent));
    if (sent >= events) res.end();
    else setTimeout(next, interval);
  };
  if (delay === 0) next();
  else {
    res.flushHeaders();
    setTimeout(next, delay);
  }
}

const server = http.createServer((req, res) => {
  const arrival = process.hrtime.bigint();
  req.resume();
  const [path = '', query = ''] = (req.url ?? '/').split('?', 2);
  if (path === '/__timeline') {
    if (req.method === 'DELETE') {
      recs = [];
      connections = 0;
      res.writeHead(204).end();
      return;
    }
    const requests: ServerRequest[] = recs.map((r) => [r.id, r.conn, String(r.arrival), String(r.write), String(r.end)]);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ connections, requests } satisfies ServerTimeline));
    return;
  }
  const hid = req.headers['x-request-id'];
  const rec: Rec = { id: typeof hid === 'string' ? hid : `untagged-${++untagged}`, conn: connOf.get(req.socket) ?? 0, arrival, write: 0n, end: 0n };
  recs.push(rec);
  // 'finish': the last byte handed to the kernel, the server's end of the response.
  res.once('finish', () => (rec.end = process.hrtime.bigint()));
  if (path !== '/chat') {
    res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":"not found"}');
    return;
  }
  stream(req, res, new URLSearchParams(query), rec);
});
server.keepAliveTimeout = 65_000;
server.headersTimeout = 70_000;
server.requestTimeout = 0;
server.on('connection', (s: Socket) => connOf.set(s, ++connections));
server.listen({ port: 0, host: '127.0.0.1', backlog: 8192 }, () => {
  const a = server.address();
  if (a === null || typeof a === 'string') throw new Error('bench server: no port');
  process.stdout.write(`listening http://127.0.0.1:${a.port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
