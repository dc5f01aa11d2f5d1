// An HTTP server that misbehaves on command or on a schedule, on node:net so that every fault is
// exactly what the wire shows: refused (port closed), resets, exits and restarts on the same port,
// silence, streams that never end or trickle, Connection: close, HTTP/1.0, broken chunked encoding.
// Healthy answers are a short SSE stream (3 events). Requests are read by a minimal HTTP/1.1 parser
// (head, then Content-Length bytes); anything else (a TLS handshake) gets a 400 and a close, as
// node:http answers it.
import { createServer, type Server, type Socket } from 'node:net';

/** What the server does to a request (per-request faults) or to itself (listener faults). */
export const REQUEST_FAULTS = ['reset-before-headers', 'reset-mid-stream', 'silence', 'never-ends', 'slow', 'close', 'http10', 'bad-chunked'] as const;
export const LISTENER_FAULTS = ['refuse', 'exit', 'restart'] as const;
export type RequestFault = (typeof REQUEST_FAULTS)[number];
export type ListenerFault = (typeof LISTENER_FAULTS)[number];
export type Fault = RequestFault | ListenerFault | 'ok';

/**
 * One step of a schedule: from the moment `after` requests have arrived (`on: 'request'`, the
 * default) or been answered in full (`on: 'answer'`), the server does `fault` — to the next `count`
 * requests (default: all later ones) for a request fault; once for a listener fault (`restart`
 * comes back after `downMs`).
 */
export interface Step {
  fault: Fault;
  after: number;
  on?: 'request' | 'answer';
  count?: number;
  downMs?: number;
}

export interface ChaosServer {
  readonly url: string;
  readonly port: number;
  /** Requests read so far, answered in full so far, connections accepted. */
  readonly stats: { requests: number; answered: number; accepted: number };
  /** Whether the listener is up. */
  readonly listening: boolean;
  /** Adds a step to the schedule (a step whose moment has passed starts now). */
  schedule(step: Step): void;
  /** Every socket and timer gone, the listener closed. */
  close(): Promise<void>;
}

/** Requests to this path are health probes (see accept). */
export const HEALTH_PATH = '/health';
const EVENTS = ['data: {"n":1}\n\n', 'data: {"n":2}\n\n', 'data: {"n":3}\n\n'];
const BODY = EVENTS.join('');
const EVENT_GAP_MS = 5;

interface Active {
  step: Step;
  left: number;
}

/** Starts a chaos server on 127.0.0.1 (ephemeral port); `steps` form its schedule. */
export async function chaosServer(steps: Step[] = []): Promise<ChaosServer> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const pending: Step[] = [];
  let active: Active | null = null;
  let server: Server | null = null;
  let port = 0;
  let closed = false;
  const stats = { requests: 0, answered: 0, accepted: 0 };

  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const listen = async (): Promise<void> => {
    if (closed || server) return;
    const s = createServer((sock) => accept(sock));
    server = s;
    await new Promise<void>((resolve, reject) => s.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
    port = (s.address() as { port: number }).port;
  };
  const goDown = (): void => {
    const s = server;
    server = null;
    s?.close();
    for (const sock of sockets) sock.destroy();
  };
  const listenerFault = (step: Step): void => {
    if (step.fault === 'restart') {
      goDown();
      // downMs 0: back in the same turn (the port is never refused), only the connections are gone
      if (step.downMs === 0) void listen().catch(() => undefined);
      else later(step.downMs ?? 100, () => void listen().catch(() => undefined));
    } else goDown(); // refuse, exit: down for good
  };
  /** Starts the steps whose moment has come; returns the fault for the request being read (if any). */
  const advance = (): void => {
    for (let i = 0; i < pending.length;) {
      const step = pending[i]!;
      const count = step.on === 'answer' ? stats.answered : stats.requests;
      if (count < step.after) {
        i++;
        continue;
      }
      pending.splice(i, 1);
      if ((LISTENER_FAULTS as readonly string[]).includes(step.fault)) listenerFault(step);
      else active = { step, left: step.count ?? Infinity };
    }
  };
  const currentFault = (): Fault => {
    advance();
    return active === null || active.left <= 0 ? 'ok' : active.step.fault;
  };
  const faultFor = (): Fault => {
    advance();
    if (active === null || active.left <= 0) return 'ok';
    active.left--;
    return active.step.fault;
  };

  const accept = (sock: Socket): void => {
    stats.accepted++;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    let busy = false; // answering: later requests of the socket wait (HTTP/1.1 answers in order)
    const next = (): void => {
      if (busy || sock.destroyed) return;
      const req = readRequest(buf);
      if (req === null) return;
      if (req === 'bad') {
        sock.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      buf = buf.subarray(req.length);
      // A health probe meets the server as it is, but neither counts for the schedule nor uses up a fault.
      const probe = req.path === HEALTH_PATH;
      if (!probe) stats.requests++;
      busy = true;
      answer(sock, probe ? currentFault() : faultFor(), () => {
        busy = false;
        if (!probe) stats.answered++;
        advance();
        next();
      });
    };
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      next();
    });
  };

  /**
   * Writes `parts` EVENT_GAP_MS apart, then `done` as the last one is written (nothing more when the
   * socket is gone). Not a gap later: a client that closes its socket as soon as it has read the
   * answer (a stage's end) would otherwise leave the answer uncounted, and a step `on: 'answer'` late.
   */
  const trickle = (sock: Socket, parts: string[], gapMs: number, done: () => void): void => {
    const [first, ...rest] = parts;
    if (sock.destroyed) return;
    if (first === undefined) return done();
    sock.write(first);
    if (rest.length === 0) return done();
    later(gapMs, () => trickle(sock, rest, gapMs, done));
  };
  const chunked = (s: string): string => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;
  const SSE = 'Content-Type: text/event-stream\r\nCache-Control: no-cache';

  const answer = (sock: Socket, fault: Fault, done: () => void): void => {
    switch (fault) {
      case 'reset-before-headers':
        return void sock.resetAndDestroy();
      case 'reset-mid-stream':
        sock.write(`HTTP/1.1 200 OK\r\n${SSE}\r\nTransfer-Encoding: chunked\r\n\r\n${chunked(EVENTS[0]!)}`);
        return later(EVENT_GAP_MS, () => void (sock.destroyed || sock.resetAndDestroy()));
      case 'silence':
        return; // read, never answered
      case 'never-ends':
        return void sock.write(`HTTP/1.1 200 OK\r\n${SSE}\r\nTransfer-Encoding: chunked\r\n\r\n${chunked(EVENTS[0]!)}`);
      case 'slow':
        return trickle(sock, [...`HTTP/1.1 200 OK\r\n${SSE}\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`], 1000, done);
      case 'close':
        return trickle(sock, [`HTTP/1.1 200 OK\r\n${SSE}\r\nConnection: close\r\n\r\n`, ...EVENTS], EVENT_GAP_MS, () => {
          sock.end();
          done();
        });
      case 'http10':
        return trickle(sock, [`HTTP/1.0 200 OK\r\n${SSE}\r\n\r\n`, ...EVENTS], EVENT_GAP_MS, () => {
          sock.end();
          done();
        });
      case 'bad-chunked':
        return trickle(sock, [`HTTP/1.1 200 OK\r\n${SSE}\r\nTransfer-Encoding: chunked\r\n\r\n`, chunked(EVENTS[0]!), 'zz\r\nnot a chunk\r\n'], EVENT_GAP_MS, done);
      default:
        return trickle(sock, [`HTTP/1.1 200 OK\r\n${SSE}\r\nTransfer-Encoding: chunked\r\n\r\n`, ...EVENTS.map(chunked), '0\r\n\r\n'], EVENT_GAP_MS, done);
    }
  };

  pending.push(...steps);
  // A schedule that starts refused never listens: the port is bound once (so it is ours), then closed.
  await listen();
  advance();
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    stats,
    get listening() {
      return server !== null;
    },
    schedule(step) {
      pending.push(step);
      advance();
    },
    close: async () => {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const s = server;
      server = null;
      for (const sock of sockets) sock.destroy();
      if (s) await new Promise<void>((r) => s.close(() => r()));
    },
  };
}

/** A request at the head of `buf`: its length in bytes and path; null when incomplete; 'bad' when not HTTP. */
function readRequest(buf: Buffer): { length: number; path: string } | null | 'bad' {
  if (buf.length > 0 && !/^[A-Z]/.test(String.fromCharCode(buf[0]!))) return 'bad';
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return buf.length > 64 * 1024 ? 'bad' : null;
  const head = buf.subarray(0, end).toString('latin1');
  const line = /^[A-Z]+ (\S+) HTTP\/1\.[01]\r\n/.exec(`${head}\r\n`);
  if (!line) return 'bad';
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  const length = end + 4 + (m ? Number(m[1]) : 0);
  return buf.length >= length ? { length, path: line[1]!.split('?')[0]! } : null;
}
