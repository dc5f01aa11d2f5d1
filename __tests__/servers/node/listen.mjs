// Shared by the servers of this folder: listen on 127.0.0.1:0, print `PORT <n>` for the test, and
// answer GET /health. Each server is one small file (see README.md here).
import { createServer } from 'node:http';

/** Serves `handler` on a free port of 127.0.0.1 and prints `PORT <n>` once it listens. */
export function listen(handler) {
  const server = createServer((req, res) => {
    if (req.url === '/health') {
      res.end('ok');
      return;
    }
    handler(req, res, new URL(req.url ?? '/', 'http://localhost').searchParams);
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1', () => console.log(`PORT ${server.address().port}`));
  process.on('SIGTERM', () => process.exit(0));
}

/** An SSE event of about `size` bytes. */
export const event = (i, size) => `data: ${`w${i} `.padEnd(size, 'x')}\n\n`;

/** Streams `events` events `interval` ms apart, the first at once, then ends the response. */
export function stream(res, events, interval, size) {
  let i = 0;
  const next = () => {
    if (res.destroyed) return;
    res.write(event(i, size));
    if (++i < events) setTimeout(next, interval);
    else res.end();
  };
  next();
}

export const num = (params, name, fallback) => {
  const v = Number(params.get(name) ?? fallback);
  return Number.isFinite(v) ? v : fallback;
};

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Keeps the event loop (and one core) busy for `ms` of wall-clock time, as a synchronous call does. */
export function blockFor(ms) {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}
