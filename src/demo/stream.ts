// One response of the demo server, as a state machine of module-level timer callbacks (the state
// travels as the timer's argument: no closure per request), and the pool mode's bounded workers.
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { appLog, logFailure } from './app-log.js';
import type { Params } from './params.js';
import { JSON_HEADERS, MALFORMED_RESPONSE, payload, STREAM_HEADERS } from './payload.js';
import type { Ctx, DemoResponse, Pool, Stream } from './state.js';

/** Gap between the last byte and the socket destroy in reset / malformed mode. */
const KILL_AFTER_MS = 10;

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

export function startStream(ctx: Ctx, req: IncomingMessage, res: DemoResponse, p: Params): void {
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
