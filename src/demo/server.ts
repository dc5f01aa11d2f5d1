/**
 * Demo streaming chat server used by the demo, the tests and the benchmark.
 *
 * Behaviour is selected per request by query parameters (see docs/cli.md / DESIGN):
 *   mode=async|blocking|status|reset|hang|malformed|empty|buffered|pool|leak
 *   delay (ms, 200)  events (5)  interval (ms, 20)  format=sse|ndjson|raw|openai
 *   format=openai: OpenAI chat completion chunks, one token an event, then finish_reason and
 *   [DONE] with the last one; usage=end (default: a usage chunk at the end), chunk (usage with
 *   every chunk, as vLLM's continuous_usage_stats) or none; reasoning=N (the first N tokens are
 *   reasoning_content)
 *   code (status mode, 503)  workers (pool mode, 4)  id (record mode)
 *   leak (leak mode: KiB retained per request and never freed, 1024)
 * A server started with `extraDelayMs` (`--extra-delay MS`) adds that much to every delay.
 *
 * With `log` (`--log FILE`) it writes an application log: an INFO line per request, and for a
 * failed one (status mode with a 4xx/5xx, reset, malformed) an ERROR line and a traceback.
 *
 * Only `node:` builtins. Built to drive thousands of concurrent streams: one state
 * object per request, module-level timer callbacks, no per-request logging.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer, IncomingMessage, ServerResponse, type OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

export interface DemoServerOptions {
  /** TCP port; 0 (default) picks an ephemeral one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /**
   * Record the hrtime of each `id=`-tagged request's first event write (GET/DELETE /__writes) and,
   * for the benchmark, its arrival and the connections accepted (GET/DELETE /__timeline).
   */
  record?: boolean;
  /** Added to every request's `delay` (ms): a second server that is slower to its first event by a fixed amount (A/B tests). */
  extraDelayMs?: number;
  /** Append an application log to this file (INFO per request; ERROR and a traceback per failure). */
  log?: string;
}

export interface DemoServer {
  /** e.g. `http://127.0.0.1:40123` (no trailing slash). */
  url: string;
  port: number;
  /** Stops listening and destroys every open socket (also hanging streams). */
  close(): Promise<void>;
}

type Mode = 'async' | 'blocking' | 'status' | 'reset' | 'hang' | 'malformed' | 'empty' | 'buffered' | 'pool' | 'leak';
type Format = 'sse' | 'ndjson' | 'raw' | 'openai';
type Usage = 'end' | 'chunk' | 'none';

const MODES: ReadonlySet<string> = new Set<Mode>(['async', 'blocking', 'status', 'reset', 'hang', 'malformed', 'empty', 'buffered', 'pool', 'leak']);
/** Largest leak per request (KiB): 64 MiB. */
const MAX_LEAK_KIB = 65_536;
const FORMATS: ReadonlySet<string> = new Set<Format>(['sse', 'ndjson', 'raw', 'openai']);
const USAGES: ReadonlySet<string> = new Set<Usage>(['end', 'chunk', 'none']);

/** Largest delay a node timer honours (larger values are clamped to 1 ms by node). */
const MAX_MS = 2_147_483_647;
const MAX_EVENTS = 1_000_000;
const MAX_WORKERS = 1_000_000;
/** Gap between the last byte and the socket destroy in reset / malformed mode. */
const KILL_AFTER_MS = 10;

const STREAM_HEADERS: Record<Format, OutgoingHttpHeaders> = {
  sse: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' },
  openai: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' },
  ndjson: { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-cache' },
  raw: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' },
};
const JSON_HEADERS: OutgoingHttpHeaders = { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' };
const TEXT_HEADERS: OutgoingHttpHeaders = { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' };

/** A chunked response whose chunk-size line is not hex: a protocol error for any HTTP client. */
const MALFORMED_RESPONSE =
  'HTTP/1.1 200 OK\r\n' +
  'Content-Type: text/event-stream\r\n' +
  'Cache-Control: no-cache\r\n' +
  'Transfer-Encoding: chunked\r\n' +
  '\r\n' +
  'zz\r\ndata: {"id":1,"content":"token 1 "}\n\n\r\n';

/** An OpenAI chunk of token i: content (or reasoning), usage as asked, the end (finish, usage, [DONE]) with the last one. */
function openAiChunk(i: number, p: Params): string {
  const usage = (n: number): string => `{"prompt_tokens":8,"completion_tokens":${n},"total_tokens":${8 + n}}`;
  const delta = i <= p.reasoning ? `{"reasoning_content":"think ${i} "}` : `{"content":"token ${i} "}`;
  let out = `data: {"id":"chatcmpl-demo","object":"chat.completion.chunk","choices":[{"index":0,"delta":${delta},"finish_reason":null}]${p.usage === 'chunk' ? `,"usage":${usage(i)}` : ''}}\n\n`;
  if (i === p.events) {
    out += `data: {"id":"chatcmpl-demo","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]${p.usage === 'chunk' ? `,"usage":${usage(i)}` : ''}}\n\n`;
    if (p.usage === 'end') out += `data: {"id":"chatcmpl-demo","object":"chat.completion.chunk","choices":[],"usage":${usage(i)}}\n\n`;
    out += 'data: [DONE]\n\n';
  }
  return out;
}

function payload(format: Format, i: number, p: Params): string {
  switch (format) {
    case 'openai':
      return openAiChunk(i, p);
    case 'sse':
      return `data: {"id":${i},"content":"token ${i} "}\n\n`;
    case 'ndjson':
      return `{"id":${i},"content":"token ${i} "}\n`;
    case 'raw':
      return `token ${i} `;
  }
}

interface Params {
  mode: Mode;
  format: Format;
  delay: number;
  events: number;
  interval: number;
  code: number;
  workers: number;
  id: string | undefined;
  leak: number;
  usage: Usage;
  reasoning: number;
}

const DEFAULTS: Readonly<Params> = {
  mode: 'async',
  format: 'sse',
  delay: 200,
  events: 5,
  interval: 20,
  code: 503,
  workers: 4,
  id: undefined,
  leak: 1024,
  usage: 'end',
  reasoning: 0,
};

/** A bounded "worker pool": at most `limit` requests in their delay phase at once. */
interface Pool {
  limit: number;
  active: number;
  queue: (Stream | undefined)[];
  head: number;
}

interface Ctx {
  writes: Map<string, bigint> | undefined;
  extraDelayMs: number;
  /** Record mode: hrtime of each tagged request's arrival (its handler ran). */
  arrivals: Map<string, bigint> | undefined;
  /** Record mode: connections accepted since the last DELETE /__timeline. */
  connections: number;
  pools: Map<number, Pool>;
  /** Leak mode: what every request left behind (never freed while the server runs). */
  leaked: Buffer[];
  log: WriteStream | undefined;
}

interface Stream {
  ctx: Ctx;
  res: DemoResponse;
  socket: Socket;
  p: Params;
  /** Events written so far. */
  sent: number;
  /** When the request arrived (performance.now()): openai tokens keep to delay + k × interval from it, without drift. */
  start: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** The response closed (finished or client gone): no more timers, no more writes. */
  closed: boolean;
  pool: Pool | undefined;
  /** Holds a pool slot (pool mode, during the delay phase). */
  holding: boolean;
}

class DemoResponse extends ServerResponse<IncomingMessage> {
  st: Stream | undefined;
}

// ---------------------------------------------------------------------------
// parameters

const INT_RE = /^\d+$/;
const NUM_RE = /^\d+(?:\.\d+)?$/;

function parseParams(query: string, record: boolean): Params | string {
  const p: Params = { ...DEFAULTS };
  if (query === '') return p;
  const q = new URLSearchParams(query);
  const mode = q.get('mode');
  if (mode !== null) {
    if (!MODES.has(mode)) return `unknown mode "${mode}"`;
    p.mode = mode as Mode;
  }
  const format = q.get('format');
  if (format !== null) {
    if (!FORMATS.has(format)) return `unknown format "${format}"`;
    p.format = format as Format;
  }
  let v = q.get('delay');
  if (v !== null) {
    if (!NUM_RE.test(v) || Number(v) > MAX_MS) return `invalid delay "${v}" (milliseconds, 0..${MAX_MS})`;
    p.delay = Number(v);
  }
  v = q.get('interval');
  if (v !== null) {
    if (!NUM_RE.test(v) || Number(v) > MAX_MS) return `invalid interval "${v}" (milliseconds, 0..${MAX_MS})`;
    p.interval = Number(v);
  }
  v = q.get('events');
  if (v !== null) {
    if (!INT_RE.test(v) || Number(v) > MAX_EVENTS) return `invalid events "${v}" (integer, 0..${MAX_EVENTS})`;
    p.events = Number(v);
  }
  v = q.get('code');
  if (v !== null) {
    const n = Number(v);
    if (!INT_RE.test(v) || n < 200 || n > 599) return `invalid code "${v}" (integer, 200..599)`;
    p.code = n;
  }
  v = q.get('workers');
  if (v !== null) {
    const n = Number(v);
    if (!INT_RE.test(v) || n < 1 || n > MAX_WORKERS) return `invalid workers "${v}" (integer, 1..${MAX_WORKERS})`;
    p.workers = n;
  }
  v = q.get('usage');
  if (v !== null) {
    if (!USAGES.has(v)) return `unknown usage "${v}" (end, chunk or none)`;
    p.usage = v as Usage;
  }
  v = q.get('reasoning');
  if (v !== null) {
    if (!INT_RE.test(v) || Number(v) > MAX_EVENTS) return `invalid reasoning "${v}" (integer, 0..${MAX_EVENTS})`;
    p.reasoning = Number(v);
  }
  v = q.get('leak');
  if (v !== null) {
    if (!INT_RE.test(v) || Number(v) > MAX_LEAK_KIB) return `invalid leak "${v}" (KiB, 0..${MAX_LEAK_KIB})`;
    p.leak = Number(v);
  }
  if (record) {
    const id = q.get('id');
    if (id !== null) p.id = id;
  }
  return p;
}

// ---------------------------------------------------------------------------
// application log (--log FILE)

function stamp(): string {
  return new Date().toISOString().replace('T', ' ').replace('Z', '');
}

function appLog(ctx: Ctx, level: string, message: string): void {
  ctx.log?.write(`${stamp()} ${level} demo: ${message}\n`);
}

/** A failed request as a Python service logs it: an ERROR line and the traceback. */
function logFailure(ctx: Ctx, type: string, message: string): void {
  if (!ctx.log) return;
  appLog(ctx, 'ERROR', `request failed: ${message}`);
  ctx.log.write(
    'Traceback (most recent call last):\n' + '  File "/app/api/chat.py", line 42, in completion\n' + '    answer = await pipeline.run(question)\n' + `${type}: ${message}\n`,
  );
}

// ---------------------------------------------------------------------------
// stream state machine (module-level callbacks; the state travels as timer argument)

function onResponseClose(this: DemoResponse): void {
  const st = this.st;
  if (st === undefined || st.closed) return;
  st.closed = true;
  if (st.timer !== undefined) {
    clearTimeout(st.timer);
    st.timer = undefined;
  }
  if (st.holding) release(st);
}

function schedule(st: Stream, fn: (st: Stream) => void, ms: number): void {
  st.timer = setTimeout(fn, ms, st);
}

function sendHeaders(st: Stream): void {
  st.res.writeHead(200, STREAM_HEADERS[st.p.format]);
  st.res.flushHeaders();
}

function recordFirstWrite(st: Stream): void {
  const writes = st.ctx.writes;
  if (writes !== undefined && st.p.id !== undefined) writes.set(st.p.id, process.hrtime.bigint());
}

/** Writes the next event (the first one after the delay), then schedules the rest. */
function onEvent(st: Stream): void {
  st.timer = undefined;
  if (st.closed) return;
  if (st.holding) release(st);
  const { res, p } = st;
  const events = p.events;
  if (st.sent < events) {
    const chunk = payload(p.format, ++st.sent, p);
    if (st.sent === 1) recordFirstWrite(st);
    res.write(chunk);
  }
  if (st.sent >= events) {
    res.end();
    return;
  }
  if (p.interval === 0) {
    while (st.sent < events) res.write(payload(p.format, ++st.sent, p));
    res.end();
    return;
  }
  // Token timing of the openai format is exact: a late timer does not push the later tokens back.
  schedule(st, onEvent, p.format === 'openai' ? Math.max(0, st.start + p.delay + st.sent * p.interval - performance.now()) : p.interval);
}

function onBuffered(st: Stream): void {
  st.timer = undefined;
  if (st.closed) return;
  const { res, p } = st;
  let body = '';
  for (let i = 1; i <= p.events; i++) body += payload(p.format, i, p);
  res.writeHead(200, STREAM_HEADERS[p.format]);
  if (p.events > 0) {
    recordFirstWrite(st);
    res.write(body); // headers + all events go out together
  }
  res.end();
}

function onStatus(st: Stream): void {
  st.timer = undefined;
  if (st.closed) return;
  if (st.p.code >= 400) logFailure(st.ctx, 'ServiceError', `demo failure ${st.p.code}`);
  st.res.writeHead(st.p.code, JSON_HEADERS);
  st.res.end(`{"error":{"message":"demo failure ${st.p.code}"}}`);
}

function onEnd(st: Stream): void {
  st.timer = undefined;
  if (st.closed) return;
  st.res.end();
}

function onResetFirst(st: Stream): void {
  st.timer = undefined;
  if (st.closed) return;
  logFailure(st.ctx, 'ConnectionResetError', 'the stream was cut after its first event');
  const chunk = payload(st.p.format, ++st.sent, st.p);
  recordFirstWrite(st);
  st.res.write(chunk);
  schedule(st, onKill, KILL_AFTER_MS);
}

function onMalformed(st: Stream): void {
  st.timer = undefined;
  if (st.closed) return;
  logFailure(st.ctx, 'ProtocolError', 'a malformed chunk was written');
  // Bypass node's http layer entirely: `res` is never written to, so it writes nothing.
  st.socket.write(MALFORMED_RESPONSE);
  schedule(st, onKill, KILL_AFTER_MS);
}

function onKill(st: Stream): void {
  st.timer = undefined;
  st.socket.destroy();
}

// --- pool mode

function poolFor(ctx: Ctx, limit: number): Pool {
  let pool = ctx.pools.get(limit);
  if (pool === undefined) {
    pool = { limit, active: 0, queue: [], head: 0 };
    ctx.pools.set(limit, pool);
  }
  return pool;
}

function acquire(st: Stream, pool: Pool): void {
  st.pool = pool;
  if (pool.active < pool.limit) startDelay(st, pool);
  else pool.queue.push(st);
}

function startDelay(st: Stream, pool: Pool): void {
  pool.active++;
  st.holding = true;
  schedule(st, onEvent, st.p.delay);
}

function release(st: Stream): void {
  st.holding = false;
  const pool = st.pool;
  if (pool === undefined) return;
  pool.active--;
  const q = pool.queue;
  while (pool.head < q.length && pool.active < pool.limit) {
    const next = q[pool.head];
    q[pool.head++] = undefined;
    if (next !== undefined && !next.closed) startDelay(next, pool);
  }
  if (pool.head === q.length) {
    q.length = 0;
    pool.head = 0;
  } else if (pool.head > 1024 && pool.head * 2 > q.length) {
    pool.queue = q.slice(pool.head);
    pool.head = 0;
  }
}

// ---------------------------------------------------------------------------
// request handling

function sendJsonError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, JSON_HEADERS);
  res.end(JSON.stringify({ error: { message } }));
}

function startStream(ctx: Ctx, req: IncomingMessage, res: DemoResponse, p: Params): void {
  const st: Stream = {
    ctx,
    res,
    socket: req.socket,
    p,
    sent: 0,
    start: performance.now(),
    timer: undefined,
    closed: false,
    pool: undefined,
    holding: false,
  };
  res.st = st;
  res.once('close', onResponseClose);
  if (ctx.log) appLog(ctx, 'INFO', `${req.method ?? 'GET'} ${(req.url ?? '/').split('?')[0]} mode=${p.mode}`);
  switch (p.mode) {
    case 'leak':
      // Touched (filled), so the pages count in the resident set.
      if (p.leak > 0) ctx.leaked.push(Buffer.alloc(p.leak * 1024, 1));
      sendHeaders(st);
      schedule(st, onEvent, p.delay);
      return;
    case 'async':
      sendHeaders(st);
      schedule(st, onEvent, p.delay);
      return;
    case 'blocking': {
      // Models an un-offloaded synchronous call: stalls the whole event loop.
      const end = performance.now() + p.delay;
      while (performance.now() < end) {
        /* busy-wait */
      }
      res.writeHead(200, STREAM_HEADERS[p.format]);
      if (p.events === 0) res.flushHeaders();
      onEvent(st);
      return;
    }
    case 'pool':
      sendHeaders(st);
      acquire(st, poolFor(ctx, p.workers));
      return;
    case 'buffered':
      schedule(st, onBuffered, p.delay + Math.max(0, p.events - 1) * p.interval);
      return;
    case 'status':
      schedule(st, onStatus, p.delay);
      return;
    case 'reset':
      sendHeaders(st);
      schedule(st, onResetFirst, p.delay);
      return;
    case 'hang':
      sendHeaders(st);
      return;
    case 'malformed':
      schedule(st, onMalformed, p.delay);
      return;
    case 'empty':
      sendHeaders(st);
      schedule(st, onEnd, p.delay);
      return;
  }
}

function respond(ctx: Ctx, req: IncomingMessage, res: DemoResponse): void {
  if (res.destroyed) return;
  const url = req.url ?? '/';
  const qi = url.indexOf('?');
  const path = qi === -1 ? url : url.slice(0, qi);
  if (path === '/healthz') {
    res.writeHead(200, TEXT_HEADERS);
    res.end('ok');
    return;
  }
  if (path === '/__writes') {
    const writes = ctx.writes;
    if (writes === undefined) {
      sendJsonError(res, 404, 'not found (record mode is off)');
    } else if (req.method === 'GET' || req.method === 'HEAD') {
      const out: Record<string, string> = {};
      for (const [id, ns] of writes) out[id] = ns.toString();
      res.writeHead(200, JSON_HEADERS);
      res.end(JSON.stringify(out));
    } else if (req.method === 'DELETE') {
      writes.clear();
      res.writeHead(204);
      res.end();
    } else {
      res.setHeader('Allow', 'GET, HEAD, DELETE');
      sendJsonError(res, 405, `method ${req.method ?? ''} not allowed on /__writes`);
    }
    return;
  }
  if (path === '/__timeline') {
    timeline(ctx, req, res);
    return;
  }
  const arrived = ctx.arrivals !== undefined ? process.hrtime.bigint() : 0n;
  const p = parseParams(qi === -1 ? '' : url.slice(qi + 1), ctx.writes !== undefined);
  if (typeof p === 'string') {
    sendJsonError(res, 400, p);
    return;
  }
  p.delay += ctx.extraDelayMs;
  // Record mode also takes the id from an `x-request-id` header (clients that cannot vary the URL).
  if (ctx.writes !== undefined && p.id === undefined) {
    const hid = req.headers['x-request-id'];
    if (typeof hid === 'string') p.id = hid;
  }
  if (ctx.arrivals !== undefined && p.id !== undefined) ctx.arrivals.set(p.id, arrived);
  startStream(ctx, req, res, p);
}

/** `{ connections, requests: { id: [arrival, firstWrite | null] } }` (hrtime ns as strings); DELETE clears. */
function timeline(ctx: Ctx, req: IncomingMessage, res: ServerResponse): void {
  const { writes, arrivals } = ctx;
  if (writes === undefined || arrivals === undefined) return sendJsonError(res, 404, 'not found (record mode is off)');
  if (req.method === 'DELETE') {
    writes.clear();
    arrivals.clear();
    ctx.connections = 0;
    res.writeHead(204);
    res.end();
    return;
  }
  const requests: Record<string, [string, string | null]> = {};
  for (const [id, ns] of arrivals) requests[id] = [ns.toString(), writes.get(id)?.toString() ?? null];
  res.writeHead(200, JSON_HEADERS);
  res.end(JSON.stringify({ connections: ctx.connections, requests }));
}

function hasBody(req: IncomingMessage): boolean {
  const h = req.headers;
  if (h['transfer-encoding'] !== undefined) return true;
  const cl = h['content-length'];
  return cl !== undefined && cl !== '0';
}

// ---------------------------------------------------------------------------

export function startDemoServer(opts: DemoServerOptions = {}): Promise<DemoServer> {
  const host = opts.host ?? '127.0.0.1';
  const extraDelayMs = opts.extraDelayMs ?? 0;
  if (!Number.isFinite(extraDelayMs) || extraDelayMs < 0) throw new Error(`demo server: invalid extraDelayMs ${extraDelayMs}`);
  const record = opts.record === true;
  const ctx: Ctx = {
    writes: record ? new Map() : undefined,
    arrivals: record ? new Map() : undefined,
    connections: 0,
    extraDelayMs,
    pools: new Map(),
    leaked: [],
    log: opts.log === undefined ? undefined : createWriteStream(opts.log, { flags: 'a' }),
  };
  const sockets = new Set<Socket>();
  const untrack = function (this: Socket): void {
    sockets.delete(this);
  };

  const server = createServer<typeof IncomingMessage, typeof DemoResponse>({ ServerResponse: DemoResponse }, (req, res) => {
    if (hasBody(req)) {
      // The response starts only once the request body has been read (and discarded).
      req.once('end', () => respond(ctx, req, res));
      req.resume();
    } else {
      req.resume();
      respond(ctx, req, res);
    }
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  server.requestTimeout = 0;
  server.on('connection', (socket: Socket) => {
    ctx.connections++;
    sockets.add(socket);
    socket.once('close', untrack);
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
      sockets.clear();
      ctx.pools.clear();
      ctx.leaked.length = 0;
      ctx.log?.end();
    });
    return closing;
  };

  return new Promise<DemoServer>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen({ port: opts.port ?? 0, host, backlog: 8192 }, () => {
      server.off('error', onError);
      const addr = server.address();
      if (addr === null || typeof addr === 'string') {
        server.close();
        reject(new Error('demo server: unexpected listen address'));
        return;
      }
      const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
      resolve({ url: `http://${shownHost}:${addr.port}`, port: addr.port, close });
    });
  });
}

// ---------------------------------------------------------------------------
// script entry point: node lib/src/demo/server.js [--port N] [--host H] [--record] [--extra-delay MS] [--log FILE]

function parseArgv(argv: readonly string[]): DemoServerOptions {
  const opts: DemoServerOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--record') {
      opts.record = true;
    } else if (a === '--log') {
      const v = argv[++i];
      if (v === undefined) throw new Error('--log needs a file');
      opts.log = v;
    } else if (a === '--port' || a === '--host' || a === '--extra-delay') {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      if (a === '--extra-delay') {
        if (!/^\d+(?:\.\d+)?$/.test(v)) throw new Error(`invalid --extra-delay "${v}" (milliseconds)`);
        opts.extraDelayMs = Number(v);
      } else if (a === '--port') {
        if (!/^\d+$/.test(v) || Number(v) > 65535) throw new Error(`invalid --port "${v}"`);
        opts.port = Number(v);
      } else {
        opts.host = v;
      }
    } else {
      throw new Error(`unknown argument "${a ?? ''}" (usage: server.js [--port N] [--host H] [--record] [--extra-delay MS] [--log FILE])`);
    }
  }
  return opts;
}

async function main(): Promise<void> {
  let opts: DemoServerOptions;
  try {
    opts = parseArgv(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const srv = await startDemoServer(opts);
  process.stdout.write(`listening ${srv.url}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void srv.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`demo server: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
