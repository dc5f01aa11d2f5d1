// CPU-bound work on libuv's thread pool (4 threads by default): an async crypto.pbkdf2 of about
// `cpu` ms before the first chunk. The pool's threads share the machine's cores, so the requests served
// at once depend on the cores free at the time, not on a fixed pool size. Expected: `saturated`, said
// as CPU-bound when the estimate moves between stages — never a confident pool size.
// GET /chat?cpu=100&events=10&interval=50&size=60
import { pbkdf2, pbkdf2Sync } from 'node:crypto';
import { listen, num, stream } from './listen.mjs';

// Iterations for about 1 ms of one core, measured once at start.
const t0 = performance.now();
pbkdf2Sync('calibrate', 'salt', 20_000, 32, 'sha256');
const perMs = 20_000 / Math.max(1, performance.now() - t0);

listen((_req, res, q) => {
  const iterations = Math.max(1, Math.round(num(q, 'cpu', 100) * perMs));
  pbkdf2('secret', 'salt', iterations, 32, 'sha256', () => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    stream(res, num(q, 'events', 10), num(q, 'interval', 50), num(q, 'size', 60));
  });
});
