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
 * object per request, module-level timer callbacks, no per-request logging. This module serves
 * (routes, record mode, the socket set, the CLI); params.ts reads a request's parameters,
 * stream.ts runs its response, payload.ts writes its events.
 */
import { createWriteStream } from 'node:fs';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseParams } from './params.js';
import { JSON_HEADERS, TEXT_HEADERS } from './payload.js';
import { DemoResponse, type Ctx } from './state.js';
import { startStream } from './stream.js';

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

function sendJsonError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, JSON_HEADERS);
  res.end(JSON.stringify({ error: { message } }));
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
